-- B_OFFENTLIG_FORSOERGELSE: residents R(m, a) aged 16-64; numerator = status in m in BENEFIT.
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
        'B_OFFENTLIG_FORSOERGELSE' as indicator_id,
        residents.month_start,
        residents.area,
        residents.department,
        residents.sex,
        residents.person_id as unit_id,
        residents.person_id,
        coalesce(statuses.is_benefit, false) as in_numerator,
        case when statuses.is_benefit then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from residents
    left join statuses
        on
            residents.person_id = statuses.person_id
            and residents.month_start = statuses.month_start
    where residents.age between 16 and 64
)

select * from final
