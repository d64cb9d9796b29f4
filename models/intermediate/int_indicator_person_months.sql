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

{#- The table is the first model's rows, then each other model's rows inserted one statement
    at a time: one `union all` of all twelve made DuckDB build every model's joins at once,
    more than 8 GB at national scale. -#}
{%- set inserts = [] %}
{%- for model_name in indicator_models[1:] %}
{%- do inserts.append("insert into {{ this }} {{ indicator_rows('" ~ model_name ~ "') }}") %}
{%- endfor %}
{{ config(post_hook=inserts) }}
{%- for model_name in indicator_models[1:] %}
-- depends_on: {{ ref(model_name) }}
{%- endfor %}

{{ indicator_rows(indicator_models[0]) }}
