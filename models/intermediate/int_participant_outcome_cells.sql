-- Participants and non-participants (docs/indicators.md), unsuppressed: per outcome indicator
-- (catalogue participant_outcome), year Y, area (each area and `all`) and participation, the
-- figures over the person-months of Y of the persons of the indicator's population in Y, split
-- by whether they have a deltagelse row with a CPR in Y (`deltager`) or not (`ikke_deltager`),
-- and the same persons' figures over their person-months of Y-1 in the same area scope (area a:
-- their months in a; `all`: their months in any area); persons not in the population in Y-1
-- drop out of that figure. Figures come from int_indicator_person_months only; the months of a
-- year are the indicator's (int_indicator_period_months), so deltager + ikke_deltager = the
-- year cell of int_indicator_cells. Every year cell (sex `all`) has both rows, also when empty.
{%- set cell_keys = ['indicator_id', 'year', 'area', 'participation'] %}
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

year_rows as (
    select
        person_months.indicator_id,
        cast(period_months.period as integer) as year,
        person_months.area,
        person_months.person_id,
        person_months.in_numerator,
        person_months.numerator,
        person_months.denominator
    from person_months
    inner join catalogue on person_months.indicator_id = catalogue.indicator_id
    inner join period_months
        on
            person_months.indicator_id = period_months.indicator_id
            and person_months.month_start = period_months.month_start
),

-- One row per person, year and area lived in, and once over all areas: a person who moved
-- counts once in `all`.
person_years as (
    {{ unit_sums('year_rows', ['indicator_id', 'year', 'area'], all_areas=true) }}
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

-- The same persons in Y-1, in the same area scope, under the row of Y they belong to.
grouped_before as (
    select
        grouped.indicator_id,
        grouped.year,
        grouped.area,
        grouped.participation,
        before.person_id,
        before.in_numerator,
        before.numerator,
        before.denominator
    from grouped
    inner join person_years as before
        on
            grouped.indicator_id = before.indicator_id
            and grouped.year - 1 = before.year
            and grouped.area = before.area
            and grouped.person_id = before.person_id
),

aggregated_now as (
    {{ cell_sums('grouped', cell_keys) }}
),

aggregated_before as (
    {{ cell_sums('grouped_before', cell_keys) }}
),

aggregated as (
    select
        aggregated_now.*,
        aggregated_before.numerator as numerator_before,
        aggregated_before.denominator as denominator_before,
        aggregated_before.persons as persons_before,
        aggregated_before.persons_in_numerator as persons_in_numerator_before
    from aggregated_now
    left join aggregated_before
        on
            aggregated_now.indicator_id = aggregated_before.indicator_id
            and aggregated_now.year = aggregated_before.year
            and aggregated_now.area = aggregated_before.area
            and aggregated_now.participation = aggregated_before.participation
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
        {{ cell_value('aggregated.numerator', 'aggregated.denominator', 'grid.factor') }} as value,
        coalesce(aggregated.numerator_before, 0) as numerator_before,
        coalesce(aggregated.denominator_before, 0) as denominator_before,
        {{ cell_value(
            'aggregated.numerator_before', 'aggregated.denominator_before', 'grid.factor'
        ) }} as value_before,
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
