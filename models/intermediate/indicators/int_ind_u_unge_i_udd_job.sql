-- U_UNGE_I_UDD_JOB: residents R(m, a) aged 16-24 at month end; numerator = status in m in
-- WORK_OR_EDU, or any skole row in m (any klassetrin). No beskaeftigelse row: not in numerator.
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

statuses as (
    select * from {{ ref('int_status_months') }}
),

pupils as (
    select * from {{ ref('int_pupil_months') }}
),

flagged as (
    select
        residents.*,
        coalesce(statuses.is_work_or_edu, false) or pupils.person_id is not null as in_numerator
    from residents
    left join statuses
        on
            residents.person_id = statuses.person_id
            and residents.month_start = statuses.month_start
    left join pupils
        on
            residents.person_id = pupils.person_id
            and residents.month_start = pupils.month_start
    where residents.age between 16 and 24
),

final as (
    select
        'U_UNGE_I_UDD_JOB' as indicator_id,
        month_start,
        area,
        department,
        sex,
        person_id as unit_id,
        person_id,
        in_numerator,
        case when in_numerator then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from flagged
)

select * from final
