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

{#- The same for the department cells `model` (indicator_values_afdeling or the internal
    disclosed cells): no group of department_disclosure_group_specs() - the afdelinger of an area
    with the area's cell of `area_cells` as total, the quarters of a year per afdeling - holds
    exactly one suppressed cell, and a stock afdeling's quarter and year showing the same month
    are suppressed alike. `persons`: the area cells' persons (periods empty in the whole plan). -#}
{% test no_lonely_suppressed_department_cell(model, area_cells, persons) %}
    select * from (
        {{ department_disclosure_group_audit(model, area_cells, persons) }}
    ) as audit
    where not is_kept
{% endtest %}
