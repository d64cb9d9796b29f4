"""Prefect flows: thin wiring of the pipeline's steps, each a plain function tested on its own."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from pipelines.catalogue import source_names
from pipelines.ingest import IngestSummary, Pseudonymizer, ingest_source, load_key
from pipelines.settings import Paths


@dataclass
class RunResult:
    run_id: str
    ingest: IngestSummary
    gate: object | None = None
    published: Path | None = None
    report: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


class GateFailed(RuntimeError):
    """The quality gate failed: nothing was published (exit status 2)."""

    def __init__(self, gate, result: RunResult):
        super().__init__(f"kvalitetskontrollen fejlede ({len(gate.failures)} blokerende fejl); intet offentliggjort")
        self.gate = gate
        self.result = result


def _run_id() -> str:
    return str(flow_run.id or uuid.uuid4())


_pseudonymizers: dict[str, Pseudonymizer] = {}


def _pseudonymizer() -> Pseudonymizer:
    """One per key and process, so each distinct CPR is hashed once per run across all sources."""
    key = load_key()
    cached = _pseudonymizers.get(key)
    if cached is None:
        cached = _pseudonymizers.setdefault(key, Pseudonymizer(key))
    return cached


@task(name="ingest-source", task_run_name="ingest-{source}", cache_policy=NO_CACHE)
def ingest_source_task(source: str, raw: Path, warehouse: Path, run_id: str):
    outcomes = ingest_source(source, raw, warehouse, _pseudonymizer(), run_id)
    logger = get_run_logger()
    for o in outcomes:  # rejected files are logged by ingest itself
        if o.outcome == "loaded":
            logger.info(
                "%s: %d læst, %d indlæst, %d i karantæne, %d dubletter",
                o.file_path, o.rows_read, o.rows_loaded, o.rows_quarantined, o.rows_duplicate,
            )
    return outcomes


@flow(name="helhedsplan-ingest", log_prints=True)
def ingest_flow(raw: Path, warehouse: Path) -> IngestSummary:
    return _ingest_sources(raw, warehouse, _run_id())


def _ingest_sources(raw: Path, warehouse: Path, run_id: str) -> IngestSummary:
    summary = IngestSummary()
    for source in source_names():  # one writer at a time: DuckDB allows a single writing process
        summary.files.extend(ingest_source_task(source, raw, warehouse, run_id))
    return summary


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build_task(warehouse: Path) -> None:
    from pipelines.transform import build

    build(warehouse)


@task(name="quality-gate", cache_policy=NO_CACHE)
def gate_task(warehouse: Path, docs_dir: Path, run_id: str):
    from pipelines.quality import run_gate

    return run_gate(warehouse, docs_dir, run_id=run_id)


@task(name="publish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def publish_task(warehouse: Path, marts: Path, run_id: str, gate, started_at: dt.datetime) -> Path:
    from pipelines.publish import publish

    return publish(warehouse, marts, run_id=run_id, gate=gate, started_at=started_at)


@task(name="report", cache_policy=NO_CACHE)
def report_task(published: Path, out_dir: Path) -> Path:
    from pipelines.report import build_report

    return build_report(published, out_dir)


@flow(name="helhedsplan-run", log_prints=True)
def run_flow(raw: Path, warehouse: Path, marts: Path) -> RunResult:
    """Ingest → dbt build → quality gate → publish → report. Raises GateFailed when the gate fails."""
    started_at = dt.datetime.now(dt.UTC)
    paths = Paths(raw=raw, warehouse=warehouse, marts=marts)
    run_id = _run_id()
    result = RunResult(run_id=run_id, ingest=_ingest_sources(raw, warehouse, run_id))
    dbt_build_task(warehouse)
    result.gate = gate_task(warehouse, paths.quality_docs, run_id)
    if not result.gate.passed:
        raise GateFailed(result.gate, result)
    result.published = publish_task(warehouse, marts, run_id, result.gate, started_at)
    result.report = report_task(result.published, paths.report)
    return result
