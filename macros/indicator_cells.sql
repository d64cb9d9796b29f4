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
