{#- One indicator model's rows in the columns and types of int_indicator_person_months. -#}
{% macro indicator_rows(model_name) -%}
select
    cast(indicator_id as varchar) as indicator_id,
    cast(month_start as date) as month_start,
    cast(area as varchar) as area,
    cast(department as varchar) as department,
    cast(sex as varchar) as sex,
    cast(unit_id as varchar) as unit_id,
    cast(person_id as varchar) as person_id,
    cast(in_numerator as boolean) as in_numerator,
    cast(numerator as double) as numerator,
    cast(denominator as double) as denominator
from {{ ref(model_name) }}
{%- endmacro %}
