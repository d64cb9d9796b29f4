"""The warehouse's `raw` schema (docs/interfaces.md) and the pseudonym-key guard."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ingest.pseudonym import KeyMismatchError

SCHEMA_VERSION = "1"
PERSON = "person_id varchar, birth_date date, sex varchar"
LOAD = "load_id integer not null, source_row integer not null"

RAW_TABLES = {
    "beboere": f"period_start date not null, {PERSON}, boligomraade varchar, afdeling varchar, boligselskab varchar, {LOAD}",
    "skole": f"period_start date not null, {PERSON}, skole varchar, klassetrin integer, skoledage integer, fravaersdage double, {LOAD}",
    "karakterer": f"skoleaar varchar not null, exam_year integer not null, {PERSON}, fag varchar, karakter double, {LOAD}",
    "beskaeftigelse": f"period_start date not null, {PERSON}, status varchar, {LOAD}",
    "deltagelse": (
        f"period_start date not null, dato date not null, aktivitet_id varchar, aktivitet varchar, delaftale varchar,"
        f" boligomraade varchar, partner varchar, {PERSON}, rolle varchar, {LOAD}"
    ),
    "forloeb": (
        f"period_start date not null, forloeb_id varchar, {PERSON}, startdato date, slutdato date,"
        f" aktoerer varchar[], afslutning varchar, {LOAD}"
    ),
}

LOG_TABLES = {
    "load_log": (
        "load_id integer primary key, run_id varchar, source varchar, file_path varchar, sha256 varchar,"
        " size_bytes bigint, file_format varchar, outcome varchar, rows_read integer, rows_loaded integer,"
        " rows_quarantined integer, rows_duplicate integer, periods varchar[], period_hint varchar,"
        " message varchar, loaded_at timestamp, rows_aliased integer"
    ),
    "period_log": (
        "source varchar, period varchar, period_start date, load_id integer, rows_loaded integer,"
        " replaced_load_id integer, loaded_at timestamp"
    ),
    "quarantine": (
        "load_id integer, source varchar, file_path varchar, source_row integer, period varchar,"
        " column_name varchar, reason varchar, quarantined_at timestamp"
    ),
    "warehouse_meta": "key varchar primary key, value varchar",
}


def private_folder(folder: Path) -> Path:
    """`folder`, created readable by its owner only when it does not exist yet (person-level data:
    the warehouse, its WAL, dbt's logs and the run lock live there)."""
    if not folder.exists():
        folder.mkdir(parents=True)
        folder.chmod(0o700)
    return folder


def make_private(path: Path) -> None:
    """Remove group and other permissions from a file or folder holding person-level data."""
    if path.exists() and path.stat().st_mode & 0o077:
        path.chmod(0o700 if path.is_dir() else 0o600)


def attach(con: duckdb.DuckDBPyConnection, warehouse: Path, alias: str = "wh") -> None:
    private_folder(warehouse.parent)
    path = str(warehouse).replace("'", "''")
    con.execute(f"attach '{path}' as {alias}")
    make_private(warehouse)  # also a warehouse made before this rule, or created by another reader
    existing = {
        name for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = 'raw'", [alias]
        ).fetchall()
    }
    missing = {name: columns for name, columns in {**RAW_TABLES, **LOG_TABLES}.items() if name not in existing}
    if missing:  # one transaction: a new warehouse gets its whole schema at once
        con.execute("begin transaction")
        con.execute(f"create schema if not exists {alias}.raw")
        for name, columns in missing.items():
            con.execute(f"create table {alias}.raw.{name} ({columns})")
        con.execute("commit")
    for table, column, kind in _ADDED_COLUMNS:  # warehouses made before a column was added
        con.execute(f"alter table {alias}.raw.{table} add column if not exists {column} {kind} default 0")


# (table, column, type) added after the first schema version; appended, so positions stay
_ADDED_COLUMNS = [("load_log", "rows_aliased", "integer")]


def check_key(con: duckdb.DuckDBPyConnection, fingerprint: str, warehouse: Path, alias: str = "wh") -> None:
    """Remember the key's fingerprint on first use; refuse any other key afterwards."""
    rows = con.execute(
        f"select value from {alias}.raw.warehouse_meta where key = 'key_fingerprint'"
    ).fetchall()
    if not rows:
        con.execute(
            f"insert into {alias}.raw.warehouse_meta values ('key_fingerprint', ?), ('schema_version', ?)",
            [fingerprint, SCHEMA_VERSION],
        )
    elif rows[0][0] != fingerprint:
        raise KeyMismatchError(
            f"Warehouset {warehouse} er bygget med en anden pseudonymnøgle (fingeraftryk {rows[0][0]}, "
            f"denne nøgle: {fingerprint}). Brug den oprindelige nøgle, eller byg et nyt warehouse."
        )
