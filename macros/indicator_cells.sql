{#- The cell aggregation of docs/indicators.md, written once for every cell model (the area
    cells, the department cells, the participant rows). Figures always come from counting units'
    rows (int_indicator_person_months: person_id, in_numerator, numerator, denominator) tagged with
    the keys of the cell they feed; aggregating them takes two steps, so that a person is counted
    once per cell however many months they have in it:

    1. unit_sums: one row per unit (person_id) and cell: the unit's numerator and denominator
       summed, in_numerator when any of its rows is. With all_areas, the same over the areas
       follows as area `all`: a person who moved within the period is one unit there.
    2. cell_sums: one row per cell: numerator and denominator summed, persons and
       persons_in_numerator counted (distinct, as the units are). With rollup, the cells are also
       summed over that key (its value `all`): sex `all` is both sexes.

    Both are select statements over a relation (a CTE name) to put inside a CTE; `keys` are the
    cell's columns (with all_areas, `area` among them; a rollup key comes out last). -#}
{% macro unit_sums(rows, keys, all_areas=false) -%}
{%- set unit_keys = keys + ['person_id'] %}
{%- set sep = ',\n        ' %}
{%- set sums %}
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        bool_or(in_numerator) as in_numerator
{%- endset %}
{%- if all_areas %}
    with by_area as (
        select
            {{ unit_keys | join(',\n            ') }},
            {{ sums | trim | indent(4) }}
        from {{ rows }}
        group by {{ unit_keys | join(', ') }}
    )

    select * from by_area
    union all by name
    select
        {{ unit_keys | reject('equalto', 'area') | join(sep) }},
        'all' as area,
        {{ sums | trim }}
    from by_area
    group by {{ unit_keys | reject('equalto', 'area') | join(', ') }}
{%- else %}
    select
        {{ unit_keys | join(sep) }},
        {{ sums | trim }}
    from {{ rows }}
    group by {{ unit_keys | join(', ') }}
{%- endif %}
{%- endmacro %}

{% macro cell_sums(units, keys, rollup=none) -%}
{%- set sep = ',\n        ' %}
{%- set others = keys | reject('equalto', rollup) | list %}
    select
        {{ others | join(sep) }},
{%- if rollup is not none %}
        case when grouping({{ rollup }}) = 1 then 'all' else {{ rollup }} end as {{ rollup }},
{%- endif %}
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        count(person_id) as persons,
        count(case when in_numerator then person_id end) as persons_in_numerator
    from {{ units }}
{%- if rollup is not none %}
    group by grouping sets (
        ({{ keys | join(', ') }}),
        ({{ others | join(', ') }})
    )
{%- else %}
    group by {{ keys | join(', ') }}
{%- endif %}
{%- endmacro %}

{#- A cell's value (docs/indicators.md): numerator / denominator x factor, none when the
    denominator is 0 (or the cell has no row). -#}
{% macro cell_value(numerator, denominator, factor) -%}
case when {{ denominator }} > 0 then {{ numerator }} / {{ denominator }} * {{ factor }} end
{%- endmacro %}

{#- The same cells without one row per unit and period (national scale: that step grouped
    hundreds of millions of rows). Sums add over months, so they are summed per month first. A
    person is counted in a period at the first of their months there: a row counts when the
    person's previous row (in the same `partition`) does not feed the period. Exact because a
    period is fed by a run of consecutive months or by one month (int_indicator_period_months),
    so a person's rows in a period follow each other.

    1. month_sums: numerator and denominator per cell keys and month.
       month_units: the persons' rows of each month with the person's previous month and previous
       month in the numerator, counted per cell keys, month and those two months.
    2. period_steps: both under every period their month feeds, persons counted when their
       previous month does not feed that period; counted_cell_sums then adds them up. -#}
{% macro month_sums(rows, keys) -%}
{%- set sep = ',\n        ' %}
    select
        indicator_id,
        month_start,
        {{ keys | join(sep) }},
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from {{ rows }}
    group by all
{%- endmacro %}

{% macro month_units(rows, keys, partition) -%}
{%- set sep = ',\n        ' %}
    with stepped as (
        select
            indicator_id,
            month_start,
            {{ keys | join(sep) }},
            in_numerator,
            lag(month_start) over units as previous_month,
            lag(case when in_numerator then month_start end ignore nulls) over units
                as previous_numerator_month
        from {{ rows }}
        where person_id is not null
        -- unit_id first: the sort compares the short person key before the long indicator id
        window units as (
            partition by unit_id, indicator_id, {{ partition | join(', ') }} order by month_start
        )
    )

    select
        indicator_id,
        month_start,
        {{ keys | join(sep) }},
        in_numerator,
        previous_month,
        previous_numerator_month,
        count(*) as units
    from stepped
    group by all
{%- endmacro %}

{% macro period_steps(sums, units, period_months, keys) -%}
{%- set sep = ',\n        ' %}
    select
        fed.indicator_id,
        fed.period_type,
        fed.period,
        {% for key in keys %}{{ sums }}.{{ key }}{{ sep if not loop.last }}{% endfor %},
        {{ sums }}.numerator,
        {{ sums }}.denominator
    from {{ sums }}
    inner join {{ period_months }} as fed
        on
            {{ sums }}.indicator_id = fed.indicator_id
            and {{ sums }}.month_start = fed.month_start

    union all by name

    select
        fed.indicator_id,
        fed.period_type,
        fed.period,
        {% for key in keys %}{{ units }}.{{ key }}{{ sep if not loop.last }}{% endfor %},
        case when before.month_start is null then {{ units }}.units end as persons,
        case
            when {{ units }}.in_numerator and before_numerator.month_start is null then {{ units }}.units
        end as persons_in_numerator
    from {{ units }}
    inner join {{ period_months }} as fed
        on
            {{ units }}.indicator_id = fed.indicator_id
            and {{ units }}.month_start = fed.month_start
    left join {{ period_months }} as before
        on
            fed.indicator_id = before.indicator_id
            and fed.period_type = before.period_type
            and fed.period = before.period
            and {{ units }}.previous_month = before.month_start
    left join {{ period_months }} as before_numerator
        on
            fed.indicator_id = before_numerator.indicator_id
            and fed.period_type = before_numerator.period_type
            and fed.period = before_numerator.period
            and {{ units }}.previous_numerator_month = before_numerator.month_start
{%- endmacro %}

{#- cell_sums over period_steps rows: persons are already counted per row. -#}
{% macro counted_cell_sums(rows, keys, rollup=none) -%}
{%- set sep = ',\n        ' %}
{%- set others = keys | reject('equalto', rollup) | list %}
    select
        {{ others | join(sep) }},
{%- if rollup is not none %}
        case when grouping({{ rollup }}) = 1 then 'all' else {{ rollup }} end as {{ rollup }},
{%- endif %}
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        cast(coalesce(sum(persons), 0) as bigint) as persons,
        cast(coalesce(sum(persons_in_numerator), 0) as bigint) as persons_in_numerator
    from {{ rows }}
{%- if rollup is not none %}
    group by grouping sets (
        ({{ keys | join(', ') }}),
        ({{ others | join(', ') }})
    )
{%- else %}
    group by {{ keys | join(', ') }}
{%- endif %}
{%- endmacro %}
