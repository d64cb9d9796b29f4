"""The gate and publishing on the marts the real dbt project builds from the fixture's raw."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from test_quality_fixtures import RawBuilder, build_raw, write_raw

from pipelines.publish import publish
from pipelines.quality import run_gate
from pipelines.transform import build


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dbt") / "warehouse.duckdb"
    builder = RawBuilder()
    build_raw(builder)
    with duckdb.connect(str(path)) as con:
        write_raw(con, builder)
    build(path)
    return path


def test_gate_passes_on_dbt_marts_and_they_publish(built, tmp_path):
    result = run_gate(built, tmp_path / "quality", run_id="dbt-run-1")
    assert result.passed, result.summary
    with duckdb.connect(str(built), read_only=True) as con:
        suppressed = con.execute(
            "select count(*) from marts.indicator_values where is_suppressed"
        ).fetchone()[0]
    assert suppressed > 0  # the disclosure checks ran against real suppression
    published = publish(
        built, tmp_path / "marts", run_id="dbt-run-1", gate=result, started_at=datetime.now(UTC)
    )
    with duckdb.connect(str(published), read_only=True) as con:
        assert (
            con.execute("select count(*) from indicator_values where is_suppressed").fetchone()[0]
            == suppressed
        )


def test_gate_fails_on_a_tampered_dbt_mart(built, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.mart_beskaeftigelse set value = value + 1 where "
            "indicator_id = 'B_BESKAEFTIGELSE' and period = '2025-05' and area = 'all' "
            "and sex = 'all'"
        )
    result = run_gate(warehouse, tmp_path / "quality", run_id="dbt-run-2")
    assert not result.passed
    assert {item.name for item in result.failures} == {"mart_consistency.same_rows"}
    assert "mart_beskaeftigelse: afviger i 1 celle(r)" in result.summary
