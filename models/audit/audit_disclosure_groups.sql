-- The disclosure groups of the published cells (marts.indicator_values), as disclosure control
-- forms them (macros/disclosure_groups.sql), with their suppressed cells: one row per group and
-- whether the rule holds. A view, so it judges whatever the mart holds now; the quality gate
-- reads it (mart_disclosure_groups).
{{ disclosure_group_audit(ref('indicator_values'), ref('indicator_values_unsuppressed')) }}
