-- Published: one row per source x period from the first to the latest beboere month (karakterer
-- per school year whose June exams fall in that span): received, corrected (more than one
-- delivery), rejected (only rejected files name the period), not_expected (a month in which the
-- source delivers nothing, per the sources seed: skole in July) or missing. The report's heatmap.
with

months as (
    select * from {{ ref('int_months') }}
),

source_rules as (
    select * from {{ ref('int_sources') }}
),

current_delivery as (
    select * from {{ ref('audit_current_deliveries') }}
),

load_log as (
    select * from {{ ref('stg_load_log') }}
),

quarantine as (
    select * from {{ ref('stg_quarantine') }}
),

expected as (
    select
        source_rules.source,
        source_rules.sort_order,
        months.month_label as period,
        months.month_start as period_start,
        list_contains(source_rules.months_not_expected, month(months.month_start))
            as is_not_expected
    from source_rules
    cross join months
    where source_rules.grain = 'month'

    union all

    select
        source_rules.source,
        source_rules.sort_order,
        cast(year(months.month_start) - 1 as varchar) || '/'
        || right(cast(year(months.month_start) as varchar), 2) as period,
        months.month_start as period_start,
        false as is_not_expected
    from source_rules
    cross join months
    where source_rules.grain = 'school_year' and month(months.month_start) = 6
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
            when expected.is_not_expected then 'not_expected'
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
    order by expected.sort_order, expected.period_start
)

select * from final
