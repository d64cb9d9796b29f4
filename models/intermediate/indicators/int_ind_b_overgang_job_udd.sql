-- B_OVERGANG_JOB_UDD: residents R(m, a) aged 16-64 at the end of m who are also in R(m-1, all)
-- (any area: a person who moved counts in the new area) and whose status in m-1 is in
-- TEMP_BENEFIT; numerator = status in m in WORK_OR_EDU. m-1 is the catalogue's months_read_before
-- (1) months back, the one place it is written.
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

statuses as (
    select * from {{ ref('int_status_months') }}
),

catalogue as (
    select * from {{ ref('indicators') }}
    where indicator_id = 'B_OVERGANG_JOB_UDD'
),

final as (
    select
        'B_OVERGANG_JOB_UDD' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        coalesce(current_status.is_work_or_edu, false) as in_numerator,
        case when current_status.is_work_or_edu then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from residents
    cross join catalogue
    inner join residents as previous_residents
        on
            residents.person_id = previous_residents.person_id
            and cast(residents.month_start - to_months(catalogue.months_read_before) as date)
            = previous_residents.month_start
    inner join statuses as previous_status
        on
            residents.person_id = previous_status.person_id
            and previous_residents.month_start = previous_status.month_start
            and previous_status.is_temp_benefit
    left join statuses as current_status
        on
            residents.person_id = current_status.person_id
            and residents.month_start = current_status.month_start
    where residents.age between 16 and 64
)

select * from final
