-- Every cell of int_indicator_cells with its disclosure decision (all period types, incl. the
-- internal rolling12). Figures stay unsuppressed here; the published marts blank them.
with

cells as (
    select * from {{ ref('int_indicator_cells') }}
),

{{ disclosure_control(
    'cells', var('disclosure_k') | int, var('secondary_suppression_rounds') | int
) }}

final as (
    select * from disclosed
)

select * from final
