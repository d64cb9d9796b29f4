-- The disclosure groups of the published cells (marts.indicator_values, then the department
-- cells of marts.indicator_values_afdeling with the area cells as totals), as disclosure control
-- forms them (macros/disclosure_groups.sql), with their suppressed cells: one row per group and
-- whether the rule holds. A view, so it judges whatever the marts hold now; the quality gate
-- reads it (mart_disclosure_groups).
select * from (
    {{ disclosure_group_audit(ref('indicator_values'), ref('indicator_values_unsuppressed')) }}
) as area_groups

union all

select * from (
    {{ department_disclosure_group_audit(
        ref('indicator_values_afdeling'),
        ref('indicator_values'),
        ref('indicator_values_unsuppressed')
    ) }}
) as department_groups
