"""New files in the raw folder, for the file-arrival deployment: one run per new set of files.

A file is new when it has finished arriving (settle time, config/ingest.yml), the warehouse's
load log does not know it as it is now, and no earlier poll claimed it already (the claims are
kept beside the warehouse). The load log knows a file when a row has its path and size and was
logged after the file's last modification. Copies that keep the writer's time stamp (`cp -p`,
rsync -t, Windows Explorer) can put a changed file of the same size in place with an older time
stamp; its inode change time (ctime, which no copy sets back) then lies after the load, and only
such a file is hashed and compared with what was logged. Everything else is judged from the folder
listing and the load log alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import duckdb

from pipelines.catalogue import source_names
from pipelines.ingest import discovery
from pipelines.ops import runlock


def claims_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.arrival.json")


def _fingerprint(raw: Path, path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return path.relative_to(raw).as_posix(), stat.st_size, stat.st_mtime_ns


def logged_files(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], tuple[dt.datetime, set[str]]]:
    """(file path, size) → (latest time the load log saw that file, the contents it saw)."""
    rows = con.execute(
        "select file_path, size_bytes, max(loaded_at), list(distinct sha256) from raw.load_log group by all"
    ).fetchall()
    return {(path, size): (when, set(hashes)) for path, size, when, hashes in rows}


def _logged(warehouse: Path) -> dict[tuple[str, int], tuple[dt.datetime, set[str]]]:
    if not warehouse.exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return logged_files(con)


def _claimed(warehouse: Path) -> set[tuple[str, int, int]]:
    try:
        return {tuple(item) for item in json.loads(claims_path(warehouse).read_text(encoding="utf-8"))}
    except (FileNotFoundError, ValueError):
        return set()


def _known(path: Path, logged: dict, rel: str) -> bool:
    """The load log knows the file as it is now (module docstring)."""
    stat = path.stat()
    seen = logged.get((rel, stat.st_size))
    if seen is None:
        return False
    when, hashes = seen
    if when < dt.datetime.fromtimestamp(stat.st_mtime_ns / 1e9):
        return False
    if when < dt.datetime.fromtimestamp(stat.st_ctime_ns / 1e9):
        return hashlib.sha256(path.read_bytes()).hexdigest() in hashes
    return True


def unlogged_files(raw: Path, warehouse: Path, *, settled_only: bool = False,
                   logged: dict | None = None) -> list[tuple[str, int, int]]:
    """Files the load log (`logged`, else read from the warehouse) does not know as they are now;
    with `settled_only`, those still arriving are left out."""
    settle = discovery.settle_seconds()
    logged = _logged(warehouse) if logged is None else logged
    found = []
    for source in source_names():
        for path in discovery.source_files(raw, source):
            if settled_only and discovery.seconds_since_change(path) < settle:
                continue  # still arriving: a later poll takes it
            fingerprint = _fingerprint(raw, path)
            if not _known(path, logged, fingerprint[0]):
                found.append(fingerprint)
    return found


def new_files(raw: Path, warehouse: Path) -> list[tuple[str, int, int]]:
    claimed = _claimed(warehouse)
    return [f for f in unlogged_files(raw, warehouse, settled_only=True) if f not in claimed]


def claim_new_files(raw: Path, warehouse: Path) -> list[str]:
    """The new files, claimed so that no later poll starts another run for them; none while a
    run is going or another process holds the warehouse (the next poll looks again)."""
    info = runlock.read(warehouse)
    if info is not None and runlock.alive(info):
        return []
    try:
        found = new_files(raw, warehouse)
    except duckdb.Error:
        return []
    if found:
        claims = claims_path(warehouse)
        claims.parent.mkdir(parents=True, exist_ok=True)
        temporary = claims.with_suffix(".tmp")
        temporary.write_text(json.dumps(sorted(_claimed(warehouse) | set(found))), encoding="utf-8")
        os.replace(temporary, claims)
    return sorted(rel for rel, _, _ in found)
