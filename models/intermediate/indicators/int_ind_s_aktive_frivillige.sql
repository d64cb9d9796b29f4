-- S_AKTIVE_FRIVILLIGE: residents R(m, a) aged 18+ at month end; numerator = those with a
-- deltagelse row with rolle frivillig dated in months m-11 .. m (any activity, any area). The
-- window's length is the catalogue's months_read_before (11), the one place it is written.
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

deltagelse as (
    select * from {{ ref('stg_deltagelse') }}
),

catalogue as (
    select * from {{ ref('indicators') }}
    where indicator_id = 'S_AKTIVE_FRIVILLIGE'
),

volunteer_months as (
    select distinct
        person_id,
        month_start
    from deltagelse
    where role = 'frivillig' and person_id is not null
),

active_volunteers as (
    select distinct
        residents.person_id,
        residents.month_start
    from residents
    cross join catalogue
    inner join volunteer_months
        on
            residents.person_id = volunteer_months.person_id
            and volunteer_months.month_start
            between cast(residents.month_start - to_months(catalogue.months_read_before) as date)
            and residents.month_start
),

final as (
    select
        'S_AKTIVE_FRIVILLIGE' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        active_volunteers.person_id is not null as in_numerator,
        case when active_volunteers.person_id is not null then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from residents
    left join active_volunteers
        on
            residents.person_id = active_volunteers.person_id
            and residents.month_start = active_volunteers.month_start
    where residents.age >= 18
)

select * from final
