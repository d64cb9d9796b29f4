-- The panel: every calendar month from the first to the latest beboere snapshot.
with

snapshots as (
    select distinct month_start from {{ ref('stg_beboere') }}
),

bounds as (
    select
        min(month_start) as first_month,
        max(month_start) as last_month
    from snapshots
),

series as (
    select
        cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date)
            as month_start
    from bounds
),

final as (
    select
        series.month_start,
        last_day(series.month_start) as month_end,
        strftime(series.month_start, '%Y-%m') as month_label,
        cast(date_trunc('quarter', series.month_start) as date) as quarter_start,
        strftime(series.month_start, '%Y') || '-Q' || quarter(series.month_start) as quarter_label,
        cast(date_trunc('year', series.month_start) as date) as year_start,
        strftime(series.month_start, '%Y') as year_label,
        snapshots.month_start is not null as has_snapshot,
        series.month_start = bounds.last_month as is_latest
    from series
    cross join bounds
    left join snapshots on series.month_start = snapshots.month_start
)

select * from final
