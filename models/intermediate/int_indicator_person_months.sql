-- The one place every indicator figure comes from: one row per indicator, month and counting
-- unit (a person; for S_BROBYGNING a session) in the indicator's denominator population, with
-- the unit's numerator and denominator contributions. Aggregates only ever sum these rows.
{%- set indicator_models = [
    'int_ind_u_fravaer',
    'int_ind_u_hoejt_fravaer',
    'int_ind_u_dansk_mat_02',
    'int_ind_u_unge_i_udd_job',
    'int_ind_b_beskaeftigelse',
    'int_ind_b_offentlig_forsoergelse',
    'int_ind_b_overgang_job_udd',
    'int_ind_s_aktive_frivillige',
    'int_ind_s_deltagelse',
    'int_ind_s_brobygning',
    'int_ind_s_koordinerede_forloeb',
    'int_ind_s_forloeb_maal_naaet',
] %}

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
)

select * from unioned
