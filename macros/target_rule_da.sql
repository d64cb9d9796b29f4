{#- The target rule in Danish for the catalogue, e.g. "+5 procentpoint fra baseline (2024)",
    "-1,5 procentpoint fra baseline (2024)" or "niveau 92 procent" (decimal comma). -#}
{% macro target_rule_da(kind, value, unit, baseline_year) -%}
    case
        when {{ kind }} = 'change'
            then
                case when {{ value }} >= 0 then '+' else '-' end
                || replace(printf('%g', abs({{ value }})), '.', ',')
                || ' '
                || case when {{ unit }} = 'procent' then 'procentpoint' else {{ unit }} end
                || ' fra baseline (' || cast({{ baseline_year }} as varchar) || ')'
        when {{ kind }} = 'level'
            then 'niveau ' || replace(printf('%g', {{ value }}), '.', ',') || ' ' || {{ unit }}
    end
{%- endmacro %}
