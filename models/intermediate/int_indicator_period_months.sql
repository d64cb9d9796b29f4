-- Which months feed which period of each indicator. A flow sums all months of the period; a
-- stock (S_AKTIVE_FRIVILLIGE) takes the last month of the period that has its data, i.e. is
-- complete for it (int_indicator_months); a yearly indicator (U_DANSK_MAT_02, exam year Y) is
-- fed by the June snapshot of Y.
with

catalogue as (
    select * from {{ ref('indicators') }}
),

periods as (
    select * from {{ ref('int_periods') }}
),

months as (
    select * from {{ ref('int_months') }}
),

indicator_periods as (
    select * from {{ ref('int_indicator_periods') }}
),

indicator_months as (
    select * from {{ ref('int_indicator_months') }}
),

last_complete_month as (
    select
        indicator_months.indicator_id,
        periods.period_type,
        periods.period,
        max(indicator_months.month_start) as month_start
    from periods
    inner join indicator_months
        on indicator_months.month_start between periods.period_start and periods.period_end
    where periods.period_type <> 'month' and indicator_months.is_complete
    group by indicator_months.indicator_id, periods.period_type, periods.period
),

monthly_flow as (
    select
        catalogue.indicator_id,
        periods.period_type,
        periods.period,
        months.month_start
    from catalogue
    cross join periods
    inner join months
        on months.month_start between periods.period_start and periods.period_end
    where catalogue.grain = 'month' and catalogue.aggregation = 'flow'
),

monthly_stock as (
    select
        catalogue.indicator_id,
        periods.period_type,
        periods.period,
        periods.period_start as month_start
    from catalogue
    cross join periods
    where
        catalogue.grain = 'month'
        and catalogue.aggregation = 'stock'
        and periods.period_type = 'month'

    union all

    select
        catalogue.indicator_id,
        last_complete_month.period_type,
        last_complete_month.period,
        last_complete_month.month_start
    from catalogue
    inner join last_complete_month on catalogue.indicator_id = last_complete_month.indicator_id
    where catalogue.grain = 'month' and catalogue.aggregation = 'stock'
),

yearly as (
    select
        catalogue.indicator_id,
        indicator_periods.period_type,
        indicator_periods.period,
        make_date(year(indicator_periods.period_start), 6, 1) as month_start
    from catalogue
    inner join indicator_periods on catalogue.indicator_id = indicator_periods.indicator_id
    where catalogue.grain = 'year'
),

final as (
    select * from monthly_flow
    union all
    select * from monthly_stock
    union all
    select * from yearly
)

select * from final
