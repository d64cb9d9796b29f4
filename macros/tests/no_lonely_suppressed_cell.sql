{#- Secondary suppression holds: no additive group holds exactly one suppressed cell. Groups: within
    one indicator and period, the areas of a sex with their total area `all`, and female/male of an
    area with their total sex `all`; within one flow indicator, area and sex, the months of a
    quarter with the quarter and the quarters of a year with the year (members as
    int_indicator_period_months sums them; a period in which the indicator has nobody at all is
    known to be empty and no member; a group needs a member). A stock period and the month that
    feeds it are suppressed alike. Fails with one row per offending group. -#}
{% test no_lonely_suppressed_cell(model) %}
    with

    cells as (
        select
            indicator_id,
            period_type,
            period,
            area,
            sex,
            is_suppressed
        from {{ model }}
    ),

    catalogue as (
        select * from {{ ref('indicators') }}
    ),

    period_months as (
        select * from {{ ref('int_indicator_period_months') }}
    ),

    months as (
        select
            indicator_id,
            period,
            month_start
        from period_months
        where period_type = 'month'
    ),

    empty_periods as (
        select
            indicator_id,
            period_type,
            period
        from {{ ref('int_indicator_cells') }}
        where area = 'all' and sex = 'all' and persons = 0
    ),

    by_area as (
        select
            indicator_id,
            'sex=' || sex || ' ' || period_type || '=' || period as grp,
            sum(case when is_suppressed then 1 else 0 end) as suppressed
        from cells
        group by indicator_id, period_type, period, sex
    ),

    by_sex as (
        select
            indicator_id,
            'area=' || area || ' ' || period_type || '=' || period as grp,
            sum(case when is_suppressed then 1 else 0 end) as suppressed
        from cells
        group by indicator_id, period_type, period, area
    ),

    -- Flows: the months of each quarter and year, by the months that feed them.
    flow_period_months as (
        select period_months.*
        from period_months
        inner join catalogue on period_months.indicator_id = catalogue.indicator_id
        where catalogue.aggregation = 'flow' and period_months.period_type in ('quarter', 'year')
    ),

    month_in_quarter as (
        select
            flow_period_months.indicator_id,
            months.period as member,
            'month' as member_type,
            flow_period_months.period as total,
            'quarter' as total_type
        from flow_period_months
        inner join months
            on
                flow_period_months.indicator_id = months.indicator_id
                and flow_period_months.month_start = months.month_start
        where flow_period_months.period_type = 'quarter'
    ),

    quarter_in_year as (
        select distinct
            quarters.indicator_id,
            quarters.period as member,
            'quarter' as member_type,
            years.period as total,
            'year' as total_type
        from flow_period_months as quarters
        inner join flow_period_months as years
            on
                quarters.indicator_id = years.indicator_id
                and quarters.month_start = years.month_start
        where quarters.period_type = 'quarter' and years.period_type = 'year'
    ),

    time_links as (
        select * from month_in_quarter
        union all
        select * from quarter_in_year
    ),

    time_groups as (
        select
            time_links.indicator_id,
            time_links.total_type,
            time_links.total,
            time_links.member_type as period_type,
            time_links.member as period
        from time_links
        left join empty_periods
            on
                time_links.indicator_id = empty_periods.indicator_id
                and time_links.member_type = empty_periods.period_type
                and time_links.member = empty_periods.period
        where empty_periods.period is null
        union all
        select distinct
            indicator_id,
            total_type,
            total,
            total_type as period_type,
            total as period
        from time_links
    ),

    by_time as (
        select
            time_groups.indicator_id,
            'area=' || cells.area || ' sex=' || cells.sex || ' ' || time_groups.total_type || '='
            || time_groups.total as grp,
            sum(case when cells.is_suppressed then 1 else 0 end) as suppressed
        from time_groups
        inner join cells
            on
                time_groups.indicator_id = cells.indicator_id
                and time_groups.period_type = cells.period_type
                and time_groups.period = cells.period
        group by
            time_groups.indicator_id, time_groups.total_type, time_groups.total, cells.area,
            cells.sex
        having sum(case when time_groups.period_type <> time_groups.total_type then 1 else 0 end) > 0
    ),

    -- Stocks: a period and the month whose figures it shows.
    by_stock_month as (
        select
            period_months.indicator_id,
            'area=' || cells.area || ' sex=' || cells.sex || ' stock month='
            || strftime(period_months.month_start, '%Y-%m') as grp,
            -- 1 when suppression is mixed: the published twin shows the suppressed figures.
            case when bool_or(cells.is_suppressed) <> bool_and(cells.is_suppressed) then 1 end
                as suppressed
        from period_months
        inner join catalogue on period_months.indicator_id = catalogue.indicator_id
        inner join cells
            on
                period_months.indicator_id = cells.indicator_id
                and period_months.period_type = cells.period_type
                and period_months.period = cells.period
        where catalogue.aggregation = 'stock'
        group by period_months.indicator_id, period_months.month_start, cells.area, cells.sex
    )

    select * from by_area where suppressed = 1
    union all
    select * from by_sex where suppressed = 1
    union all
    select * from by_time where suppressed = 1
    union all
    select * from by_stock_month where suppressed = 1
{% endtest %}
