-- The disclosure groups of the published participant_outcomes (macros/disclosure_groups.sql,
-- participant_group_specs): deltager + ikke_deltager with the published year cell
-- (marts.indicator_values, sex `all`), and the areas of one participation with `all`; one row per
-- group and whether the rule holds. A view, so it judges whatever the marts hold now.
{{ participant_group_audit(ref('participant_outcomes'), ref('indicator_values')) }}
