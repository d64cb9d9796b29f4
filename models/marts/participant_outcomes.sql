-- Published: participants and non-participants of the outcome indicators (docs/indicators.md),
-- one row per indicator x year x area (each area and `all`) x participation. A suppressed row
-- keeps its row with both years' figures NULL. Person counts stay internal.
with

outcomes as (
    select * from {{ ref('int_participant_outcomes_disclosed') }}
),

catalogue as (
    select * from {{ ref('indicators') }}
),

delaftaler as (
    select * from {{ ref('delaftaler') }}
),

final as (
    select
        {{ published_columns('outcomes', blanked=[
            'numerator', 'denominator', 'value',
            'numerator_before', 'denominator_before', 'value_before',
        ]) }}
    from outcomes
    inner join catalogue on outcomes.indicator_id = catalogue.indicator_id
    inner join delaftaler on catalogue.delaftale = delaftaler.delaftale
    order by
        delaftaler.sort_order asc,
        catalogue.sort_order asc,
        outcomes.year asc,
        outcomes.area = 'all' desc,
        outcomes.area asc,
        outcomes.participation asc
)

select * from final
