"""Source `forloeb` (coordinated courses, a monthly snapshot of the team's case register): every row
rule of the data contract, the conflict key (periode, forloeb_id) and corrections per snapshot month."""

from __future__ import annotations

import datetime as dt

import pytest
from support.ingest import (
    HEADERS,
    ingest,
    load_log,
    person,
    quarantine,
    query,
    write_csv,
    write_xlsx,
)


@pytest.fixture
def raw(tmp_path):
    return tmp_path / "raw"


@pytest.fixture
def wh(tmp_path):
    return tmp_path / "wh.duckdb"


def _course(i: int, *, periode="2025-03", start="2025-01-10", end="", actors="jobcenter,skole", ending=""):
    return [periode, f"F-{i}", person(i), start, end, actors, ending]


def _reasons(wh) -> dict[int, tuple[str, str]]:
    return {q["source_row"]: (q["column_name"], q["reason"]) for q in quarantine(wh)}


def test_courses_load_with_their_actors_as_a_set_and_the_snapshot_month_as_period(raw, wh):
    write_csv(raw, "forloeb", "forloeb_2025-03.csv", [
        _course(1, actors="Jobcenter; skole|SKOLE"),  # mixed separators and case, a duplicate code
        _course(2, start="03-02-2025", end="2025-03-20", actors="sundhed,psykiatri,misbrug", ending="Maal_naaet"),
        _course(3, periode="202503", actors="andet"),
    ], delimiter="\t")
    ingest(raw, wh)
    rows = query(wh, """select forloeb_id, period_start, startdato, slutdato, aktoerer, afslutning
                        from raw.forloeb order by forloeb_id""")
    assert rows == [
        ("F-1", dt.date(2025, 3, 1), dt.date(2025, 1, 10), None, ["jobcenter", "skole"], None),
        ("F-2", dt.date(2025, 3, 1), dt.date(2025, 2, 3), dt.date(2025, 3, 20),
         ["misbrug", "psykiatri", "sundhed"], "maal_naaet"),
        ("F-3", dt.date(2025, 3, 1), dt.date(2025, 1, 10), None, ["andet"], None),
    ]
    assert query(wh, "select count(*) from raw.forloeb where person_id is null or birth_date is null") == [(0,)]
    [entry] = load_log(wh)
    assert (entry["source"], entry["rows_loaded"], entry["rows_quarantined"], entry["periods"]) == (
        "forloeb", 3, 0, ["2025-03"])


@pytest.mark.parametrize(
    ("row", "column", "reason_part"),
    [
        (_course(1, actors="jobcenter,naboen"), "aktoerer", "ukendt aktørkode"),
        (_course(1, actors=" ; "), "aktoerer", "mangler"),
        (_course(1, start=""), "startdato", "mangler"),
        (_course(1, start="2025-04-01"), "startdato", "efter periodens sidste dag"),
        (_course(1, start="2025-02-10", end="2025-02-09", ending="afbrudt"), "slutdato", "før startdato"),
        (_course(1, start="2025-01-10", end="2025-02-28", ending="afbrudt"), "slutdato", "før periodens første dag"),
        (_course(1, end="2025-03-15"), "afslutning", "påkrævet"),
        (_course(1, ending="afbrudt"), "afslutning", "tom"),
        (_course(1, end="2025-03-15", ending="glemt"), "afslutning", "skal være en af"),
        (_course(1, start="2025-13-01"), "startdato", "ugyldig dato"),
        ([*_course(1)[:2], "010101", *_course(1)[3:]], "cpr", "ugyldigt CPR-nummer"),
        ([*_course(1)[:1], "", *_course(1)[2:]], "forloeb_id", "mangler"),
    ],
)
def test_each_row_rule_quarantines_the_row_naming_its_column(raw, wh, row, column, reason_part):
    write_csv(raw, "forloeb", "forloeb_2025-03.csv", [_course(7), row])
    ingest(raw, wh)
    reasons = _reasons(wh)
    assert list(reasons) == [3]  # the header is line 1, the good course line 2
    assert reasons[3][0] == column and reason_part in reasons[3][1], reasons[3]
    assert query(wh, "select forloeb_id from raw.forloeb") == [("F-7",)]
    assert person(1) not in reasons[3][1]


def test_a_course_ended_on_the_first_day_of_the_month_is_still_in_its_snapshot(raw, wh):
    write_csv(raw, "forloeb", "forloeb_2025-03.csv", [
        _course(1, start="2025-03-01", end="2025-03-01", ending="flyttet"),
        _course(2, start="2025-03-31"),  # opened on the last day: in the snapshot
    ])
    ingest(raw, wh)
    assert quarantine(wh) == []
    assert query(wh, "select count(*) from raw.forloeb") == [(2,)]


def test_two_different_rows_of_one_course_in_one_snapshot_are_both_quarantined(raw, wh):
    write_csv(raw, "forloeb", "forloeb_2025-03.csv", [
        _course(1),
        _course(1, actors="jobcenter,skole,sundhed"),  # same forloeb_id, another row: a conflict
        _course(2),
        _course(2),  # an exact duplicate counts once
        _course(3, actors="skole,jobcenter"),
        _course(3, actors="jobcenter;skole"),  # the same set of actors written differently: the same row
    ], delimiter="\t")
    ingest(raw, wh)
    reasons = _reasons(wh)
    assert sorted(reasons) == [2, 3]
    assert all("konflikt" in reason and "forløb" in reason for _, reason in reasons.values())
    assert query(wh, "select forloeb_id, count(*) from raw.forloeb group by 1 order by 1") == [("F-2", 1), ("F-3", 1)]
    [entry] = load_log(wh)
    assert (entry["rows_loaded"], entry["rows_quarantined"], entry["rows_duplicate"]) == (2, 2, 2)


def test_a_correction_replaces_its_snapshot_month_only(raw, wh):
    write_csv(raw, "forloeb", "forloeb_2025-02.csv", [_course(i, periode="2025-02") for i in range(3)])
    write_csv(raw, "forloeb", "forloeb_2025-03.csv", [_course(i) for i in range(4)])
    ingest(raw, wh)
    write_csv(raw, "forloeb", "forloeb_2025-03_rettet.csv", [_course(9, end="2025-03-05", ending="delvist_naaet")])
    ingest(raw, wh, run_id="run-2")
    assert query(wh, "select strftime(period_start, '%Y-%m'), count(*) from raw.forloeb group by 1 order by 1") == [
        ("2025-02", 3), ("2025-03", 1)]


def test_a_snapshot_whose_rows_are_all_bad_keeps_the_earlier_delivery(raw, wh):
    write_csv(raw, "forloeb", "forloeb_2025-03.csv", [_course(i) for i in range(3)])
    ingest(raw, wh)
    write_csv(raw, "forloeb", "forloeb_2025-03_rettet.csv", [_course(5, actors="ukendt")])
    ingest(raw, wh, run_id="run-2")
    assert query(wh, "select count(*) from raw.forloeb") == [(3,)]


def test_a_file_without_the_actors_column_is_rejected_naming_it(raw, wh):
    header = [h for h in HEADERS["forloeb"] if h != "aktoerer"]
    write_csv(raw, "forloeb", "forloeb_2025-03.csv", [[v for v in _course(1) if v != "jobcenter,skole"]],
              header=header)
    ingest(raw, wh)
    [entry] = load_log(wh)
    assert entry["outcome"] == "rejected" and "aktoerer" in entry["message"]


def test_an_excel_register_with_real_date_cells_and_a_danish_header_loads(raw, wh):
    header = ["Periode", "Forløb_id", "CPR", "Startdato", "Slutdato", "Aktører", "Afslutning"]
    write_xlsx(raw, "forloeb", "forloeb_2025-03.xlsx", header, [
        ["2025-03", "F-1", person(1), dt.datetime(2025, 1, 10), None, "jobcenter|politi", None],
        ["2025-03", "F-2", person(2), dt.datetime(2024, 11, 1), dt.datetime(2025, 3, 3), "skole", "afbrudt"],
    ])
    ingest(raw, wh)
    assert quarantine(wh) == []
    assert query(wh, "select forloeb_id, aktoerer, afslutning from raw.forloeb order by 1") == [
        ("F-1", ["jobcenter", "politi"], None), ("F-2", ["skole"], "afbrudt")]
