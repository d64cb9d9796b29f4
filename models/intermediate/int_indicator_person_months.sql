-- The one place every indicator figure comes from: one row per indicator, month and counting
-- unit (a person; for S_BROBYGNING a session) in the indicator's denominator population, with
-- the unit's numerator and denominator contributions, and the afdeling of the person's beboere
-- row of that month (the department cells' key; each indicator model takes it from the
-- residents row that places the person). Aggregates only ever sum these rows.
{#- The catalogue (seeds/indicators.csv, read by pipelines/catalogue.py) names the models:
    helhedsplan passes them as a var, since dbt knows a ref only when the SQL is parsed. #}
{%- set indicator_models = var('indicator_models', none) %}
{%- if indicator_models is none %}
{{ exceptions.raise_compiler_error(
    "int_indicator_person_months needs the var indicator_models (the catalogue's int_ind_* models);"
    " run dbt as 'helhedsplan dbt <command>' (or helhedsplan build / run), which passes it") }}
{%- endif %}

with

{% for model_name in indicator_models %}
{{ model_name }} as (
    select * from {{ ref(model_name) }}
),

{% endfor -%}

unioned as (
    {%- for model_name in indicator_models %}
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
    from {{ model_name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select * from unioned
)

select * from final
