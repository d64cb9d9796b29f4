-- Activity sessions: one row per (aktivitet_id, dato). A session belongs to the area on most of
-- its rows (alphabetically first on a tie), so area cells add up to the `all` cell.
with

deltagelse as (
    select * from {{ ref('stg_deltagelse') }}
),

area_rows as (
    select
        activity_id,
        session_date,
        area,
        count(*) as area_rows
    from deltagelse
    group by activity_id, session_date, area
),

session_area as (
    select
        activity_id,
        session_date,
        area,
        row_number() over (
            partition by activity_id, session_date order by area_rows desc, area asc
        ) as area_rank,
        count(*) over (partition by activity_id, session_date) as areas_on_rows
    from area_rows
),

sessions as (
    select
        activity_id,
        session_date,
        cast(date_trunc('month', session_date) as date) as month_start,
        bool_or(partner is not null) as has_partner,
        count(*) as participant_rows
    from deltagelse
    group by activity_id, session_date
),

final as (
    select
        sessions.activity_id || '|' || strftime(sessions.session_date, '%Y-%m-%d') as session_id,
        sessions.activity_id,
        sessions.session_date,
        sessions.month_start,
        session_area.area,
        session_area.areas_on_rows,
        sessions.has_partner,
        sessions.participant_rows
    from sessions
    inner join session_area
        on
            sessions.activity_id = session_area.activity_id
            and sessions.session_date = session_area.session_date
            and session_area.area_rank = 1
)

select * from final
