-- Published: indicator_values restricted to the delaftale beskaeftigelse.
with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

final as (
    select * from indicator_values
    where delaftale = 'beskaeftigelse'
)

select * from final
