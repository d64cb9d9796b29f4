"""The benchmark harness works end to end on a small scale (`python -m bench.run`).

One run of the harness, as `make bench-quick` runs it but smaller (400 residents × 12 months,
without the incremental month and the warm CLI rerun, which cost a dbt build each): the figures
are printed and appended to the results file, every step succeeds on the generated deliveries
(nothing quarantined or rejected, the gate passes), and no CPR number is shown. The figures'
values are not asserted, only that they are there and positive.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STEPS = ("floor", "ingest", "dbt", "gate", "publish", "report", "evaluator")
ROW = re.compile(r"^\| (?P<phase>[\w ]+) \| (?P<step>[\w ]+) \| (?P<status>[\w ]+) \| (?P<seconds>[\d,.]+|–) "
                 r"\| (?P<rss>[\d,.]+|–) \| (?P<rows>[\d,]+|–) \| (?P<note>.*) \|$")


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    results = tmp / "results.md"
    env = dict(os.environ, HELHEDSPLAN_BENCH_CACHE=str(tmp / "cache"))
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--residents", "400", "--months", "12",
         "--skip", "incremental,cli", "--results", str(results), "--stage-timeout", "600",
         "--max-rss-gb", "8"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    return done, results


def _table(text: str) -> dict[str, dict]:
    rows = {}
    for line in text.splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[match["step"].strip()] = match.groupdict()
    return rows


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_harness_prints_and_appends_a_row_per_step(bench_run):
    done, results = bench_run
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    written = results.read_text()
    printed, appended = _table(done.stdout), _table(written)
    assert set(STEPS) <= set(appended)
    assert printed == appended  # the same table on screen and in the file
    for step in STEPS:
        row = appended[step]
        assert row["status"].strip() == "ok", row
        assert _number(row["seconds"]) > 0 and _number(row["rss"]) > 0 and _number(row["rows"]) > 0, row


def test_the_generated_deliveries_pass_ingest_and_the_gate(bench_run):
    _, results = bench_run
    rows = _table(results.read_text())
    assert "rows_quarantined 0" in rows["ingest"]["note"]
    assert "files_rejected 0" in rows["ingest"]["note"]
    assert "failures 0" in rows["gate"]["note"]
    assert _number(rows["floor"]["rows"]) == _number(rows["ingest"]["rows"])  # every delivered row read


def test_the_summary_has_the_floor_ratio_and_the_evaluator_median(bench_run):
    _, results = bench_run
    written = results.read_text()
    ratio = re.search(r"([\d,.]+)× the input floor", written)
    assert ratio and _number(ratio[1]) > 0
    median = re.search(r"median_ms ([\d.]+)", written)
    assert median and float(median[1]) > 0
    assert re.search(r"machine: \d+ CPUs, \d+ GB RAM", written)


def test_no_cpr_number_is_shown(bench_run):
    done, results = bench_run
    for text in (done.stdout, done.stderr, results.read_text()):
        assert not re.search(r"(?<!\d)[0-3]\d[01]\d{3}-?\d{4}(?!\d)", text)
