{#- Fails for every row where `expression` is not true (NULL counts as a failure unless
    the caller guards it). Like dbt_utils.expression_is_true, written here: no dbt packages. -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
