"""Revisions between publications: a corrected delivery between two runs changes published cells;
`helhedsplan revisions` lists them per indicator with the file that superseded the earlier one, and
the same comparison runs as plain SQL in the DuckDB CLI. `helhedsplan prune` keeps the latest and
each board meeting's publication."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.publish import publish
from pipelines.quality import run_gate

DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def _cell(path: Path, indicator_id: str, period: str) -> tuple[float | None, bool]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select value, is_suppressed from indicator_values where indicator_id = ? and period = ?"
            " and area = 'all' and sex = 'all'", [indicator_id, period]).fetchone()


def _percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " %"


@pytest.fixture(scope="module")
def corrected(corrected_world):
    return corrected_world


def test_revisions_name_the_changed_cells_and_the_file_that_superseded_the_earlier_one(corrected, capsys):
    copy, original, correction, (first, second) = corrected
    period = re.search(r"\d{4}-\d{2}", original.name).group(0)
    before, after = _cell(first, "B_BESKAEFTIGELSE", period)[0], _cell(second, "B_BESKAEFTIGELSE", period)[0]
    assert after > before  # social assistance became work

    assert main(["revisions", "--marts", str(copy.marts), "--alle"]) == 0
    out = capsys.readouterr().out
    sections = {line.split(" – ")[0]: line for line in out.splitlines() if not line.startswith(" ")}
    assert "B_BESKAEFTIGELSE" in sections and "B_OFFENTLIG_FORSOERGELSE" in sections
    # indicators that read no employment data are not revised
    assert not {"U_FRAVAER", "U_HOEJT_FRAVAER", "U_DANSK_MAT_02", "S_DELTAGELSE", "S_BROBYGNING"} & set(sections)
    rel_new, rel_old = (p.relative_to(copy.raw).as_posix() for p in (correction, original))
    line = next(line for line in out.splitlines()
                if line.strip().startswith(period) and "Hele helhedsplanen, alle:" in line
                and line in out.split("B_BESKAEFTIGELSE")[1].split("\nB_")[0])
    assert f"{_percent(before)} → {_percent(after)}" in line
    assert f"rettet af {rel_new} (erstatter {rel_old})" in line


def test_the_same_comparison_runs_as_sql_in_the_duckdb_cli(corrected, capsys):
    copy, _, correction, (first, second) = corrected
    assert main(["revisions", "--marts", str(copy.marts), "--sql"]) == 0
    sql = capsys.readouterr().out
    assert f"ATTACH '{first}' AS a (READ_ONLY);" in sql and f"ATTACH '{second}' AS b (READ_ONLY);" in sql
    result = subprocess.run([str(DUCKDB_CLI), "-csv", "-noheader", "-c",
                             sql.rstrip().rstrip(";") + ";"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.strip()]
    with duckdb.connect() as con:  # the changed cells counted independently of the query
        con.execute(f"attach '{first}' as a (read_only)")
        con.execute(f"attach '{second}' as b (read_only)")
        (changed,) = con.execute(
            "select count(*) from a.indicator_values x join b.indicator_values y"
            " using (indicator_id, period_type, period, area, sex)"
            " where x.value is distinct from y.value or x.is_suppressed <> y.is_suppressed"
            " or x.numerator is distinct from y.numerator or x.denominator is distinct from y.denominator"
        ).fetchone()
    assert changed > 0 and len(rows) == changed
    assert any(correction.name in row for row in rows)


def test_a_revision_can_be_asked_between_named_publications_and_fails_clearly_on_an_unknown_one(
        corrected, capsys):
    copy, *_ = corrected
    assert main(["revisions", "--marts", str(copy.marts), "--from", "world-ru", "--to", "world-ru"]) == 0
    assert "ingen offentliggjorte tal er ændret" in capsys.readouterr().out
    assert main(["revisions", "--marts", str(copy.marts), "--from", "nobody"]) == 1
    err = capsys.readouterr().err
    assert "ingen offentliggørelser passer til 'nobody'" in err and len(err.strip().splitlines()) == 1


def _backdate(warehouse: Path, run_id: str, day: datetime) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update ops.pipeline_runs set published_at = ? where run_id = ?", [day, run_id])


def test_prune_keeps_the_newest_the_latest_and_each_board_meetings_publication(world, tmp_path, capsys, monkeypatch):
    copy = world.copy(tmp_path / "w")
    runs = ["world-run"]
    _backdate(copy.warehouse, "world-run", datetime(2026, 1, 6, 6, 0))
    gate = run_gate(copy.warehouse, tmp_path / "quality", run_id="x")
    for month in range(2, 7):  # five more publications, on the 6th of February .. June
        run_id = f"run-{month:02d}"
        publish(copy.warehouse, copy.marts, run_id=run_id, gate=gate, started_at=datetime(2026, month, 6, tzinfo=UTC))
        _backdate(copy.warehouse, run_id, datetime(2026, month, 6, 6, 0))
        runs.append(run_id)
    publish(copy.warehouse, copy.marts, run_id="run-07", gate=gate, started_at=datetime(2026, 7, 6, tzinfo=UTC))
    config = tmp_path / "history.yml"
    config.write_text("keep_copies: 2\nboard_meetings:\n  - 2026-03-12\n", encoding="utf-8")
    monkeypatch.setattr("pipelines.revisions.HISTORY_CONFIG", config)
    history = copy.marts / "history"
    names = {p.name for p in history.glob("*.duckdb")}
    assert len(names) == 7

    assert main(["prune", "--marts", str(copy.marts), "--dry-run"]) == 0
    assert {p.name for p in history.glob("*.duckdb")} == names  # a dry run deletes nothing
    capsys.readouterr()
    assert main(["prune", "--marts", str(copy.marts)]) == 0
    out = capsys.readouterr().out
    left = sorted(p.name for p in history.glob("*.duckdb"))
    # the newest two (June, July = the latest), and March: what the board saw on 12 March
    assert [re.search(r"_(\w+)\.duckdb$", n).group(1) for n in left] == ["run03", "run06", "run07"]
    assert "bestyrelsesmøde 12-03-2026" in out and "Slettede 4 kopier" in out
    assert copy.published.exists()
    assert main(["history", "--marts", str(copy.marts)]) == 0
    assert capsys.readouterr().out.count("kopien er slettet") == 4
