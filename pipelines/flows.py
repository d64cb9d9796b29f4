"""Prefect flows: thin wiring of the pipeline's steps, each a plain function tested on its own.

No `from __future__ import annotations` here: Prefect builds a pydantic model of each flow's
parameters from their annotations, and deployment runs fail on names given only as strings.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from pipelines.catalogue import source_names
from pipelines.ingest import IngestSummary, Pseudonymizer, ingest_all, load_key
from pipelines.ops import arrival, freshness, pause, progress, runlock
from pipelines.ops.cleanup import clear_leftovers
from pipelines.ops.config import run_config
from pipelines.ops.disk import require_writable
from pipelines.ops.warehouse_wait import wait_for_warehouse
from pipelines.settings import Paths


@dataclass
class RunResult:
    run_id: str
    ingest: IngestSummary
    gate: object | None = None
    published: Path | None = None
    report: Path | None = None
    docs: Path | None = None  # the data dictionary (dbt docs, offline) beside the report
    timings: dict[str, float] = field(default_factory=dict)
    nothing_new: str | None = None  # why nothing was rebuilt or published


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
    outcomes = ingest_all(
        raw, warehouse, run_id, (source,), pseudonymizer=_pseudonymizer(), on_file=progress.current().file_done
    ).files
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
    for number, source in enumerate(source_names()):  # one writer at a time: DuckDB allows a single writing process
        if number:
            pause.at("between-sources")
        summary.files.extend(ingest_source_task(source, raw, warehouse, run_id))
    return summary


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_build_task(warehouse: Path) -> None:
    from pipelines.transform import build

    build(warehouse, on_node=progress.current().node_done)


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


@task(name="data-dictionary", cache_policy=NO_CACHE)
def docs_task(warehouse: Path, out_dir: Path) -> Path:
    from pipelines.docs_site import build_docs_site

    return build_docs_site(warehouse, out_dir)


def _wait_for_warehouse(paths: Paths) -> None:
    """Before each step that opens the warehouse: another process (an open SQL session) may hold it."""
    wait_for_warehouse(paths.warehouse, float(run_config()["warehouse_wait_seconds"]))


@flow(name="helhedsplan-run", log_prints=True)
def run_flow(raw: Path, warehouse: Path, marts: Path, force: bool = False,
             started_by: str = "Prefect-deployment") -> RunResult:
    """Ingest → dbt build → quality gate → publish → report, one run at a time per warehouse.
    Raises GateFailed when the gate fails; rebuilds nothing when nothing is new (unless forced,
    or the run before was killed: it may have published without its report)."""
    started_at = dt.datetime.now(dt.UTC)
    paths = Paths(raw=Path(raw), warehouse=Path(warehouse), marts=Path(marts))
    watch = progress.current()
    watch.timings = {}
    # a killed run's lock (none when the CLI holds it for this process): do its work again
    force = force or runlock.interrupted(paths.warehouse) is not None
    with runlock.hold(paths.warehouse, started_by):
        runlock.note_prefect_server(paths.warehouse)
        require_writable(paths.marts)  # a read-only marts folder is said now, not after dbt
        clear_leftovers(paths.marts)
        _wait_for_warehouse(paths)
        run_id = _run_id()
        with watch.stage("indlæsning"):
            result = RunResult(run_id=run_id, ingest=_ingest_sources(paths.raw, paths.warehouse, run_id))
        last = None if force else freshness.nothing_new(paths.warehouse, paths.published)
        if last is not None:
            result.nothing_new = freshness.nothing_new_message(last)
            result.timings = dict(watch.timings)
            get_run_logger().info(result.nothing_new)
            return result
        with watch.stage("dbt build"):
            _wait_for_warehouse(paths)
            dbt_build_task(paths.warehouse)
        with watch.stage("kvalitetskontrol"):
            _wait_for_warehouse(paths)
            result.gate = gate_task(paths.warehouse, paths.quality_docs, run_id)
        result.timings = dict(watch.timings)
        if not result.gate.passed:
            raise GateFailed(result.gate, result)
        with watch.stage("offentliggørelse"):
            _wait_for_warehouse(paths)
            result.published = publish_task(paths.warehouse, paths.marts, run_id, result.gate, started_at)
        with watch.stage("rapport"):
            result.report = report_task(result.published, paths.report)
        with watch.stage("datakatalog"):
            _wait_for_warehouse(paths)
            result.docs = docs_task(paths.warehouse, paths.marts / "docs")
        result.timings = dict(watch.timings)
        return result


@flow(name="helhedsplan-nye-filer", log_prints=True)
def arrival_flow(raw: Path, warehouse: Path, marts: Path) -> RunResult | None:
    """One run for each new set of files that has finished arriving in the raw folder."""
    paths = Paths(raw=Path(raw), warehouse=Path(warehouse), marts=Path(marts))
    logger = get_run_logger()
    new = arrival.claim_new_files(paths.raw, paths.warehouse)
    if not new:
        logger.info("Ingen nye filer i %s.", paths.raw)
        return None
    logger.info("%d nye filer: %s", len(new), ", ".join(new[:10]))
    return run_flow(paths.raw, paths.warehouse, paths.marts,
                    started_by=f"nye filer ({len(new)}: {', '.join(new[:3])}{' …' if len(new) > 3 else ''})")
