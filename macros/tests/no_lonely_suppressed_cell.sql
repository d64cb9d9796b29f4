{#- Secondary suppression holds: within one indicator and period no group (the areas of a sex,
    or female/male of an area) has exactly one suppressed cell while its total `all` is published. -#}
{% test no_lonely_suppressed_cell(model) %}
    with

    cells as (
        select * from {{ model }}
    ),

    by_area as (
        select
            indicator_id,
            period_type,
            period,
            'sex=' || sex as grp,
            sum(case when area <> 'all' and is_suppressed then 1 else 0 end) as suppressed,
            bool_or(area = 'all' and not is_suppressed) as total_published
        from cells
        group by indicator_id, period_type, period, sex
    ),

    by_sex as (
        select
            indicator_id,
            period_type,
            period,
            'area=' || area as grp,
            sum(case when sex <> 'all' and is_suppressed then 1 else 0 end) as suppressed,
            bool_or(sex = 'all' and not is_suppressed) as total_published
        from cells
        group by indicator_id, period_type, period, area
    )

    select * from by_area where suppressed = 1 and total_published
    union all
    select * from by_sex where suppressed = 1 and total_published
{% endtest %}
