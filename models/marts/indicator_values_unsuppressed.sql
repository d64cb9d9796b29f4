-- Internal (never published): the cells of indicator_values with their figures unsuppressed,
-- the disclosure decision, and the person counts it was taken on.
with

cells as (
    select * from {{ ref('int_indicator_cells_disclosed') }}
),

catalogue as (
    select * from {{ ref('indicators') }}
),

delaftaler as (
    select * from {{ ref('delaftaler') }}
),

final as (
    select
        {{ published_columns('cells') }}
    from cells
    inner join catalogue on cells.indicator_id = catalogue.indicator_id
    inner join delaftaler on catalogue.delaftale = delaftaler.delaftale
    where cells.period_type in ('month', 'quarter', 'year')
    order by
        delaftaler.sort_order asc,
        catalogue.sort_order asc,
        case cells.period_type when 'month' then 1 when 'quarter' then 2 else 3 end asc,
        cells.period_start asc,
        cells.area = 'all' desc,
        cells.area asc,
        case cells.sex when 'all' then 1 when 'female' then 2 else 3 end asc
)

select * from final
