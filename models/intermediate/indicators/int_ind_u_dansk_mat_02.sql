-- U_DANSK_MAT_02, exam year Y: persons with at least one karakterer row in school year Y-1/Y who
-- live in the plan's areas in the beboere snapshot of June Y (area from that snapshot; others are
-- left out). Numerator: dansk >= 2.0 and matematik >= 2.0; a missing subject is not passed.
-- Rows carry month_start = June 1 of Y, the snapshot that places them.
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

karakterer as (
    select * from {{ ref('stg_karakterer') }}
),

exams as (
    select
        exam_year,
        person_id,
        max(case when subject = 'dansk' then grade end) as danish,
        max(case when subject = 'matematik' then grade end) as maths
    from karakterer
    group by exam_year, person_id
),

final as (
    select
        'U_DANSK_MAT_02' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        coalesce(exams.danish >= 2.0 and exams.maths >= 2.0, false) as in_numerator,
        case when exams.danish >= 2.0 and exams.maths >= 2.0 then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from exams
    inner join residents
        on
            exams.person_id = residents.person_id
            and residents.month_start = make_date(exams.exam_year, 6, 1)
)

select * from final
