-- Published: the plan's activity figures per calendar year and area (incl. `all`), for the yearly
-- report to Landsbyggefonden. From deltagelse: sessions (aktivitet_id, dato), sessions with an
-- external partner (an area's sessions are those int_sessions places there), distinct registered
-- participants (any rolle) and distinct volunteers (rolle frivillig) at the area's sessions. From
-- forloeb (monthly snapshots): courses started in the year (in the snapshot of their start month),
-- courses open at some time in the year (in a snapshot of the year), and courses ended in the year
-- per afslutning (course_codes, kind afslutning; in the snapshot of their end month); a course's
-- area is its resident's area in that snapshot month (beboere), so a mover's course may count in
-- two areas, and a course of a non-resident in `all` only. Disclosure control (docs/indicators.md):
-- a person count (a course is one resident's) of 1..k-1 is suppressed, and volunteers also when
-- 1..k-1 of the participants were not volunteers; then, per year and figure, no group of the
-- areas and their total `all` keeps exactly one suppressed cell (the smallest published area,
-- else the total, is suppressed too). A suppressed figure has value NULL.
{#- The figures counted by area and year alike: the rows (a CTE above) they count, the year
    they fall in, the count, and which rows (a course started or ended in the snapshot of that
    month). The endings (one figure per code) follow below the loop. #}
{%- set counted_figures = [
    {'figure_id': 'sessions', 'rows': 'session_rows', 'year': 'year',
     'value': 'count(distinct session_id)'},
    {'figure_id': 'sessions_with_partner', 'rows': 'session_rows', 'year': 'year',
     'value': 'count(distinct session_id) filter (where has_partner)'},
    {'figure_id': 'participants', 'rows': 'participant_areas', 'year': 'year',
     'value': 'count(distinct person_id)'},
    {'figure_id': 'volunteers', 'rows': 'participant_areas', 'year': 'year',
     'value': "count(distinct person_id) filter (where role = 'frivillig')"},
    {'figure_id': 'courses_opened', 'rows': 'course_areas', 'year': 'year(start_date)',
     'value': 'count(distinct course_id)',
     'where': "date_trunc('month', start_date) = month_start"},
    {'figure_id': 'courses_open', 'rows': 'course_areas', 'year': 'year(month_start)',
     'value': 'count(distinct course_id)'},
] %}
with

months as (
    select * from {{ ref('int_months') }}
),

areas as (
    select area from {{ ref('int_areas') }}
    union all
    select 'all' as area
),

sessions as (
    select * from {{ ref('int_sessions') }}
),

deltagelse as (
    select * from {{ ref('stg_deltagelse') }}
),

courses as (
    select * from {{ ref('stg_forloeb') }}
),

residents as (
    select * from {{ ref('int_resident_months') }}
),

endings as (
    select * from {{ ref('course_codes') }}
    where kind = 'afslutning'
),

deliveries as (
    select * from {{ ref('audit_current_deliveries') }}
),

figures as (
    select
        defined.figure_id,
        defined.source,
        defined.sort_order,
        defined.label_da,
        defined.counts_persons
    from (
        values
        ('sessions', 'deltagelse', 1, 'Aktivitetsgange', false),
        ('sessions_with_partner', 'deltagelse', 2, 'Aktivitetsgange med ekstern partner', false),
        ('participants', 'deltagelse', 3, 'Registrerede deltagere (forskellige personer)', true),
        ('volunteers', 'deltagelse', 4, 'Frivillige (forskellige personer)', true),
        ('courses_opened', 'forloeb', 5, 'Forløb startet i året', true),
        ('courses_open', 'forloeb', 6, 'Forløb åbne i året', true)
    ) as defined (figure_id, source, sort_order, label_da, counts_persons)

    union all

    select
        'courses_ended_' || code as figure_id,
        'forloeb' as source,
        10 + sort_order as sort_order,
        'Forløb afsluttet i året: ' || label_da as label_da,
        true as counts_persons
    from endings
),

years as (
    select
        cast(year(year_start) as integer) as year,
        count(*) = 12 as has_all_months
    from months
    group by year(year_start)
),

figure_sources as (
    select distinct source from figures
),

source_months as (
    select
        cast(year(months.month_start) as integer) as year,
        figure_sources.source,
        count(*) filter (
            where deliveries.load_id is not null
            and (figure_sources.source <> 'forloeb' or months.has_snapshot)
        ) as months_delivered
    from months
    cross join figure_sources
    left join deliveries
        on
            figure_sources.source = deliveries.source
            and months.month_start = deliveries.period_start
    group by year(months.month_start), figure_sources.source
),

-- every session and participant row placed in its session's area, and once more under `all`
session_rows as (
    select
        sessions.session_id,
        year(sessions.session_date) as year,
        sessions.area,
        sessions.has_partner
    from sessions
    union all
    select
        sessions.session_id,
        year(sessions.session_date) as year,
        'all' as area,
        sessions.has_partner
    from sessions
),

participant_rows as (
    select
        year(deltagelse.session_date) as year,
        sessions.area,
        deltagelse.person_id,
        deltagelse.role
    from deltagelse
    inner join sessions
        on
            deltagelse.activity_id = sessions.activity_id
            and deltagelse.session_date = sessions.session_date
    where deltagelse.person_id is not null
),

participant_areas as (
    select * from participant_rows
    union all
    select
        year,
        'all' as area,
        person_id,
        role
    from participant_rows
),

-- one row per course and snapshot, with the resident's area in the snapshot month
course_rows as (
    select
        courses.course_id,
        courses.month_start,
        courses.start_date,
        courses.end_date,
        courses.ending,
        residents.area
    from courses
    left join residents
        on
            courses.person_id = residents.person_id
            and courses.month_start = residents.month_start
),

course_areas as (
    select * from course_rows
    where area is not null
    union all
    select
        course_id,
        month_start,
        start_date,
        end_date,
        ending,
        'all' as area
    from course_rows
),

counted as (
    {%- for count in counted_figures %}
    select
        {{ count.year }} as year,
        area,
        '{{ count.figure_id }}' as figure_id,
        {{ count.value }} as figure_value
    from {{ count.rows }}
    {%- if count.where %}
    where {{ count.where }}
    {%- endif %}
    group by {{ count.year }}, area

    union all
    {%- endfor %}

    select
        year(course_areas.end_date) as year,
        course_areas.area,
        'courses_ended_' || endings.code as figure_id,
        count(distinct course_areas.course_id) as figure_value
    from course_areas
    inner join endings on course_areas.ending = endings.code
    where date_trunc('month', course_areas.end_date) = course_areas.month_start
    group by year(course_areas.end_date), course_areas.area, endings.code
),

grid as (
    select
        years.year,
        areas.area,
        figures.figure_id,
        figures.source,
        figures.sort_order,
        figures.label_da,
        figures.counts_persons,
        years.has_all_months and source_months.months_delivered = 12 as is_complete,
        coalesce(counted.figure_value, 0) as figure_value
    from years
    cross join areas
    cross join figures
    inner join source_months
        on
            years.year = source_months.year
            and figures.source = source_months.source
    left join counted
        on
            years.year = counted.year
            and areas.area = counted.area
            and figures.figure_id = counted.figure_id
),

-- The person counts of the primary rule: a volunteers cell's persons are its participants, so
-- neither its volunteers nor its participants who are not volunteers may be 1..k-1.
with_persons as (
    select
        grid.*,
        case
            when grid.figure_id = 'volunteers' then participants.figure_value
            else grid.figure_value
        end as persons,
        grid.figure_value as persons_in_numerator
    from grid
    left join grid as participants
        on
            grid.figure_id = 'volunteers'
            and participants.figure_id = 'participants'
            and grid.year = participants.year
            and grid.area = participants.area
),

primary_suppression as (
    select
        *,
        {{ disclosure_primary_rule(
            var('disclosure_k'),
            person_based='counts_persons',
            numerator_counts_persons="figure_id = 'volunteers'",
            publish_empty=true
        ) }} as is_primary_suppressed
    from with_persons
),

area_groups as (
    select
        *,
        count(*) filter (where is_primary_suppressed) over area_group as group_suppressed,
        count(*) filter (where area <> 'all' and not is_primary_suppressed) over area_group
            as members_published,
        row_number() over (
            partition by year, figure_id, area <> 'all' and not is_primary_suppressed
            order by figure_value, area
        ) as published_rank
    from primary_suppression
    window area_group as (partition by year, figure_id)
),

disclosed as (
    select
        *,
        is_primary_suppressed or (
            counts_persons
            and group_suppressed = 1
            and (
                (area <> 'all' and not is_primary_suppressed and published_rank = 1)
                or (area = 'all' and members_published = 0)
            )
        ) as is_suppressed
    from area_groups
),

final as (
    select
        cast(year as integer) as year,
        cast(area as varchar) as area,
        cast(figure_id as varchar) as figure_id,
        cast(source as varchar) as source,
        cast(sort_order as integer) as sort_order,
        cast(label_da as varchar) as label_da,
        cast(counts_persons as boolean) as counts_persons,
        cast(case when not is_suppressed then figure_value end as bigint) as value,
        cast(is_suppressed as boolean) as is_suppressed,
        cast(is_complete as boolean) as is_complete
    from disclosed
    order by year asc, area = 'all' desc, area asc, sort_order asc
)

select * from final
