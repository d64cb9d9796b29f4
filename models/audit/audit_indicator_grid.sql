-- The grid every indicator table must fill: one cell per indicator x period (int_indicator_periods)
-- x area (every resident area and `all`; for an indicator that is not person-based, S_BROBYGNING,
-- also areas with sessions only) x sex (female, male, `all`; `all` only when not person-based).
-- int_indicator_cells is built on it; the data test complete_grid and the gate compare to it.
with

catalogue as (
    select * from {{ ref('indicators') }}
),

periods as (
    select * from {{ ref('int_indicator_periods') }}
),

areas as (
    select * from {{ ref('int_areas') }}
),

sexes as (
    select unnest(['female', 'male', 'all']) as sex
),

cell_areas as (
    select
        area,
        has_residents
    from areas
    union all
    select
        'all' as area,
        true as has_residents
),

final as (
    select
        periods.indicator_id,
        catalogue.delaftale,
        catalogue.factor,
        catalogue.person_based,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        periods.is_complete,
        cell_areas.area,
        sexes.sex
    from periods
    inner join catalogue on periods.indicator_id = catalogue.indicator_id
    cross join cell_areas
    cross join sexes
    where
        (catalogue.person_based or sexes.sex = 'all')
        and (cell_areas.has_residents or not catalogue.person_based)
)

select * from final
