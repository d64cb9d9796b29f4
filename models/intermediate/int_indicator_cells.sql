-- Unsuppressed indicator cells: every indicator x period (month, quarter, year, rolling12) x area
-- (each area and `all`) x sex (female, male, `all`; S_BROBYGNING `all` only) has a row, also when
-- nobody is in it (denominator 0, value NULL). Numerator and denominator are sums over the
-- period's person-months; persons / persons_in_numerator are distinct counts over the period.
{%- set cell_keys = ['indicator_id', 'period_type', 'period', 'area', 'sex'] %}
with

person_months as (
    select * from {{ ref('int_indicator_person_months') }}
),

period_months as (
    select * from {{ ref('int_indicator_period_months') }}
),

-- Months are counted from the first month with a person row.
origin as (
    select min(person_months.month_start) as first_month
    from person_months
    where person_months.person_id is not null
),

period_masks as (
    {{ period_masks('period_months', 'origin') }}
),

-- Sums per month by area, and over the areas as `all`; then per period. Sessions
-- (S_BROBYGNING) have no sex: they only reach the sex `all` cells.
area_sums as (
    {{ month_sums('person_months', ['area', 'sex']) }}
),

sums as (
    select * from area_sums
    union all by name
    select
        indicator_id,
        month_start,
        sex,
        'all' as area,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from area_sums
    group by indicator_id, month_start, sex
),

-- Each person's months by area, and over the areas: a person who moved within a period
-- counts once in `all`.
area_units as (
    {{ unit_masks('person_months', 'origin', ['area', 'sex']) }}
),

patterns as (
    select
        units.indicator_id,
        units.area,
        units.sex,
        {{ mask_columns('units', 'months') }},
        {{ mask_columns('units', 'numerator_months') }},
        count(*) as units
    from (
        select * from area_units
        union all by name
        select
            area_units.indicator_id,
            'all' as area,
            area_units.sex,
            area_units.unit_id,
            {{ mask_union('area_units', 'months') }},
            {{ mask_union('area_units', 'numerator_months') }}
        from area_units
        group by area_units.indicator_id, area_units.sex, area_units.unit_id
    ) as units
    group by all
),

period_rows as (
    {{ period_sums('sums', 'period_months', ['area', 'sex']) }}
    union all by name
    {{ period_persons('patterns', 'period_masks', ['area', 'sex']) }}
),

aggregated as (
    {{ counted_cell_sums('period_rows', cell_keys, rollup='sex') }}
),

grid as (
    select * from {{ ref('audit_indicator_grid') }}
),

final as (
    select
        grid.indicator_id,
        grid.delaftale,
        grid.period_type,
        grid.period,
        grid.period_start,
        grid.period_end,
        grid.area,
        grid.sex,
        grid.person_based,
        grid.is_complete,
        coalesce(aggregated.numerator, 0) as numerator,
        coalesce(aggregated.denominator, 0) as denominator,
        {{ cell_value('aggregated.numerator', 'aggregated.denominator', 'grid.factor') }} as value,
        case when grid.person_based then coalesce(aggregated.persons, 0) end as persons,
        case
            when grid.person_based then coalesce(aggregated.persons_in_numerator, 0)
        end as persons_in_numerator
    from grid
    left join aggregated
        on
            grid.indicator_id = aggregated.indicator_id
            and grid.period_type = aggregated.period_type
            and grid.period = aggregated.period
            and grid.area = aggregated.area
            and grid.sex = aggregated.sex
)

select * from final
