{#- Fails for every row where `expression` is not true; NULL is a failure, unless the expression
    guards it. Deliberately not named like dbt_utils.expression_is_true, which lets NULL pass and
    prefixes `column_name` to the expression: here a column-level use (for the docs) states the
    whole expression and `column_name` is ignored. -#}
{% test every_row_satisfies(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
