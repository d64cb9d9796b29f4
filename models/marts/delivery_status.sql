-- Published: one row per source x period from the first to the latest beboere month (karakterer
-- per school year whose June exams fall in that span): received, corrected (more than one
-- delivery), rejected (only rejected files name the period) or missing. The report's heatmap.
with

months as (
    select * from {{ ref('int_months') }}
),

period_log as (
    select * from {{ ref('stg_period_log') }}
),

load_log as (
    select * from {{ ref('stg_load_log') }}
),

quarantine as (
    select * from {{ ref('stg_quarantine') }}
),

monthly_sources as (
    select unnest(['beboere', 'skole', 'beskaeftigelse', 'deltagelse']) as source
),

expected as (
    select
        monthly_sources.source,
        months.month_label as period,
        months.month_start as period_start
    from monthly_sources
    cross join months

    union all

    select
        'karakterer' as source,
        cast(year(month_start) - 1 as varchar) || '/'
        || right(cast(year(month_start) as varchar), 2) as period,
        month_start as period_start
    from months
    where month(month_start) = 6
),

deliveries as (
    select
        source,
        period,
        load_id,
        rows_loaded,
        count(*) over (partition by source, period) as deliveries,
        row_number() over (
            partition by source, period order by loaded_at desc, load_id desc
        ) as recency
    from period_log
),

current_delivery as (
    select * from deliveries
    where recency = 1
),

rejections as (
    select
        source,
        period_hint as period,
        count(*) as rejected_files
    from load_log
    where outcome = 'rejected' and period_hint is not null
    group by source, period_hint
),

quarantined as (
    select
        load_id,
        source,
        period,
        count(*) as rows_quarantined
    from quarantine
    group by load_id, source, period
),

final as (
    select
        cast(expected.source as varchar) as source,
        cast(expected.period as varchar) as period,
        cast(expected.period_start as date) as period_start,
        cast(case
            when current_delivery.deliveries > 1 then 'corrected'
            when current_delivery.deliveries = 1 then 'received'
            when rejections.rejected_files > 0 then 'rejected'
            else 'missing'
        end as varchar) as status,
        cast(coalesce(current_delivery.deliveries, rejections.rejected_files, 0) as integer)
            as files,
        cast(coalesce(current_delivery.rows_loaded, 0) as bigint) as rows_loaded,
        cast(coalesce(quarantined.rows_quarantined, 0) as bigint) as rows_quarantined
    from expected
    left join current_delivery
        on
            expected.source = current_delivery.source
            and expected.period = current_delivery.period
    left join rejections
        on
            expected.source = rejections.source
            and expected.period = rejections.period
    left join quarantined
        on
            current_delivery.load_id = quarantined.load_id
            and expected.source = quarantined.source
            and expected.period = quarantined.period
    order by
        case expected.source
            when 'beboere' then 1
            when 'skole' then 2
            when 'karakterer' then 3
            when 'beskaeftigelse' then 4
            else 5
        end,
        expected.period_start
)

select * from final
