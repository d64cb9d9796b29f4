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

period_rows as (
    select
        period_months.indicator_id,
        period_months.period_type,
        period_months.period,
        person_months.area,
        person_months.sex,
        person_months.person_id,
        person_months.in_numerator,
        person_months.numerator,
        person_months.denominator
    from period_months
    inner join person_months
        on
            period_months.indicator_id = person_months.indicator_id
            and period_months.month_start = person_months.month_start
),

-- Quarters, years and the rolling 12 months.
longer_period_rows as (
    select * from period_rows
    where period_type <> 'month'
),

-- Units per period and area, then once over all areas: a person who moved within the period
-- counts once in `all`. Sessions (S_BROBYGNING) have no person and no sex: they only reach the
-- sex `all` cells.
unit_periods as (
    {{ unit_sums('longer_period_rows', cell_keys, all_areas=true) }}
),

-- A month needs no such step: a unit has one row per indicator and month (the union's
-- uniqueness test), so in one area, and that row is its unit row there and in `all`.
month_rows as (
    select * from period_rows
    where period_type = 'month'
),

units as (
    select * from unit_periods
    union all by name
    select * from month_rows
    union all by name
    select
        * exclude (area),
        'all' as area
    from month_rows
),

aggregated as (
    {{ cell_sums('units', cell_keys, rollup='sex') }}
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
