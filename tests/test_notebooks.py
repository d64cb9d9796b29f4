"""The evaluator notebooks (notebooks/*.py, jupytext percent format) run top to bottom in a real
Jupyter kernel against the test world's published file; a failing cell fails the test. Notebook 3
compares two publications with a corrected delivery between them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import jupytext
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from pipelines.settings import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
CELL_TIMEOUT = 180  # seconds per cell; the machine is shared


def execute(name: str, published: Path, monkeypatch) -> str:
    """Run a notebook in a fresh kernel (the venv's ipykernel) with the published file given by
    the environment; the text of every output, in order."""
    notebook = jupytext.read(NOTEBOOKS / name)
    monkeypatch.setenv("HELHEDSPLAN_PUBLISHED", str(published))
    client = NotebookClient(notebook, kernel_name="python3", timeout=CELL_TIMEOUT, startup_timeout=120,
                            resources={"metadata": {"path": str(PROJECT_ROOT)}})
    client.execute()
    return outputs(notebook)


def outputs(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                parts.append(output["text"])
            for mime, data in output.get("data", {}).items():
                parts.append(f"[{mime}]" + (data if isinstance(data, str) else json.dumps(data)))
    return "\n".join(parts)


def test_every_notebook_is_executed_here():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.py")) == sorted(
        ["evaluator_walkthrough.py", "01_reproduce_an_indicator.py", "02_areas_and_trends.py",
         "03_revisions.py"])
    for path in NOTEBOOKS.glob("*.py"):  # Jupyter-openable: percent cells, markdown and code
        cells = jupytext.read(path).cells
        assert {"markdown", "code"} <= {cell.cell_type for cell in cells}, path.name


def test_the_walkthrough_runs_in_a_kernel(world, monkeypatch):
    out = execute("evaluator_walkthrough.py", world.published, monkeypatch)
    assert re.search(r"quarters recomputed from their months: [1-9]\d*, mismatches: 0", out)


def _flow_years_without_suppressed_months(published: Path) -> int:
    """Counted independently of the notebook: year cells of monthly flow indicators, published,
    whose months are all published."""
    with duckdb.connect(str(published), read_only=True) as con:
        values = con.execute("select * from indicator_values").df()
        flows = {i for (i,) in con.execute(
            "select indicator_id from indicators where aggregation = 'flow' and grain = 'month'"
        ).fetchall()}
    values = values[values["indicator_id"].isin(flows)]
    months = values[values["period_type"] == "month"].assign(year=lambda d: d["period"].str[:4])
    hidden = months.groupby(["indicator_id", "area", "sex", "year"])["is_suppressed"].any()
    years = values[(values["period_type"] == "year") & ~values["is_suppressed"]]
    keys = zip(years["indicator_id"], years["area"], years["sex"], years["period"], strict=True)
    return sum(1 for key in keys if key in hidden.index and not hidden[key])


def test_reproduce_an_indicator_recomputes_the_years_and_shows_the_suppressed_months(
        world, monkeypatch):
    out = execute("01_reproduce_an_indicator.py", world.published, monkeypatch)
    found = re.search(r"years recomputed from their months: (\d+), mismatches: 0", out)
    checked = int(found.group(1))
    assert checked == _flow_years_without_suppressed_months(world.published) > 0
    assert "write refused" in out
    assert re.search(r"naive SUM differs from the published year in [1-9]\d* of \d+ cases", out)


def test_a_failing_cell_fails_the_test(world, tmp_path, monkeypatch):
    """A published year that no longer equals the sum of its months (one month's numerator off by
    one, in a copy): the notebook's assertion fails, and so does the execution."""
    marts = tmp_path / "marts"
    shutil.copytree(world.marts, marts)
    with duckdb.connect(str(marts / "helhedsplan.duckdb")) as con:
        (changed,) = con.execute(
            "update indicator_values set numerator = numerator + 1"
            " where indicator_id = 'B_BESKAEFTIGELSE' and period = '2024-03' and area = 'all'"
            " and sex = 'all' and not is_suppressed"
        ).fetchone()
    assert changed == 1
    with pytest.raises(CellExecutionError, match="AssertionError"):
        execute("01_reproduce_an_indicator.py", marts / "helhedsplan.duckdb", monkeypatch)


def test_areas_and_trends_draw_every_area_with_gaps_and_load_nothing_from_the_internet(
        world, monkeypatch):
    out = execute("02_areas_and_trends.py", world.published, monkeypatch)
    with duckdb.connect(str(world.published), read_only=True) as con:
        areas, hidden = con.execute(
            "select count(distinct area), count(*) filter (where is_suppressed)"
            " from mart_beskaeftigelse where sex = 'all' and period_type = 'quarter'"
        ).fetchone()
        (indicators,) = con.execute(
            "select count(*) from indicators where delaftale = 'beskaeftigelse'").fetchone()
    assert f"{indicators * areas} lines, {hidden} suppressed cells shown as gaps" in out and hidden > 0
    assert "[application/vnd.plotly.v1+json]" in out  # the figure, as Plotly's own output
    assert not re.search(r"<script[^>]+src=|https?://cdn", out)


def test_revisions_find_the_changed_cells_and_the_correction_behind_them(
        corrected_world, monkeypatch):
    """Two publications, the world's and one after a corrected employment file (a real run)."""
    copy, *files, _ = corrected_world
    original, correction = (path.relative_to(copy.raw).as_posix() for path in files)
    out = execute("03_revisions.py", copy.published, monkeypatch)
    assert f"corrected deliveries: {correction}" in out
    explained, changed = map(int, re.search(
        r"(\d+) of (\d+) changed cells come from a corrected delivery", out).groups())
    assert 0 < explained <= changed
    assert f"rettet af {correction} (erstatter {original})" in out
    assert re.search(r"B_BESKAEFTIGELSE\s+\S+\s+\S+ → \S+  rettet af", out)
