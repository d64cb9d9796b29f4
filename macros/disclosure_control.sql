{#- Disclosure control of docs/indicators.md as a chain of CTEs over `cells` (columns
    indicator_id, period_type, period, period_start, area, sex, person_based,
    numerator_counts_persons (from the catalogue), persons, persons_in_numerator, aggregation ('flow'/'stock'), stock_month (the month whose figures a
    stock cell shows; NULL for flows)). Emits CTEs ending in `disclosed`, which adds is_suppressed
    and suppression ('primary', 'secondary' or NULL). Call inside a `with` list; the caller
    continues after a comma.

    1. Primary: persons < k, or 0 < persons_in_numerator < k, or 0 < persons - persons_in_numerator
       < k (only the first rule where the catalogue's numerator_counts_persons is false). A cell of 0 persons is suppressed by the first rule.
    2. Secondary: no additive group may hold exactly one suppressed cell. Groups (a total and the
       members that sum to it; defined once in disclosure_group_specs()):
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
    (S_BROBYGNING) are never suppressed.

    Other cells use the same chain with their own `groups` (specs as disclosure_group_specs()):
    - the department cells (int_indicator_cells_afdeling_disclosed) pass department groups, a
      stock `link_partition`, `fixed` (a column holding a decision taken elsewhere, the area cells
      decided before; NULL for a cell still to decide: such a cell starts with it and is never
      changed) and `empty_period` (an expression saying the period is empty in the whole plan;
      default: the cells' own area all / sex all row has no person);
    - participant_outcomes passes its own `primary` expression (default: the rule over persons
      and persons_in_numerator) and time_keys=false (no time groups, no stock link). -#}
{% macro disclosure_control(
    cells, k, rounds, groups=none, link_partition='indicator_id, area, sex, stock_month',
    fixed=none, empty_period=none, primary=none, time_keys=true
) %}
{%- set groups = groups if groups is not none else disclosure_group_specs() %}
{%- set primary = primary if primary is not none else disclosure_primary_rule(k) %}
{%- set is_fixed = '(' ~ fixed ~ ' is not null)' if fixed is not none else 'false' %}
{%- set initial = 'coalesce(' ~ fixed ~ ', is_primary_suppressed)' if fixed is not none
    else 'is_primary_suppressed' %}
{%- set time_key_columns = (',' ~ disclosure_group_keys(empty_period=empty_period))
    if time_keys else '' %}
{%- set time_key_names = 'quarter_group, year_group, is_empty_period,' if time_keys else '' %}
primary_suppression as (
    select
        *,
        {{ primary }} as is_primary_suppressed{{ time_key_columns }}
    from {{ cells }}
),

suppression_rounds as (
    with recursive suppression_state as (
        select
            *,
            {{ initial }} as is_suppressed,
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
{% set ns = namespace(previous='round_start') %}
{% for group in groups %}
{% set step = 'step_' ~ loop.index %}
            {{ _secondary_step(
                ns.previous, step, group.partition, group.member, group.total, group.tie_break,
                is_fixed
            ) }}
{% set ns.previous = step %}
{% endfor %}
            by_stock_month as (
{% if time_keys %}
                select
                    * exclude (is_suppressed),
                    is_suppressed or coalesce(
                        person_based
                        and not {{ is_fixed }}
                        and stock_month is not null
                        and bool_or(is_suppressed) over (
                            partition by {{ link_partition }}
                        ),
                        false
                    ) as is_suppressed
                from {{ ns.previous }}
{% else %}
                select * from {{ ns.previous }}
{% endif %}
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
            {{ time_key_names }} is_primary_suppressed, round_number
        ),
        case
            when is_primary_suppressed then 'primary'
            when is_suppressed then 'secondary'
        end as suppression
    from suppression_rounds
),
{% endmacro %}

{#- Disclosure rule 1 (primary) as a boolean expression over a cell's person_based,
    numerator_counts_persons and its two person counts (column names or expressions): fewer
    than k persons, or (where the numerator counts persons) 0 < persons_in_numerator < k or
    0 < persons - persons_in_numerator < k. Not person-based: never. With publish_empty, a cell
    of 0 persons is published (activity_figures: a count of nobody hides nobody, and its grid has
    no empty-population cells to protect); the indicator cells suppress it. -#}
{% macro disclosure_primary_rule(
    k, persons='persons', persons_in_numerator='persons_in_numerator',
    person_based='person_based', numerator_counts_persons='numerator_counts_persons',
    publish_empty=false
) %}
{%- set too_few = ('(' ~ persons ~ ' > 0 and ' ~ persons ~ ' < ' ~ k ~ ')') if publish_empty
    else (persons ~ ' < ' ~ k) %}
coalesce({{ person_based }} and (
            {{ too_few }}
            or (
                {{ numerator_counts_persons }}
                and (
                    ({{ persons_in_numerator }} > 0 and {{ persons_in_numerator }} < {{ k }})
                    or (
                        {{ persons }} - {{ persons_in_numerator }} > 0
                        and {{ persons }} - {{ persons_in_numerator }} < {{ k }}
                    )
                )
            )
        ), false)
{%- endmacro %}

{#- One secondary step over `source`: groups are the rows of one `partition`; a row is a member
    or the group's total by the two boolean expressions (neither: not in the group). A group with
    exactly one suppressed cell gets its smallest published member suppressed (fewest persons,
    then `tie_break`), or its total when no member is published. -#}
{% macro _secondary_step(
    source, target, partition, is_member, is_total, tie_break, is_fixed='false'
) %}
{{ target }}_groups as (
    select
        *,
        sum(
            case when (({{ is_member }}) or ({{ is_total }})) and is_suppressed then 1 else 0 end
        ) over step_group as group_suppressed,
        sum(
            case when ({{ is_member }}) and not is_suppressed and not {{ is_fixed }} then 1 else 0 end
        ) over step_group as members_published,
        row_number() over (
            partition by {{ partition }}, ({{ is_member }}) and not is_suppressed and not {{ is_fixed }}
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
            and not {{ is_fixed }}
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
