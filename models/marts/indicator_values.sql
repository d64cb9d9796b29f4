-- Published: one row per indicator x period x area x sex with the columns of the published
-- interface (docs/indicators.md). A suppressed cell keeps its row, figures NULL.
with

cells as (
    select * from {{ ref('indicator_values_unsuppressed') }}
),

final as (
    select
        indicator_id,
        delaftale,
        period_type,
        period,
        period_start,
        area,
        sex,
        case when not is_suppressed then numerator end as numerator,
        case when not is_suppressed then denominator end as denominator,
        case when not is_suppressed then value end as value,
        is_suppressed,
        is_complete
    from cells
)

select * from final
