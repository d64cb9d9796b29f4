{#- Disclosure control of docs/indicators.md as a chain of CTEs over `cells` (columns
    indicator_id, period_type, period, period_start, area, sex, person_based,
    numerator_counts_persons (from the catalogue), persons, persons_in_numerator, aggregation ('flow'/'stock'), stock_month (the month whose figures a
    stock cell shows; NULL for flows)). Emits CTEs ending in `disclosed`, which adds is_suppressed
    and suppression ('primary', 'secondary' or NULL). Call inside a `with` list; the caller
    continues after a comma.

    1. Primary: persons < k, or 0 < persons_in_numerator < k, or 0 < persons - persons_in_numerator
       < k (only the first rule where the catalogue's numerator_counts_persons is false). A cell of 0 persons is suppressed by the first rule.
    2. Secondary: no additive group may hold exactly one suppressed cell. Groups (a total and the
       members that sum to it):
       - areas: the areas of one sex with the area `all`, within one indicator and period;
       - sexes: female/male of one area (incl. `all`) with the sex `all`;
       - time (flows only): within one indicator, area and sex, the
         months of a quarter with the quarter, and the quarters of a year with the year. A month
         or quarter in which the indicator has nobody at all (its all/all cell counts 0 persons: a
         month without a snapshot, July without school) is known to be empty, hides nobody and is
         no member.
       In a group with exactly one suppressed cell:
       - a suppressed member beside a published total (rule 2): suppress the smallest
         published member (fewest persons, then by name or period), or the total if none is left;
       - a suppressed total beside published members only (their sum would give it away):
         suppress the smallest member.
    3. Stock link: a stock period (S_AKTIVE_FRIVILLIGE quarter, year, rolling12) shows the figures
       of one month (stock_month); if either is suppressed, both are.
    Every round takes areas, sexes, months, quarters and the stock link in turn and only adds
    suppressions; rounds repeat (recursive CTE) until one changes nothing, at most `rounds`. The
    data test no_lonely_suppressed_cell proves the fixpoint. Cells that are not person-based
    (S_BROBYGNING) are never suppressed. -#}
{% macro disclosure_control(cells, k, rounds) %}
primary_suppression as (
    select
        *,
        coalesce(person_based and (
            persons < {{ k }}
            or (
                numerator_counts_persons
                and (
                    (persons_in_numerator > 0 and persons_in_numerator < {{ k }})
                    or (
                        persons - persons_in_numerator > 0
                        and persons - persons_in_numerator < {{ k }}
                    )
                )
            )
        ), false) as is_primary_suppressed,
        -- Time groups of flows: a month's quarter, a quarter's year (its first day).
        case
            when aggregation = 'flow' and period_type in ('month', 'quarter')
                then cast(date_trunc('quarter', period_start) as date)
        end as quarter_group,
        case
            when aggregation = 'flow' and period_type in ('quarter', 'year')
                then cast(date_trunc('year', period_start) as date)
        end as year_group,
        coalesce(max(case when area = 'all' and sex = 'all' then persons end) over (
            partition by indicator_id, period_type, period
        ) = 0, false) as is_empty_period
    from {{ cells }}
),

suppression_rounds as (
    with recursive suppression_state as (
        select
            *,
            is_primary_suppressed as is_suppressed,
            0 as round_number
        from primary_suppression

        union all

        select * from (
            with
            round_start as (
                select
                    *,
                    is_suppressed as was_suppressed
                from suppression_state
                where round_number < {{ rounds }}
            ),
            {{ _secondary_step(
                'round_start', 'by_area', 'indicator_id, period_type, period, sex',
                "area <> 'all'", "area = 'all'", 'area'
            ) }}
            {{ _secondary_step(
                'by_area', 'by_sex', 'indicator_id, period_type, period, area',
                "sex <> 'all'", "sex = 'all'", 'sex'
            ) }}
            {{ _secondary_step(
                'by_sex', 'by_month', 'indicator_id, area, sex, quarter_group',
                "quarter_group is not null and period_type = 'month' and not is_empty_period",
                "quarter_group is not null and period_type = 'quarter'", 'period'
            ) }}
            {{ _secondary_step(
                'by_month', 'by_quarter', 'indicator_id, area, sex, year_group',
                "year_group is not null and period_type = 'quarter' and not is_empty_period",
                "year_group is not null and period_type = 'year'", 'period'
            ) }}
            by_stock_month as (
                select
                    * exclude (is_suppressed),
                    is_suppressed or coalesce(
                        person_based
                        and stock_month is not null
                        and bool_or(is_suppressed) over (
                            partition by indicator_id, area, sex, stock_month
                        ),
                        false
                    ) as is_suppressed
                from by_quarter
            ),

            compared as (
                select
                    *,
                    bool_or(is_suppressed and not was_suppressed) over () as round_changed
                from by_stock_month
            )

            select
                * exclude (is_suppressed, was_suppressed, round_changed, round_number),
                is_suppressed,
                round_number + 1 as round_number
            from compared
            where round_changed
        )
    )

    select * from suppression_state
    qualify round_number = max(round_number) over ()
),

disclosed as (
    select
        * exclude (
            is_primary_suppressed, quarter_group, year_group, is_empty_period, round_number
        ),
        case
            when is_primary_suppressed then 'primary'
            when is_suppressed then 'secondary'
        end as suppression
    from suppression_rounds
),
{% endmacro %}

{#- One secondary step over `source`: groups are the rows of one `partition`; a row is a member
    or the group's total by the two boolean expressions (neither: not in the group). A group with
    exactly one suppressed cell gets its smallest published member suppressed (fewest persons,
    then `tie_break`), or its total when no member is published. -#}
{% macro _secondary_step(source, target, partition, is_member, is_total, tie_break) %}
{{ target }}_groups as (
    select
        *,
        sum(
            case when (({{ is_member }}) or ({{ is_total }})) and is_suppressed then 1 else 0 end
        ) over step_group as group_suppressed,
        sum(case when ({{ is_member }}) and not is_suppressed then 1 else 0 end) over step_group
            as members_published,
        row_number() over (
            partition by {{ partition }}, ({{ is_member }}) and not is_suppressed
            order by persons, {{ tie_break }}
        ) as published_rank
    from {{ source }}
    window step_group as (partition by {{ partition }})
),

{{ target }} as (
    select
        * exclude (is_suppressed, group_suppressed, members_published, published_rank),
        is_suppressed or coalesce(
            person_based
            and group_suppressed = 1
            and (
                (({{ is_member }}) and not is_suppressed and published_rank = 1)
                or (({{ is_total }}) and members_published = 0)
            ),
            false
        ) as is_suppressed
    from {{ target }}_groups
),
{% endmacro %}
