"""New files in the raw folder, for the file-arrival deployment: one run per new set of files.

A file is new when it has finished arriving (settle time, config/ingest.yml), the warehouse's
load log does not know it as it is now (same path and size, logged after its last change), and
no earlier poll claimed it already (the claims are kept beside the warehouse). Nothing is read
but the folder listing and the load log: hashing every file on every poll is ingest's job.
"""

from __future__ import annotations

import datetime as dt
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


def _logged(warehouse: Path) -> dict[tuple[str, int], dt.datetime]:
    """(file path, size) → latest time the load log saw that file."""
    if not warehouse.exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select file_path, size_bytes, max(loaded_at) from raw.load_log group by all"
        ).fetchall()
    return {(path, size): when for path, size, when in rows}


def _claimed(warehouse: Path) -> set[tuple[str, int, int]]:
    try:
        return {tuple(item) for item in json.loads(claims_path(warehouse).read_text(encoding="utf-8"))}
    except (FileNotFoundError, ValueError):
        return set()


def unlogged_files(raw: Path, warehouse: Path, *, settled_only: bool = False) -> list[tuple[str, int, int]]:
    """Files the load log does not know as they are now (same path and size, logged after their
    last change); with `settled_only`, those still arriving are left out."""
    settle = discovery.settle_seconds()
    logged = _logged(warehouse)
    found = []
    for source in source_names():
        for path in discovery.source_files(raw, source):
            if settled_only and discovery.seconds_since_change(path) < settle:
                continue  # still arriving: a later poll takes it
            rel, size, mtime_ns = fingerprint = _fingerprint(raw, path)
            seen = logged.get((rel, size))
            if seen is None or seen < dt.datetime.fromtimestamp(mtime_ns / 1e9):
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
