-- S_KOORDINEREDE_FORLOEB: all residents R(m, a); numerator = those with a course in the forloeb
-- snapshot of m that is open in m (started by the month's last day, not ended before its first)
-- and coordinates at least 2 distinct actors.
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

courses as (
    select * from {{ ref('stg_forloeb') }}
),

coordinated_months as (
    select distinct
        person_id,
        month_start
    from courses
    where
        start_date <= last_day(month_start)
        and (end_date is null or end_date >= month_start)
        and actor_count >= 2
),

final as (
    select
        'S_KOORDINEREDE_FORLOEB' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        coordinated_months.person_id is not null as in_numerator,
        case when coordinated_months.person_id is not null then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from residents
    left join coordinated_months
        on
            residents.person_id = coordinated_months.person_id
            and residents.month_start = coordinated_months.month_start
)

select * from final
