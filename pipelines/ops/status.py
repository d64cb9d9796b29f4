"""`helhedsplan status`: the last runs, what is published and for which month, deliveries missing
in the latest months (dbt's `delivery_status`, read, not recomputed), files in the raw folder not
loaded yet or still arriving, and rejected files with their reason. Reads only; never waits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from pipelines.catalogue import source_names
from pipelines.ingest import discovery
from pipelines.ops import arrival, runlock
from pipelines.ops.warehouse_wait import holder, is_lock_error
from pipelines.settings import Paths

LATEST_MONTHS = 3  # how far back "missing in the latest months" looks
LAST_RUNS = 5
STATUS_DA = {"missing": "mangler", "rejected": "kun afviste filer"}
MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
             "oktober", "november", "december")


def _when(moment: dt.datetime | None) -> str:
    return "–" if moment is None else moment.strftime("%d-%m-%Y kl. %H:%M")


def _connect(path: Path):
    return duckdb.connect(str(path), read_only=True)


def _tables(con) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}


def _last_runs(con, tables: set[str]) -> list[str]:
    published = "ops.pipeline_runs" in tables
    rows = con.execute(
        f"""
        select l.run_id, min(l.loaded_at) as started, count(*) filter (where outcome = 'loaded'),
               count(*) filter (where outcome = 'rejected'), count(*) filter (where outcome = 'duplicate'),
               {"max(p.published_at)" if published else "null"}
        from raw.load_log as l
        {"left join ops.pipeline_runs as p using (run_id)" if published else ""}
        group by l.run_id order by started desc limit {LAST_RUNS}
        """
    ).fetchall()
    lines = []
    for run_id, started, loaded, rejected, duplicate, published_at in rows:
        outcome = f"offentliggjort {_when(published_at)} UTC" if published_at else "ikke offentliggjort"
        lines.append(f"  {_when(started)}  kørsel {str(run_id)[:8]}: {loaded} filer indlæst, "
                     f"{rejected} afvist, {duplicate} dubletter; {outcome}")
    return lines or ["  ingen kørsler endnu"]


MISSING_SQL = f"""
    with latest as (select distinct period_start from {{table}} order by period_start desc limit {LATEST_MONTHS})
    select source, period, status from {{table}}
    where period_start in (select period_start from latest) and status in ('missing', 'rejected')
    order by period_start, source
"""


def _missing(con, table: str) -> list[str]:
    rows = con.execute(MISSING_SQL.format(table=table)).fetchall()
    return [f"  {source} {period}: {STATUS_DA.get(status, status)}" for source, period, status in rows]


def _published(paths: Paths) -> tuple[list[str], list[str]]:
    """Lines on the publication, and the deliveries missing in its latest months."""
    if not paths.published.exists():
        return ["  intet offentliggjort endnu (kør 'helhedsplan run')"], []
    with _connect(paths.published) as con:
        run_id, published_at = con.execute(
            "select run_id, published_at from pipeline_runs order by published_at desc limit 1").fetchone()
        latest = con.execute(
            "select max(period_start) from indicator_values where period_type = 'month'").fetchone()[0]
        missing = _missing(con, "delivery_status")
    month = f"{MONTHS_DA[latest.month - 1]} {latest.year}" if latest else "–"
    line = (f"  {paths.published}: offentliggjort {_when(published_at)} UTC af kørsel {str(run_id)[:8]}, "
            f"data til og med {month}")
    return [line], missing


def _waiting_files(paths: Paths, logged: dict) -> list[str]:
    settle = discovery.settle_seconds()
    unlogged = {rel for rel, _, _ in arrival.unlogged_files(paths.raw, paths.warehouse, logged=logged)}
    lines = []
    for source in source_names():
        for path in discovery.source_files(paths.raw, source):
            rel = path.relative_to(paths.raw).as_posix()
            if discovery.seconds_since_change(path) < settle:
                lines.append(f"  {rel}: ændres stadig (kopieres måske endnu)")
            elif rel in unlogged:
                lines.append(f"  {rel}: ikke indlæst endnu")
    return lines


def status(paths: Paths) -> str:
    out = [f"Status for helhedsplan ({dt.datetime.now():%d-%m-%Y kl. %H:%M})"]
    info = runlock.read(paths.warehouse)
    if info is not None and runlock.alive(info):
        out.append(f"Kører nu: {info.describe()}")
    logged, rejected, runs, built_gaps = {}, [], ["  intet warehouse endnu"], None
    if paths.warehouse.exists():
        try:
            with _connect(paths.warehouse) as con:
                tables = _tables(con)
                runs = _last_runs(con, tables)
                logged = arrival.logged_files(con)
                rejected = [f"  {m or p}" for p, m in con.execute(
                    """select file_path, message from raw.load_log
                       qualify row_number() over (partition by file_path order by load_id desc) = 1
                       and outcome = 'rejected' order by file_path""").fetchall()]
                if "marts.delivery_status" in tables:  # the latest build, published or not
                    built_gaps = _missing(con, "marts.delivery_status")
        except duckdb.Error as error:
            if not is_lock_error(error):
                raise
            runs = [f"  warehouset er optaget af {holder(error)}; prøv igen om lidt"]
    published, gaps = _published(paths)
    gaps = gaps if built_gaps is None else built_gaps
    out += ["", "Seneste kørsler:", *runs, "", "Offentliggjort:", *published]
    out += ["", f"Manglende leverancer i de seneste {LATEST_MONTHS} måneder:", *(gaps or ["  ingen"])]
    waiting = _waiting_files(paths, logged) if paths.raw.is_dir() else [f"  mappen {paths.raw} findes ikke"]
    out += ["", "Filer i leverancemappen, der ikke er indlæst:", *(waiting or ["  ingen"])]
    out += ["", "Afviste filer (seneste forsøg):", *(rejected or ["  ingen"])]
    return "\n".join(out)
