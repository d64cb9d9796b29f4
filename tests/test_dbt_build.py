"""`pipelines.transform.build` runs the dbt project for real on a raw fixture: schemas, published
columns and types, the full grid, no person-level data in published marts, a released file, and
a clear error naming the failed node."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from test_dbt_raw_fixture import (
    AREAS,
    FIXTURE_FIRST_MONTH,
    FIXTURE_GAP,
    FIXTURE_MONTHS,
    person_id,
    random_raw,
    write_raw,
)

from pipelines import transform
from pipelines.catalogue import indicators, published_columns
from pipelines.settings import PROJECT_ROOT

PUBLISHED_VALUE_COLUMNS = [
    ("indicator_id", "VARCHAR"), ("delaftale", "VARCHAR"), ("period_type", "VARCHAR"),
    ("period", "VARCHAR"), ("period_start", "DATE"), ("area", "VARCHAR"), ("sex", "VARCHAR"),
    ("numerator", "DOUBLE"), ("denominator", "DOUBLE"), ("value", "DOUBLE"),
    ("is_suppressed", "BOOLEAN"), ("is_complete", "BOOLEAN"),
]
PUBLISHED_MARTS = (
    "indicator_values", "mart_uddannelse_og_livschancer", "mart_beskaeftigelse",
    "mart_sammenhaengskraft_og_medborgerskab", "indicators", "indicator_status", "delivery_status",
    "indicator_values_afdeling",
    "participant_outcomes",
)
PUBLISHED_MARTS += ("activity_figures",)  # the yearly report's activity figures
PERSON_LEVEL = {"person_id", "birth_date", "unit_id", "cpr"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The random fixture built once, from a working directory that is not the project."""
    folder = tmp_path_factory.mktemp("build")
    path = write_raw(folder / "warehouse.duckdb", random_raw())
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        transform.build(path)
    finally:
        os.chdir(cwd)
    return path


def _query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_models_land_in_exactly_their_schemas(warehouse: Path) -> None:
    schemas = {row[0] for row in _query(
        warehouse, "select distinct table_schema from information_schema.tables")}
    assert schemas == {"raw", "staging", "intermediate", "marts", "audit"}
    audit = {row[0] for row in _query(
        warehouse, "select table_type from information_schema.tables where table_schema='audit'")}
    assert audit == {"VIEW"}  # recomputed over the marts as they are
    marts = {row[0] for row in _query(
        warehouse, "select table_name from information_schema.tables where table_schema='marts'")}
    assert set(PUBLISHED_MARTS) | {"indicator_values_unsuppressed"} == marts


@pytest.mark.parametrize("mart", [m for m in PUBLISHED_MARTS if m.startswith(("indicator_v",
                                                                              "mart_"))
                                  and m != "indicator_values_afdeling"])  # + afdeling: its own
def test_value_marts_have_exactly_the_published_columns(warehouse: Path, mart: str) -> None:
    columns = _query(warehouse, """select column_name, data_type from information_schema.columns
        where table_schema = 'marts' and table_name = ? order by ordinal_position""", [mart])
    assert columns == PUBLISHED_VALUE_COLUMNS


@pytest.mark.parametrize("mart", PUBLISHED_MARTS)
def test_python_reads_the_columns_dbt_built_from_the_contracts(warehouse: Path, mart: str) -> None:
    """publish and the gate take the published columns from the dbt contracts, not a copy."""
    columns = _query(warehouse, """select column_name, data_type from information_schema.columns
        where table_schema = 'marts' and table_name = ? order by ordinal_position""", [mart])
    model = "indicator_catalogue" if mart == "indicators" else mart  # its alias is `indicators`
    assert published_columns(model) == tuple(columns)


def test_published_marts_hold_no_person_level_column(warehouse: Path) -> None:
    columns = _query(warehouse, """select table_name, column_name from information_schema.columns
        where table_schema = 'marts' and table_name <> 'indicator_values_unsuppressed'""")
    assert not [c for c in columns if c[1] in PERSON_LEVEL]


def test_catalogue_and_status_have_the_interface_columns(warehouse: Path) -> None:
    def names(table: str) -> list[str]:
        return [r[0] for r in _query(warehouse, """select column_name from information_schema.columns
            where table_schema = 'marts' and table_name = ? order by ordinal_position""", [table])]

    assert names("indicators") == [
        "indicator_id", "delaftale", "delaftale_name_da", "name_da", "name_en", "description_da",
        "description_en", "unit_da", "factor", "direction", "aggregation", "grain", "person_based",
        "sources", "months_read_before", "baseline_year", "baseline", "target", "target_year", "target_is_example", "target_rule_da",
        "participant_outcome"]
    assert names("indicator_status") == [
        "indicator_id", "area", "window_start", "window_end", "value", "baseline", "target",
        "expected", "status"]
    assert names("delivery_status") == [
        "source", "period", "period_start", "status", "files", "rows_loaded", "rows_quarantined"]


def test_every_cell_of_the_grid_has_a_row(warehouse: Path) -> None:
    """Counted from the fixture's shape, not from the models: 19 months, 7 quarters, 2 years;
    3 areas + all; 3 sexes (S_BROBYGNING: 1); U_DANSK_MAT_02 years only."""
    catalogue = {row.indicator_id: row for row in indicators()}
    counts = dict(_query(warehouse, """select indicator_id || '/' || period_type, count(*)
        from marts.indicator_values group by all"""))
    periods = {"month": FIXTURE_MONTHS, "quarter": 7, "year": 2}
    expected = {}
    for indicator_id, row in catalogue.items():
        sexes = 3 if row.person_based else 1
        for period_type, n in periods.items():
            if row.grain == "year" and period_type != "year":
                continue
            expected[f"{indicator_id}/{period_type}"] = n * (len(AREAS) + 1) * sexes
    assert counts == expected


def test_completeness_follows_the_beboere_snapshots(warehouse: Path) -> None:
    rows = dict(_query(warehouse, """select period_type || ' ' || period, bool_and(is_complete)
        from marts.indicator_values where indicator_id = 'B_BESKAEFTIGELSE' group by all"""))
    gap = f"month {FIXTURE_GAP:%Y-%m}"
    assert rows[gap] is False and rows["month 2024-10"] is True
    assert rows["quarter 2024-Q4"] is False and rows["quarter 2024-Q1"] is True
    assert rows["year 2024"] is False  # November has no snapshot
    assert rows["quarter 2025-Q3"] is False  # July only: the panel ends in 2025-07
    exam = dict(_query(warehouse, """select period, bool_and(is_complete)
        from marts.indicator_values where indicator_id = 'U_DANSK_MAT_02' group by all"""))
    assert exam == {"2024": True, "2025": True}  # each exam year's June snapshot exists


def test_suppressed_cells_keep_their_row_without_figures(warehouse: Path) -> None:
    published, internal = _query(warehouse, """select
        (select count(*) from marts.indicator_values where is_suppressed),
        (select count(*) from marts.indicator_values_unsuppressed
            where is_suppressed and numerator is not null and persons is not null)""")[0]
    assert published > 0 and published == internal
    leaked = _query(warehouse, """select count(*) from marts.indicator_values where is_suppressed
        and (numerator is not null or denominator is not null or value is not null)""")[0][0]
    assert leaked == 0
    small = _query(warehouse, """select count(*) from marts.indicator_values_unsuppressed
        where persons < 5 and not is_suppressed""")[0][0]
    assert small == 0


def test_status_and_catalogue_cover_every_indicator_and_area(warehouse: Path) -> None:
    status = _query(warehouse, "select indicator_id, area, window_end from marts.indicator_status")
    assert len(status) == len(indicators()) * (len(AREAS) + 1)
    last_month = date(2025, 7, 31)
    assert {row[2] for row in status if row[0] != "U_DANSK_MAT_02"} == {last_month}
    assert {row[2] for row in status if row[0] == "U_DANSK_MAT_02"} == {date(2025, 12, 31)}
    assert [r[0] for r in _query(warehouse, "select indicator_id from marts.indicators")] == [
        row.indicator_id for row in sorted(
            indicators(), key=lambda r: (r.delaftale != "uddannelse_og_livschancer",
                                         r.delaftale != "beskaeftigelse", r.sort_order))]


def test_delivery_status_shows_corrections_rejections_and_gaps(warehouse: Path) -> None:
    rows = {(s, p): st for s, p, st in _query(
        warehouse, "select source, period, status from marts.delivery_status")}
    assert rows[("beboere", "2024-03")] == "corrected"
    assert rows[("beboere", f"{FIXTURE_GAP:%Y-%m}")] == "missing"
    assert rows[("skole", "2025-03")] == "rejected"
    assert rows[("skole", "2024-07")] == "not_expected"  # the contract: no school in July
    assert rows[("karakterer", "2024/25")] == "received"
    months = {p for s, p in rows if s == "beboere"}
    assert len(months) == FIXTURE_MONTHS and min(months) == f"{FIXTURE_FIRST_MONTH:%Y-%m}"


def test_every_model_seed_and_column_is_documented(warehouse: Path) -> None:
    manifest = json.loads((transform.state_dir(warehouse) / "target" / "manifest.json").read_text())
    undocumented = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if not node["description"].strip():
            undocumented.append(node["name"])
        columns = [row[0] for row in _query(warehouse, """select column_name
            from information_schema.columns where table_schema = ? and table_name = ?""",
            [node["schema"], node["alias"]])]
        assert columns, node["name"]
        described = {name: c["description"].strip() for name, c in node["columns"].items()}
        undocumented += [f"{node['name']}.{c}" for c in columns if not described.get(c)]
        undocumented += [f"{node['name']}.{c} (no such column)" for c in described
                         if c not in columns]
    assert undocumented == []


def test_the_warehouse_is_released_after_the_build(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:  # read-write, default configuration
        assert con.execute("select count(*) from marts.indicators").fetchone()[0] == len(indicators())


def test_a_failing_data_test_raises_naming_the_node(tmp_path: Path) -> None:
    tables = random_raw(persons=20)
    duplicate = dict(tables["beboere"][0])
    tables["beboere"].append(duplicate)  # the same person twice in one month
    path = write_raw(tmp_path / "broken.duckdb", tables)
    with pytest.raises(RuntimeError, match=r"unique_combination_stg_beboere") as error:
        transform.build(path, select="stg_beboere")
    assert duplicate["person_id"] not in str(error.value)
    assert person_id("p0") not in str(error.value)


def test_helhedsplan_dbt_runs_any_dbt_command_and_plain_dbt_says_how(tmp_path: Path) -> None:
    """`helhedsplan dbt parse` works from any folder (project, profile, the catalogue's indicator
    models as a var); plain `dbt parse` from the root finds the project but not the var, and
    says what to run instead of failing somewhere later."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    bin_dir = Path(sys.executable).parent
    warehouse = tmp_path / "parse.duckdb"
    wrapped = subprocess.run(
        [str(bin_dir / "helhedsplan"), "dbt", "--warehouse", str(warehouse), "parse", "--no-partial-parse"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert wrapped.returncode == 0, wrapped.stdout[-2000:]
    manifest = json.loads((transform.state_dir(warehouse) / "target" / "manifest.json").read_text())
    union = next(n for n in manifest["nodes"].values() if n["name"] == "int_indicator_person_months")
    unioned = {n.split(".")[-1] for n in union["depends_on"]["nodes"] if ".int_ind_" in n}
    assert unioned == {i.model for i in indicators()}

    plain = subprocess.run(
        [str(bin_dir / "dbt"), "parse", "--target-path", str(tmp_path / "t"),
         "--log-path", str(tmp_path / "l"), "--no-partial-parse"],
        cwd=PROJECT_ROOT, env={**env, "HELHEDSPLAN_WAREHOUSE": str(warehouse)},
        capture_output=True, text=True, timeout=300, check=False)
    assert plain.returncode != 0
    assert "run dbt as 'helhedsplan dbt <command>'" in plain.stdout


def _run_results(warehouse: Path) -> dict[str, list[str]]:
    """Statuses by resource type of the latest dbt invocation against `warehouse`."""
    results = json.loads((transform.state_dir(warehouse) / "target" / "run_results.json").read_text())
    by_type: dict[str, list[str]] = {}
    for result in results["results"]:
        by_type.setdefault(result["unique_id"].split(".")[0], []).append(result["status"])
    return by_type


def test_the_suite_runs_every_unit_test_and_a_monthly_build_skips_them(world, warehouse):
    manifest = json.loads((transform.state_dir(world.warehouse) / "target" / "manifest.json")
                          .read_text())
    suite = _run_results(world.warehouse)  # the test world: built with unit_tests=True
    assert len(suite["unit_test"]) == len(manifest["unit_tests"]) > 20
    assert set(suite["unit_test"]) == {"pass"}
    monthly = _run_results(warehouse)  # transform.build's default, as `helhedsplan run` calls it
    assert "unit_test" not in monthly and set(monthly["test"]) <= {"pass", "warn"}
