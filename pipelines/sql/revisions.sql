-- Revisions between two publications: every published cell of indicator_values that exists in
-- both and changed (value, numerator, denominator or suppression), with the corrected deliveries
-- it can come from. Run after attaching the earlier publication as `a` and the later as `b`:
--   ATTACH 'data/marts/history/<earlier>.duckdb' AS a (READ_ONLY);
--   ATTACH 'data/marts/history/<later>.duckdb' AS b (READ_ONLY);
-- A corrected delivery is a (source, period) whose supplying file (SHA-256) differs between the
-- two publications' pipeline_runs; it can explain a cell of an indicator that reads that source
-- (indicators.sources) in the cell's period or the months_read_before months before it.
with

suppliers_a as (
    select f.source, p.period, f.file_path, f.sha256
    from (
        select unnest(source_files) as f
        from (select source_files from a.pipeline_runs order by published_at desc limit 1)
    )
    cross join unnest(f.periods) as p (period)
),

suppliers_b as (
    select f.source, p.period, f.file_path, f.sha256
    from (
        select unnest(source_files) as f
        from (select source_files from b.pipeline_runs order by published_at desc limit 1)
    )
    cross join unnest(f.periods) as p (period)
),

corrections as (
    select
        b.source,
        b.period,
        -- a school year (karakterer, `2024/25`) is read in June of its exam year
        case
            when b.period like '____/__'
                then make_date(cast(left(b.period, 4) as integer) + 1, 6, 1)
            else cast(strptime(b.period || '-01', '%Y-%m-%d') as date)
        end as period_month,
        a.file_path as superseded_file,
        b.file_path as superseding_file
    from suppliers_b as b
    inner join suppliers_a as a using (source, period)
    where a.sha256 <> b.sha256
),

changed as (
    select
        indicator_id,
        period_type,
        period,
        area,
        sex,
        x.period_start,
        x.value as value_before,
        y.value as value_after,
        x.numerator as numerator_before,
        y.numerator as numerator_after,
        x.denominator as denominator_before,
        y.denominator as denominator_after,
        x.is_suppressed as suppressed_before,
        y.is_suppressed as suppressed_after
    from a.indicator_values as x
    inner join b.indicator_values as y using (indicator_id, period_type, period, area, sex)
    where
        x.value is distinct from y.value
        or x.numerator is distinct from y.numerator
        or x.denominator is distinct from y.denominator
        or x.is_suppressed is distinct from y.is_suppressed
),

windows as (
    select
        changed.*,
        cast(changed.period_start - to_months(i.months_read_before) as date) as reads_from,
        cast(
            changed.period_start + case changed.period_type
                when 'month' then interval 1 month
                when 'quarter' then interval 3 month
                else interval 12 month
            end - interval 1 day as date
        ) as reads_to,
        i.sources
    from changed
    inner join b.indicators as i using (indicator_id)
),

final as (
    select
        windows.indicator_id,
        windows.period_type,
        windows.period,
        windows.area,
        windows.sex,
        windows.value_before,
        windows.value_after,
        windows.numerator_before,
        windows.numerator_after,
        windows.denominator_before,
        windows.denominator_after,
        windows.suppressed_before,
        windows.suppressed_after,
        list(distinct corrections.superseding_file order by corrections.superseding_file)
            filter (where corrections.superseding_file is not null) as corrected_by,
        list(distinct corrections.superseded_file order by corrections.superseded_file)
            filter (where corrections.superseded_file is not null) as superseded
    from windows
    left join corrections
        on
            list_contains(windows.sources, corrections.source)
            and corrections.period_month between windows.reads_from and windows.reads_to
    group by all
)

select * from final
order by indicator_id, period_type, period, area, sex
