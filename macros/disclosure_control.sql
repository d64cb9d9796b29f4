{#- Disclosure control of shared/spec/indicators.md as a chain of CTEs over `cells` (columns
    indicator_id, period_type, period, area, sex, person_based, persons, persons_in_numerator).
    Emits CTEs ending in `disclosed`, which adds is_suppressed and suppression ('primary',
    'secondary' or NULL). Call inside a `with` list; the caller continues after a comma.

    1. Primary: persons < k, or 0 < persons_in_numerator < k, or 0 < persons - persons_in_numerator
       < k (only the first rule where the numerator is not a person count, see
       numerator_counts_persons). A cell of 0 persons is suppressed by the first rule.
    2. Secondary, within one indicator and period, for each additive group - the areas of one
       sex with their total area `all`; female/male of one area (incl. `all`) with their total sex
       `all` - no group may hold exactly one suppressed cell:
       - one suppressed member beside a published total (the spec's rule): suppress the group's
         smallest published member (fewest persons, then by name), or the total if none is left;
       - a suppressed total beside published members only (where the spec is silent: the total
         would be their sum and give away the cell it protects): suppress the smallest member.
       Areas and sexes alternate for `rounds` rounds; each round only adds suppressions, and the
       data test no_lonely_suppressed_cell proves the result. Cells that are not person-based
       (S_BROBYGNING) are never suppressed. -#}
{% macro disclosure_control(cells, k, rounds) %}
primary_suppression as (
    select
        *,
        coalesce(person_based and (
            persons < {{ k }}
            or (
                {{ numerator_counts_persons('indicator_id') }}
                and (
                    (persons_in_numerator > 0 and persons_in_numerator < {{ k }})
                    or (
                        persons - persons_in_numerator > 0
                        and persons - persons_in_numerator < {{ k }}
                    )
                )
            )
        ), false) as is_primary_suppressed
    from {{ cells }}
),

suppression_round_0 as (
    select
        *,
        is_primary_suppressed as is_suppressed
    from primary_suppression
),
{% for round in range(1, rounds + 1) %}
{{ _secondary_step('suppression_round_' ~ (round - 1), 'area_round_' ~ round, 'area', 'sex') }}
{{ _secondary_step('area_round_' ~ round, 'suppression_round_' ~ round, 'sex', 'area') }}
{%- endfor %}
disclosed as (
    select
        * exclude (is_primary_suppressed),
        case
            when is_primary_suppressed then 'primary'
            when is_suppressed then 'secondary'
        end as suppression
    from suppression_round_{{ rounds }}
),
{% endmacro %}

{#- One secondary step: groups of `member` cells (area or sex) within one indicator, period and
    value of `fixed`; the member equal to 'all' is the group's total. -#}
{% macro _secondary_step(source, target, member, fixed) %}
{{ target }}_groups as (
    select
        *,
        sum(case when {{ member }} <> 'all' and is_suppressed then 1 else 0 end) over groups
        + sum(case when {{ member }} = 'all' and is_suppressed then 1 else 0 end) over groups
            as group_suppressed,
        sum(case when {{ member }} <> 'all' and not is_suppressed then 1 else 0 end) over groups
            as members_published,
        row_number() over (
            partition by
                indicator_id, period_type, period, {{ fixed }},
                {{ member }} <> 'all' and not is_suppressed
            order by persons, {{ member }}
        ) as published_rank
    from {{ source }}
    window groups as (partition by indicator_id, period_type, period, {{ fixed }})
),

{{ target }} as (
    select
        * exclude (is_suppressed, group_suppressed, members_published, published_rank),
        is_suppressed or coalesce(
            person_based
            and group_suppressed = 1
            and (
                ({{ member }} <> 'all' and not is_suppressed and published_rank = 1)
                or ({{ member }} = 'all' and members_published = 0)
            ),
            false
        ) as is_suppressed
    from {{ target }}_groups
),
{% endmacro %}
