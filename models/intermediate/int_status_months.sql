-- Labour-market status per person and month with its status sets (seeds/status_codes.csv).
with

beskaeftigelse as (
    select * from {{ ref('stg_beskaeftigelse') }}
),

status_codes as (
    select * from {{ ref('status_codes') }}
),

final as (
    select
        beskaeftigelse.month_start,
        beskaeftigelse.person_id,
        beskaeftigelse.status,
        coalesce(status_codes.is_work, false) as is_work,
        coalesce(status_codes.is_work_or_edu, false) as is_work_or_edu,
        coalesce(status_codes.is_benefit, false) as is_benefit,
        coalesce(status_codes.is_temp_benefit, false) as is_temp_benefit
    from beskaeftigelse
    left join status_codes on beskaeftigelse.status = status_codes.status
)

select * from final
