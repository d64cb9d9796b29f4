-- Published: the status of the latest 12 months (for the yearly U_DANSK_MAT_02 the latest exam
-- year) per indicator and area (incl. `all`), sex `all`. expected = the straight line from the
-- baseline at the end of the baseline year to the target at the end of the target year, read at
-- window_end (held at the baseline before, at the target after). on_track = at least as good as
-- expected; at_risk = worse by at most status_at_risk_share of |target - baseline|; off_track
-- otherwise; no_data when the window's value, the baseline or the target is missing/suppressed,
-- and when the window holds a hidden month that had people in it: the window less its published
-- months would give that month back (a month hidden because it was empty hides nobody).
with

targets as (
    select * from {{ ref('int_indicator_targets') }}
),

latest as (
    select * from {{ ref('int_indicator_cells_disclosed') }}
    where period_type = 'rolling12' and sex = 'all'
),

hidden_months as (
    select * from {{ ref('int_indicator_cells_disclosed') }}
    where period_type = 'month' and sex = 'all' and is_suppressed and persons > 0
),

-- windows that would give a hidden month back
revealing as (
    select distinct
        latest.indicator_id,
        latest.area
    from latest
    inner join hidden_months
        on
            latest.indicator_id = hidden_months.indicator_id
            and latest.area = hidden_months.area
            and hidden_months.period_start between latest.period_start and latest.period_end
),

catalogue as (
    select * from {{ ref('indicators') }}
),

delaftaler as (
    select * from {{ ref('delaftaler') }}
),

measured as (
    select
        targets.indicator_id,
        targets.area,
        targets.direction,
        targets.baseline,
        targets.target,
        latest.period_start as window_start,
        latest.period_end as window_end,
        case
            when not latest.is_suppressed and revealing.area is null then latest.value
        end as value,
        make_date(targets.baseline_year, 12, 31) as baseline_date,
        make_date(targets.target_year, 12, 31) as target_date
    from targets
    left join latest
        on
            targets.indicator_id = latest.indicator_id
            and targets.area = latest.area
    left join revealing
        on
            targets.indicator_id = revealing.indicator_id
            and targets.area = revealing.area
),

expected as (
    select
        *,
        baseline + (target - baseline) * least(greatest(
            cast(date_diff('day', baseline_date, window_end) as double)
            / date_diff('day', baseline_date, target_date),
            0.0
        ), 1.0) as expected
    from measured
),

final as (
    select
        cast(expected.indicator_id as varchar) as indicator_id,
        cast(expected.area as varchar) as area,
        cast(expected.window_start as date) as window_start,
        cast(expected.window_end as date) as window_end,
        cast(expected.value as double) as value,
        cast(expected.baseline as double) as baseline,
        cast(expected.target as double) as target,
        cast(expected.expected as double) as expected,
        cast(case
            when
                expected.value is null or expected.baseline is null or expected.target is null
                then 'no_data'
            when expected.direction = 'higher' and expected.value >= expected.expected
                then 'on_track'
            when expected.direction = 'lower' and expected.value <= expected.expected
                then 'on_track'
            when
                abs(expected.value - expected.expected)
                <= {{ var('status_at_risk_share') }} * abs(expected.target - expected.baseline)
                then 'at_risk'
            else 'off_track'
        end as varchar) as status
    from expected
    inner join catalogue on expected.indicator_id = catalogue.indicator_id
    inner join delaftaler on catalogue.delaftale = delaftaler.delaftale
    order by
        delaftaler.sort_order asc,
        catalogue.sort_order asc,
        expected.area = 'all' desc,
        expected.area asc
)

select * from final
