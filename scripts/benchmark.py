"""Benchmark: sample generation and ingest at scale, each step in its own process.

Prints wall time and peak memory (max RSS) per step. Default: 1,000,000 residents for 60 months.
Usage: .venv/bin/python scripts/benchmark.py [--residents N] [--start YYYY-MM] [--end YYYY-MM] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

STEP = r"""
import json, resource, sys, time
from pathlib import Path
from pipelines.settings import quiet_third_parties
quiet_third_parties()
step, args = sys.argv[1], json.loads(sys.argv[2])
started = time.perf_counter()
if step == "sample":
    from pipelines.sample import generate
    info = generate(Path(args["raw"]), residents=args["residents"], start=args["start"], end=args["end"], seed=1)
    info = {"files": info["files"], "gigabytes": round(info["bytes"] / 1e9, 2), "rows": info["rows"]}
elif step == "ingest":
    from pipelines.ingest import ingest_all
    summary = ingest_all(Path(args["raw"]), Path(args["warehouse"]), "benchmark")
    info = {r["source"]: {"read": r["rækker_læst"], "loaded": r["rækker_indlæst"],
                          "quarantined": r["karantæne"]} for r in summary.table()}
elif step == "dbt":
    from pipelines.transform import build
    build(Path(args["warehouse"]))
    info = {}
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "info": info}))
"""


def run_step(step: str, args: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", STEP, step, json.dumps(args)],
        check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--start", default="2021-11")
    parser.add_argument("--end", default="2026-10")
    parser.add_argument("--steps", default="sample,ingest", help="comma-separated: sample,ingest,dbt")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one, deleted)")
    opts = parser.parse_args()
    os.environ.setdefault("HELHEDSPLAN_PSEUDONYM_KEY", "benchmark-key-not-secret-000000")
    work = opts.keep or Path(tempfile.mkdtemp(prefix="helhedsplan-bench-"))
    args = {"raw": str(work / "raw"), "warehouse": str(work / "warehouse.duckdb"),
            "residents": opts.residents, "start": opts.start, "end": opts.end}
    print(f"benchmark: {opts.residents:_} residents, {opts.start}..{opts.end}, in {work}".replace("_", "."))
    try:
        for step in opts.steps.split(","):
            result = run_step(step, args)
            size = sum(p.stat().st_size for p in work.rglob("*") if p.is_file()) / 1e9
            print(f"{step:<8} {result['seconds']:8.1f} s   peak RSS {result['peak_rss_mb']:8.0f} MB   "
                  f"disk so far {size:6.2f} GB   {json.dumps(result['info'], ensure_ascii=False)}")
    finally:
        if opts.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
