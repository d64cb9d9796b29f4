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
        cast(outcomes.indicator_id as varchar) as indicator_id,
        cast(outcomes.year as integer) as year,
        cast(outcomes.area as varchar) as area,
        cast(outcomes.participation as varchar) as participation,
        cast(case when not outcomes.is_suppressed then outcomes.numerator end as double)
            as numerator,
        cast(case when not outcomes.is_suppressed then outcomes.denominator end as double)
            as denominator,
        cast(case when not outcomes.is_suppressed then outcomes.value end as double) as value,
        cast(case when not outcomes.is_suppressed then outcomes.numerator_before end as double)
            as numerator_before,
        cast(case when not outcomes.is_suppressed then outcomes.denominator_before end as double)
            as denominator_before,
        cast(case when not outcomes.is_suppressed then outcomes.value_before end as double)
            as value_before,
        cast(outcomes.is_suppressed as boolean) as is_suppressed
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
