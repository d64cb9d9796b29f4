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
        {{ published_columns('cells', blanked=['numerator', 'denominator', 'value']) }}
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
