-- B_BESKAEFTIGELSE: residents R(m, a) aged 16-64 at month end; numerator = status in m in WORK.
-- No beskaeftigelse row: in the denominator, never in the numerator.
with

residents as (
    select * from {{ ref('int_resident_months') }}
),

statuses as (
    select * from {{ ref('int_status_months') }}
),

final as (
    select
        'B_BESKAEFTIGELSE' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        coalesce(statuses.is_work, false) as in_numerator,
        case when statuses.is_work then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from residents
    left join statuses
        on
            residents.person_id = statuses.person_id
            and residents.month_start = statuses.month_start
    where residents.age between 16 and 64
)

select * from final
