"""The aggregate frames the gate validates, made in SQL from the warehouse (read-only).

Great Expectations only ever sees these frames: one row per file, month, source, published cell
or group of cells. No frame carries a person-level column or value (design.md: GX validates
pandas frames; person-level rules live in ingest and dbt).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from pipelines import catalogue
from pipelines.quality.collapse import delivery_volumes
from pipelines.quality.names import delivery_names

SEXES = ("female", "male", "all")
KEY = "indicator_id, period_type, period, area, sex"


@dataclass(frozen=True)
class FrameContext:
    con: duckdb.DuckDBPyConnection
    config: dict
    disclosure_k: int


def _catalogue_frame() -> pd.DataFrame:
    rows = [
        {
            "indicator_id": row.indicator_id,
            "delaftale": row.delaftale,
            "factor": row.factor,
            "grain": row.grain,
            "person_based": row.person_based,
            # disclosure rule 1: where the numerator is not persons, only `persons < k` applies
            "persons_only_rule": not row.numerator_counts_persons,
            "aggregation": row.aggregation,  # 'flow' or 'stock': which time rule applies
            "max_monthly_jump": row.max_monthly_jump,
        }
        for row in catalogue.indicators()
    ]
    return pd.DataFrame(rows).astype({"max_monthly_jump": "float64"})


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Register what every frame's SQL refers to: the catalogue. The rules (which file supplies a
    period, the grid, the disclosure groups) are dbt's audit views, read here, never recomputed."""
    con.register("catalogue", _catalogue_frame())


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _months(con: duckdb.DuckDBPyConnection, source: str) -> set[date]:
    if not _table_exists(con, "raw", source):
        return set()
    return {
        row[0] for row in con.execute(f"select distinct period_start from raw.{source}").fetchall()
    }


def _month_range(first: date, last: date) -> list[date]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _panel_months(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Every month from the first to the latest `beboere` snapshot (as marts.delivery_status)."""
    months = _months(con, "beboere")
    return _month_range(min(months), max(months)) if months else []


def delivery_files(ctx: FrameContext) -> pd.DataFrame:
    """One row per file that currently supplies a period (its quarantined share is judged, in
    whichever run it was loaded: a bad file stays a gate failure until a later file replaces
    every period it supplies), and per file whose latest attempt was rejected or held no period
    (every row quarantined: it replaced nothing; a warning, with no share to judge)."""
    return ctx.con.execute(
        """
        with latest_attempt as (
            select * from raw.load_log
            where outcome <> 'duplicate'
            qualify row_number() over (partition by file_path order by load_id desc) = 1
        ),
        suppliers as (select distinct load_id from audit.audit_current_deliveries)
        select l.load_id, l.source, l.file_path, l.outcome, l.rows_read, l.rows_quarantined,
               case when s.load_id is not null
                    then l.rows_quarantined / nullif(l.rows_read, 0) end as quarantined_share,
               l.outcome = 'loaded' and s.load_id is null and l.rows_quarantined > 0
                   as holds_no_period
        from raw.load_log as l
        left join suppliers as s using (load_id)
        where s.load_id is not null
           or l.load_id in (select load_id from latest_attempt
                            where outcome = 'rejected' or (rows_loaded = 0 and rows_quarantined > 0))
        order by l.file_path, l.load_id
        """
    ).df()


def delivery_months(ctx: FrameContext) -> pd.DataFrame:
    """One row per month of the panel: which sources arrived; the employment extract's coverage."""
    con, config = ctx.con, ctx.config
    months = _panel_months(con)
    present = {source: _months(con, source) for source in ("beboere", "beskaeftigelse", "skole", "forloeb")}
    # the case register is judged from its first snapshot on: months before it are no gap
    first_forloeb = min(present["forloeb"], default=None)
    low_age, high_age = config["employment_coverage_ages"]
    coverage = {}
    if months and _table_exists(con, "raw", "beskaeftigelse"):
        coverage = {
            row[0]: row[1:]
            for row in con.execute(
                """
                with residents as (
                    select distinct period_start, person_id
                    from raw.beboere
                    where date_sub('year', birth_date, last_day(period_start)) between ? and ?
                ),
                extract as (select distinct period_start, person_id from raw.beskaeftigelse)
                select r.period_start, count(*), count(e.person_id)
                from residents as r
                left join extract as e using (period_start, person_id)
                group by r.period_start
                """,
                [low_age, high_age],
            ).fetchall()
        }
    rows = []
    for month in months:
        residents, covered = coverage.get(month, (0, 0))
        rows.append(
            {
                "period": month.strftime("%Y-%m"),
                "has_beboere": month in present["beboere"],
                "has_beskaeftigelse": month in present["beskaeftigelse"],
                "skole_expected": month.month not in config["months_without_school"],
                "has_skole": month in present["skole"],
                "forloeb_expected": first_forloeb is not None and month >= first_forloeb,
                "has_forloeb": month in present["forloeb"],
                "residents_in_age_band": residents,
                "residents_in_extract": covered,
                "employment_coverage": covered / residents if residents else None,
            }
        )
    columns = [
        "period",
        "has_beboere",
        "has_beskaeftigelse",
        "skole_expected",
        "has_skole",
        "forloeb_expected",
        "has_forloeb",
        "residents_in_age_band",
        "residents_in_extract",
        "employment_coverage",
    ]
    return pd.DataFrame(rows, columns=columns).astype({"employment_coverage": "float64"})


def delivery_timeliness(ctx: FrameContext) -> pd.DataFrame:
    """One row per monthly source: its latest month, and how many expected months it lags."""
    con = ctx.con
    beboere = _months(con, "beboere")
    latest_beboere = max(beboere) if beboere else None
    rows = []
    for source in (s.source for s in catalogue.sources().values() if s.grain == "month"):
        months = _months(con, source)
        latest = max(months) if months else None
        behind = None
        if latest is not None and latest_beboere is not None:
            expected = [
                month
                for month in _month_range(latest, latest_beboere)[1:]
                if month.month not in catalogue.sources()[source].months_not_expected
            ]
            behind = len(expected)
        rows.append(
            {
                "source": source,
                "latest_period": latest.strftime("%Y-%m") if latest else None,
                "latest_beboere_period": latest_beboere.strftime("%Y-%m")
                if latest_beboere
                else None,
                "months_behind": behind,
            }
        )
    return pd.DataFrame(rows).astype({"months_behind": "Int64"})


def mart_values(ctx: FrameContext) -> pd.DataFrame:
    """One row per published cell, with the catalogue's factor and the value recomputed."""
    return ctx.con.execute(
        f"""
        select v.indicator_id, v.period_type, v.period, v.area, v.sex,
               v.delaftale, v.numerator, v.denominator, v.value, v.is_suppressed, v.is_complete,
               c.factor,
               c.indicator_id is not null as in_catalogue,
               v.delaftale is not distinct from c.delaftale as delaftale_as_catalogue,
               abs(v.value - v.numerator / nullif(v.denominator, 0) * c.factor) as value_deviation,
               not v.is_suppressed
                   or (v.numerator is null and v.denominator is null and v.value is null)
                   as suppressed_cell_is_blank,
               v.is_suppressed or v.denominator = 0 or v.value is not null as value_present
        from marts.indicator_values as v
        left join catalogue as c using (indicator_id)
        order by {KEY}
        """
    ).df()


def mart_disclosure(ctx: FrameContext) -> pd.DataFrame:
    """One row per published cell: does it keep the primary rule, and equal its computed cell?"""
    return ctx.con.execute(
        f"""
        select v.indicator_id, v.period_type, v.period, v.area, v.sex, v.is_suppressed,
               u.indicator_id is not null as has_unsuppressed_cell,
               coalesce(
                   v.is_suppressed or not c.person_based or (
                       u.persons >= $k and (c.persons_only_rule or (
                           (u.persons_in_numerator = 0 or u.persons_in_numerator >= $k)
                           and (u.persons - u.persons_in_numerator = 0
                                or u.persons - u.persons_in_numerator >= $k)))),
                   false) as primary_rule_kept,
               coalesce(
                   v.is_suppressed or (
                       v.numerator is not distinct from u.numerator
                       and v.denominator is not distinct from u.denominator
                       and (v.value is not distinct from u.value
                            or abs(v.value - u.value) <= 1e-9 * greatest(1, abs(u.value)))),
                   false) as equals_unsuppressed
        from marts.indicator_values as v
        left join marts.indicator_values_unsuppressed as u using ({KEY})
        left join catalogue as c using (indicator_id)
        order by {KEY}
        """,
        {"k": ctx.disclosure_k},
    ).df()


def mart_disclosure_groups(ctx: FrameContext) -> pd.DataFrame:
    """One row per disclosure group of the published cells, from dbt's audit view
    audit_disclosure_groups (the groups as disclosure control forms them, recomputed over the
    mart as it is now; the department groups of indicator_values_afdeling included). Only cell counts and one verdict per row (the other rules' columns NULL)."""
    return ctx.con.execute(
        """
        select indicator_id, period_type, period, grouping, group_of, suppressed_cells,
               case when grouping in ('areas of sex', 'sexes of area', 'afdelinger of area')
                   then is_kept end as secondary_rule_kept,
               case when grouping in ('months of quarter', 'quarters of year',
                                      'quarters of year, afdeling') then is_kept end
                   as time_rule_kept,
               case when grouping in ('stock month', 'stock month, afdeling') then is_kept end
                   as stock_link_kept
        from audit.audit_disclosure_groups
        order by indicator_id, period_type, period, grouping, group_of
        """
    ).df()


def mart_completeness(ctx: FrameContext) -> pd.DataFrame:
    """One row per month (exam year) cell of dbt's grid (audit_indicator_grid): is it published?"""
    return ctx.con.execute(
        f"""
        select g.indicator_id, g.period_type, g.period, g.area, g.sex,
               v.indicator_id is not null as published
        from audit.audit_indicator_grid as g
        left join (select distinct {KEY} from marts.indicator_values) as v using ({KEY})
        where g.period_type = case when g.indicator_id in (
            select indicator_id from catalogue where grain = 'year') then 'year' else 'month' end
        order by {KEY}
        """
    ).df()


def mart_jumps(ctx: FrameContext) -> pd.DataFrame:
    """One row per published month with a published previous month: the change, and its bound."""
    return ctx.con.execute(
        """
        select v.indicator_id, v.period, v.area, v.sex, p.value as previous_value, v.value,
               abs(v.value - p.value) as jump, c.max_monthly_jump as max_jump
        from marts.indicator_values as v
        join marts.indicator_values as p
          on p.indicator_id = v.indicator_id and p.area = v.area and p.sex = v.sex
         and p.period_type = 'month' and p.period_start = v.period_start - interval 1 month
        join catalogue as c on c.indicator_id = v.indicator_id
        where v.period_type = 'month' and v.value is not null and p.value is not null
          and c.max_monthly_jump is not null
        order by v.indicator_id, v.area, v.sex, v.period
        """
    ).df()


def mart_consistency(ctx: FrameContext) -> pd.DataFrame:
    """One row per delaftale mart: the cells in which it differs from indicator_values."""
    columns = ", ".join(name for name, _ in catalogue.published_columns("indicator_values"))
    rows = []
    for delaftale in (row.delaftale for row in catalogue.delaftaler()):
        table = f"mart_{delaftale}"
        if not _table_exists(ctx.con, "marts", table):
            rows.append({"mart": table, "exists": False, "cells_differing": None})
            continue
        differing = ctx.con.execute(
            f"""
            select count(distinct ({KEY})) from (
                (select {columns} from marts.{table}
                 except all
                 select {columns} from marts.indicator_values where delaftale = $d)
                union all
                (select {columns} from marts.indicator_values where delaftale = $d
                 except all
                 select {columns} from marts.{table}))
            """,
            {"d": delaftale},
        ).fetchone()[0]
        rows.append({"mart": table, "exists": True, "cells_differing": differing})
    return pd.DataFrame(rows).astype({"cells_differing": "Int64"})


BUILDERS: dict[str, Callable[[FrameContext], pd.DataFrame]] = {
    "delivery_files": delivery_files,
    "delivery_months": delivery_months,
    "delivery_timeliness": delivery_timeliness,
    "mart_values": mart_values,
    "mart_disclosure": mart_disclosure,
    "mart_disclosure_groups": mart_disclosure_groups,
    "mart_completeness": mart_completeness,
    "mart_jumps": mart_jumps,
    "mart_consistency": mart_consistency,
    "delivery_volumes": delivery_volumes,
    "delivery_names": delivery_names,
}
