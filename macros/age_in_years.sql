{#- Completed years of age on `on_date` (data contract: age at a month = completed years on its
    last day). A birthday on `on_date` counts; someone born on 29 February completes a year on
    28 February only in leap years, i.e. on 1 March otherwise. -#}
{% macro age_in_years(birth_date, on_date) -%}
    (
        year({{ on_date }}) - year({{ birth_date }})
        - case
            when month({{ on_date }}) * 100 + day({{ on_date }})
                < month({{ birth_date }}) * 100 + day({{ birth_date }})
                then 1
            else 0
        end
    )
{%- endmacro %}
