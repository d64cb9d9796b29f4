-- Published: one row per indicator x period x area x sex with the columns of the published
-- interface (docs/indicators.md). A suppressed cell keeps its row, figures NULL.
with

cells as (
    select * from {{ ref('indicator_values_unsuppressed') }}
),

final as (
    select
        {{ published_columns('cells', blanked=['numerator', 'denominator', 'value']) }}
    from cells
)

select * from final
