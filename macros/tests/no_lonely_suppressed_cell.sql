{#- Secondary suppression holds on `model`: no additive group of disclosure_group_specs() holds
    exactly one suppressed cell (a group needs a member), and a stock period and the month whose
    figures it shows are suppressed alike. `persons`: where the cells' persons are (default: the
    model itself). Fails with one row per offending group (disclosure_group_audit). -#}
{% test no_lonely_suppressed_cell(model, persons=none) %}
    select * from (
        {{ disclosure_group_audit(model, persons if persons is not none else model) }}
    ) as audit
    where not is_kept
{% endtest %}
