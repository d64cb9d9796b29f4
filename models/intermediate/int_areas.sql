-- The areas every indicator is computed for: the areas of beboere (person-based indicators)
-- and, for the activity-based S_BROBYGNING, also areas where sessions were held.
with

resident_areas as (
    select distinct area from {{ ref('stg_beboere') }}
),

session_areas as (
    select distinct area from {{ ref('int_sessions') }}
),

final as (
    select
        coalesce(resident_areas.area, session_areas.area) as area,
        resident_areas.area is not null as has_residents,
        session_areas.area is not null as has_sessions
    from resident_areas
    full outer join session_areas on resident_areas.area = session_areas.area
)

select * from final
