-- Published: one row per person-based indicator (all but S_BROBYGNING) x quarter/year x area x
-- afdeling, sex `all`: the columns of indicator_values plus `afdeling` after `area`
-- (docs/indicators.md, departments). A suppressed cell keeps its row, figures NULL.
with

cells as (
    select * from {{ ref('int_indicator_cells_afdeling_disclosed') }}
),

catalogue as (
    select * from {{ ref('indicators') }}
),

delaftaler as (
    select * from {{ ref('delaftaler') }}
),

final as (
    select
        cast(cells.indicator_id as varchar) as indicator_id,
        cast(cells.delaftale as varchar) as delaftale,
        cast(cells.period_type as varchar) as period_type,
        cast(cells.period as varchar) as period,
        cast(cells.period_start as date) as period_start,
        cast(cells.area as varchar) as area,
        cast(cells.afdeling as varchar) as afdeling,
        cast(cells.sex as varchar) as sex,
        cast(case when not cells.is_suppressed then cells.numerator end as double) as numerator,
        cast(case when not cells.is_suppressed then cells.denominator end as double)
            as denominator,
        cast(case when not cells.is_suppressed then cells.value end as double) as value,
        cast(cells.is_suppressed as boolean) as is_suppressed,
        cast(cells.is_complete as boolean) as is_complete
    from cells
    inner join catalogue on cells.indicator_id = catalogue.indicator_id
    inner join delaftaler on catalogue.delaftale = delaftaler.delaftale
    order by
        delaftaler.sort_order asc,
        catalogue.sort_order asc,
        case cells.period_type when 'quarter' then 2 else 3 end asc,
        cells.period_start asc,
        cells.area asc,
        length(cells.afdeling) asc,
        cells.afdeling asc
)

select * from final
