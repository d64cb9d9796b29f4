-- Completeness per indicator and panel month: complete when every source the indicator reads has
-- a current delivery for the month, or is not expected in it (July for skole). A yearly
-- indicator reads its sources in June of the exam year: beboere of June, and karakterer of the
-- school year ending then (whose period_start is that June).
with

indicator_sources as (
    select * from {{ ref('int_indicator_sources') }}
),

months as (
    select * from {{ ref('int_months') }}
),

deliveries as (
    select * from {{ ref('audit_current_deliveries') }}
),

source_months as (
    select
        indicator_sources.indicator_id,
        months.month_start,
        indicator_sources.source,
        deliveries.load_id is not null as is_delivered,
        list_contains(indicator_sources.months_not_expected, month(months.month_start))
            as is_not_expected
    from indicator_sources
    cross join months
    left join deliveries
        on
            indicator_sources.source = deliveries.source
            and months.month_start = deliveries.period_start
),

final as (
    select
        indicator_id,
        month_start,
        bool_and(is_delivered or is_not_expected) as is_complete,
        coalesce(
            list_sort(list(source) filter (where not is_delivered and not is_not_expected)),
            cast([] as varchar[])
        ) as missing_sources
    from source_months
    group by indicator_id, month_start
)

select * from final
