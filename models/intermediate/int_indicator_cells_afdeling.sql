-- Unsuppressed department cells: every person-based indicator x quarter/year x area x afdeling,
-- sex `all` (docs/indicators.md, departments). A person-month belongs to the afdeling of the
-- person's beboere row of the month that places it (for U_DANSK_MAT_02 the June snapshot, like
-- the area). Numerator and denominator are sums over the period's person-months, so the
-- afdelinger of an area add up to the area's cell; persons / persons_in_numerator are distinct
-- per afdeling (a person who moved between afdelinger of the area counts in both). The grid: each
-- afdeling seen in the area's beboere in the months that feed the period, also when nobody of
-- the indicator's population lives there (denominator 0); is_complete is the area cell's.
{%- set cell_keys = ['indicator_id', 'period_type', 'period', 'area', 'department'] %}
with

catalogue as (
    select * from {{ ref('indicators') }}
),

person_months as (
    select * from {{ ref('int_indicator_person_months') }}
),

residents as (
    select * from {{ ref('int_resident_months') }}
),

period_months as (
    select * from {{ ref('int_indicator_period_months') }}
    where period_type in ('quarter', 'year')
),

area_cells as (
    select * from {{ ref('int_indicator_cells') }}
    where
        person_based
        and sex = 'all'
        and area <> 'all'
        and period_type in ('quarter', 'year')
),

-- The afdeling of a person-month is the person's beboere row of that month (carried by
-- int_indicator_person_months). Units per afdeling: a person who moved between afdelinger of
-- the area counts in both.
department_months as (
    select * from person_months
    where department is not null
),

-- Months are counted from the first month with a person row.
origin as (
    select min(department_months.month_start) as first_month
    from department_months
    where department_months.person_id is not null
),

period_masks as (
    {{ period_masks('period_months', 'origin') }}
),

unit_months as (
    {{ unit_masks('department_months', 'origin', ['area', 'department']) }}
),

sums as (
    {{ month_sums('department_months', ['area', 'department']) }}
),

-- Persons with the same months per afdeling, counted together.
patterns as (
    select
        unit_months.indicator_id,
        unit_months.area,
        unit_months.department,
        {{ mask_columns('unit_months', 'months') }},
        {{ mask_columns('unit_months', 'numerator_months') }},
        count(*) as units
    from unit_months
    group by all
),

period_rows as (
    {{ period_sums('sums', 'period_months', ['area', 'department']) }}
    union all by name
    {{ period_persons('patterns', 'period_masks', ['area', 'department']) }}
),

aggregated as (
    {{ counted_cell_sums('period_rows', cell_keys) }}
),

-- The grid: the afdelinger in the area's beboere in the months feeding the period.
seen as (
    select distinct
        period_months.indicator_id,
        period_months.period_type,
        period_months.period,
        residents.area,
        residents.department
    from period_months
    inner join residents on period_months.month_start = residents.month_start
),

final as (
    select
        area_cells.indicator_id,
        area_cells.delaftale,
        area_cells.period_type,
        area_cells.period,
        area_cells.period_start,
        area_cells.period_end,
        area_cells.area,
        seen.department as afdeling,
        area_cells.sex,
        area_cells.person_based,
        area_cells.is_complete,
        coalesce(aggregated.numerator, 0) as numerator,
        coalesce(aggregated.denominator, 0) as denominator,
        {{ cell_value('aggregated.numerator', 'aggregated.denominator', 'catalogue.factor') }}
            as value,
        coalesce(aggregated.persons, 0) as persons,
        coalesce(aggregated.persons_in_numerator, 0) as persons_in_numerator
    from area_cells
    inner join seen
        on
            area_cells.indicator_id = seen.indicator_id
            and area_cells.period_type = seen.period_type
            and area_cells.period = seen.period
            and area_cells.area = seen.area
    inner join catalogue
        on area_cells.indicator_id = catalogue.indicator_id
    left join aggregated
        on
            seen.indicator_id = aggregated.indicator_id
            and seen.period_type = aggregated.period_type
            and seen.period = aggregated.period
            and seen.area = aggregated.area
            and seen.department = aggregated.department
)

select * from final
