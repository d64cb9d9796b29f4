-- Calendar periods of the panel for monthly indicators: months, quarters, years, and the
-- internal `rolling12` window (the latest 12 months, used for indicator_status only).
-- A period is complete when every one of its months has a beboere snapshot.
with

months as (
    select * from {{ ref('int_months') }}
),

latest as (
    select max(month_start) as last_month from months
),

period_months as (
    select
        'month' as period_type,
        month_label as period,
        month_start as period_start,
        month_end as period_end,
        1 as months_in_period,
        month_start,
        has_snapshot
    from months

    union all

    select
        'quarter' as period_type,
        quarter_label as period,
        quarter_start as period_start,
        last_day(cast(quarter_start + interval 2 month as date)) as period_end,
        3 as months_in_period,
        month_start,
        has_snapshot
    from months

    union all

    select
        'year' as period_type,
        year_label as period,
        year_start as period_start,
        make_date(year(year_start), 12, 31) as period_end,
        12 as months_in_period,
        month_start,
        has_snapshot
    from months

    union all

    select
        'rolling12' as period_type,
        strftime(cast(latest.last_month - interval 11 month as date), '%Y-%m')
        || '..' || strftime(latest.last_month, '%Y-%m') as period,
        cast(latest.last_month - interval 11 month as date) as period_start,
        last_day(latest.last_month) as period_end,
        12 as months_in_period,
        months.month_start,
        months.has_snapshot
    from months
    cross join latest
    where months.month_start > latest.last_month - interval 12 month
),

final as (
    select
        period_type,
        period,
        period_start,
        period_end,
        sum(case when has_snapshot then 1 else 0 end) = max(months_in_period) as is_complete,
        max(case when has_snapshot then month_start end) as last_snapshot_month
    from period_months
    group by period_type, period, period_start, period_end
)

select * from final
