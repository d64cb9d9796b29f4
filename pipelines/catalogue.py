"""The indicator catalogue and status codes, read from the dbt seeds (one source of truth)."""

from __future__ import annotations

import csv
from functools import cache

import yaml

from pipelines.settings import CONFIG_DIR, PROJECT_ROOT, SEEDS_DIR


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def indicators() -> list[dict[str, str]]:
    return _read_csv("indicators.csv")


@cache
def delaftaler() -> list[dict[str, str]]:
    return _read_csv("delaftaler.csv")


@cache
def sources() -> dict[str, dict]:
    """The sources seed by source, `months_not_expected` as a frozenset of month numbers."""
    return {
        row["source"]: {
            **row,
            "months_not_expected": frozenset(
                int(month) for month in row["months_not_expected"].split("|") if month.strip()
            ),
        }
        for row in _read_csv("sources.csv")
    }


@cache
def status_codes() -> dict[str, dict[str, str]]:
    return {row["status"]: row for row in _read_csv("status_codes.csv")}


@cache
def quality_config() -> dict:
    with open(CONFIG_DIR / "quality.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def ingest_config() -> dict:
    with open(CONFIG_DIR / "ingest.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def disclosure_k() -> int:
    """The disclosure threshold k: dbt's `vars.disclosure_k` (the one place it is set), else 5."""
    project = PROJECT_ROOT / "dbt_project.yml"
    if project.exists():
        with open(project, encoding="utf-8") as handle:
            value = ((yaml.safe_load(handle) or {}).get("vars") or {}).get("disclosure_k")
        if value is not None:
            return int(value)
    return 5
