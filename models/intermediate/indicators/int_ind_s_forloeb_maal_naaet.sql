-- S_FORLOEB_MAAL_NAAET: residents R(m, a) with a course in the forloeb snapshot of m that ended
-- in m, not because they moved away (course_codes.counts_as_ended); numerator = those with the
-- goal reached (course_codes.is_goal_reached) on at least one such course.
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

courses as (
    select * from {{ ref('stg_forloeb') }}
),

endings as (
    select * from {{ ref('course_codes') }}
    where kind = 'afslutning'
),

ended_months as (
    select
        courses.person_id,
        courses.month_start,
        bool_or(endings.is_goal_reached) as goal_reached
    from courses
    inner join endings on courses.ending = endings.code
    where
        date_trunc('month', courses.end_date) = courses.month_start
        and endings.counts_as_ended
    group by courses.person_id, courses.month_start
),

final as (
    select
        'S_FORLOEB_MAAL_NAAET' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        ended_months.goal_reached as in_numerator,
        case when ended_months.goal_reached then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from residents
    inner join ended_months
        on
            residents.person_id = ended_months.person_id
            and residents.month_start = ended_months.month_start
)

select * from final
