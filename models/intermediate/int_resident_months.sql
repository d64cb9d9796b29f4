-- R(m, a): one row per resident and month with the area (and afdeling) of that month's snapshot
-- and the age in completed years on the month's last day.
with

beboere as (
    select * from {{ ref('stg_beboere') }}
),

final as (
    select
        month_start,
        person_id,
        area,
        department,
        sex,
        birth_date,
        {{ age_in_years('birth_date', 'last_day(month_start)') }} as age
    from beboere
)

select * from final
