"""Paths and environment of the pipeline; one place for every default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
CONFIG_DIR = PROJECT_ROOT / "config"


def _path(env: str, default: str) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else (PROJECT_ROOT / default)


@dataclass(frozen=True)
class Paths:
    raw: Path
    warehouse: Path
    marts: Path

    @property
    def published(self) -> Path:
        return self.marts / "helhedsplan.duckdb"

    @property
    def history(self) -> Path:
        return self.marts / "history"

    @property
    def report(self) -> Path:
        return self.marts / "report"

    @property
    def quality_docs(self) -> Path:
        return self.marts / "quality"


def default_paths() -> Paths:
    return Paths(
        raw=_path("HELHEDSPLAN_RAW", "data/raw"),
        warehouse=_path("HELHEDSPLAN_WAREHOUSE", "data/warehouse/helhedsplan.duckdb"),
        marts=_path("HELHEDSPLAN_MARTS", "data/marts"),
    )


def quiet_third_parties() -> None:
    """No telemetry, no downloads: this machine is offline but for the package registries."""
    defaults = {
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        "PREFECT_HOME": str(PROJECT_ROOT / "data" / ".prefect"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
