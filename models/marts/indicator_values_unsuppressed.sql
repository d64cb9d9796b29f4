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
        cast(cells.indicator_id as varchar) as indicator_id,
        cast(cells.delaftale as varchar) as delaftale,
        cast(cells.period_type as varchar) as period_type,
        cast(cells.period as varchar) as period,
        cast(cells.period_start as date) as period_start,
        cast(cells.area as varchar) as area,
        cast(cells.sex as varchar) as sex,
        cast(cells.numerator as double) as numerator,
        cast(cells.denominator as double) as denominator,
        cast(cells.value as double) as value,
        cast(cells.is_suppressed as boolean) as is_suppressed,
        cast(cells.is_complete as boolean) as is_complete,
        cast(cells.persons as bigint) as persons,
        cast(cells.persons_in_numerator as bigint) as persons_in_numerator,
        cast(cells.suppression as varchar) as suppression
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
