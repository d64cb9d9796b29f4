-- int_participant_outcome_cells with the disclosure decision (docs/indicators.md,
-- "Participants and non-participants"; macros disclosure_control and participant_group_specs):
-- primary when either year's figures (Y, or the same persons in Y-1) fail disclosure rule 1
-- (k = var disclosure_k); secondary by the groups of participant_group_specs(): deltager and
-- ikke_deltager of an area with the indicator's year cell (sex `all`, its decision taken by
-- int_indicator_cells_disclosed and never changed here) as total, and the areas of one
-- participation with area `all`. Figures stay unsuppressed; the mart blanks them.
with

catalogue as (
    select * from {{ ref('indicators') }}
    where participant_outcome
),

outcome_cells as (
    select * from {{ ref('int_participant_outcome_cells') }}
),

year_cells as (
    select * from {{ ref('int_indicator_cells_disclosed') }}
    where period_type = 'year' and sex = 'all'
),

-- The rows and, as participation `total`, the year cells they sum to (fixed decisions).
cells as (
    select
        outcome_cells.indicator_id,
        outcome_cells.year,
        outcome_cells.area,
        outcome_cells.participation,
        catalogue.person_based,
        catalogue.numerator_counts_persons,
        outcome_cells.persons,
        outcome_cells.persons_in_numerator,
        outcome_cells.persons_before,
        outcome_cells.persons_in_numerator_before,
        cast(null as boolean) as total_is_suppressed
    from outcome_cells
    inner join catalogue on outcome_cells.indicator_id = catalogue.indicator_id
    union all
    select
        year_cells.indicator_id,
        cast(year_cells.period as integer) as year,
        year_cells.area,
        'total' as participation,
        catalogue.person_based,
        catalogue.numerator_counts_persons,
        year_cells.persons,
        year_cells.persons_in_numerator,
        null as persons_before,
        null as persons_in_numerator_before,
        year_cells.is_suppressed as total_is_suppressed
    from year_cells
    inner join catalogue on year_cells.indicator_id = catalogue.indicator_id
),

{% set k = var('disclosure_k') | int %}
{% set primary %}
case
            when participation = 'total' then total_is_suppressed
            else {{ disclosure_primary_rule(k) }}
            or {{ disclosure_primary_rule(k, 'persons_before', 'persons_in_numerator_before') }}
        end
{% endset %}
{{ disclosure_control(
    'cells', k, var('secondary_suppression_rounds') | int,
    groups=participant_group_specs(), primary=primary, time_keys=false
) }}

final as (
    select
        outcome_cells.*,
        disclosed.is_suppressed,
        disclosed.suppression
    from outcome_cells
    inner join disclosed
        on
            outcome_cells.indicator_id = disclosed.indicator_id
            and outcome_cells.year = disclosed.year
            and outcome_cells.area = disclosed.area
            and outcome_cells.participation = disclosed.participation
)

select * from final
