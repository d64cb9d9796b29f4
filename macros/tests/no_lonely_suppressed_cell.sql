{#- Secondary suppression holds: within one indicator and period, no additive group - the areas
    of a sex with their total area `all`, or female/male of an area with their total sex `all` -
    holds exactly one suppressed cell. This includes the spec's rule (one suppressed member
    beside a published total) and a suppressed total beside published members (their sum). -#}
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
            sum(case when is_suppressed then 1 else 0 end) as suppressed
        from cells
        group by indicator_id, period_type, period, sex
    ),

    by_sex as (
        select
            indicator_id,
            period_type,
            period,
            'area=' || area as grp,
            sum(case when is_suppressed then 1 else 0 end) as suppressed
        from cells
        group by indicator_id, period_type, period, area
    )

    select * from by_area where suppressed = 1
    union all
    select * from by_sex where suppressed = 1
{% endtest %}
