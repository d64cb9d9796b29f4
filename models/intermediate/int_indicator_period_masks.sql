-- The months that feed each indicator period (int_indicator_period_months) as a month mask
-- (macros/indicator_cells.sql), to meet the persons' masks of int_indicator_unit_months. A
-- month outside the panel (an exam year's June before the first snapshot) has no person in it.
with

period_months as (
    select * from {{ ref('int_indicator_period_months') }}
),

panel as (
    select
        min(month_start) as first_month,
        max(month_start) as last_month
    from {{ ref('int_months') }}
),

indexed as (
    select
        period_months.indicator_id,
        period_months.period_type,
        period_months.period,
        {{ month_index('period_months.month_start', 'panel.first_month') }} as month_index
    from period_months
    cross join panel
    where period_months.month_start between panel.first_month and panel.last_month
),

final as (
    select
        indicator_id,
        period_type,
        period,
        {{ month_mask('month_index') }}
    from indexed
    group by indicator_id, period_type, period
)

select * from final
