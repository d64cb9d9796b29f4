-- S_DELTAGELSE: all residents R(m, a); numerator = those with at least one deltagelse row
-- (any rolle, any activity, any area) dated in m.
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

deltagelse as (
    select * from {{ ref('stg_deltagelse') }}
),

participant_months as (
    select distinct
        person_id,
        month_start
    from deltagelse
    where person_id is not null
),

final as (
    select
        'S_DELTAGELSE' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        participant_months.person_id is not null as in_numerator,
        case when participant_months.person_id is not null then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from residents
    left join participant_months
        on
            residents.person_id = participant_months.person_id
            and residents.month_start = participant_months.month_start
)

select * from final
