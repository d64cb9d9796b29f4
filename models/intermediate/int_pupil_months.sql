-- One row per person and month with any skole row; a pupil who changed school has two rows,
-- their days add up. Days count only rows of klassetrin 0-9 (the absence indicators' population).
with

skole as (
    select * from {{ ref('stg_skole') }}
),

final as (
    select
        month_start,
        person_id,
        coalesce(sum(case when class_level between 0 and 9 then school_days end), 0)
            as school_days,
        coalesce(sum(case when class_level between 0 and 9 then absence_days end), 0)
            as absence_days,
        bool_or(class_level between 0 and 9) as is_grade_0_9_pupil,
        count(*) as school_rows,
        count(distinct school) as schools
    from skole
    group by month_start, person_id
)

select * from final
