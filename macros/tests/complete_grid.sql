{#- The full grid: every indicator period of int_indicator_periods (of `period_types`, default
    all) has one cell per area and sex: (resident areas + 1) x 3 for person-based indicators,
    (all areas + 1) x 1 for S_BROBYGNING; and no other cell exists. -#}
{% test complete_grid(model, period_types=none) %}
    with

    cells as (
        select * from {{ model }}
    ),

    periods as (
        select * from {{ ref('int_indicator_periods') }}
        where {{ "period_type in ('" ~ (period_types | join("', '")) ~ "')" if period_types else 'true' }}
    ),

    catalogue as (
        select * from {{ ref('indicators') }}
    ),

    area_counts as (
        select
            sum(case when has_residents then 1 else 0 end) as resident_areas,
            count(*) as all_areas
        from {{ ref('int_areas') }}
    ),

    expected as (
        select
            periods.indicator_id,
            periods.period_type,
            periods.period,
            case
                when catalogue.person_based then (area_counts.resident_areas + 1) * 3
                else area_counts.all_areas + 1
            end as expected_cells
        from periods
        inner join catalogue on periods.indicator_id = catalogue.indicator_id
        cross join area_counts
    ),

    actual as (
        select
            indicator_id,
            period_type,
            period,
            count(*) as actual_cells
        from cells
        group by indicator_id, period_type, period
    )

    select *
    from expected
    full outer join actual using (indicator_id, period_type, period)
    where coalesce(expected.expected_cells, -1) <> coalesce(actual.actual_cells, -1)
{% endtest %}
