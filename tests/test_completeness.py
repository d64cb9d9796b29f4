"""Completeness through the real ingest and dbt build: a month is complete for an indicator only
when every source it reads has a current delivery for it, or is not expected then (skole in July)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines.ingest import ingest_all
from pipelines.sample import generate
from pipelines.transform import build


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    generate(raw, residents=300, start="2024-01", end="2024-08", seed=11)
    for pattern in ("beskaeftigelse/beskaeftigelse_2024-05*", "deltagelse/deltagelse_2024-04*",
                    "karakterer/*"):
        for delivery in raw.glob(pattern):
            delivery.unlink()
    assert not list(raw.glob("skole/*2024-07*")), "the sample has no school in July"
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    ingest_all(raw, path, "completeness")
    build(path)
    yield path
    shutil.rmtree(path.parent, ignore_errors=True)


def _complete(warehouse, indicator_id: str, period: str) -> bool:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select distinct is_complete from marts.indicator_values where indicator_id = ? and period = ?",
            [indicator_id, period],
        ).fetchall()
    assert len(rows) == 1, (indicator_id, period, rows)
    return rows[0][0]


@pytest.mark.parametrize(("indicator_id", "period", "complete"), [
    ("B_BESKAEFTIGELSE", "2024-04", True),
    ("B_BESKAEFTIGELSE", "2024-05", False),            # no beskaeftigelse delivery
    ("B_OVERGANG_JOB_UDD", "2024-05", False),
    ("B_BESKAEFTIGELSE", "2024-Q2", False),            # a quarter with an incomplete month
    ("U_UNGE_I_UDD_JOB", "2024-05", False),            # reads beskaeftigelse too
    ("U_FRAVAER", "2024-05", True),                    # reads beboere and skole only
    ("U_FRAVAER", "2024-Q2", True),
    ("U_FRAVAER", "2024-07", True),                    # skole is not expected in July
    ("U_UNGE_I_UDD_JOB", "2024-07", True),
    ("S_DELTAGELSE", "2024-04", False),                # no deltagelse delivery
    ("S_AKTIVE_FRIVILLIGE", "2024-04", False),
    ("S_BROBYGNING", "2024-04", False),
    ("S_BROBYGNING", "2024-05", True),
    ("U_DANSK_MAT_02", "2024", False),                 # no karakterer for 2023/24
])
def test_is_complete_follows_the_sources_each_indicator_reads(warehouse, indicator_id, period, complete):
    assert _complete(warehouse, indicator_id, period) is complete


def test_delivery_status_says_which_months_are_not_expected(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        status = dict(con.execute(
            "select source || ' ' || period, status from marts.delivery_status").fetchall())
    assert status["skole 2024-07"] == "not_expected"
    assert status["beskaeftigelse 2024-05"] == "missing"
    assert status["deltagelse 2024-04"] == "missing"
    assert status["karakterer 2023/24"] == "missing"
    assert status["skole 2024-06"] in ("received", "corrected")
