{#- The additive groups of disclosure control (docs/indicators.md, rule 2), written once: the
    suppression itself (disclosure_control) and the audit of what was published
    (audit_disclosure_groups, read by the data test no_lonely_suppressed_cell and by the quality
    gate) both take them from here. Each group is the rows of one `partition` of the cells; a row
    is a `member` or the group's `total` by two boolean expressions over the cell columns and the
    keys of disclosure_group_keys(); `tie_break` orders members of equal persons. -#}
{% macro disclosure_group_specs() %}
{#- group_period_type / group_period / group_of: how the audit names a group -#}
{{ return([
        {'name': 'areas of sex', 'partition': 'indicator_id, period_type, period, sex',
         'group_period_type': 'period_type', 'group_period': 'period', 'group_of': 'sex',
         'member': "area <> 'all'", 'total': "area = 'all'", 'tie_break': 'area'},
        {'name': 'sexes of area', 'partition': 'indicator_id, period_type, period, area',
         'group_period_type': 'period_type', 'group_period': 'period', 'group_of': 'area',
         'member': "sex <> 'all'", 'total': "sex = 'all'", 'tie_break': 'sex'},
        {'name': 'months of quarter', 'partition': 'indicator_id, area, sex, quarter_group',
         'group_period_type': "'quarter'",
         'group_period': "strftime(quarter_group, '%Y') || '-Q' || quarter(quarter_group)",
         'group_of': "area || '/' || sex",
         'member': "quarter_group is not null and period_type = 'month' and not is_empty_period",
         'total': "quarter_group is not null and period_type = 'quarter'", 'tie_break': 'period'},
        {'name': 'quarters of year', 'partition': 'indicator_id, area, sex, year_group',
         'group_period_type': "'year'", 'group_period': "strftime(year_group, '%Y')",
         'group_of': "area || '/' || sex",
         'member': "year_group is not null and period_type = 'quarter' and not is_empty_period",
         'total': "year_group is not null and period_type = 'year'", 'tie_break': 'period'},
]) }}
{% endmacro %}

{#- The keys the time groups need, as select-list items over a cell relation with
    indicator_id, period_type, period, period_start, area, sex, aggregation and `persons_expr`
    (the cell's persons): a flow month's or quarter's quarter, a flow quarter's or year's year, and
    whether the period is empty in the whole plan (its all/all cell has no person: it hides nobody
    and is no member; `empty_period`: an expression saying so where the relation holds no all/all
    row, e.g. the department cells). -#}
{% macro disclosure_group_keys(persons_expr='persons', empty_period=none) %}
{%- set plan_empty = empty_period if empty_period is not none else (
    "max(case when area = 'all' and sex = 'all' then " ~ persons_expr
    ~ " end) over (partition by indicator_id, period_type, period) = 0") %}
        case
            when aggregation = 'flow' and period_type in ('month', 'quarter')
                then cast(date_trunc('quarter', period_start) as date)
        end as quarter_group,
        case
            when aggregation = 'flow' and period_type in ('quarter', 'year')
                then cast(date_trunc('year', period_start) as date)
        end as year_group,
        coalesce({{ plan_empty }}, false) as is_empty_period
{% endmacro %}

{#- One row per disclosure group of the person-based cells of `cells` (indicator_id, period_type,
    period, period_start, area, sex, is_suppressed), with `persons` (the cells' persons, joined on
    the cell's key; may be `cells` itself): the groups of disclosure_group_specs() and the stock
    links (a stock period and the month whose figures it shows, int_indicator_period_months). Per
    group: its member count, its suppressed cells (total included) and whether the rule holds
    (`is_kept`: no group with exactly one suppressed cell and a member; a stock link suppressed
    all or nothing). A SELECT statement (with its own WITH). -#}
{% macro disclosure_group_audit(cells, persons) %}
    with

    audited as (
        select
            cells.indicator_id,
            cells.period_type,
            cells.period,
            cells.period_start,
            cells.area,
            cells.sex,
            cells.is_suppressed,
            catalogue.aggregation,
            persons.persons
        from {{ cells }} as cells
        inner join {{ ref('indicators') }} as catalogue
            on cells.indicator_id = catalogue.indicator_id
        left join {{ persons }} as persons
            on
                cells.indicator_id = persons.indicator_id
                and cells.period_type = persons.period_type
                and cells.period = persons.period
                and cells.area = persons.area
                and cells.sex = persons.sex
        where catalogue.person_based
    ),

    keyed as (
        select
            *,
            {{ disclosure_group_keys() }}
        from audited
    ),

    {{ _audited_groups(disclosure_group_specs(), 'area, sex') }}
{% endmacro %}

{#- The groups of `keyed` (a CTE with the cell columns, is_suppressed and the group keys) as
    audit rows: one CTE per group of `specs`, the stock links (the cells of one stock indicator
    and `link_columns` showing the same month, int_indicator_period_months), and the final
    SELECT with is_kept. The tail of a WITH list. -#}
{% macro _audited_groups(specs, link_columns, link_name='stock month', link_where='true') %}
{% for group in specs %}
    group_{{ loop.index }} as (
        select
            indicator_id,
            {{ group.group_period_type }} as period_type,
            {{ group.group_period }} as period,
            '{{ group.name }}' as grouping,
            {{ group.group_of }} as group_of,
            count(*) filter (where {{ group.member }}) as members,
            count(*) filter (where is_suppressed) as suppressed_cells
        from keyed
        where ({{ group.member }}) or ({{ group.total }})
        group by {{ group.partition }}
    ),
    {% endfor %}

    stock_links as (
        select
            keyed.indicator_id,
            'month' as period_type,
            strftime(period_months.month_start, '%Y-%m') as period,
            '{{ link_name }}' as grouping,
            {% for key in link_columns.split(', ') %}keyed.{{ key }}{% if not loop.last %} || '/' || {% endif %}{% endfor %}
                as group_of,
            count(*) as members,
            count(*) filter (where keyed.is_suppressed) as suppressed_cells
        from {{ ref('int_indicator_period_months') }} as period_months
        inner join keyed
            on
                period_months.indicator_id = keyed.indicator_id
                and period_months.period_type = keyed.period_type
                and period_months.period = keyed.period
        where keyed.aggregation = 'stock' and {{ link_where }}
        group by
            keyed.indicator_id,
            period_months.month_start,
            {% for key in link_columns.split(', ') %}keyed.{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}
    ),

    groups as (
        {% for group in specs %}
        select * from group_{{ loop.index }}
        union all
        {% endfor %}
        select * from stock_links
    )

    select
        *,
        case
            when grouping = '{{ link_name }}' then suppressed_cells in (0, members)
            else not (suppressed_cells = 1 and members > 0)
        end as is_kept
    from groups
{% endmacro %}

{#- The groups of the department cells (docs/indicators.md, departments), over rows that are
    either a department cell (`afdeling`, is_area_total false) or the area's cell of sex `all`
    (is_area_total true, afdeling NULL; its decision is fixed: disclosure control of the areas
    took it before, int_indicator_cells_disclosed):
    - afdelinger of area: the afdelinger of one area in one indicator and period, with the
      area's cell as the total;
    - quarters of year, per afdeling (flows only): the afdeling's quarters of a year with its
      year as total (no month: a department's month is not computed);
    and, as for the areas, the stock link: a stock afdeling's quarter and year showing the same
    month share their suppression (link partition in int_indicator_cells_afdeling_disclosed). -#}
{% macro department_disclosure_group_specs() %}
{{ return([
        {'name': 'afdelinger of area', 'partition': 'indicator_id, period_type, period, area',
         'group_period_type': 'period_type', 'group_period': 'period', 'group_of': 'area',
         'member': 'not is_area_total', 'total': 'is_area_total', 'tie_break': 'afdeling'},
        {'name': 'quarters of year, afdeling',
         'partition': 'indicator_id, area, afdeling, year_group',
         'group_period_type': "'year'", 'group_period': "strftime(year_group, '%Y')",
         'group_of': "area || '/' || afdeling",
         'member': "not is_area_total and year_group is not null and period_type = 'quarter'"
             ~ " and not is_empty_period",
         'total': "not is_area_total and year_group is not null and period_type = 'year'",
         'tie_break': 'period'},
]) }}
{% endmacro %}

{#- One row per disclosure group of the department cells `cells` (indicator_id, period_type,
    period, period_start, area, afdeling, is_suppressed) with their totals, the sex-`all` cells of
    `area_cells` (indicator_values), and `persons` (the area cells' persons, for the periods
    empty in the whole plan): the groups of department_disclosure_group_specs() and the stock
    links per afdeling. The columns of disclosure_group_audit(). A SELECT statement. -#}
{% macro department_disclosure_group_audit(cells, area_cells, persons) %}
    with

    catalogue as (
        select * from {{ ref('indicators') }}
    ),

    plan_cells as (
        select
            indicator_id,
            period_type,
            period,
            persons as plan_persons
        from {{ persons }}
        where area = 'all' and sex = 'all'
    ),

    cell_rows as (
        select
            indicator_id,
            period_type,
            period,
            period_start,
            area,
            afdeling,
            sex,
            false as is_area_total,
            is_suppressed
        from {{ cells }}

        union all

        select
            indicator_id,
            period_type,
            period,
            period_start,
            area,
            null as afdeling,
            sex,
            true as is_area_total,
            is_suppressed
        from {{ area_cells }}
        where sex = 'all' and area <> 'all' and period_type in ('quarter', 'year')
    ),

    audited as (
        select
            cell_rows.*,
            catalogue.aggregation,
            plan_cells.plan_persons
        from cell_rows
        inner join catalogue on cell_rows.indicator_id = catalogue.indicator_id
        left join plan_cells
            on
                cell_rows.indicator_id = plan_cells.indicator_id
                and cell_rows.period_type = plan_cells.period_type
                and cell_rows.period = plan_cells.period
        where catalogue.person_based
    ),

    keyed as (
        select
            *,
            {{ disclosure_group_keys(empty_period='plan_persons = 0') }}
        from audited
    ),

    {{ _audited_groups(
        department_disclosure_group_specs(), 'area, afdeling', 'stock month, afdeling',
        'not keyed.is_area_total'
    ) }}
{% endmacro %}

{#- The groups of participant_outcomes (docs/indicators.md, "Participants and non-participants"),
    over rows of indicator_id, year, area, participation: the table's rows (`deltager`,
    `ikke_deltager`) and, as participation `total`, the indicator's year cell of sex `all`
    (its suppression already decided by disclosure_control, never changed here).
    - participation of area: deltager and ikke_deltager of an indicator, year and area sum to
      the year cell (the figures of year Y; the before-figures have no published total);
    - areas of participation: the areas' rows of one participation sum to its area `all`
      (a person-month has one area; participation is the person's, the same in every area). -#}
{% macro participant_group_specs() %}
{{ return([
        {'name': 'participation of area', 'partition': 'indicator_id, year, area',
         'group_of': 'area',
         'member': "participation <> 'total'", 'total': "participation = 'total'",
         'tie_break': 'participation'},
        {'name': 'areas of participation', 'partition': 'indicator_id, year, participation',
         'group_of': 'participation',
         'member': "participation <> 'total' and area <> 'all'",
         'total': "participation <> 'total' and area = 'all'", 'tie_break': 'area'},
]) }}
{% endmacro %}

{#- One row per group of participant_group_specs() over `outcomes` (indicator_id, year, area,
    participation, is_suppressed) and the year cells of `values` (indicator_values' columns;
    sex `all`, period type `year`), with the columns of disclosure_group_audit: `is_kept` when
    the group does not hold exactly one suppressed row (total counted). A SELECT statement. -#}
{% macro participant_group_audit(outcomes, values) %}
    with

    audited as (
        select
            indicator_id,
            year,
            area,
            participation,
            is_suppressed
        from {{ outcomes }}
        union all
        select
            indicator_id,
            cast(period as integer) as year,
            area,
            'total' as participation,
            is_suppressed
        from {{ values }}
        where
            period_type = 'year'
            and sex = 'all'
            and indicator_id in (select distinct indicator_id from {{ outcomes }})
    ),

    {% for group in participant_group_specs() %}
    group_{{ loop.index }} as (
        select
            indicator_id,
            'year' as period_type,
            cast(year as varchar) as period,
            '{{ group.name }}' as grouping,
            {{ group.group_of }} as group_of,
            count(*) filter (where {{ group.member }}) as members,
            count(*) filter (where is_suppressed) as suppressed_cells
        from audited
        where ({{ group.member }}) or ({{ group.total }})
        group by {{ group.partition }}
    ),
    {% endfor %}

    groups as (
        {% for group in participant_group_specs()[:-1] %}
        select * from group_{{ loop.index }}
        union all
        {% endfor %}
        select * from group_{{ participant_group_specs() | length }}
    )

    select
        *,
        not (suppressed_cells = 1 and members > 0) as is_kept
    from groups
{% endmacro %}
