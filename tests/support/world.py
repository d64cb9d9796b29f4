"""The test world: a small sample built once per test session by the real pipeline (sample →
ingest → dbt build → gate → publish), so the gate's and the report's tests run on what the
product makes, not on hand-written tables. Tests that damage something work on a copy."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest import ingest_all
from pipelines.publish import publish
from pipelines.quality import run_gate
from pipelines.sample import generate
from pipelines.transform import build

RESIDENTS, START, END, SEED = 700, "2023-01", "2025-08", 17


@dataclass(frozen=True)
class World:
    raw: Path
    warehouse: Path
    marts: Path

    @property
    def published(self) -> Path:
        return self.marts / "helhedsplan.duckdb"

    def copy(self, target: Path) -> World:
        """A copy to damage: the deliveries, the warehouse and what was published."""
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.raw, target / "raw")
        shutil.copyfile(self.warehouse, target / "warehouse.duckdb")
        shutil.copytree(self.marts, target / "marts")
        return World(target / "raw", target / "warehouse.duckdb", target / "marts")


def build_world(root: Path) -> World:
    world = World(root / "raw", root / "warehouse.duckdb", root / "marts")
    generate(world.raw, residents=RESIDENTS, start=START, end=END, seed=SEED)
    ingest_all(world.raw, world.warehouse, "world")
    build(world.warehouse, unit_tests=True)  # the project's SQL checked once per session
    started = dt.datetime.now(dt.UTC)
    gate = run_gate(world.warehouse, (world.marts / "quality").resolve(), run_id="world-run")
    assert gate.passed, gate.summary
    publish(world.warehouse, world.marts, run_id="world-run", gate=gate, started_at=started)
    return world
