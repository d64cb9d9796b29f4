-- U_FRAVAER: over skole rows of klassetrin 0-9 of residents R(m, a), numerator = days absent,
-- denominator = school days. Persons are the distinct pupils; a pupil "in the numerator" is one
-- with any absence (not used for disclosure: only the persons rule applies to this indicator).
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

pupils as (
    select * from {{ ref('int_pupil_months') }}
),

final as (
    select
        'U_FRAVAER' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        pupils.absence_days > 0 as in_numerator,
        cast(pupils.absence_days as double) as numerator,
        cast(pupils.school_days as double) as denominator
    from residents
    inner join pupils
        on
            residents.person_id = pupils.person_id
            and residents.month_start = pupils.month_start
    where pupils.is_grade_0_9_pupil
)

select * from final
