-- Participants and non-participants (docs/indicators.md), unsuppressed: per outcome indicator
-- (catalogue participant_outcome), year Y, area (each area and `all`) and participation, the
-- figures over the person-months of Y of the persons of the indicator's population in Y, split
-- by whether they have a deltagelse row with a CPR in Y (`deltager`) or not (`ikke_deltager`),
-- and the same persons' figures over their person-months of Y-1 in the same area scope (area a:
-- their months in a; `all`: their months in any area); persons not in the population in Y-1
-- drop out of that figure. Figures come from int_indicator_person_months only; the months of a
-- year are the indicator's (int_indicator_period_months), so deltager + ikke_deltager = the
-- year cell of int_indicator_cells. Every year cell (sex `all`) has both rows, also when empty.
with

catalogue as (
    select * from {{ ref('indicators') }}
    where participant_outcome
),

person_months as (
    select * from {{ ref('int_indicator_person_months') }}
),

period_months as (
    select * from {{ ref('int_indicator_period_months') }}
    where period_type = 'year'
),

deltagelse as (
    select * from {{ ref('stg_deltagelse') }}
),

year_cells as (
    select * from {{ ref('int_indicator_cells') }}
    where period_type = 'year' and sex = 'all'
),

participant_years as (
    select distinct
        person_id,
        year(month_start) as year
    from deltagelse
    where person_id is not null
),

-- One row per person, year and area lived in (the months of the year in that area).
person_years_by_area as (
    select
        person_months.indicator_id,
        cast(period_months.period as integer) as year,
        person_months.area,
        person_months.person_id,
        sum(person_months.numerator) as numerator,
        sum(person_months.denominator) as denominator,
        bool_or(person_months.in_numerator) as in_numerator
    from person_months
    inner join catalogue on person_months.indicator_id = catalogue.indicator_id
    inner join period_months
        on
            person_months.indicator_id = period_months.indicator_id
            and person_months.month_start = period_months.month_start
    group by
        person_months.indicator_id,
        period_months.period,
        person_months.area,
        person_months.person_id
),

-- The same over all areas (the union): a person who moved counts once in `all`.
person_years as (
    select * from person_years_by_area
    union all
    select
        indicator_id,
        year,
        'all' as area,
        person_id,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        bool_or(in_numerator) as in_numerator
    from person_years_by_area
    group by indicator_id, year, person_id
),

grouped as (
    select
        person_years.*,
        case
            when participant_years.person_id is not null then 'deltager' else 'ikke_deltager'
        end as participation
    from person_years
    left join participant_years
        on
            person_years.person_id = participant_years.person_id
            and person_years.year = participant_years.year
),

aggregated as (
    select
        grouped.indicator_id,
        grouped.year,
        grouped.area,
        grouped.participation,
        sum(grouped.numerator) as numerator,
        sum(grouped.denominator) as denominator,
        count(*) as persons,
        count(*) filter (where grouped.in_numerator) as persons_in_numerator,
        coalesce(sum(before.numerator), 0) as numerator_before,
        coalesce(sum(before.denominator), 0) as denominator_before,
        count(before.person_id) as persons_before,
        count(before.person_id) filter (where before.in_numerator) as persons_in_numerator_before
    from grouped
    left join person_years as before
        on
            grouped.indicator_id = before.indicator_id
            and grouped.year - 1 = before.year
            and grouped.area = before.area
            and grouped.person_id = before.person_id
    group by grouped.indicator_id, grouped.year, grouped.area, grouped.participation
),

participations as (
    select unnest(['deltager', 'ikke_deltager']) as participation
),

grid as (
    select
        year_cells.indicator_id,
        cast(year_cells.period as integer) as year,
        year_cells.area,
        participations.participation,
        catalogue.factor
    from year_cells
    inner join catalogue on year_cells.indicator_id = catalogue.indicator_id
    cross join participations
),

final as (
    select
        grid.indicator_id,
        grid.year,
        grid.area,
        grid.participation,
        coalesce(aggregated.numerator, 0) as numerator,
        coalesce(aggregated.denominator, 0) as denominator,
        case
            when aggregated.denominator > 0
                then aggregated.numerator / aggregated.denominator * grid.factor
        end as value,
        coalesce(aggregated.numerator_before, 0) as numerator_before,
        coalesce(aggregated.denominator_before, 0) as denominator_before,
        case
            when aggregated.denominator_before > 0
                then aggregated.numerator_before / aggregated.denominator_before * grid.factor
        end as value_before,
        coalesce(aggregated.persons, 0) as persons,
        coalesce(aggregated.persons_in_numerator, 0) as persons_in_numerator,
        coalesce(aggregated.persons_before, 0) as persons_before,
        coalesce(aggregated.persons_in_numerator_before, 0) as persons_in_numerator_before
    from grid
    left join aggregated
        on
            grid.indicator_id = aggregated.indicator_id
            and grid.year = aggregated.year
            and grid.area = aggregated.area
            and grid.participation = aggregated.participation
)

select * from final
