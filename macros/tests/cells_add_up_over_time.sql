{#- The time hierarchy that disclosure control protects: within one indicator, area and sex, a flow
    quarter's numerator and denominator are the sums of its months' and a flow year's the sums of
    its quarters' (members as int_indicator_period_months feeds them); a stock period equals the
    month that feeds it. Relative tolerance for floating-point sums. Fails per mismatching cell. -#}
{% test cells_add_up_over_time(model) %}
    with

    cells as (
        select * from {{ model }}
        where numerator is not null
    ),

    catalogue as (
        select * from {{ ref('indicators') }}
    ),

    period_months as (
        select * from {{ ref('int_indicator_period_months') }}
    ),

    month_periods as (
        select
            indicator_id,
            period,
            month_start
        from period_months
        where period_type = 'month'
    ),

    -- Flows: a quarter's months; a year's quarters (those sharing a month with it).
    flow_links as (
        select
            totals.indicator_id,
            totals.period_type as total_type,
            totals.period as total,
            'month' as member_type,
            month_periods.period as member
        from period_months as totals
        inner join catalogue on totals.indicator_id = catalogue.indicator_id
        inner join month_periods
            on
                totals.indicator_id = month_periods.indicator_id
                and totals.month_start = month_periods.month_start
        where catalogue.aggregation = 'flow' and totals.period_type = 'quarter'
        union
        select
            years.indicator_id,
            'year' as total_type,
            years.period as total,
            'quarter' as member_type,
            quarters.period as member
        from period_months as years
        inner join catalogue on years.indicator_id = catalogue.indicator_id
        inner join period_months as quarters
            on
                years.indicator_id = quarters.indicator_id
                and years.month_start = quarters.month_start
        where
            catalogue.aggregation = 'flow'
            and years.period_type = 'year'
            and quarters.period_type = 'quarter'
    ),

    -- Stocks: a quarter, year or rolling12 and the one month that feeds it.
    stock_links as (
        select
            totals.indicator_id,
            totals.period_type as total_type,
            totals.period as total,
            'month' as member_type,
            month_periods.period as member
        from period_months as totals
        inner join catalogue on totals.indicator_id = catalogue.indicator_id
        inner join month_periods
            on
                totals.indicator_id = month_periods.indicator_id
                and totals.month_start = month_periods.month_start
        where catalogue.aggregation = 'stock' and totals.period_type <> 'month'
    ),

    links as (
        select * from flow_links
        union all
        select * from stock_links
    ),

    linked_totals as (
        select distinct
            indicator_id,
            total_type,
            total
        from links
    ),

    member_sums as (
        select
            links.indicator_id,
            links.total_type,
            links.total,
            members.area,
            members.sex,
            sum(members.numerator) as numerator,
            sum(members.denominator) as denominator
        from links
        inner join cells as members
            on
                links.indicator_id = members.indicator_id
                and links.member_type = members.period_type
                and links.member = members.period
        group by links.indicator_id, links.total_type, links.total, members.area, members.sex
    )

    select
        totals.indicator_id,
        totals.period_type,
        totals.period,
        totals.area,
        totals.sex,
        totals.numerator,
        member_sums.numerator as members_numerator,
        totals.denominator,
        member_sums.denominator as members_denominator
    from cells as totals
    inner join linked_totals
        on
            totals.indicator_id = linked_totals.indicator_id
            and totals.period_type = linked_totals.total_type
            and totals.period = linked_totals.total
    left join member_sums
        on
            totals.indicator_id = member_sums.indicator_id
            and totals.period_type = member_sums.total_type
            and totals.period = member_sums.total
            and totals.area = member_sums.area
            and totals.sex = member_sums.sex
    where
        abs(totals.numerator - coalesce(member_sums.numerator, 0))
        > 1e-9 * greatest(1, abs(totals.numerator))
        or abs(totals.denominator - coalesce(member_sums.denominator, 0))
        > 1e-9 * greatest(1, abs(totals.denominator))
{% endtest %}
