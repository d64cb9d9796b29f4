-- Published as `indicators` (the catalogue; a model cannot share the seed's name): the
-- catalogue with delaftale names, the baseline (plan as a whole, published value of the
-- baseline year) and the 2029 target for the plan as a whole.
{{ config(alias='indicators') }}

with

catalogue as (
    select * from {{ ref('indicators') }}
),

delaftaler as (
    select * from {{ ref('delaftaler') }}
),

targets as (
    select * from {{ ref('int_indicator_targets') }}
    where area = 'all'
),

final as (
    select
        cast(catalogue.indicator_id as varchar) as indicator_id,
        cast(catalogue.delaftale as varchar) as delaftale,
        cast(delaftaler.name_da as varchar) as delaftale_name_da,
        cast(catalogue.name_da as varchar) as name_da,
        cast(catalogue.name_en as varchar) as name_en,
        cast(catalogue.description_da as varchar) as description_da,
        cast(catalogue.description_en as varchar) as description_en,
        cast(catalogue.unit_da as varchar) as unit_da,
        cast(catalogue.factor as double) as factor,
        cast(catalogue.direction as varchar) as direction,
        cast(catalogue.aggregation as varchar) as aggregation,
        cast(catalogue.grain as varchar) as grain,
        cast(catalogue.person_based as boolean) as person_based,
        cast(string_split(catalogue.sources, '|') as varchar[]) as sources,
        cast(catalogue.months_read_before as integer) as months_read_before,
        cast(catalogue.baseline_year as integer) as baseline_year,
        cast(targets.baseline as double) as baseline,
        cast(targets.target as double) as target,
        cast(catalogue.target_year as integer) as target_year,
        cast(catalogue.target_is_example as boolean) as target_is_example,
        cast({{ target_rule_da(
            'catalogue.target_kind', 'catalogue.target_value', 'catalogue.unit_da',
            'catalogue.baseline_year'
        ) }} as varchar) as target_rule_da,
        cast(catalogue.participant_outcome as boolean) as participant_outcome
    from catalogue
    inner join delaftaler on catalogue.delaftale = delaftaler.delaftale
    left join targets on catalogue.indicator_id = targets.indicator_id
    order by delaftaler.sort_order, catalogue.sort_order
)

select * from final
