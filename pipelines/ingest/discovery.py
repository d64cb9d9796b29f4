"""Which files in the raw folder are deliveries, and whether each has finished arriving.

A file still being copied changes its size or modification time; it is loaded only once both
have stood still for `settle_seconds` (config/ingest.yml). Excel's lock files (`~$…`), hidden
files and partial downloads (`ignore_patterns`) are never deliveries.
"""

from __future__ import annotations

import fnmatch
import os
import time
from pathlib import Path

from pipelines import catalogue


def ignore_patterns() -> list[str]:
    return list(catalogue.ingest_config().get("ignore_patterns", ["~$*", ".*"]))


def settle_seconds() -> float:
    """The settle time; `HELHEDSPLAN_SETTLE_SECONDS` overrides config/ingest.yml (tests, impatient runs)."""
    value = os.environ.get("HELHEDSPLAN_SETTLE_SECONDS")
    return float(value) if value else float(catalogue.ingest_config().get("settle_seconds", 5))


def is_ignored(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in ignore_patterns())


def source_files(raw_dir: Path, source: str) -> list[Path]:
    folder = raw_dir / source
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not is_ignored(p.name))


def snapshot(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def seconds_since_change(path: Path) -> float:
    return time.time() - path.stat().st_mtime


def settled(path: Path, settle: float | None = None) -> bool:
    """The file has stood still for the settle time. A file changed more recently is waited for
    (once, at most the settle time) and is settled if it did not change meanwhile; so a run
    started right after a copy ended waits a moment, and a copy still going is left alone."""
    settle = settle_seconds() if settle is None else settle
    before = snapshot(path)
    quiet_for = seconds_since_change(path)
    if quiet_for >= settle:
        return True
    time.sleep(min(settle, settle - quiet_for))
    return snapshot(path) == before and seconds_since_change(path) >= settle


def arriving_message(rel: str, settle: float) -> str:
    return f"{rel}: ændres stadig (kopieres måske endnu); indlæses, når den har ligget stille i {settle:g} s"
