{#- Additivity of cells: within one indicator and period the area cells of a sex sum to the
    `all` area, and female + male of an area sum to `all` (each person-month has one area and
    one sex; each session one area). Relative tolerance for floating-point sums. -#}
{% test cells_add_up(model) %}
    with

    cells as (
        select * from {{ model }}
        where numerator is not null
    ),

    area_sums as (
        select
            indicator_id,
            period_type,
            period,
            sex,
            sum(numerator) as numerator,
            sum(denominator) as denominator
        from cells
        where area <> 'all'
        group by indicator_id, period_type, period, sex
    ),

    sex_sums as (
        select
            indicator_id,
            period_type,
            period,
            area,
            sum(numerator) as numerator,
            sum(denominator) as denominator
        from cells
        where sex <> 'all'
        group by indicator_id, period_type, period, area
    ),

    area_mismatches as (
        select
            totals.indicator_id,
            totals.period_type,
            totals.period,
            'sex=' || totals.sex as grp
        from cells as totals
        left join area_sums
            on
                totals.indicator_id = area_sums.indicator_id
                and totals.period_type = area_sums.period_type
                and totals.period = area_sums.period
                and totals.sex = area_sums.sex
        where
            totals.area = 'all'
            and (
                abs(totals.numerator - coalesce(area_sums.numerator, 0))
                > 1e-9 * greatest(1, abs(totals.numerator))
                or abs(totals.denominator - coalesce(area_sums.denominator, 0))
                > 1e-9 * greatest(1, abs(totals.denominator))
            )
    ),

    sex_mismatches as (
        select
            totals.indicator_id,
            totals.period_type,
            totals.period,
            'area=' || totals.area as grp
        from cells as totals
        inner join sex_sums
            on
                totals.indicator_id = sex_sums.indicator_id
                and totals.period_type = sex_sums.period_type
                and totals.period = sex_sums.period
                and totals.area = sex_sums.area
        where
            totals.sex = 'all'
            and (
                abs(totals.numerator - sex_sums.numerator)
                > 1e-9 * greatest(1, abs(totals.numerator))
                or abs(totals.denominator - sex_sums.denominator)
                > 1e-9 * greatest(1, abs(totals.denominator))
            )
    )

    select * from area_mismatches
    union all
    select * from sex_mismatches
{% endtest %}

{#- Additivity of the department cells `model`: within one indicator, period and area, the
    afdelinger sum to the area's sex-`all` cell of `area_cells` (each person-month has one
    afdeling). Only where the area cell and every afdeling of the group carry figures (on the
    published mart: where all are published); a group with a blank cell is skipped. -#}
{% test department_cells_add_up(model, area_cells) %}
    with

    departments as (
        select
            indicator_id,
            period_type,
            period,
            area,
            count(*) as afdelinger,
            count(numerator) as with_figures,
            sum(numerator) as numerator,
            sum(denominator) as denominator
        from {{ model }}
        group by indicator_id, period_type, period, area
    )

    select
        departments.indicator_id,
        departments.period_type,
        departments.period,
        departments.area
    from departments
    inner join {{ area_cells }} as totals
        on
            departments.indicator_id = totals.indicator_id
            and departments.period_type = totals.period_type
            and departments.period = totals.period
            and departments.area = totals.area
            and totals.sex = 'all'
    where
        departments.with_figures = departments.afdelinger
        and totals.numerator is not null
        and (
            abs(totals.numerator - departments.numerator)
            > 1e-9 * greatest(1, abs(totals.numerator))
            or abs(totals.denominator - departments.denominator)
            > 1e-9 * greatest(1, abs(totals.denominator))
        )
{% endtest %}
