"""The quality gate on a copy of the test world (tests/support/world.py, built by the real
pipeline): as built it passes; each kind of damage fails the named check; warnings do not block;
results and Data Docs carry no person-level value. The cells a test damages are found in the
world by what they are (published, hidden, fully published period), not by the sample's figures."""

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
from support.damage import (
    add_file,
    add_rejected_file,
    cell_combinations,
    cells,
    drop_month,
    fully_published_periods,
    key,
    latest_month,
    set_numerator,
    suppress,
)

from pipelines import catalogue
from pipelines.quality import GateResult, run_gate

CPR_SHAPED = re.compile(r"(?<!\d)[0-3]\d[01]\d{3}-?\d{4}(?!\d)")


@pytest.fixture
def warehouse(world, tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(world.warehouse, path)
    return path


def gate(warehouse: Path, tmp_path: Path, **kwargs) -> GateResult:
    return run_gate(warehouse, tmp_path / "quality", run_id="test-run-0001", **kwargs)


def names(findings) -> set[str]:
    return {finding.name for finding in findings}


def finding(result: GateResult, name: str):
    return next(item for item in result.failures + result.warnings if item.name == name)


def label(cell: dict) -> str:
    return f"{cell['indicator_id']} {cell['period']} {cell['area']} {cell['sex']}"


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_world_as_built_passes_and_writes_data_docs(warehouse, tmp_path):
    (tmp_path / "quality").mkdir()
    (tmp_path / "quality" / "analyst-notes.txt").write_text("kept")
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary
    assert result.failures == []
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


# --- deliveries --------------------------------------------------------------------------------


@pytest.mark.parametrize(("quarantined", "passes"), [(4, True), (20, False)])
def test_quarantined_share_per_current_file(warehouse, tmp_path, quarantined, passes):
    with duckdb.connect(str(warehouse)) as con:
        month = latest_month(con, "beskaeftigelse")
        path = add_file(con, "beskaeftigelse", month, quarantined_share=quarantined / 100)
    result = gate(warehouse, tmp_path)
    assert result.passed is passes, result.summary
    if not passes:
        assert names(result.failures) == {"delivery_files.quarantined_share"}
        line = next(line for line in result.summary.splitlines() if "quarantined_share" in line)
        shown = re.search(rf"{re.escape(path)}: (\d+(?:,\d)?) %", line)
        assert shown and abs(float(shown.group(1).replace(",", ".")) - 20) <= 0.1, line


def test_a_file_whose_latest_attempt_was_rejected_is_a_warning(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        add_rejected_file(con, "skole", "skole/skole_2025-09.xlsx")
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary
    assert "delivery_files.rejected_files" in names(result.warnings)
    assert finding(result, "delivery_files.rejected_files").examples == ["skole/skole_2025-09.xlsx"]


def test_every_file_that_supplies_a_period_is_judged_whichever_run_loaded_it(warehouse, tmp_path):
    """The bad file was logged by an earlier run (`test-run`); this gate judges it all the same."""
    with duckdb.connect(str(warehouse)) as con:
        add_file(con, "skole", date(2024, 5, 1), quarantined_share=0.3)
    assert names(gate(warehouse, tmp_path).failures) == {"delivery_files.quarantined_share"}


@pytest.mark.parametrize(
    ("source", "month", "check"),
    [
        ("beskaeftigelse", date(2025, 3, 1), "delivery_months.beskaeftigelse_every_month"),
        ("skole", date(2025, 2, 1), "delivery_months.skole_every_school_month"),
        ("beboere", date(2024, 6, 1), "delivery_months.beboere_every_month"),
    ],
)
def test_missing_month_fails(warehouse, tmp_path, source, month, check):
    with duckdb.connect(str(warehouse)) as con:
        drop_month(con, source, month)
    result = gate(warehouse, tmp_path)
    assert not result.passed
    assert check in names(result.failures)
    assert finding(result, check).examples == [month.strftime("%Y-%m")]


def test_a_gap_in_the_course_register_warns_and_does_not_block(warehouse, tmp_path):
    """forloeb: a month without a snapshot since the register's first is a warning, not a block."""
    month = date(2025, 3, 1)
    with duckdb.connect(str(warehouse)) as con:
        first = con.execute("select min(period_start) from raw.forloeb").fetchone()[0]
        assert first is not None and first < month
        drop_month(con, "forloeb", month)
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary
    assert finding(result, "delivery_months.forloeb_every_month").examples == ["2025-03"]


def _rename_area(warehouse: Path, month: date, rows: int, name: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update raw.beboere set boligomraade = ? where rowid in (select rowid from raw.beboere"
            " where period_start = ? order by source_row limit ?)", [name, month, rows])


def test_an_unknown_area_in_a_few_rows_warns_naming_it_and_the_file(warehouse, tmp_path):
    """A typo or a hostile name (`<script>`) must not become a published area unnoticed."""
    month = date(2025, 2, 1)
    _rename_area(warehouse, month, 2, "<script>")
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary
    (example,) = finding(result, "delivery_names.unknown_name").examples  # its afdelinger not again
    assert example.startswith("beboere/") and "2025-02" in example and "område '<script>' (2 rækker)" in example


def test_an_unknown_area_in_more_than_the_allowed_share_of_a_file_blocks(warehouse, tmp_path):
    month = date(2025, 2, 1)
    (residents,) = query(warehouse, "select count(*) from raw.beboere where period_start = ?", [month])[0]
    _rename_area(warehouse, month, residents // 10, "Houlkaer")  # a tenth of the file misspelt
    result = gate(warehouse, tmp_path)
    assert not result.passed
    assert names(result.failures) == {"delivery_names.unknown_name_share"}
    assert "område 'Houlkaer' i " in finding(result, "delivery_names.unknown_name_share").examples[0]


def test_an_unknown_afdeling_of_a_known_area_warns(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.beboere set afdeling = '99' where rowid = (select min(rowid) from raw.beboere"
                    " where boligomraade = 'Kølvrå')")
    result = gate(warehouse, tmp_path)
    assert result.passed
    assert "afdeling '99' (1 rækker)" in finding(result, "delivery_names.unknown_name").examples[0]


def test_july_needs_no_school_delivery(warehouse, tmp_path):
    (july_rows,) = query(warehouse, "select count(*) from raw.skole where month(period_start) = 7")
    assert july_rows == (0,)  # the sample, as the contract says, delivers no school in July
    assert "delivery_months.skole_every_school_month" not in names(
        gate(warehouse, tmp_path).failures
    )


def test_employment_extract_below_coverage_fails(warehouse, tmp_path):
    month = date(2025, 4, 1)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "delete from raw.beskaeftigelse where period_start = ? and source_row % 10 = 0",
            [month],
        )
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"delivery_months.employment_coverage"}
    (example,) = finding(result, "delivery_months.employment_coverage").examples
    month_label, share = example.split(": ")
    assert month_label == "2025-04"
    assert 85 <= int(share.removesuffix(" %")) < 95  # a tenth of the extract's rows taken away


def test_stale_source_fails(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        last = latest_month(con, "beboere")
        for month in (last, date(last.year, last.month - 1, 1)):
            drop_month(con, "deltagelse", month)
        kept = latest_month(con, "deltagelse")
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"delivery_timeliness.timeliness"}
    assert finding(result, "delivery_timeliness.timeliness").examples == [
        f"deltagelse: seneste {kept:%Y-%m}, 2 mdr. bagud"
    ]


def test_school_summer_break_is_not_staleness(warehouse, tmp_path):
    """Latest beboere August, latest skole June: July has no school, so one month behind."""
    with duckdb.connect(str(warehouse)) as con:
        assert latest_month(con, "beboere") == date(2025, 8, 1)
        drop_month(con, "skole", date(2025, 8, 1))
    result = gate(warehouse, tmp_path)
    assert "delivery_timeliness.timeliness" not in names(result.failures)
    assert "delivery_months.skole_every_school_month" in names(result.failures)


# --- values --------------------------------------------------------------------------------------


def _published(warehouse: Path, indicator_id: str, where: str = "true") -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return cells(
            con,
            f"v.indicator_id = ? and v.period_type = 'month' and not v.is_suppressed "
            f"and v.area <> 'all' and v.sex <> 'all' and {where}",
            [indicator_id],
        )


def test_tampered_value_fails(warehouse, tmp_path):
    cell = _published(warehouse, "B_BESKAEFTIGELSE", "v.value < 90")[0]
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.indicator_values set value = value + 3 where indicator_id = $indicator_id"
            " and period_type = $period_type and period = $period and area = $area and sex = $sex",
            key(cell),
        )
    result = gate(warehouse, tmp_path)
    assert not result.passed
    assert {
        "mart_values.value_is_ratio",
        "mart_disclosure.equals_computed",
        "mart_consistency.same_rows",
    } <= names(result.failures)
    assert finding(result, "mart_values.value_is_ratio").examples == [label(cell)]


def test_consistently_tampered_cell_fails_against_computed(warehouse, tmp_path):
    cell = _published(warehouse, "B_BESKAEFTIGELSE", "v.numerator + 4 <= v.denominator")[0]
    with duckdb.connect(str(warehouse)) as con:
        for table in ("indicator_values", "mart_beskaeftigelse"):
            con.execute(
                f"update marts.{table} set numerator = numerator + 4, "
                "value = (numerator + 4) / denominator * 100 where indicator_id = $indicator_id"
                " and period_type = $period_type and period = $period and area = $area"
                " and sex = $sex",
                key(cell),
            )
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"mart_disclosure.equals_computed"}


def test_share_above_100_and_numerator_above_denominator_fail(warehouse, tmp_path):
    cell = _published(warehouse, "S_DELTAGELSE")[0]
    with duckdb.connect(str(warehouse)) as con:
        set_numerator(con, key(cell), 2 * cell["denominator"])
    result = gate(warehouse, tmp_path)
    assert {
        "mart_values.value_at_most_factor",
        "mart_values.numerator_at_most_denominator",
    } <= names(result.failures)
    assert finding(result, "mart_values.value_at_most_factor").examples == [f"{label(cell)}: 200"]


def test_large_monthly_jump_is_a_warning_only(warehouse, tmp_path):
    """A month raised 10 points above two neighbours within 1 point of it: two jumps over the
    catalogue's bound of 5 points (max_monthly_jump), both warnings."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (cell,) = cells(
            con,
            """
            v.indicator_id = 'B_BESKAEFTIGELSE' and v.period_type = 'month' and v.value < 80
            and exists (select 1 from marts.indicator_values as n
                        where n.indicator_id = v.indicator_id and n.area = v.area
                          and n.sex = v.sex and n.period_type = 'month'
                          and abs(n.period_start - v.period_start) between 28 and 31
                        group by all having count(*) = 2 and max(abs(n.value - v.value)) < 1)
            qualify row_number() over (order by v.period_start, v.area, v.sex) = 1
            """,
        )
    before = gate(warehouse, tmp_path / "before")
    jumps_before = sum(
        w.unexpected_count for w in before.warnings if w.name == "mart_jumps.monthly_jump"
    )
    with duckdb.connect(str(warehouse)) as con:
        set_numerator(con, key(cell), cell["numerator"] + 0.1 * cell["denominator"])
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary
    assert names(result.warnings) == {"mart_jumps.monthly_jump"}
    assert finding(result, "mart_jumps.monthly_jump").unexpected_count == jumps_before + 2
    assert "Advarsler" in result.summary


# --- disclosure control --------------------------------------------------------------------------


def test_published_small_cell_breaks_primary_rule(warehouse, tmp_path):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        small = (
            con.execute(
                "select * from marts.indicator_values_unsuppressed where indicator_id = "
                "'B_OVERGANG_JOB_UDD' and period_type = 'month' and sex <> 'all' and area <> 'all' "
                "and persons between 1 and ? order by period_start, area, sex limit 1",
                [catalogue.disclosure_k() - 1],
            )
            .df()
            .to_dict("records")[0]
        )
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            update marts.indicator_values as v
            set is_suppressed = false, numerator = u.numerator, denominator = u.denominator,
                value = u.value
            from marts.indicator_values_unsuppressed as u
            where v.indicator_id = u.indicator_id and v.period_type = u.period_type
              and v.period = u.period and v.area = u.area and v.sex = u.sex
              and v.indicator_id = $indicator_id and v.period_type = $period_type
              and v.period = $period and v.area = $area and v.sex = $sex
            """,
            key(small),
        )
    result = gate(warehouse, tmp_path)
    assert "mart_disclosure.primary_rule" in names(result.failures)
    assert finding(result, "mart_disclosure.primary_rule").examples == [label(small)]


def test_lonely_suppressed_cell_breaks_secondary_rule(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        period = fully_published_periods(con, "B_BESKAEFTIGELSE", "month")[0]
        area = next(
            c["area"] for c in cells(con, "v.indicator_id = 'B_BESKAEFTIGELSE' and v.area <> 'all'")
        )
        suppress(con, "B_BESKAEFTIGELSE", period, area=area, sex="female")
    result = gate(warehouse, tmp_path)
    assert "mart_disclosure_groups.secondary_rule" in names(result.failures)
    assert "mart_disclosure.primary_rule" not in names(result.failures)
    assert sorted(finding(result, "mart_disclosure_groups.secondary_rule").examples) == [
        f"B_BESKAEFTIGELSE {period}, areas of sex female",
        f"B_BESKAEFTIGELSE {period}, sexes of area {area}",
    ]


def _fully_published_quarter(con) -> tuple[str, list[str], str]:
    """A quarter of S_DELTAGELSE (every cell published) whose year and months are fully published
    too: (quarter, its months, its year)."""
    quarters = fully_published_periods(con, "S_DELTAGELSE", "quarter")
    months = set(fully_published_periods(con, "S_DELTAGELSE", "month"))
    years = set(fully_published_periods(con, "S_DELTAGELSE", "year"))
    for quarter in quarters:
        year, number = quarter.split("-Q")
        its_months = [f"{year}-{3 * int(number) - offset:02d}" for offset in (2, 1, 0)]
        if set(its_months) <= months and year in years:
            return quarter, its_months, year
    raise AssertionError("the world has no fully published quarter of S_DELTAGELSE")


def test_lonely_suppressed_month_of_a_published_quarter_fails(warehouse, tmp_path):
    """A month hidden in every area and sex (so area and sex groups keep the rule), its quarter
    and the other months published: the quarter minus the others gives the month back."""
    with duckdb.connect(str(warehouse)) as con:
        quarter, months, _ = _fully_published_quarter(con)
        suppress(con, "S_DELTAGELSE", months[1])
        combinations = cell_combinations(con, "S_DELTAGELSE")
    result = gate(warehouse, tmp_path)
    assert not result.passed
    assert names(result.failures) == {"mart_disclosure_groups.time_groups"}
    failure = finding(result, "mart_disclosure_groups.time_groups")
    assert failure.unexpected_count == combinations  # one group per area and sex
    assert all(
        e.startswith(f"S_DELTAGELSE {quarter}, months of quarter ") for e in failure.examples
    )


def test_hidden_month_and_quarter_together_keep_the_time_rule(warehouse, tmp_path):
    """Hiding the quarter as well leaves two hidden cells in the quarter's group, but makes the
    quarter the one hidden cell among the quarters of its year; hiding a second quarter (and one
    of its months) closes that."""
    with duckdb.connect(str(warehouse)) as con:
        quarter, months, year = _fully_published_quarter(con)
        for period in (months[1], quarter):
            suppress(con, "S_DELTAGELSE", period)
    failure = finding(gate(warehouse, tmp_path / "one"), "mart_disclosure_groups.time_groups")
    assert failure.examples[0].startswith(f"S_DELTAGELSE {year}, quarters of year ")
    other = next(
        q
        for q in fully_published_periods(
            duckdb.connect(str(warehouse), read_only=True), "S_DELTAGELSE", "quarter"
        )
        if q.startswith(year) and q != quarter
    )
    year_of, number = other.split("-Q")
    with duckdb.connect(str(warehouse)) as con:
        suppress(con, "S_DELTAGELSE", other)
        suppress(con, "S_DELTAGELSE", f"{year_of}-{3 * int(number):02d}")
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary


def test_an_empty_month_is_no_member_of_its_quarter(warehouse, tmp_path):
    """U_FRAVAER has no pupil in the whole plan in July (no school): the hidden July gives
    nothing away beside its published quarter. The same hidden July with one pupil does, in
    every area and sex whose August and September are published."""
    july = "2024-07"
    rows = query(
        warehouse,
        "select max(persons), bool_and(v.is_suppressed) from "
        "marts.indicator_values_unsuppressed join marts.indicator_values as v "
        "using (indicator_id, period_type, period, area, sex) "
        "where indicator_id = 'U_FRAVAER' and period = ?",
        [july],
    )
    assert rows == [(0, True)]
    assert gate(warehouse, tmp_path / "empty").passed
    (exposed,) = query(
        warehouse,
        "select count(*) from (select area, sex from marts.indicator_values "
        "where indicator_id = 'U_FRAVAER' and period in ('2024-08', '2024-09', '2024-Q3') "
        "group by all having not bool_or(is_suppressed) and count(*) = 3)",
    )
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.indicator_values_unsuppressed set persons = 1 where "
            "indicator_id = 'U_FRAVAER' and period = ? and area = 'all' and sex = 'all'",
            [july],
        )
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"mart_disclosure_groups.time_groups"}
    assert finding(result, "mart_disclosure_groups.time_groups").unexpected_count == exposed[0] > 0


def test_a_stock_has_no_time_groups(warehouse, tmp_path):
    """S_AKTIVE_FRIVILLIGE's quarter is no sum of its months: a hidden February hides nothing."""
    with duckdb.connect(str(warehouse)) as con:
        suppress(con, "S_AKTIVE_FRIVILLIGE", "2024-02")
    result = gate(warehouse, tmp_path)
    assert result.passed, result.summary


@pytest.mark.parametrize("hidden", ["quarter", "month"])
def test_broken_stock_link_fails(warehouse, tmp_path, hidden):
    """A stock's quarter shows its last month's figures: one of the two hidden, the other
    published, and the hidden one is given away."""
    with duckdb.connect(str(warehouse)) as con:
        (link,) = con.execute(
            """
            select q.period as quarter, m.period as month, q.area, q.sex
            from marts.indicator_values as q
            join marts.indicator_values as m
              on m.indicator_id = q.indicator_id and m.area = q.area and m.sex = q.sex
             and m.period_type = 'month'
             and m.period_start = q.period_start + interval 2 month
            where q.indicator_id = 'S_AKTIVE_FRIVILLIGE' and q.period_type = 'quarter'
              and quarter(q.period_start) < 4 and year(q.period_start) = 2024
              and not q.is_suppressed and not m.is_suppressed
            order by q.period, q.area, q.sex
            limit 1
            """
        ).fetchall()
        quarter, month, area, sex = link
        suppress(
            con,
            "S_AKTIVE_FRIVILLIGE",
            quarter if hidden == "quarter" else month,
            area=area,
            sex=sex,
        )
    result = gate(warehouse, tmp_path)
    assert "mart_disclosure_groups.stock_link" in names(result.failures)
    assert finding(result, "mart_disclosure_groups.stock_link").examples == [
        f"S_AKTIVE_FRIVILLIGE {month}, stock month {area}/{sex}"  # the cells showing it
    ]


def test_disclosure_groups_frame_holds_every_group_and_no_person_count(warehouse):
    from pipelines.quality.frames import FrameContext, mart_disclosure_groups, prepare

    with duckdb.connect(str(warehouse), read_only=True) as con:
        prepare(con)
        frame = mart_disclosure_groups(FrameContext(con, catalogue.quality_config(), 5))
        periods = {
            (indicator_id, period_type): count
            for indicator_id, period_type, count in con.execute(
                "select indicator_id, period_type, count(distinct period) "
                "from marts.indicator_values group by all"
            ).fetchall()
        }
        cells_per_period = cell_combinations(con, "S_DELTAGELSE")
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
    flows = [
        r.indicator_id
        for r in catalogue.indicators()
        if r.person_based and r.aggregation == "flow"
    ]
    stocks = [
        r.indicator_id
        for r in catalogue.indicators()
        if r.person_based and r.aggregation == "stock"
    ]
    counts = frame.groupby("grouping").size().to_dict()
    # docs/indicators.md, rule 2: every flow's months of each quarter and quarters of each year
    # (a yearly indicator's year has no quarters), per area and sex; every stock month with
    # the quarter and year that show its figures
    for grouping, period_type in (("months of quarter", "quarter"), ("quarters of year", "year")):
        expected = sum(periods.get((i, period_type), 0) for i in flows) * cells_per_period
        assert counts[grouping] == expected, grouping
    assert counts["stock month"] == sum(periods[(i, "month")] for i in stocks) * cells_per_period
    # every row answers exactly one rule; in the world as built every answer is yes
    verdicts = frame[["secondary_rule_kept", "time_rule_kept", "stock_link_kept"]]
    assert (verdicts.notna().sum(axis=1) == 1).all()
    assert verdicts.fillna(True).all().all()


# --- completeness, configuration, failures -------------------------------------------------------


def test_missing_cell_fails_completeness(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        (cell,) = cells(
            con,
            "v.indicator_id = 'S_BROBYGNING' and v.period = '2024-11' "
            "and v.area <> 'all' qualify row_number() over (order by v.area) = 1",
        )
        for table in (
            "indicator_values",
            "indicator_values_unsuppressed",
            "mart_sammenhaengskraft_og_medborgerskab",
        ):
            con.execute(
                f"delete from marts.{table} where indicator_id = 'S_BROBYGNING' "
                "and period = '2024-11' and area = ?",
                [cell["area"]],
            )
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"mart_completeness.every_cell_present"}
    assert finding(result, "mart_completeness.every_cell_present").examples == [
        f"S_BROBYGNING 2024-11 {cell['area']} all"
    ]


def test_a_tampered_delaftale_mart_fails_consistency(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.mart_beskaeftigelse set value = value + 1 where "
            "indicator_id = 'B_BESKAEFTIGELSE' and period = '2025-05' and area = 'all' "
            "and sex = 'all'"
        )
    result = gate(warehouse, tmp_path)
    assert names(result.failures) == {"mart_consistency.same_rows"}
    assert "mart_beskaeftigelse: afviger i 1 celle(r)" in result.summary


def test_missing_mart_fails_with_a_readable_reason(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.indicator_values_unsuppressed cascade")
    result = gate(warehouse, tmp_path)
    assert not result.passed
    (failure,) = [item for item in result.failures if item.suite == "mart_disclosure"]
    assert failure.check == "frame" and "indicator_values_unsuppressed" in failure.description


def test_thresholds_come_from_config_and_dbt_vars(warehouse, tmp_path, monkeypatch):
    with duckdb.connect(str(warehouse)) as con:
        add_file(con, "beskaeftigelse", date(2025, 8, 1), quarantined_share=0.2)
        (larger_k,) = con.execute(
            "select min(persons) + 1 from marts.indicator_values_unsuppressed as u "
            "join marts.indicator_values as v using (indicator_id, period_type, period, area, sex)"
            " where not v.is_suppressed and u.persons is not null"
        ).fetchone()
    config = dict(catalogue.quality_config(), max_quarantined_share=0.25)
    monkeypatch.setattr(catalogue, "quality_config", lambda: config)
    monkeypatch.setattr(catalogue, "disclosure_k", lambda: larger_k)  # a published cell is below
    result = gate(warehouse, tmp_path)
    assert "mart_disclosure.primary_rule" in names(result.failures)
    assert "delivery_files.quarantined_share" not in names(result.failures)
    assert f"k = {larger_k}" in result.summary
    assert result.as_dict()["thresholds"]["max_quarantined_share"] == 0.25


def test_results_and_data_docs_hold_no_person_level_value(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        add_file(con, "beboere", date(2025, 8, 1), quarantined_share=0.2)
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
