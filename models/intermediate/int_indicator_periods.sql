-- The period dimension of the grid, per indicator. Monthly indicators get every month, quarter
-- and year of the panel plus the rolling12 window. A yearly indicator (U_DANSK_MAT_02) gets every
-- year of the panel, complete when the June snapshot it needs exists, and as its rolling12 the
-- latest exam year whose June lies within the panel.
with

catalogue as (
    select * from {{ ref('indicators') }}
),

periods as (
    select * from {{ ref('int_periods') }}
),

months as (
    select * from {{ ref('int_months') }}
),

monthly as (
    select
        catalogue.indicator_id,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        periods.is_complete
    from catalogue
    cross join periods
    where catalogue.grain = 'month'
),

exam_years as (
    select
        periods.period,
        periods.period_start,
        periods.period_end,
        coalesce(june.has_snapshot, false) as is_complete,
        june.month_start is not null as june_in_panel
    from periods
    left join months as june
        on june.month_start = make_date(year(periods.period_start), 6, 1)
    where periods.period_type = 'year'
),

latest_exam_year as (
    select * from exam_years
    where june_in_panel
    order by period desc
    limit 1
),

exam_periods as (
    select
        'year' as period_type,
        period,
        period_start,
        period_end,
        is_complete
    from exam_years
    union all
    select
        'rolling12' as period_type,
        period,
        period_start,
        period_end,
        is_complete
    from latest_exam_year
),

yearly as (
    select
        catalogue.indicator_id,
        exam_periods.period_type,
        exam_periods.period,
        exam_periods.period_start,
        exam_periods.period_end,
        exam_periods.is_complete
    from catalogue
    cross join exam_periods
    where catalogue.grain = 'year'
),

final as (
    select * from monthly
    union all
    select * from yearly
)

select * from final
