-- Which months feed which period of each indicator. A flow sums all months of the period; a
-- stock (S_AKTIVE_FRIVILLIGE) takes the last month of the period with a beboere snapshot; a
-- yearly indicator (U_DANSK_MAT_02, exam year Y) is fed by the June snapshot of Y.
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
        case
            when periods.period_type = 'month' then periods.period_start
            else periods.last_snapshot_month
        end as month_start
    from catalogue
    cross join periods
    where
        catalogue.grain = 'month'
        and catalogue.aggregation = 'stock'
        and (periods.period_type = 'month' or periods.last_snapshot_month is not null)
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
