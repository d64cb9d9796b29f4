-- Baseline and 2029 target per indicator and area (incl. `all`), sex `all`. Baseline = the
-- published (not suppressed) value of the baseline year; the target is the catalogue's, or the
-- area's override from seeds/indicator_area_targets.csv: `change` = baseline + target_value,
-- `level` = target_value.
with

catalogue as (
    select * from {{ ref('indicators') }}
),

area_targets as (
    select * from {{ ref('indicator_area_targets') }}
),

cells as (
    select * from {{ ref('int_indicator_cells_disclosed') }}
),

indicator_areas as (
    select distinct
        indicator_id,
        area
    from cells
    where sex = 'all'
),

baseline_cells as (
    select
        cells.indicator_id,
        cells.area,
        case when not cells.is_suppressed then cells.value end as baseline
    from cells
    inner join catalogue on cells.indicator_id = catalogue.indicator_id
    where
        cells.period_type = 'year'
        and cells.period = cast(catalogue.baseline_year as varchar)
        and cells.sex = 'all'
),

chosen as (
    select
        indicator_areas.indicator_id,
        indicator_areas.area,
        catalogue.direction,
        catalogue.baseline_year,
        catalogue.target_year,
        baseline_cells.baseline,
        coalesce(area_targets.target_kind, catalogue.target_kind) as target_kind,
        coalesce(area_targets.target_value, catalogue.target_value) as target_value,
        coalesce(area_targets.target_is_example, catalogue.target_is_example)
            as target_is_example
    from indicator_areas
    inner join catalogue on indicator_areas.indicator_id = catalogue.indicator_id
    left join baseline_cells
        on
            indicator_areas.indicator_id = baseline_cells.indicator_id
            and indicator_areas.area = baseline_cells.area
    left join area_targets
        on
            indicator_areas.indicator_id = area_targets.indicator_id
            and indicator_areas.area = area_targets.area
),

final as (
    select
        *,
        case
            when target_kind = 'change' then baseline + target_value
            when target_kind = 'level' then target_value
        end as target
    from chosen
)

select * from final
