"""Publish the evaluators' DuckDB file: aggregates only, written new and renamed over the old one.

`publish()` runs only for a passed gate. It writes every published mart and `pipeline_runs` into a
new file beside the published one (DuckDB 1.x storage, so older clients open it), checkpoints and
closes it, keeps a dated copy in `history/`, and `os.replace`s it over `helhedsplan.duckdb`:
readers holding the old file keep reading the old version, new readers see the new one.
The run's provenance is kept in the warehouse (`ops.pipeline_runs`), so every published file
carries the history of all publications.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines import catalogue
from pipelines.ops import pause
from pipelines.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

PUBLISHED_NAME = "helhedsplan.duckdb"
# The oldest DuckDB release whose clients must open the file (DuckDB 2.x writes newer storage).
STORAGE_VERSION = "v1.0.0"
INDICATOR_VALUE_ORDER = "indicator_id, period_type, period_start, area, sex"
OTHER_MARTS = ("indicators", "indicator_status", "delivery_status", "indicator_values_afdeling",
               "participant_outcomes", "activity_figures")
# Marts copied with their contract's column types (catalogue.published_columns) and an order,
# like indicator_values and the delaftale marts: order by.
TYPED_MARTS = {
    "indicator_values_afdeling": "indicator_id, period_type, period_start, area, afdeling",
}
PERSON_LEVEL_COLUMN = re.compile(r"person_id|birth|cpr|pseudonym|f(oe|ø)dsel", re.IGNORECASE)
CPR_SHAPED = r"(^|[^0-9])[0-3][0-9][01][0-9]{3}-?[0-9]{4}([^0-9]|$)"
HEX64 = r"(^|[^0-9a-f])[0-9a-f]{64}([^0-9a-f]|$)"
# Identifiers the pipeline itself writes (a run's UUID, a git commit), taken out before the scan: by
# chance they can hold a CPR-shaped digit run (one of this project's commits did).
OWN_IDENTIFIERS = (
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|(^|[^0-9a-f])[0-9a-f]{40}(-dirty)?([^0-9a-f]|$)"
)

PIPELINE_RUNS_DDL = """
    create table if not exists ops.pipeline_runs (
        run_id VARCHAR,
        started_at TIMESTAMP,
        published_at TIMESTAMP,
        code_version VARCHAR,
        gate_passed BOOLEAN,
        gate_checks INTEGER,
        gate_warnings INTEGER,
        gate_summary VARCHAR,
        gate_result VARCHAR,
        published_copy VARCHAR,
        source_files STRUCT(
            source VARCHAR, file_path VARCHAR, sha256 VARCHAR, size_bytes BIGINT,
            periods VARCHAR[], rows_loaded INTEGER, loaded_at TIMESTAMP)[]
    )
"""
PIPELINE_RUNS_COMMENTS = {
    None: "Provenance: one row per publication of this file (the latest is the data you see), "
    "with the code version, the quality gate's result and every source file the figures "
    "were computed from. / Én række pr. offentliggørelse.",
    "run_id": "The pipeline run that published (Prefect flow run id).",
    "started_at": "When the run started (UTC).",
    "published_at": "When the file was published (UTC).",
    "code_version": "Git commit of the pipeline code (+ '-dirty' if it had uncommitted changes), "
    "else the package version.",
    "gate_passed": "The quality gate passed (always true: only passed runs publish).",
    "gate_checks": "Number of quality checks (Great Expectations expectations) evaluated.",
    "gate_warnings": "Number of non-blocking warnings of the quality gate (e.g. monthly jumps).",
    "gate_summary": "The quality gate's summary as the analyst saw it (Danish/English).",
    "gate_result": "The quality gate's full result (JSON): checks, warnings, thresholds, docs.",
    "published_copy": "File name of this publication's dated copy in history/.",
    "source_files": "Every delivered file the figures came from (the current delivery of each "
    "source and period): source, file path under the raw folder, SHA-256 of the "
    "file, size in bytes, periods it supplies, rows loaded, when it was loaded.",
}


class PublishRefused(RuntimeError):
    """Publishing was asked for a run whose quality gate did not pass."""


def code_version() -> str:
    """The git commit of the code (marked dirty when changed), else the package's version."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            [
                "git",
                "--no-optional-locks",
                "-C",
                str(PROJECT_ROOT),
                "status",
                "--porcelain",
                "--untracked-files=no",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        return commit + ("-dirty" if changed else "")
    except (OSError, subprocess.SubprocessError):
        return f"helhedsplan {importlib.metadata.version('helhedsplan')}"


def _utc(moment: datetime) -> datetime:
    """Naive UTC of an aware datetime; a naive one is taken as UTC already."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _published_marts() -> list[str]:
    delaftale_marts = [f"mart_{row.delaftale}" for row in catalogue.delaftaler()]
    return ["indicator_values", *delaftale_marts, *OTHER_MARTS]


def current_source_files(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The files currently supplying each (source, period) (dbt's audit_current_deliveries)."""
    rows = con.execute(
        """
        select l.source, l.file_path, l.sha256, l.size_bytes,
               list(c.period order by c.period) as periods, l.rows_loaded, l.loaded_at
        from audit.audit_current_deliveries as c
        join raw.load_log as l using (load_id)
        group by all
        order by l.source, l.file_path
        """
    ).fetchall()
    keys = ("source", "file_path", "sha256", "size_bytes", "periods", "rows_loaded", "loaded_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _gate_dict(gate) -> dict:
    return gate.as_dict() if hasattr(gate, "as_dict") else dict(gate)


def _copy_marts(con: duckdb.DuckDBPyConnection) -> None:
    for table in _published_marts():
        if table == "indicator_values" or table.startswith("mart_"):
            order = INDICATOR_VALUE_ORDER
        else:
            order = TYPED_MARTS.get(table)
        if order is None:
            select = f"select * from marts.{table}"
        else:
            typed = ", ".join(
                f"cast({name} as {kind}) as {name}"
                for name, kind in catalogue.published_columns(table)
            )
            select = f"select {typed} from marts.{table} order by {order}"
        con.execute(f"create table pub.main.{table} as {select}")


def _copy_comments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Table and column comments of the marts (dbt persist_docs) onto the published tables;
    pipeline_runs' own. Returns the published columns left without a comment."""
    for table in _published_marts():
        row = con.execute(
            "select comment from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'marts' and table_name = ?",
            [table],
        ).fetchone()
        if row and row[0]:
            con.execute(f"comment on table pub.main.{table} is {_quote(row[0])}")
        for column, comment in con.execute(
            "select column_name, comment from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'marts' "
            "and table_name = ? and comment is not null",
            [table],
        ).fetchall():
            if comment:
                con.execute(f'comment on column pub.main.{table}."{column}" is {_quote(comment)}')
    for column, comment in PIPELINE_RUNS_COMMENTS.items():
        target = (
            "table pub.main.pipeline_runs"
            if column is None
            else f"column pub.main.pipeline_runs.{column}"
        )
        con.execute(f"comment on {target} is {_quote(comment)}")
    missing = con.execute(
        "select table_name || '.' || column_name from duckdb_columns() "
        "where database_name = 'pub' and (comment is null or comment = '') order by 1"
    ).fetchall()
    return [name for (name,) in missing]


def _assert_aggregates_only(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse to publish a person-level column, or a CPR- or pseudonym-shaped text value."""
    columns = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = 'pub'"
    ).fetchall()
    for table, column, data_type in columns:
        if PERSON_LEVEL_COLUMN.search(column):
            raise RuntimeError(f"publish: person-level column {table}.{column} refused")
        if data_type != "VARCHAR":
            continue
        text = f"""regexp_replace("{column}", $ids, ' ', 'g')"""
        hits = con.execute(
            f"select count(*) from pub.main.{table} where regexp_matches({text}, $cpr) "
            f"or regexp_matches({text}, $hex)",
            {"ids": OWN_IDENTIFIERS, "cpr": CPR_SHAPED, "hex": HEX64},
        ).fetchone()[0]
        if hits:
            raise RuntimeError(
                f"publish: {hits} CPR- or pseudonym-shaped values in {table}.{column}"
            )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _adopt_publications(con: duckdb.DuckDBPyConnection, published: Path, run_id: str) -> None:
    """Publications the warehouse did not record: a run killed right after its rename had put its
    file out (evaluators may have read it) but not its `ops.pipeline_runs` row. Taken from the
    published file, so the history keeps every publication that happened."""
    if not published.exists():
        return
    try:
        con.execute(f"attach {_quote(str(published))} as cur (read_only)")
    except duckdb.Error as error:  # unreadable: nothing to take over, the new file replaces it
        log.warning("the published file %s could not be read: %s", published, type(error).__name__)
        return
    try:
        adopted = con.execute(
            "insert into ops.pipeline_runs by name select * from cur.main.pipeline_runs "
            "where run_id <> ? and run_id not in (select run_id from ops.pipeline_runs)",
            [run_id],
        ).fetchone()[0]
    finally:
        con.execute("detach cur")
    if adopted:
        log.info("%d publications of an interrupted run taken into the history", adopted)


def publish(
    warehouse: Path,
    marts_dir: Path,
    *,
    run_id: str,
    gate,
    started_at: datetime,
) -> Path:
    """Write `marts_dir/helhedsplan.duckdb` atomically from the warehouse's marts; returns its path.

    `gate` is the GateResult (or its `as_dict()`); a gate that did not pass is refused.
    """
    gate_result = _gate_dict(gate)
    if not gate_result.get("passed"):
        raise PublishRefused("the quality gate did not pass: nothing is published")
    marts_dir = Path(marts_dir)
    history = marts_dir / "history"
    history.mkdir(parents=True, exist_ok=True)
    target = marts_dir / PUBLISHED_NAME
    short_id = re.sub(r"[^0-9A-Za-z]", "", run_id)[:8] or "run"
    stamp = _utc(started_at).strftime("%Y-%m-%dT%H%M%SZ")
    copy_name = f"helhedsplan_{stamp}_{short_id}.duckdb"
    temporary = marts_dir / f".{PUBLISHED_NAME}.{short_id}.{os.getpid()}.tmp"
    dated = history / copy_name

    with duckdb.connect(str(warehouse)) as con:  # the warehouse lock: one publisher at a time
        for stale in marts_dir.glob(f".{PUBLISHED_NAME}.*.tmp*"):  # a crashed run's file (+ WAL)
            stale.unlink()
        for stale in history.glob(".helhedsplan_*.duckdb.tmp"):  # and its history copy
            stale.unlink()
        con.execute("create schema if not exists ops")
        con.execute(PIPELINE_RUNS_DDL)
        _adopt_publications(con, target, run_id)
        run_row = {
            "run_id": run_id,
            "started_at": _utc(started_at),
            "published_at": datetime.now(UTC).replace(tzinfo=None),
            "code_version": code_version(),
            "gate_passed": True,
            "gate_checks": gate_result.get("checks"),
            "gate_warnings": len(gate_result.get("warnings", [])),
            "gate_summary": gate_result.get("summary"),
            "gate_result": json.dumps(gate_result, ensure_ascii=False, default=str),
            "published_copy": copy_name,
            "source_files": current_source_files(con),
        }
        columns = ", ".join(run_row)
        placeholders = ", ".join("?" for _ in run_row)
        con.execute(f"attach {_quote(str(temporary))} as pub (storage_version '{STORAGE_VERSION}')")
        try:
            _copy_marts(con)
            con.execute(
                "create table pub.main.pipeline_runs as select * from ops.pipeline_runs "
                "where run_id <> ? order by published_at",
                [run_id],
            )
            con.execute(
                f"insert into pub.main.pipeline_runs ({columns}) values ({placeholders})",
                list(run_row.values()),
            )
            missing = _copy_comments(con)
            if missing:  # dbt writes them with persist_docs on the marts
                log.warning(
                    "%d published columns have no comment, e.g. %s",
                    len(missing),
                    ", ".join(missing[:3]),
                )
            _assert_aggregates_only(con)
            con.execute("checkpoint pub")
            con.execute("detach pub")
            _fsync(temporary)
            shutil.copyfile(temporary, history / f".{copy_name}.tmp")
            pause.at("history-copy")
            os.replace(history / f".{copy_name}.tmp", dated)
            os.replace(temporary, target)
            pause.at("after-rename")
            _fsync(marts_dir)
        except BaseException:
            # on a full disk the detach fails too: the half-written files go all the same
            with contextlib.suppress(duckdb.Error):
                con.execute("detach database if exists pub")
            for leftover in (temporary, Path(f"{temporary}.wal"), history / f".{copy_name}.tmp"):
                leftover.unlink(missing_ok=True)
            raise
        # Recorded once the file is out: the history never names a publication that did not happen.
        con.execute("delete from ops.pipeline_runs where run_id = ?", [run_id])
        con.execute(
            f"insert into ops.pipeline_runs ({columns}) values ({placeholders})",
            list(run_row.values()),
        )
    log.info("published %s (copy %s)", target, dated)
    return target
