-- Every cell of int_indicator_cells with its disclosure decision (all period types, incl. the
-- internal rolling12). Figures stay unsuppressed here; the published marts blank them.
with

catalogue as (
    select * from {{ ref('indicators') }}
),

period_months as (
    select * from {{ ref('int_indicator_period_months') }}
),

-- A stock period shows the figures of the one month that feeds it (int_indicator_period_months).
cells as (
    select
        int_indicator_cells.*,
        catalogue.aggregation,
        catalogue.numerator_counts_persons,
        period_months.month_start as stock_month
    from {{ ref('int_indicator_cells') }} as int_indicator_cells
    inner join catalogue on int_indicator_cells.indicator_id = catalogue.indicator_id
    left join period_months
        on
            catalogue.aggregation = 'stock'
            and int_indicator_cells.indicator_id = period_months.indicator_id
            and int_indicator_cells.period_type = period_months.period_type
            and int_indicator_cells.period = period_months.period
),

{{ disclosure_control(
    'cells', var('disclosure_k') | int, var('secondary_suppression_rounds') | int
) }}

final as (
    select * exclude (aggregation, numerator_counts_persons, stock_month) from disclosed
)

select * from final
