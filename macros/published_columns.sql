{#- The published projection of a mart, written once: the columns of the model's dbt contract
    (models/marts/_models.yml: name and data_type, in their order), each selected from `source`
    and cast to its contract type, so the SQL never lists them a second time. The columns in
    `blanked` (the figures) are NULL in a suppressed row (docs/indicators.md, disclosure rule 3);
    `suppressed` names the source's decision. Select-list items: the caller writes select and
    from. -#}
{% macro published_columns(source, blanked=[], suppressed='is_suppressed') -%}
{%- set items = [] %}
{%- for name in blanked if execute and name not in model.columns %}
{%- do exceptions.raise_compiler_error(
    'published_columns: ' ~ name ~ ' is not a contract column of ' ~ model.name) %}
{%- endfor %}
{%- for column in model.columns.values() %}
{%- set expression = source ~ '.' ~ column.name %}
{%- if column.name in blanked %}
{%- set expression = 'case when not ' ~ source ~ '.' ~ suppressed ~ ' then ' ~ expression
    ~ ' end' %}
{%- endif %}
{%- do items.append('cast(' ~ expression ~ ' as ' ~ column.data_type ~ ') as ' ~ column.name) %}
{%- endfor %}
{{- items | join(',\n        ') }}
{%- endmacro %}
