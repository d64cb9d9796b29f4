"""`helhedsplan history`: every publication an evaluator can go back to, oldest first, with its
run, code version, data month, gate result and dated copy, read from the published files."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from pipelines.cli import main
from pipelines.publish import publish
from pipelines.quality import run_gate


def _latest_month(path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select strftime(max(period_start), '%Y-%m') from indicator_values "
            "where period_type = 'month'"
        ).fetchone()[0]


def test_history_lists_each_publication_with_its_data_month_and_copy(world, tmp_path, capsys):
    copy = world.copy(tmp_path / "w")
    first_month = _latest_month(copy.published)
    gate = run_gate(copy.warehouse, tmp_path / "quality", run_id="second-run")
    with duckdb.connect(str(copy.warehouse)) as con:  # the next publication ends a month earlier
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' "
            "and (table_name like 'mart_%' or table_name like 'indicator_values%')"
        ).fetchall():
            con.execute(f"delete from marts.{table} where period_start >= ?::date",
                        [f"{first_month}-01"])
    publish(copy.warehouse, copy.marts, run_id="second-run", gate=gate,
            started_at=datetime(2026, 12, 5, 6, 0, tzinfo=UTC))

    assert main(["history", "--marts", str(copy.marts)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Offentliggørelser (2), ældste først:"
    first, second = out[1:]
    assert "kørsel world-ru" in first and "kørsel second-r" in second
    assert "data til og med august 2025" in first and first_month == "2025-08"
    assert "data til og med juli 2025" in second
    assert "kontrol bestået" in first and "kontrol bestået" in second
    copies = sorted(p.name for p in (copy.marts / "history").iterdir())
    assert f"history/{copies[0]}" in first and f"history/{copies[1]}" in second

    (copy.marts / "history" / copies[0]).unlink()  # pruned: the run is still listed
    assert main(["history", "--marts", str(copy.marts)]) == 0
    assert "kopien er slettet" in capsys.readouterr().out.splitlines()[1]
