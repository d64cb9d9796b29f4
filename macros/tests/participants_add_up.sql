{#- The additivity participant_outcomes rests on (docs/indicators.md): deltager + ikke_deltager of
    an indicator, year and area have the numerator, denominator and persons of the indicator's
    year cell of sex `all` (int_indicator_cells, unsuppressed), and the areas' rows of one
    participation sum to area `all` (figures of year Y). Fails per mismatching row. -#}
{% test participants_add_up(model) %}
    with

    rows as (
        select * from {{ model }}
    ),

    by_area as (
        select
            indicator_id,
            year,
            area,
            sum(numerator) as numerator,
            sum(denominator) as denominator,
            sum(persons) as persons
        from rows
        group by indicator_id, year, area
    ),

    year_cells as (
        select
            indicator_id,
            cast(period as integer) as year,
            area,
            numerator,
            denominator,
            persons
        from {{ ref('int_indicator_cells') }}
        where
            period_type = 'year'
            and sex = 'all'
            and indicator_id in (select indicator_id from rows)
    ),

    by_participation as (
        select
            indicator_id,
            year,
            participation,
            sum(numerator) as numerator,
            sum(denominator) as denominator
        from rows
        where area <> 'all'
        group by indicator_id, year, participation
    )

    select
        'participation of area' as grouping,
        coalesce(year_cells.indicator_id, by_area.indicator_id) as indicator_id,
        coalesce(year_cells.year, by_area.year) as year,
        coalesce(year_cells.area, by_area.area) as group_of
    from year_cells
    full outer join by_area
        on
            year_cells.indicator_id = by_area.indicator_id
            and year_cells.year = by_area.year
            and year_cells.area = by_area.area
    where
        year_cells.indicator_id is null
        or by_area.indicator_id is null
        or abs(year_cells.numerator - by_area.numerator) > 1e-9 * greatest(1, year_cells.numerator)
        or abs(year_cells.denominator - by_area.denominator)
        > 1e-9 * greatest(1, year_cells.denominator)
        or year_cells.persons <> by_area.persons

    union all

    select
        'areas of participation' as grouping,
        totals.indicator_id,
        totals.year,
        totals.participation as group_of
    from rows as totals
    left join by_participation
        on
            totals.indicator_id = by_participation.indicator_id
            and totals.year = by_participation.year
            and totals.participation = by_participation.participation
    where
        totals.area = 'all'
        and (
            abs(totals.numerator - coalesce(by_participation.numerator, 0))
            > 1e-9 * greatest(1, totals.numerator)
            or abs(totals.denominator - coalesce(by_participation.denominator, 0))
            > 1e-9 * greatest(1, totals.denominator)
        )
{% endtest %}
