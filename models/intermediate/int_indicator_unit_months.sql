-- One row per person, indicator, area, afdeling and sex of int_indicator_person_months (sessions
-- have no person and are left out): the panel months the person has a row in, and those in
-- the indicator's numerator, as month masks (macros/indicator_cells.sql). The cells count a
-- period's persons from these rows instead of one row per person and period.
with

person_months as (
    select * from {{ ref('int_indicator_person_months') }}
    where person_id is not null
),

panel as (
    select min(month_start) as first_month from {{ ref('int_months') }}
),

indexed as (
    select
        person_months.indicator_id,
        person_months.area,
        person_months.department,
        person_months.sex,
        person_months.unit_id,
        person_months.in_numerator,
        {{ month_index('person_months.month_start', 'panel.first_month') }} as month_index
    from person_months
    cross join panel
),

final as (
    select
        indicator_id,
        area,
        department,
        sex,
        unit_id,
        {{ month_mask('month_index') }},
        {{ month_mask('month_index', 'numerator_months', 'in_numerator') }}
    from indexed
    group by indicator_id, area, department, sex, unit_id
)

select * from final
