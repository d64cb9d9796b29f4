"""One measured step of the benchmark, in its own process: `python -m bench.stage STEP ARGS_JSON`.

Every pipeline stage is run through the product's own function (the ones `helhedsplan run`
wires together as Prefect tasks), so each gets its own wall time and peak RSS. The last line
of stdout is JSON: seconds, peak_rss_mb (this process and any child it waited for), rows
(what the stage processed; see ROWS) and detail. The gate's result travels to the publish
step as its `as_dict()` (what `publish` accepts), in the work folder.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.catalogue import source_names

ROWS = {
    "floor": "delivery rows scanned",
    "ingest": "delivery rows read",
    "dbt": "rows in the tables dbt built",
    "gate": "indicator_values rows checked",
    "publish": "rows written to the published file",
    "report": "indicator_values rows read",
    "evaluator": "rows returned",
}
EVALUATOR_RUNS = 20
EVALUATOR_QUERY = """
    select area, period, value, is_suppressed from indicator_values
    where indicator_id = 'B_BESKAEFTIGELSE' and period_type = 'year' and sex = 'all'
      and period_start >= (select max(period_start) - interval 4 year from indicator_values
                           where indicator_id = 'B_BESKAEFTIGELSE' and period_type = 'year')
    order by area, period
"""


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def floor(args: dict) -> dict:
    """The input floor: DuckDB reading every delivery file once."""
    raw, rows = Path(args["raw"]), 0
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        for source in source_names():
            pattern = str(raw / source / "*.csv")
            rows += con.execute(f"select count(*) from read_csv('{pattern}', header = true, "
                                "all_varchar = true)").fetchone()[0]
    return {"rows": rows}


def ingest(args: dict) -> dict:
    from pipelines.ingest import ingest_all

    summary = ingest_all(Path(args["raw"]), Path(args["warehouse"]), args["run_id"])
    table = summary.table()
    rejected = sum(row["afvist"] for row in table)
    return {"rows": sum(row["rækker_læst"] for row in table),
            "detail": {"files_loaded": sum(row["indlæst"] for row in table),
                       "rows_loaded": sum(row["rækker_indlæst"] for row in table),
                       "rows_quarantined": sum(row["karantæne"] for row in table),
                       "files_rejected": rejected}}


def dbt(args: dict) -> dict:
    from pipelines.transform import build, state_dir

    warehouse = Path(args["warehouse"])
    build(warehouse)
    results = json.loads((state_dir(warehouse) / "target" / "run_results.json").read_text())
    slowest = sorted(results["results"], key=lambda r: -r["execution_time"])[:6]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select sum(estimated_size) from duckdb_tables() "
                           "where schema_name not in ('raw', 'ops')").fetchone()[0]
    return {"rows": int(rows or 0),
            "detail": {"nodes": len(results["results"]),
                       "node_seconds": round(sum(r["execution_time"] for r in results["results"]), 1),
                       "slowest": [[r["unique_id"].split(".", 2)[-1], round(r["execution_time"], 1)]
                                   for r in slowest]}}


def gate(args: dict) -> dict:
    from pipelines.quality import run_gate

    result = run_gate(Path(args["warehouse"]), Path(args["marts"]) / "quality", run_id=args["run_id"])
    Path(args["gate_file"]).write_text(json.dumps(result.as_dict(), default=str))
    with duckdb.connect(args["warehouse"], read_only=True) as con:
        rows = _count(con, "marts.indicator_values")
    return {"rows": rows, "passed": result.passed,
            "detail": {"checks": result.checks, "failures": len(result.failures),
                       "warnings": len(result.warnings)}}


def publish(args: dict) -> dict:
    from pipelines.publish import publish as publish_marts

    gate_result = json.loads(Path(args["gate_file"]).read_text())
    published = publish_marts(Path(args["warehouse"]), Path(args["marts"]), run_id=args["run_id"],
                              gate=gate_result, started_at=datetime.now(UTC))
    with duckdb.connect(str(published), read_only=True) as con:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()]
        rows = sum(_count(con, f'"{t}"') for t in tables)
    return {"rows": rows, "detail": {"tables": len(tables), "mb": round(published.stat().st_size / 1e6, 1)}}


def report(args: dict) -> dict:
    from pipelines.report import build_report

    published = Path(args["marts"]) / "helhedsplan.duckdb"
    folder = Path(args["marts"]) / "report"
    build_report(published, folder)
    with duckdb.connect(str(published), read_only=True) as con:
        rows = _count(con, "indicator_values")
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"rows": rows, "detail": {"report_mb": round(size / 1e6, 1)}}


def evaluator(args: dict) -> dict:
    """An evaluator's query on the published file: connect read-only, query, fetch; median of 20."""
    published = Path(args["marts"]) / "helhedsplan.duckdb"
    timings, rows = [], 0
    for _ in range(EVALUATOR_RUNS):
        started = time.perf_counter()
        with duckdb.connect(str(published), read_only=True) as con:
            rows = len(con.execute(EVALUATOR_QUERY).fetchall())
        timings.append(time.perf_counter() - started)
    return {"rows": rows, "detail": {"median_ms": round(statistics.median(timings) * 1000, 1),
                                     "max_ms": round(max(timings) * 1000, 1)}}


STEPS = {"floor": floor, "ingest": ingest, "dbt": dbt, "gate": gate, "publish": publish,
         "report": report, "evaluator": evaluator}


def peak_rss_mb() -> float:
    """Peak RSS of this process or of the largest child it waited for (Linux: kilobytes)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main() -> None:
    from pipelines.settings import quiet_third_parties

    quiet_third_parties()
    step, args = sys.argv[1], json.loads(sys.argv[2])
    started = time.perf_counter()
    outcome = STEPS[step](args)
    outcome.update(seconds=time.perf_counter() - started, peak_rss_mb=peak_rss_mb())
    print(json.dumps(outcome, ensure_ascii=False))


if __name__ == "__main__":
    main()
