{#- Rules that belong to an indicator's definition but are not in the catalogue's columns. -#}

{#- Whether an indicator's numerator counts persons. U_FRAVAER's numerator is days absent, so
    only the persons rule of disclosure control applies to it (shared/spec/indicators.md). -#}
{% macro numerator_counts_persons(indicator_id) -%}
({{ indicator_id }} <> 'U_FRAVAER')
{%- endmacro %}
