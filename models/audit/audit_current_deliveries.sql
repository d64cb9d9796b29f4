-- The current delivery of each (source, period): the latest load that holds the period (a file
-- holds a period only through rows it loaded), with how many loads have held it. The one place
-- that says which file supplies a period; delivery status, completeness and the gate read it.
with

period_log as (
    select * from {{ ref('stg_period_log') }}
),

ranked as (
    select
        source,
        period,
        period_start,
        load_id,
        rows_loaded,
        loaded_at,
        count(*) over (partition by source, period) as deliveries,
        row_number() over (
            partition by source, period order by loaded_at desc, load_id desc
        ) as recency
    from period_log
),

final as (
    select
        source,
        period,
        period_start,
        load_id,
        rows_loaded,
        loaded_at,
        deliveries
    from ranked
    where recency = 1
)

select * from final
