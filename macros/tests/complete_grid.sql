{#- The full grid: the model holds exactly the cells of audit_indicator_grid (of `period_types`,
    default all), each once: no cell missing, none extra, none twice. -#}
{% test complete_grid(model, period_types=none) %}
    with

    grid as (
        select
            indicator_id,
            period_type,
            period,
            area,
            sex
        from {{ ref('audit_indicator_grid') }}
        where {{ "period_type in ('" ~ (period_types | join("', '")) ~ "')" if period_types else 'true' }}
    ),

    cells as (
        select
            indicator_id,
            period_type,
            period,
            area,
            sex,
            count(*) as copies
        from {{ model }}
        group by indicator_id, period_type, period, area, sex
    )

    select
        coalesce(grid.indicator_id, cells.indicator_id) as indicator_id,
        coalesce(grid.period_type, cells.period_type) as period_type,
        coalesce(grid.period, cells.period) as period,
        coalesce(grid.area, cells.area) as area,
        coalesce(grid.sex, cells.sex) as sex,
        grid.indicator_id is not null as in_grid,
        coalesce(cells.copies, 0) as copies
    from grid
    full outer join cells
        on
            grid.indicator_id = cells.indicator_id
            and grid.period_type = cells.period_type
            and grid.period = cells.period
            and grid.area = cells.area
            and grid.sex = cells.sex
    where grid.indicator_id is null or coalesce(cells.copies, 0) <> 1
{% endtest %}
