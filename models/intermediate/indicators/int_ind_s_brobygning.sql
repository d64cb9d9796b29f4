-- S_BROBYGNING (activity-based): one row per session (aktivitet_id, dato) in its area;
-- numerator = sessions with a non-empty partner on any of their rows. No person, no sex.
with

sessions as (
    select * from {{ ref('int_sessions') }}
),

final as (
    select
        'S_BROBYGNING' as indicator_id,
        month_start,
        area,
        cast(null as varchar) as department,
        cast(null as varchar) as sex,
        session_id as unit_id,
        cast(null as varchar) as person_id,
        has_partner as in_numerator,
        case when has_partner then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from sessions
)

select * from final
