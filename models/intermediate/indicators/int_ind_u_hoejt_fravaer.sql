-- U_HOEJT_FRAVAER: pupils of klassetrin 0-9 among residents R(m, a) with school days > 0 (days
-- of all their rows in the month summed); numerator = absence strictly above 10 % of school days.
-- Compared as absence * 10 > school days: exact for half days, no floating-point edge at 10 %.
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

pupils as (
    select * from {{ ref('int_pupil_months') }}
),

final as (
    select
        'U_HOEJT_FRAVAER' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        pupils.absence_days * 10 > pupils.school_days as in_numerator,
        case when pupils.absence_days * 10 > pupils.school_days then 1.0 else 0.0 end
            as numerator,
        1.0 as denominator
    from residents
    inner join pupils
        on
            residents.person_id = pupils.person_id
            and residents.month_start = pupils.month_start
    where pupils.is_grade_0_9_pupil and pupils.school_days > 0
)

select * from final
