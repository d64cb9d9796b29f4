-- The period dimension of the grid, per indicator. Monthly indicators get every month, quarter
-- and year of the panel plus the rolling12 window; a period is complete when each of its months
-- is complete for the indicator (int_indicator_months: every source it reads delivered or not
-- expected), so a quarter or year with a missing or incomplete month is incomplete. A yearly
-- indicator (U_DANSK_MAT_02) gets every year of the panel, complete when its June is, and as its
-- rolling12 the latest exam year whose June lies within the panel.
with

catalogue as (
    select * from {{ ref('indicators') }}
),

periods as (
    select * from {{ ref('int_periods') }}
),

indicator_months as (
    select * from {{ ref('int_indicator_months') }}
),

monthly as (
    select
        catalogue.indicator_id,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        count(case when indicator_months.is_complete then 1 end)
        = date_diff('month', periods.period_start, periods.period_end) + 1 as is_complete
    from catalogue
    cross join periods
    left join indicator_months
        on
            catalogue.indicator_id = indicator_months.indicator_id
            and indicator_months.month_start between periods.period_start and periods.period_end
    where catalogue.grain = 'month'
    group by
        catalogue.indicator_id,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end
),

exam_years as (
    select
        catalogue.indicator_id,
        periods.period,
        periods.period_start,
        periods.period_end,
        coalesce(june.is_complete, false) as is_complete,
        june.month_start is not null as june_in_panel
    from catalogue
    cross join periods
    left join indicator_months as june
        on
            catalogue.indicator_id = june.indicator_id
            and june.month_start = make_date(year(periods.period_start), 6, 1)
    where catalogue.grain = 'year' and periods.period_type = 'year'
),

latest_exam_year as (
    select * from exam_years
    where june_in_panel
    qualify row_number() over (partition by indicator_id order by period desc) = 1
),

yearly as (
    select
        indicator_id,
        'year' as period_type,
        period,
        period_start,
        period_end,
        is_complete
    from exam_years
    union all
    select
        indicator_id,
        'rolling12' as period_type,
        period,
        period_start,
        period_end,
        is_complete
    from latest_exam_year
),

final as (
    select * from monthly
    union all
    select * from yearly
)

select * from final
