-- Published: indicator_values restricted to the delaftale uddannelse_og_livschancer.
with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

final as (
    select * from indicator_values
    where delaftale = 'uddannelse_og_livschancer'
)

select * from final
