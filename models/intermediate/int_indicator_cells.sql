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

-- Per month, by area and once over all areas: a person who moved within a period counts
-- once in `all`. Sessions (S_BROBYGNING) have no person and no sex: they add to the sums and
-- only reach the sex `all` cells.
sums as (
    {{ month_sums('person_months', ['area', 'sex']) }}
    union all by name
    select
        *,
        'all' as area
    from ({{ month_sums('person_months', ['sex']) }})
),

units as (
    {{ month_units('person_months', ['area', 'sex'], partition=['area', 'sex']) }}
    union all by name
    select
        *,
        'all' as area
    from ({{ month_units('person_months', ['sex'], partition=['sex']) }})
),

period_rows as (
    {{ period_steps('sums', 'units', 'period_months', ['area', 'sex']) }}
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
