-- Every department cell of int_indicator_cells_afdeling with its disclosure decision; figures
-- stay unsuppressed here, the published mart blanks them. The same macro as the area cells
-- (primary rule, rounds of secondary steps), with the department groups of
-- macros/disclosure_groups.sql: the afdelinger of an area with the area's sex-`all` cell as
-- total, the quarters of a year per afdeling (flows), and the stock link (a stock quarter and
-- year showing the same month). The area cells' decisions are taken before
-- (int_indicator_cells_disclosed) and are fixed: departments never change what is published
-- for an area. So a group can only be repaired by suppressing a further afdeling; an area with
-- a single afdeling in the period has a department cell equal to the area cell, which takes the
-- area cell's decision (fixed as well), so that group never needs the total.
with

catalogue as (
    select * from {{ ref('indicators') }}
),

period_months as (
    select * from {{ ref('int_indicator_period_months') }}
),

department_cells as (
    select * from {{ ref('int_indicator_cells_afdeling') }}
),

area_cells as (
    select * from {{ ref('int_indicator_cells_disclosed') }}
    where
        person_based
        and sex = 'all'
        and area <> 'all'
        and period_type in ('quarter', 'year')
),

plan_cells as (
    select
        indicator_id,
        period_type,
        period,
        persons as plan_persons
    from {{ ref('int_indicator_cells_disclosed') }}
    where area = 'all' and sex = 'all'
),

group_sizes as (
    select
        indicator_id,
        period_type,
        period,
        area,
        count(*) as afdelinger
    from department_cells
    group by indicator_id, period_type, period, area
),

-- The department cells and, as the groups' totals, the area cells with their decision.
unioned as (
    select
        department_cells.indicator_id,
        department_cells.delaftale,
        department_cells.period_type,
        department_cells.period,
        department_cells.period_start,
        department_cells.period_end,
        department_cells.area,
        department_cells.afdeling,
        department_cells.sex,
        department_cells.person_based,
        department_cells.is_complete,
        department_cells.numerator,
        department_cells.denominator,
        department_cells.value,
        department_cells.persons,
        department_cells.persons_in_numerator,
        false as is_area_total,
        case when group_sizes.afdelinger = 1 then area_cells.is_suppressed end
            as fixed_suppression
    from department_cells
    inner join group_sizes
        on
            department_cells.indicator_id = group_sizes.indicator_id
            and department_cells.period_type = group_sizes.period_type
            and department_cells.period = group_sizes.period
            and department_cells.area = group_sizes.area
    inner join area_cells
        on
            department_cells.indicator_id = area_cells.indicator_id
            and department_cells.period_type = area_cells.period_type
            and department_cells.period = area_cells.period
            and department_cells.area = area_cells.area

    union all

    select
        indicator_id,
        delaftale,
        period_type,
        period,
        period_start,
        period_end,
        area,
        null as afdeling,
        sex,
        person_based,
        is_complete,
        numerator,
        denominator,
        value,
        persons,
        persons_in_numerator,
        true as is_area_total,
        is_suppressed as fixed_suppression
    from area_cells
),

-- A stock period shows the figures of the one month that feeds it (int_indicator_period_months).
cells as (
    select
        unioned.*,
        catalogue.aggregation,
        catalogue.numerator_counts_persons,
        period_months.month_start as stock_month,
        plan_cells.plan_persons
    from unioned
    inner join catalogue on unioned.indicator_id = catalogue.indicator_id
    left join period_months
        on
            catalogue.aggregation = 'stock'
            and unioned.indicator_id = period_months.indicator_id
            and unioned.period_type = period_months.period_type
            and unioned.period = period_months.period
    left join plan_cells
        on
            unioned.indicator_id = plan_cells.indicator_id
            and unioned.period_type = plan_cells.period_type
            and unioned.period = plan_cells.period
),

{{ disclosure_control(
    'cells', var('disclosure_k') | int, var('secondary_suppression_rounds') | int,
    groups=department_disclosure_group_specs(),
    link_partition='indicator_id, area, afdeling, stock_month',
    fixed='fixed_suppression',
    empty_period='plan_persons = 0'
) }}

final as (
    select
        * exclude (
            aggregation,
            numerator_counts_persons,
            stock_month,
            plan_persons,
            is_area_total,
            fixed_suppression
        )
    from disclosed
    where not is_area_total
)

select * from final
