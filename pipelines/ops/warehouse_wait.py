"""Waiting for the warehouse when another process (a SQL session, another tool) holds it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse for longer than the run waits."""


def is_lock_error(error: BaseException) -> bool:
    text = str(error)
    return isinstance(error, duckdb.Error) and ("Could not set lock" in text or "Conflicting lock" in text)


def holder(error: BaseException) -> str:
    """'pid 123 (duckdb)' from DuckDB's lock message, without the user name it also names."""
    match = _HOLDER.search(str(error))
    if not match:
        return "en anden proces"
    return f"pid {match['pid']} ({Path(match['program']).name})"


def busy_message(warehouse: Path, error: BaseException, waited: float) -> str:
    who = holder(error)
    return (
        f"warehouset {warehouse} er optaget af {who} (ventet {waited:.0f} s): luk den session eller "
        f"det program, der har filen åben (fx en duckdb-session), eller vent til den er færdig, og kør igen"
    )


def wait_for_warehouse(warehouse: Path, wait_seconds: float) -> None:
    """Return once the warehouse can be opened for writing; WarehouseBusy after `wait_seconds`."""
    if not warehouse.exists():
        return
    started = time.monotonic()
    while True:
        try:
            duckdb.connect(str(warehouse)).close()
            return
        except duckdb.Error as error:
            if not is_lock_error(error):
                raise
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                raise WarehouseBusy(busy_message(warehouse, error, waited)) from None
            time.sleep(min(1.0, max(0.1, wait_seconds - waited)))
