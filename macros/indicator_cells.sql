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
    hundreds of millions of rows). Sums add over months, so they are summed per month first and
    then per period (month_sums, period_sums). A unit's months are a bit mask (month_mask: bit i
    = the i-th month of the panel, in words of 64 bits); a unit is in a period's cell when its
    months meet the period's months (masks_meet), in its numerator when its numerator months do.
    Units with the same masks are counted together, so the period step joins patterns, not
    persons. -#}
{% macro mask_words() -%}
{{ return(4) }}
{%- endmacro %}

{#- The month's position after `first_month` (a CTE's column: the first month with a person
    row); a person row beyond the masks' months stops the build with a message. -#}
{% macro month_index(month_start, first_month) -%}
case
    when datediff('month', {{ first_month }}, {{ month_start }}) between 0 and {{ 64 * mask_words() - 1 }}
        then datediff('month', {{ first_month }}, {{ month_start }})
    else error('more than {{ 64 * mask_words() }} months of person rows: more than a month mask holds (macros/indicator_cells.sql)')
end
{%- endmacro %}

{#- Aggregates: the months (of rows where `condition`) as mask words `<name>_0`, `<name>_1`, ... -#}
{% macro month_mask(index, name='months', condition='true') -%}
{%- for word in range(mask_words()) %}
        coalesce(bit_or(
            case
                when {{ condition }} and {{ index }} // 64 = {{ word }}
                    then cast(1 as ubigint) << cast({{ index }} % 64 as ubigint)
            end
        ), cast(0 as ubigint)) as {{ name }}_{{ word }}{{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- Aggregates: the union of masks `<name>_i` (of `relation`), under the same names. -#}
{% macro mask_union(relation, name) -%}
{%- for word in range(mask_words()) %}
        bit_or({{ relation }}.{{ name }}_{{ word }}) as {{ name }}_{{ word }}{{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{% macro mask_columns(relation, name) -%}
{%- for word in range(mask_words()) -%}
{{ relation }}.{{ name }}_{{ word }}{{ ', ' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{% macro masks_meet(a, b) -%}
(
{%- for word in range(mask_words()) -%}
({{ a }}_{{ word }} & {{ b }}_{{ word }}) <> 0{{ ' or ' if not loop.last }}
{%- endfor -%}
)
{%- endmacro %}

{#- One row per unit (person) and `keys` of the person rows of `rows`: the months it has a row
    in and those in the numerator, as masks. `origin`: a CTE with `first_month`. -#}
{% macro unit_masks(rows, origin, keys) -%}
{%- set sep = ',\n        ' %}
    select
        indicated.indicator_id,
        {% for key in keys %}indicated.{{ key }}{{ sep }}{% endfor %}indicated.unit_id,
        {{ month_mask('indicated.month_index') }},
        {{ month_mask('indicated.month_index', 'numerator_months', 'indicated.in_numerator') }}
    from (
        select
            {{ rows }}.*,
            {{ month_index(rows ~ '.month_start', origin ~ '.first_month') }} as month_index
        from {{ rows }}
        cross join {{ origin }}
        where {{ rows }}.person_id is not null
    ) as indicated
    group by indicated.indicator_id, {% for key in keys %}indicated.{{ key }}, {% endfor %}indicated.unit_id
{%- endmacro %}

{#- The months that feed each period as a mask; a month outside the masks (before the first
    person row, e.g. an exam year's June before the first snapshot) has nobody in it. -#}
{% macro period_masks(period_months, origin) -%}
    select
        indexed.indicator_id,
        indexed.period_type,
        indexed.period,
        {{ month_mask('indexed.month_index') }}
    from (
        select
            {{ period_months }}.*,
            datediff('month', {{ origin }}.first_month, {{ period_months }}.month_start) as month_index
        from {{ period_months }}
        cross join {{ origin }}
    ) as indexed
    where indexed.month_index between 0 and {{ 64 * mask_words() - 1 }}
    group by indexed.indicator_id, indexed.period_type, indexed.period
{%- endmacro %}

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

{#- Sums per period, from month_sums rows. -#}
{% macro period_sums(sums, period_months, keys) -%}
{%- set sep = ',\n        ' %}
    select
        fed.indicator_id,
        fed.period_type,
        fed.period,
        {% for key in keys %}{{ sums }}.{{ key }}{{ sep if not loop.last }}{% endfor %},
        sum({{ sums }}.numerator) as numerator,
        sum({{ sums }}.denominator) as denominator
    from {{ sums }}
    inner join {{ period_months }} as fed
        on
            {{ sums }}.indicator_id = fed.indicator_id
            and {{ sums }}.month_start = fed.month_start
    group by all
{%- endmacro %}

{#- Persons per period: `patterns` (keys, months_i, numerator_months_i, units) against
    `period_masks` (indicator_id, period_type, period, months_i). -#}
{% macro period_persons(patterns, period_masks, keys) -%}
{%- set sep = ',\n        ' %}
    select
        {{ period_masks }}.indicator_id,
        {{ period_masks }}.period_type,
        {{ period_masks }}.period,
        {% for key in keys %}{{ patterns }}.{{ key }}{{ sep if not loop.last }}{% endfor %},
        sum({{ patterns }}.units) as persons,
        coalesce(sum({{ patterns }}.units) filter (
            where {{ masks_meet(patterns ~ '.numerator_months', period_masks ~ '.months') }}
        ), 0) as persons_in_numerator
    from {{ patterns }}
    inner join {{ period_masks }}
        on {{ patterns }}.indicator_id = {{ period_masks }}.indicator_id
    where {{ masks_meet(patterns ~ '.months', period_masks ~ '.months') }}
    group by all
{%- endmacro %}

{#- cell_sums over period_sums and period_persons rows: persons are counted already. -#}
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
