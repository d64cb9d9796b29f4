"""The quality gate on a small warehouse: a clean one passes; each kind of damage fails the named
check; warnings do not block; results and Data Docs carry no person-level value."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from test_quality_fixtures import add_file, build_warehouse, drop_month

from pipelines import catalogue
from pipelines.quality import GateResult, run_gate

CPR_SHAPED = re.compile(r"(?<!\d)[0-3]\d[01]\d{3}-?\d{4}(?!\d)")


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("template") / "warehouse.duckdb")


@pytest.fixture
def warehouse(template, tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(template, path)
    return path


def gate(warehouse: Path, tmp_path: Path, **kwargs) -> GateResult:
    return run_gate(warehouse, tmp_path / "quality", run_id="test-run-0001", **kwargs)


def names(findings) -> set[str]:
    return {finding.name for finding in findings}


def finding(result: GateResult, name: str):
    return next(item for item in result.failures + result.warnings if item.name == name)


def set_cell(con, indicator_id: str, period: str, area: str, sex: str, numerator: float) -> None:
    """Change a cell's numerator in every mart that holds it, the value following (a real change
    in the data, not a tampering)."""
    delaftale = next(
        row["delaftale"] for row in catalogue.indicators() if row["indicator_id"] == indicator_id
    )
    for table in ("indicator_values", "indicator_values_unsuppressed", f"mart_{delaftale}"):
        con.execute(
            f"""
            update marts.{table} set numerator = ?, value = ? / denominator * 100
            where indicator_id = ? and period_type = 'month' and period = ? and area = ? and sex = ?
            """,
            [numerator, numerator, indicator_id, period, area, sex],
        )


def test_clean_warehouse_passes_and_writes_data_docs(warehouse, tmp_path):
    (tmp_path / "quality").mkdir()
    (tmp_path / "quality" / "analyst-notes.txt").write_text("kept")
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary
    assert result.failures == [] and result.warnings == []
    assert result.checks >= 25
    assert result.docs_index == tmp_path / "quality" / "index.html"
    assert result.docs_index.is_file()
    assert "bestået" in result.summary and str(result.docs_index) in result.summary
    assert json.loads(json.dumps(result.as_dict()))["passed"] is True
    assert 0 < result.duration_s < 60
    assert (tmp_path / "quality" / "analyst-notes.txt").read_text() == "kept"


def test_every_suite_has_its_frame_and_every_frame_its_suite():
    from pipelines.quality.frames import BUILDERS

    suites = {
        path.stem: json.loads(path.read_text(encoding="utf-8"))["name"]
        for path in (Path(__file__).parent.parent / "expectations").glob("*.json")
    }
    assert all(stem == name for stem, name in suites.items())
    assert set(suites) == set(BUILDERS)


# The corrections below hold at least as many rows as their month had (ROWS): a smaller one is
# a collapsed delivery, a failure of its own (delivery_volumes.rows_collapsed).
ROWS = 100_000


@pytest.mark.parametrize(("quarantined", "passes"), [(5, True), (20, False)])
def test_quarantined_share_per_current_file(warehouse, tmp_path, quarantined, passes):
    with duckdb.connect(str(warehouse)) as con:
        add_file(
            con, "beskaeftigelse", date(2025, 8, 1), rows_read=ROWS,
            rows_quarantined=quarantined * ROWS // 100,
        )
    result = gate(warehouse, tmp_path)
    assert result.passed is passes, result.summary
    if not passes:
        assert names(result.failures) == {"delivery_files.quarantined_share"}
        line = next(line for line in result.summary.splitlines() if "quarantined_share" in line)
        assert "beskaeftigelse/beskaeftigelse_2025-08_rettet.csv: 20 %" in line


def test_a_file_whose_latest_attempt_was_rejected_is_a_warning(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            insert into raw.load_log values (900, 'test-run', 'skole', 'skole/skole_2025-09.xlsx',
                   'ab', 10, 'xlsx', 'rejected', 0, 0, 0, 0, [], '2025-09',
                   'mangler kolonnen cpr', timestamp '2026-02-01 08:00:00', 0)
            """
        )
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary
    assert names(result.warnings) == {"delivery_files.rejected_files"}
    assert finding(result, "delivery_files.rejected_files").examples == ["skole/skole_2025-09.xlsx"]


def test_every_file_that_supplies_a_period_is_judged_whichever_run_loaded_it(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        add_file(con, "skole", date(2025, 8, 1), rows_read=ROWS, rows_quarantined=30 * ROWS // 100)
    assert names(gate(warehouse, tmp_path).failures) == {"delivery_files.quarantined_share"}


@pytest.mark.parametrize(
    ("source", "month", "check"),
    [
        ("beskaeftigelse", date(2025, 3, 1), "delivery_months.beskaeftigelse_every_month"),
        ("skole", date(2025, 2, 1), "delivery_months.skole_every_school_month"),
    ],
)
def test_missing_month_fails(warehouse, tmp_path, source, month, check):
    with duckdb.connect(str(warehouse)) as con:
        drop_month(con, source, month)
    result = gate(warehouse, tmp_path)
    assert not result.passed
    assert check in names(result.failures)
    assert finding(result, check).examples == [month.strftime("%Y-%m")]


def test_missing_resident_snapshot_fails(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        drop_month(con, "beboere", date(2024, 6, 1))
    result = gate(warehouse, tmp_path)
    assert "delivery_months.beboere_every_month" in names(result.failures)
    # the marts (left as they were) no longer agree with the panel either: that is not a failure
    assert finding(result, "delivery_months.beboere_every_month").examples == ["2024-06"]


def test_july_needs_no_school_delivery(warehouse, tmp_path):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        july_rows = con.execute(
            "select count(*) from raw.skole where month(period_start) = 7"
        ).fetchone()[0]
    assert july_rows == 0
    assert "delivery_months.skole_every_school_month" not in names(
        gate(warehouse, tmp_path).failures
    )


def test_employment_extract_below_coverage_fails(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "delete from raw.beskaeftigelse where period_start = date '2025-04-01' "
            "and source_row % 10 = 0"
        )
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"delivery_months.employment_coverage"}
    (example,) = finding(result, "delivery_months.employment_coverage").examples
    assert example.startswith("2025-04: 8")  # about 88 % of the 98 % covered before


def test_stale_source_fails(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        for month in (date(2025, 7, 1), date(2025, 8, 1)):
            drop_month(con, "deltagelse", month)
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"delivery_timeliness.timeliness"}
    assert finding(result, "delivery_timeliness.timeliness").examples == [
        "deltagelse: seneste 2025-06, 2 mdr. bagud"
    ]


def test_school_summer_break_is_not_staleness(warehouse, tmp_path):
    """Latest beboere August, latest skole June: July has no school, so one month behind."""
    with duckdb.connect(str(warehouse)) as con:
        drop_month(con, "skole", date(2025, 8, 1))
    result = gate(warehouse, tmp_path)
    assert "delivery_timeliness.timeliness" not in names(result.failures)
    assert "delivery_months.skole_every_school_month" in names(result.failures)


def test_tampered_value_fails(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.indicator_values set value = value + 3 where "
            "indicator_id = 'B_BESKAEFTIGELSE' and period = '2025-03' "
            "and area = 'Houlkær' and sex = 'all'"
        )
    result = gate(warehouse, tmp_path)
    assert not result.passed
    assert {
        "mart_values.value_is_ratio",
        "mart_disclosure.equals_computed",
        "mart_consistency.same_rows",
    } <= names(result.failures)
    assert finding(result, "mart_values.value_is_ratio").examples == [
        "B_BESKAEFTIGELSE 2025-03 Houlkær all"
    ]


def test_consistently_tampered_cell_fails_against_computed(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        for table in ("indicator_values", "mart_beskaeftigelse"):
            con.execute(
                f"update marts.{table} set numerator = numerator + 4, "
                "value = (numerator + 4) / denominator * 100 where "
                "indicator_id = 'B_BESKAEFTIGELSE' and period = '2025-03' "
                "and area = 'Ellekær' and sex = 'male'"
            )
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"mart_disclosure.equals_computed"}


def test_share_above_100_and_numerator_above_denominator_fail(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        set_cell(con, "S_DELTAGELSE", "2024-05", "Ellekær", "female", numerator=48)  # of 40
    result = gate(warehouse, tmp_path)
    assert {
        "mart_values.value_at_most_factor",
        "mart_values.numerator_at_most_denominator",
    } <= names(result.failures)
    assert finding(result, "mart_values.value_at_most_factor").examples == [
        "S_DELTAGELSE 2024-05 Ellekær female: 120"
    ]


def test_published_small_cell_breaks_primary_rule(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            update marts.indicator_values as v
            set is_suppressed = false, numerator = u.numerator, denominator = u.denominator,
                value = u.value
            from marts.indicator_values_unsuppressed as u
            where v.indicator_id = u.indicator_id and v.period_type = u.period_type
              and v.period = u.period and v.area = u.area and v.sex = u.sex
              and v.indicator_id = 'B_OVERGANG_JOB_UDD' and v.period = '2025-03'
              and v.area = 'Ellekær' and v.sex = 'female'
            """
        )
    result = gate(warehouse, tmp_path)
    assert "mart_disclosure.primary_rule" in names(result.failures)
    assert finding(result, "mart_disclosure.primary_rule").examples == [
        "B_OVERGANG_JOB_UDD 2025-03 Ellekær female"
    ]


def test_lonely_suppressed_cell_breaks_secondary_rule(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.indicator_values set is_suppressed = true, numerator = null, "
            "denominator = null, value = null where indicator_id = 'B_BESKAEFTIGELSE' "
            "and period = '2025-03' and area = 'Houlkær' and sex = 'female'"
        )
    result = gate(warehouse, tmp_path)
    assert "mart_disclosure_groups.secondary_rule" in names(result.failures)
    assert "mart_disclosure.primary_rule" not in names(result.failures)
    assert sorted(finding(result, "mart_disclosure_groups.secondary_rule").examples) == [
        "B_BESKAEFTIGELSE 2025-03, areas of sex female",
        "B_BESKAEFTIGELSE 2025-03, sexes of area Houlkær",
    ]


def suppress(con, indicator_id: str, period: str, **cell) -> None:
    """Suppress the cells of `period` (all areas and sexes, or those named) in indicator_values
    and the indicator's delaftale mart, as dbt would publish them."""
    delaftale = next(
        row["delaftale"] for row in catalogue.indicators() if row["indicator_id"] == indicator_id
    )
    where = "".join(f" and {column} = ${column}" for column in cell)
    for table in ("indicator_values", f"mart_{delaftale}"):
        con.execute(
            f"update marts.{table} set is_suppressed = true, numerator = null, "
            f"denominator = null, value = null where indicator_id = $id and period = $period"
            + where,
            {"id": indicator_id, "period": period, **cell},
        )


def test_lonely_suppressed_month_of_a_published_quarter_fails(warehouse, tmp_path):
    """February 2025 hidden in every area and sex (so area and sex groups keep the rule), January,
    March and 2025-Q1 published: 2025-Q1 minus January and March gives February back."""
    with duckdb.connect(str(warehouse)) as con:
        suppress(con, "B_BESKAEFTIGELSE", "2025-02")
    result = gate(warehouse, tmp_path)
    assert not result.passed
    assert names(result.failures) == {"mart_disclosure_groups.time_groups"}
    failure = finding(result, "mart_disclosure_groups.time_groups")
    # 4 areas (with `all`) × 3 sexes; groups checked: 7 flows × (7 quarters + 2 years) × 12
    assert (failure.unexpected_count, failure.element_count) == (12, 7 * 9 * 12)
    assert failure.examples[0] == "B_BESKAEFTIGELSE 2025-Q1, months of quarter Ellekær/all"


def test_hidden_month_and_quarter_together_keep_the_time_rule(warehouse, tmp_path):
    """Suppressing 2025-Q1 as well leaves two hidden cells in the quarter's group, but makes the
    quarter the one hidden cell among the quarters of 2025; hiding 2025-Q2 too closes that."""
    with duckdb.connect(str(warehouse)) as con:
        for period in ("2025-02", "2025-Q1"):
            suppress(con, "B_BESKAEFTIGELSE", period)
    failure = finding(gate(warehouse, tmp_path), "mart_disclosure_groups.time_groups")
    assert failure.examples[0] == "B_BESKAEFTIGELSE 2025, quarters of year Ellekær/all"
    with duckdb.connect(str(warehouse)) as con:
        suppress(con, "B_BESKAEFTIGELSE", "2025-Q2")  # and one month of it
        suppress(con, "B_BESKAEFTIGELSE", "2025-05")
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary


def test_empty_month_is_no_member_of_its_quarter(warehouse, tmp_path):
    """A July in which U_FRAVAER has nobody in the whole plan (no school) is known to be empty:
    hidden beside published August and 2025-Q3, it gives nothing away. The same hidden July with
    one pupil in the plan does."""
    with duckdb.connect(str(warehouse)) as con:
        suppress(con, "U_FRAVAER", "2025-07")
        con.execute(
            "update marts.indicator_values_unsuppressed set persons = 0, persons_in_numerator = 0,"
            " numerator = 0, denominator = 0, value = null "
            "where indicator_id = 'U_FRAVAER' and period = '2025-07'"
        )
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.indicator_values_unsuppressed set persons = 1 where "
            "indicator_id = 'U_FRAVAER' and period = '2025-07' and area = 'all' and sex = 'all'"
        )
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"mart_disclosure_groups.time_groups"}
    assert finding(result, "mart_disclosure_groups.time_groups").unexpected_count == 12


def test_a_stock_has_no_time_groups(warehouse, tmp_path):
    """S_AKTIVE_FRIVILLIGE's quarter is no sum of its months: a hidden February hides nothing."""
    with duckdb.connect(str(warehouse)) as con:
        suppress(con, "S_AKTIVE_FRIVILLIGE", "2025-02")
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary


@pytest.mark.parametrize("hidden", ["2025-Q1", "2025-03"])
def test_broken_stock_link_fails(warehouse, tmp_path, hidden):
    """2025-Q1 of the stock shows March's figures: one of them hidden, the other published."""
    with duckdb.connect(str(warehouse)) as con:
        suppress(con, "S_AKTIVE_FRIVILLIGE", hidden)
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"mart_disclosure_groups.stock_link"}
    failure = finding(result, "mart_disclosure_groups.stock_link")
    # 12 cells (4 areas × 3 sexes) of 2025-Q1; links: (7 quarters + 2 years) × 12
    assert (failure.unexpected_count, failure.element_count) == (12, 9 * 12)
    assert failure.examples[0] == "S_AKTIVE_FRIVILLIGE 2025-Q1, stock month 2025-03 Ellekær/all"


def test_stock_period_shows_its_last_complete_month(warehouse, tmp_path):
    """Without a snapshot for March 2025 (the month incomplete), 2025-Q1 shows February."""
    with duckdb.connect(str(warehouse)) as con:
        for table in ("indicator_values", "mart_sammenhaengskraft_og_medborgerskab"):
            con.execute(
                f"update marts.{table} set is_complete = false where period = '2025-03' "
                "and period_type = 'month' and indicator_id = 'S_AKTIVE_FRIVILLIGE'"
            )
        suppress(con, "S_AKTIVE_FRIVILLIGE", "2025-03")
    assert gate(warehouse, tmp_path).passed
    with duckdb.connect(str(warehouse)) as con:
        suppress(con, "S_AKTIVE_FRIVILLIGE", "2025-Q1")
    failure = finding(gate(warehouse, tmp_path), "mart_disclosure_groups.stock_link")
    assert failure.examples[0] == "S_AKTIVE_FRIVILLIGE 2025-Q1, stock month 2025-02 Ellekær/all"


def test_disclosure_groups_frame_holds_every_group_and_no_person_count(template):
    from pipelines.quality.frames import FrameContext, mart_disclosure_groups, prepare

    with duckdb.connect(str(template), read_only=True) as con:
        prepare(con)
        frame = mart_disclosure_groups(FrameContext(con, catalogue.quality_config(), 5))
    assert list(frame.columns) == [
        "indicator_id",
        "period_type",
        "period",
        "grouping",
        "group_of",
        "suppressed_cells",
        "secondary_rule_kept",
        "time_rule_kept",
        "stock_link_kept",
    ]
    counts = frame.groupby("grouping").size().to_dict()
    # 7 monthly person-based flows, 7 quarters (2024-Q1..2025-Q3), 2 years, 4 areas × 3 sexes
    assert counts["months of quarter"] == 7 * 7 * 12
    assert counts["quarters of year"] == 7 * 2 * 12
    assert counts["stock month"] == 1 * 9 * 12
    # every row answers exactly one rule; in the clean fixture every answer is yes
    verdicts = frame[["secondary_rule_kept", "time_rule_kept", "stock_link_kept"]]
    assert (verdicts.notna().sum(axis=1) == 1).all()
    assert verdicts.fillna(True).all().all()


def test_missing_cell_fails_completeness(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        for table in (
            "indicator_values",
            "indicator_values_unsuppressed",
            "mart_sammenhaengskraft_og_medborgerskab",
        ):
            con.execute(
                f"delete from marts.{table} where indicator_id = 'S_BROBYGNING' "
                "and period = '2024-11' and area = 'Vestervang'"
            )
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"mart_completeness.every_cell_present"}
    assert finding(result, "mart_completeness.every_cell_present").examples == [
        "S_BROBYGNING 2024-11 Vestervang all"
    ]


def test_large_monthly_jump_is_a_warning_only(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        set_cell(
            con, "B_BESKAEFTIGELSE", "2025-02", "Houlkær", "female", numerator=36
        )  # 50 % → 60 %
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary
    assert names(result.warnings) == {"mart_jumps.monthly_jump"}
    assert finding(result, "mart_jumps.monthly_jump").examples == [
        "B_BESKAEFTIGELSE 2025-02 Houlkær female: spring 10 (grænse 5)",
        "B_BESKAEFTIGELSE 2025-03 Houlkær female: spring 10 (grænse 5)",
    ]
    assert "Advarsler" in result.summary


def test_missing_mart_fails_with_a_readable_reason(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.indicator_values_unsuppressed")
    result = gate(warehouse, tmp_path)
    assert not result.passed
    (failure,) = [item for item in result.failures if item.suite == "mart_disclosure"]
    assert failure.check == "frame" and "indicator_values_unsuppressed" in failure.description


def test_thresholds_come_from_config_and_dbt_vars(warehouse, tmp_path, monkeypatch):
    with duckdb.connect(str(warehouse)) as con:
        add_file(
            con, "beskaeftigelse", date(2025, 8, 1), rows_read=ROWS, rows_quarantined=20 * ROWS // 100
        )
    config = dict(catalogue.quality_config(), max_quarantined_share=0.25)
    monkeypatch.setattr(catalogue, "quality_config", lambda: config)
    monkeypatch.setattr(
        catalogue, "disclosure_k", lambda: 13
    )  # Houlkær has 12 in B_OVERGANG_JOB_UDD
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"mart_disclosure.primary_rule"}
    assert "k = 13" in result.summary
    assert result.as_dict()["thresholds"]["max_quarantined_share"] == 0.25


def test_results_and_data_docs_hold_no_person_level_value(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        add_file(con, "beboere", date(2025, 8, 1), rows_read=ROWS, rows_quarantined=20 * ROWS // 100)
        con.execute("update marts.indicator_values set value = 99 where period = '2024-02'")
        con.execute("delete from raw.beskaeftigelse where source_row % 7 = 0")
        pseudonyms = {
            row[0]
            for row in con.execute(
                "select person_id from raw.beboere union select person_id from raw.beskaeftigelse"
            ).fetchall()
        }
    result = gate(warehouse, tmp_path)
    assert len(result.failures) >= 4
    texts = [json.dumps(result.as_dict(), ensure_ascii=False)]
    texts += [
        path.read_text(encoding="utf-8", errors="replace")
        for path in (tmp_path / "quality").rglob("*")
        if path.suffix in (".html", ".json")
    ]
    assert len(texts) > 10
    found = re.compile(r"[0-9a-f]{64}")
    for text in texts:
        assert not CPR_SHAPED.search(text)
        assert not {match for match in found.findall(text)} & pseudonyms


def test_importing_the_gate_does_not_import_great_expectations():
    code = (
        "import sys, pipelines.quality, pipelines.publish; "
        "print('great_expectations' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    ).stdout.strip()
    assert output == "False"
