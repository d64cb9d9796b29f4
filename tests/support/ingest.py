"""Shared helpers of the ingest tests (no tests here): fake CPR numbers built at run time, delivery
writers and warehouse reads. Every ingest through `ingest()` also checks the load-log invariant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from pathlib import Path

import duckdb
import openpyxl

from pipelines.ingest import IngestSummary, ingest_all

HEADERS = {
    "beboere": ["periode", "cpr", "boligomraade", "afdeling", "boligselskab"],
    "skole": ["periode", "cpr", "skole", "klassetrin", "skoledage", "fravaersdage"],
    "karakterer": ["skoleaar", "cpr", "fag", "karakter"],
    "beskaeftigelse": ["periode", "cpr", "status"],
    "deltagelse": ["dato", "aktivitet_id", "aktivitet", "delaftale", "boligomraade", "partner", "cpr", "rolle"],
    "forloeb": ["periode", "forloeb_id", "cpr", "startdato", "slutdato", "aktoerer", "afslutning"],
}


# --- fake CPR numbers (never a literal: built from dates at run time) ---------------------------

def seventh_digit_for(year: int) -> int:
    """A 7th digit whose century rule gives `year`."""
    if 1900 <= year <= 1999:
        return 2
    if 2000 <= year <= 2036:
        return 4
    if 2000 <= year <= 2057 or 1858 <= year <= 1899:
        return 6
    raise ValueError(year)


def cpr10(birth: dt.date, serial: int = 1, seventh: int | None = None) -> str:
    """Normalised 10-digit form; `serial` gives the last three digits (its parity is the sex)."""
    digit = seventh_digit_for(birth.year) if seventh is None else seventh
    return f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}{digit}{serial:03d}"


def form(number: str, kind: str = "dash") -> str:
    """A 10-digit CPR in a delivery form: `dash` DDMMYY-SSSS, `digits` 10 digits, `nine` (lost zero)."""
    if kind == "dash":
        return number[:6] + "-" + number[6:]
    if kind == "digits":
        return number
    if kind == "nine":
        assert number.startswith("0"), "only a number starting with 0 loses a digit"
        return number[1:]
    raise ValueError(kind)


def person(i: int, year: int = 1985, kind: str = "dash") -> str:
    """The i-th distinct fake resident, in delivery form."""
    birth = dt.date(year, 1, 1) + dt.timedelta(days=37 * i)
    return form(cpr10(birth, serial=100 + i), kind)


def configured_key() -> bytes:
    """The key tests/conftest.py puts in the environment."""
    return os.environ["HELHEDSPLAN_PSEUDONYM_KEY"].encode("utf-8")


def pseudonym(number10: str, key: bytes | None = None) -> str:
    return hmac.new(key or configured_key(), number10.encode(), hashlib.sha256).hexdigest()


def digits(number: str) -> str:
    return number.replace("-", "")


# --- deliveries ---------------------------------------------------------------------------------

def write_text(raw: Path, source: str, name: str, lines: list[str], *, encoding: str = "utf-8",
               newline: str = "\n") -> Path:
    path = raw / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def write_csv(raw: Path, source: str, name: str, rows: list[list[str]], *, header: list[str] | None = None,
              delimiter: str = ";", encoding: str = "utf-8", newline: str = "\n") -> Path:
    header = header or HEADERS[source]
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    return write_text(raw, source, name, lines, encoding=encoding, newline=newline)


def write_xlsx(raw: Path, source: str, name: str, header: list, rows: list[list]) -> Path:
    path = raw / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        if row:
            sheet.append(row)
        else:  # a blank spreadsheet row
            sheet.append([None])
    book.save(path)
    return path


# --- running and reading -----------------------------------------------------------------------

def ingest(raw: Path, warehouse: Path, run_id: str = "run-1") -> IngestSummary:
    summary = ingest_all(raw, warehouse, run_id)
    assert_load_log_invariant(warehouse)
    return summary


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def records(warehouse: Path, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def load_log(warehouse: Path) -> list[dict]:
    return records(warehouse, "select * from raw.load_log order by load_id")


def quarantine(warehouse: Path) -> list[dict]:
    return records(warehouse, "select * from raw.quarantine order by file_path, source_row")


def assert_load_log_invariant(warehouse: Path) -> None:
    broken = query(
        warehouse,
        "select file_path, rows_read, rows_loaded, rows_quarantined, rows_duplicate from raw.load_log"
        " where outcome = 'loaded' and rows_read <> rows_loaded + rows_quarantined + rows_duplicate",
    )
    assert broken == [], f"rows_read ≠ loaded + quarantined + duplicate: {broken}"
    # and the quarantine holds exactly the counted rows of each load
    mismatched = query(
        warehouse,
        "select l.file_path, l.rows_quarantined, count(q.source_row) from raw.load_log l"
        " left join raw.quarantine q using (load_id) where l.outcome = 'loaded'"
        " group by all having count(q.source_row) <> l.rows_quarantined",
    )
    assert mismatched == [], f"quarantine rows ≠ rows_quarantined: {mismatched}"
