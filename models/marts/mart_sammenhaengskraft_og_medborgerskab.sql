-- Published: indicator_values restricted to the delaftale sammenhaengskraft_og_medborgerskab.
with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

final as (
    select * from indicator_values
    where delaftale = 'sammenhaengskraft_og_medborgerskab'
)

select * from final
