"""`make bench`: the whole pipeline at sample, 100,000 and 1,000,000 residents × 60 months.

For each scale, on a fresh warehouse and marts folder in a temporary folder: the input floor
(DuckDB reading every delivery once), then ingest, dbt, gate, publish and report each in its own
process (wall seconds, peak RSS, rows), then an incremental run (the next month's deliveries
added, the stages again on the built warehouse), an evaluator query on the published file
(median of 20) and a warm `helhedsplan run` with nothing new (the analyst's rerun). Figures are
printed as a markdown table and appended to bench/results.md (or --results).
A step that fails or passes a limit is recorded as such, and the scale's later steps are skipped.

Usage: python -m bench.run [--scale sample,100k,1m] [--residents N --months M]
       [--stage-timeout S] [--max-rss-gb G] [--skip incremental,cli] [--results PATH] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from bench import generate, measure
from bench.measure import Measured

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.md"
PIPELINE = ("ingest", "dbt", "gate", "publish", "report")
BENCH_KEY = "benchmark-key-not-secret-synthetic-data"  # synthetic data only


def _link_tree(source: Path, target: Path) -> None:
    """Symlink every delivery file of `source/<source>/` into `target/<source>/` (never copied)."""
    for path in sorted(source.rglob("*.csv")):
        link = target / path.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


class ScaleRun:
    """The measurements of one scale, in a work folder of its own."""

    def __init__(self, scale: generate.Scale, work: Path, opts):
        self.scale, self.work, self.opts = scale, work, opts
        self.raw, self.warehouse, self.marts = work / "raw", work / "warehouse.duckdb", work / "marts"
        self.rows: list[tuple[str, Measured]] = []
        self.facts: dict = {}
        self.env = dict(os.environ, HELHEDSPLAN_PSEUDONYM_KEY=BENCH_KEY, PYTHONPATH=str(measure.PROJECT_ROOT))
        self.limits = {"timeout": opts.stage_timeout, "max_rss_mb": opts.max_rss_gb * 1024,
                       "env": self.env, "log": work / "stderr.log"}

    def args(self, run_id: str) -> dict:
        return {"raw": str(self.raw), "warehouse": str(self.warehouse), "marts": str(self.marts),
                "run_id": run_id, "gate_file": str(self.work / "gate.json")}

    def record(self, phase: str, measured: Measured) -> Measured:
        self.rows.append((phase, measured))
        print(f"  {phase:<12} {_row_text(measured)}", flush=True)
        return measured

    def pipeline(self, phase: str) -> bool:
        """The five stages once; False (later ones skipped) when one does not succeed."""
        run_id = f"bench-{phase}-{uuid.uuid4().hex[:8]}"
        for step in PIPELINE:
            measured = self.record(phase, measure.stage(step, self.args(run_id), **self.limits))
            if measured.ok and measured.passed is False:
                measured.status, measured.note = "gate failed", "nothing published"
                return False
            if not measured.ok:
                return False
        return True

    def execute(self) -> None:
        self.facts["load_start"] = os.getloadavg()[0]
        cached = (generate.cache_dir() / self.scale.key / "manifest.json").exists()
        folder = generate.ensure(self.scale)
        manifest = generate.manifest(folder)
        self.env["HELHEDSPLAN_AREAS"] = str(folder / "areas.yml")  # the generated areas are the plan's
        self.facts.update(generated_s=manifest["seconds"], input_mb=manifest["bytes"]["base"] / 1e6,
                          rows=manifest["rows"]["base"], cached=cached)
        _link_tree(folder / "base", self.raw)
        floor = self.record("floor", measure.stage("floor", self.args("floor"), **self.limits))
        full_ok = self.pipeline("full")
        full = [m for phase, m in self.rows if phase == "full"]
        self.facts["full_s"] = sum(m.seconds or 0 for m in full) if full_ok else None
        self.facts["full_rss_mb"] = max((m.peak_rss_mb or 0) for m in full) if full else None
        if floor.ok and full_ok:
            self.facts["ratio"] = self.facts["full_s"] / floor.seconds
        self.facts["warehouse_mb"] = _size_mb(self.warehouse) if self.warehouse.exists() else None
        if not full_ok:
            return
        self.record("evaluator", measure.stage("evaluator", self.args("evaluator"), **self.limits))
        if "incremental" not in self.opts.skip:
            _link_tree(folder / "extra", self.raw)
            if self.pipeline("incremental"):
                incremental = [m for phase, m in self.rows if phase == "incremental"]
                self.facts["incremental_s"] = sum(m.seconds for m in incremental)
        if "cli" not in self.opts.skip:
            command = [str(Path(sys.executable).with_name("helhedsplan")), "run", "--raw", str(self.raw),
                       "--warehouse", str(self.warehouse), "--marts", str(self.marts)]
            self.record("warm rerun", measure.run("helhedsplan run", command, **self.limits))


def _row_text(m: Measured) -> str:
    figures = " ".join(_cells(m)[:4])
    return f"{m.step:<16} {figures}  {m.note}"


def _number(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _cells(m: Measured) -> list[str]:
    return [m.status, _number(m.seconds), _number(m.peak_rss_mb, 0),
            "–" if m.rows is None else f"{m.rows:,}", _note(m)]


def _note(m: Measured) -> str:
    detail = dict(m.detail)
    slowest = detail.pop("slowest", None)
    parts = [m.note] if m.note else []
    parts += [f"{key} {value}" for key, value in detail.items()]
    if slowest:
        parts.append("slowest: " + ", ".join(f"{name} {seconds}s" for name, seconds in slowest))
    return "; ".join(parts).replace("|", "/")


def _versions() -> str:
    names = ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations", "prefect", "pandas")
    return ", ".join(f"{n} {importlib.metadata.version(n)}" for n in names)


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=measure.PROJECT_ROOT, capture_output=True,
                              text=True, check=False).stdout.strip()
    dirty = " (uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    return (git("rev-parse", "--short", "HEAD") or "unknown") + dirty


def _machine() -> str:
    with open("/proc/meminfo") as meminfo:
        ram_kb = int(meminfo.readline().split()[1])
    return f"{os.cpu_count()} CPUs, {ram_kb / 1024**2:.0f} GB RAM, {platform.platform()}"


def markdown(run: ScaleRun) -> str:
    s, f = run.scale, run.facts
    rows = f.get("rows", {})
    load = f"load average (1 min) {f.get('load_start', 0):.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    lines = [
        (f"### {s.name}: {s.residents:,} residents × {s.months} months "
         f"— {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}"),
        "",
        f"- machine: {_machine()}; {load}; Python {platform.python_version()}; {_versions()}; commit {_commit()}",
        f"- input: {f.get('input_mb', 0):,.0f} MB of CSV, {sum(rows.values()):,} rows "
        f"({', '.join(f'{k} {v:,}' for k, v in rows.items())}); generated in {f.get('generated_s')} s"
        + (" (cached)" if f.get("cached") else ""),
        (f"- full run (sum of the five stages): {_number(f.get('full_s'))} s, peak RSS "
         f"{_number(f.get('full_rss_mb'), 0)} MB, {_number(f.get('ratio'))}× the input floor; "
         f"warehouse {_number(f.get('warehouse_mb'), 0)} MB after it"),
        f"- incremental month: {_number(f.get('incremental_s'))} s"
        + (f" = {100 * f['incremental_s'] / f['full_s']:.0f} % of the full run"
           if f.get("incremental_s") and f.get("full_s") else ""),
        "",
        "| phase | step | status | wall s | peak RSS MB | rows | note |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    lines += [f"| {phase} | {m.step} | " + " | ".join(_cells(m)) + " |" for phase, m in run.rows]
    return "\n".join(lines) + "\n"


def _scales(opts) -> list[generate.Scale]:
    if opts.residents:
        return [generate.Scale(f"custom{opts.residents}", opts.residents, opts.months)]
    names = [name.strip() for name in opts.scale.split(",")]
    unknown = [name for name in names if name not in generate.SCALES]
    if unknown:
        raise SystemExit(f"unknown scale {unknown}; known: {', '.join(generate.SCALES)}")
    return [generate.SCALES[name] for name in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="sample,100k,1m", help="comma-separated: " + ", ".join(generate.SCALES))
    parser.add_argument("--residents", type=int, help="a custom scale instead of --scale")
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--stage-timeout", type=float, default=3600, help="seconds per step")
    parser.add_argument("--max-rss-gb", type=float, default=20, help="a step above this is stopped")
    parser.add_argument("--skip", default="", help="comma-separated: incremental, cli")
    parser.add_argument("--results", type=Path, default=RESULTS, help="markdown file to append to")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary, deleted)")
    opts = parser.parse_args(argv)
    opts.skip = {item.strip() for item in opts.skip.split(",") if item.strip()}
    if opts.keep:
        opts.keep.mkdir(parents=True, exist_ok=True)
    for scale in _scales(opts):
        work = Path(tempfile.mkdtemp(prefix=f"helhedsplan-bench-{scale.name}-", dir=opts.keep))
        print(f"bench {scale.name}: {scale.residents:,} residents × {scale.months} months in {work}", flush=True)
        run = ScaleRun(scale, work, opts)
        try:
            run.execute()
        except Exception as error:  # noqa: BLE001 - recorded; the other scales still run
            run.record("harness", Measured("harness", "failed", note=measure.CPR_SHAPED.sub(
                "<cpr?>", f"{type(error).__name__}: {error}")[:300]))
        except KeyboardInterrupt:  # what was measured so far is still written
            run.record("harness", Measured("harness", "interrupted"))
            _append(opts.results, markdown(run))
            raise
        finally:
            if opts.keep is None:
                shutil.rmtree(work, ignore_errors=True)
        _append(opts.results, markdown(run))
    return 0


def _append(path: Path, section: str) -> None:
    """Print the section and append it to the results file (created with its header)."""
    print("\n" + section, flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists()
    with path.open("a") as results:
        results.write((RESULTS_HEADER if new_file else "") + "\n" + section)
    print(f"appended to {path}", flush=True)


RESULTS_HEADER = """# Benchmark results (`make bench`)

Appended by `python -m bench.run`; one section per scale and run. Full run = the sum of the five
stages (ingest, dbt, gate, publish, report), each in its own process on a fresh warehouse; peak RSS
per step is that process's (children included). Rows: floor = delivery rows scanned, ingest = rows
read, dbt = rows in the tables it built, gate = indicator_values rows checked, publish = rows
written, report = indicator_values rows read, evaluator = rows returned. The incremental run adds
the next month's deliveries to the built warehouse; the warm rerun is `helhedsplan run` (CLI,
Prefect) with nothing new.
"""

if __name__ == "__main__":
    sys.exit(main())
