"""Deliveries over time: corrections supersede by (source, period), idempotent re-runs, duplicates by
content, changed files, and files that cannot be read at all."""

from __future__ import annotations

import datetime as dt

import pytest
from support.ingest import (
    HEADERS,
    ingest,
    load_log,
    person,
    query,
    records,
    write_csv,
    write_text,
)


@pytest.fixture
def raw(tmp_path):
    return tmp_path / "raw"


@pytest.fixture
def wh(tmp_path):
    return tmp_path / "wh.duckdb"


def _residents(period: str, people: range, area: str = "Houlkær") -> list[list[str]]:
    return [[period, person(i), area, "1", ""] for i in people]


def _by_period(wh) -> dict[dt.date, tuple]:
    rows = query(wh, """select b.period_start, count(*), min(l.file_path), max(l.file_path)
                        from raw.beboere b join raw.load_log l using (load_id) group by 1 order by 1""")
    return {p: (n, first, last) for p, n, first, last in rows}


def _snapshot(wh) -> dict:
    tables = ("beboere", "skole", "karakterer", "beskaeftigelse", "deltagelse", "load_log", "period_log",
              "quarantine", "warehouse_meta")
    return {t: query(wh, f"select * from raw.{t} order by all") for t in tables}


def test_a_later_file_in_path_order_replaces_the_period_within_a_run(raw, wh):
    # the correction is written first (older mtime) but sorts later: path order decides
    write_csv(raw, "beboere", "beboere_2024-01_rettet.csv", _residents("2024-01", range(10, 12)))
    write_csv(raw, "beboere", "beboere_2024-01.csv", _residents("2024-01", range(3)))
    ingest(raw, wh)
    assert _by_period(wh) == {dt.date(2024, 1, 1): (2, "beboere/beboere_2024-01_rettet.csv", "beboere/beboere_2024-01_rettet.csv")}
    log = {e["file_path"]: e["load_id"] for e in load_log(wh)}
    history = records(wh, "select period, load_id, rows_loaded, replaced_load_id from raw.period_log order by load_id")
    assert history == [
        {"period": "2024-01", "load_id": log["beboere/beboere_2024-01.csv"], "rows_loaded": 3, "replaced_load_id": None},
        {"period": "2024-01", "load_id": log["beboere/beboere_2024-01_rettet.csv"], "rows_loaded": 2,
         "replaced_load_id": log["beboere/beboere_2024-01.csv"]},
    ]


def test_a_file_with_two_periods_and_a_correction_of_one_across_runs(raw, wh):
    write_csv(raw, "beboere", "b_2024.csv", _residents("2024-01", range(4)) + _residents("2024-02", range(5)))
    ingest(raw, wh, "run-1")
    assert {p: n for p, (n, _, _) in _by_period(wh).items()} == {dt.date(2024, 1, 1): 4, dt.date(2024, 2, 1): 5}
    [first] = load_log(wh)
    assert first["periods"] == ["2024-01", "2024-02"]
    # a later run's file replaces February even though its path sorts first
    write_csv(raw, "beboere", "a_correction.csv", _residents("2024-02", range(20, 22), area="Ellekonebakken"))
    ingest(raw, wh, "run-2")
    assert _by_period(wh) == {dt.date(2024, 1, 1): (4, "beboere/b_2024.csv", "beboere/b_2024.csv"),
                              dt.date(2024, 2, 1): (2, "beboere/a_correction.csv", "beboere/a_correction.csv")}
    assert query(wh, "select distinct boligomraade from raw.beboere where period_start = '2024-02-01'") == [("Ellekonebakken",)]
    latest = records(wh, "select period, replaced_load_id from raw.period_log where load_id = (select max(load_id) from raw.load_log)")
    assert latest == [{"period": "2024-02", "replaced_load_id": first["load_id"]}]


def test_periods_are_replaced_per_source(raw, wh):
    write_csv(raw, "beboere", "b.csv", _residents("2024-01", range(3)))
    write_csv(raw, "beskaeftigelse", "s.csv", [["2024-01", person(i), "dagpenge"] for i in range(3)])
    ingest(raw, wh, "run-1")
    write_csv(raw, "beskaeftigelse", "s_rettet.csv", [["2024-01", person(0), "fleksjob"]])
    ingest(raw, wh, "run-2")
    assert query(wh, "select count(*) from raw.beboere") == [(3,)]
    assert query(wh, "select status from raw.beskaeftigelse") == [("fleksjob",)]


def test_karakterer_and_deltagelse_periods(raw, wh):
    write_csv(raw, "karakterer", "k1.csv", [["2023/24", person(1), "dansk", "7"], ["2024/25", person(1), "dansk", "4"]])
    write_csv(raw, "karakterer", "k2.csv", [["2023/2024", person(2), "dansk", "10"]])
    write_csv(raw, "deltagelse", "d1.csv", [[d, "A", "Café", "U", "Houlkær", "", person(1), "deltager"]
                                             for d in ("2024-01-09", "2024-01-16", "2024-02-06")])
    write_csv(raw, "deltagelse", "d2.csv", [["2024-01-23", "A", "Café", "U", "Houlkær", "", "", "deltager"]])
    ingest(raw, wh)
    assert query(wh, "select skoleaar, karakter from raw.karakterer order by 1") == [("2023/24", 10.0), ("2024/25", 4.0)]
    assert query(wh, "select dato from raw.deltagelse order by 1") == [(dt.date(2024, 1, 23),), (dt.date(2024, 2, 6),)]
    assert query(wh, "select source, period, period_start from raw.period_log where replaced_load_id is not null order by 1") == [
        ("deltagelse", "2024-01", dt.date(2024, 1, 1)), ("karakterer", "2023/24", dt.date(2024, 6, 1))]


def test_identical_redelivery_under_another_name_is_skipped_and_logged(raw, wh):
    write_csv(raw, "beboere", "beboere_2024-01.csv", _residents("2024-01", range(3)))
    ingest(raw, wh, "run-1")
    write_csv(raw, "beboere", "beboere_2024-02.csv", _residents("2024-02", range(3)))
    ingest(raw, wh, "run-2")
    (raw / "beboere" / "kopi_af_januar.csv").write_bytes((raw / "beboere" / "beboere_2024-01.csv").read_bytes())
    before = query(wh, "select * from raw.beboere order by all"), query(wh, "select * from raw.period_log order by all")
    summary = ingest(raw, wh, "run-3")
    assert [(f.file_path, f.outcome) for f in summary.files if f.outcome != "unchanged"] == [
        ("beboere/kopi_af_januar.csv", "duplicate")]
    after = query(wh, "select * from raw.beboere order by all"), query(wh, "select * from raw.period_log order by all")
    assert after == before
    entry = load_log(wh)[-1]
    assert (entry["outcome"], entry["file_path"], entry["rows_loaded"]) == ("duplicate", "beboere/kopi_af_januar.csv", 0)
    assert "beboere/beboere_2024-01.csv" in entry["message"]
    assert entry["sha256"] == load_log(wh)[0]["sha256"]
    # and the skipped duplicate is not logged again on the next run
    ingest(raw, wh, "run-4")
    assert len(load_log(wh)) == 3


def test_rerun_with_nothing_new_changes_nothing(raw, wh):
    write_csv(raw, "beboere", "b.csv", _residents("2024-01", range(4)) + [["2024-01", "x", "Houlkær", "1", ""]])
    write_csv(raw, "skole", "s.csv", [["2024-01", person(1), "Skole", "3", "20", "2"]])
    write_text(raw, "skole", "bad.csv", ["helt forkert"])
    write_csv(raw, "beskaeftigelse", "kopi1.csv", [["2024-01", person(1), "dagpenge"]])
    write_csv(raw, "beskaeftigelse", "kopi2.csv", [["2024-01", person(1), "dagpenge"]])
    ingest(raw, wh, "run-1")
    before = _snapshot(wh)
    assert {e["outcome"] for e in load_log(wh)} == {"loaded", "rejected", "duplicate"}
    summary = ingest(raw, wh, "run-2")
    assert {f.outcome for f in summary.files} == {"unchanged"}
    assert summary.load_ids == []
    assert _snapshot(wh) == before


def test_a_changed_file_under_the_same_name_is_loaded_again(raw, wh):
    write_csv(raw, "beboere", "beboere_2024-01.csv", _residents("2024-01", range(3)))
    ingest(raw, wh, "run-1")
    write_csv(raw, "beboere", "beboere_2024-01.csv", _residents("2024-01", range(5, 10)))
    summary = ingest(raw, wh, "run-2")
    assert [f.outcome for f in summary.files] == ["loaded"]
    assert query(wh, "select count(*), count(distinct load_id) from raw.beboere") == [(5, 1)]
    assert [(e["file_path"], e["outcome"], e["rows_loaded"]) for e in load_log(wh)] == [
        ("beboere/beboere_2024-01.csv", "loaded", 3), ("beboere/beboere_2024-01.csv", "loaded", 5)]


def _rejected(wh) -> dict[str, str]:
    return {e["file_path"]: e["message"] for e in load_log(wh) if e["outcome"] == "rejected"}


def test_unreadable_files_are_rejected_with_a_clear_message_and_the_run_goes_on(raw, wh):
    write_text(raw, "beboere", "beboere_2024-01.json", ['{"periode": "2024-01"}'])
    write_text(raw, "beboere", "beboere_2024-02.xls", ["not really excel"])
    (raw / "beboere" / "beboere_2024-03.csv").write_bytes(b"")
    write_text(raw, "beboere", "beboere_2024-04.csv", ["", "   ", ""])
    write_text(raw, "beboere", "beboere_2024-05.csv", ["periode;cpr;afdeling", f"2024-05;{person(1)};3"])
    write_text(raw, "beboere", "beboere_2024-06.csv", [f"2024-06;{person(1)};Houlkær;3"])  # no header
    write_text(raw, "beboere", "beboere_2024-07.csv", ["ingen overskrift her"])
    (raw / "beboere" / "beboere_2024-08.xlsx").write_bytes(b"PK\x03\x04 this is not a zip file")
    write_csv(raw, "beboere", "beboere_2024-09.csv", _residents("2024-09", range(2)))
    summary = ingest(raw, wh)
    assert [f.outcome for f in summary.files] == ["rejected"] * 8 + ["loaded"]
    messages = _rejected(wh)
    assert len(messages) == 8
    for path, message in messages.items():
        assert path in message  # names the file
    assert ".json" in messages["beboere/beboere_2024-01.json"]
    assert "tom" in messages["beboere/beboere_2024-03.csv"]
    assert "tom" in messages["beboere/beboere_2024-04.csv"]
    assert "boligomraade" in messages["beboere/beboere_2024-05.csv"]
    missing_part = messages["beboere/beboere_2024-05.csv"].split("(fundet")[0]
    assert "boligomraade" in missing_part and "cpr" not in missing_part.split(":", 1)[1]
    for name in ("beboere_2024-06.csv", "beboere_2024-07.csv"):
        assert all(c in messages[f"beboere/{name}"] for c in ("periode", "cpr", "boligomraade", "afdeling"))
    assert "Excel" in messages["beboere/beboere_2024-08.xlsx"]
    assert {e["period_hint"] for e in load_log(wh) if e["outcome"] == "rejected"} == {
        f"2024-{m:02d}" for m in range(1, 9)}
    assert query(wh, "select count(*) from raw.beboere") == [(2,)]


def test_a_rejected_file_is_tried_again_only_when_it_changed(raw, wh):
    write_text(raw, "beboere", "beboere_2024-01.csv", ["periode;cpr;afdeling", f"2024-01;{person(1)};3"])
    ingest(raw, wh, "run-1")
    ingest(raw, wh, "run-2")
    assert [e["outcome"] for e in load_log(wh)] == ["rejected"]  # unchanged: not tried again
    write_csv(raw, "beboere", "beboere_2024-01.csv", _residents("2024-01", range(3)))
    summary = ingest(raw, wh, "run-3")
    assert [f.outcome for f in summary.files] == ["loaded"]
    assert [e["outcome"] for e in load_log(wh)] == ["rejected", "loaded"]
    assert query(wh, "select count(*) from raw.beboere") == [(3,)]


def test_header_only_file_loads_no_rows_and_replaces_nothing(raw, wh):
    write_csv(raw, "beboere", "a.csv", _residents("2024-01", range(3)))
    write_text(raw, "beboere", "b.csv", [";".join(HEADERS["beboere"])])
    summary = ingest(raw, wh)
    assert [f.outcome for f in summary.files] == ["loaded", "loaded"]
    assert query(wh, "select count(*) from raw.beboere") == [(3,)]
    assert load_log(wh)[-1]["periods"] == []


def test_summary_counts(raw, wh):
    write_csv(raw, "beboere", "b.csv", _residents("2024-01", range(3)) + _residents("2024-01", range(1)))
    write_text(raw, "skole", "s.csv", ["x"])
    summary = ingest(raw, wh)
    table = {r["source"]: r for r in summary.table()}
    assert (table["beboere"]["rækker_læst"], table["beboere"]["rækker_indlæst"], table["beboere"]["dubletrækker"]) == (4, 3, 1)
    assert table["skole"]["afvist"] == 1
    text = summary.render()
    assert "AFVIST: skole/s.csv" in text
    assert summary.load_ids == [e["load_id"] for e in load_log(wh) if e["outcome"] == "loaded"]


def test_a_period_is_held_only_through_valid_rows(raw, wh):
    # contract: a file whose rows for a month are all quarantined does not replace that month
    write_csv(raw, "beboere", "beboere_2024-01.csv", _residents("2024-01", range(3)))
    ingest(raw, wh, "run-1")
    stray = [["2024-01", person(99)[:7], "Houlkær", "1", ""]]  # an invalid CPR for January
    write_csv(raw, "beboere", "beboere_2024-02.csv", stray + _residents("2024-02", range(5)))
    ingest(raw, wh, "run-2")
    assert {p: n for p, (n, _, _) in _by_period(wh).items()} == {dt.date(2024, 1, 1): 3, dt.date(2024, 2, 1): 5}
    second = load_log(wh)[-1]
    assert second["periods"] == ["2024-02"]
    assert (second["rows_read"], second["rows_loaded"], second["rows_quarantined"]) == (6, 5, 1)
    assert query(wh, "select period from raw.period_log where load_id = ?", [second["load_id"]]) == [("2024-02",)]
    # the bad row stays in the quarantine and counts against its file
    assert query(wh, "select load_id, period, column_name from raw.quarantine") == [(second["load_id"], "2024-01", "cpr")]


def test_a_file_of_only_bad_rows_replaces_nothing(raw, wh):
    write_csv(raw, "beskaeftigelse", "a.csv", [["2024-01", person(i), "dagpenge"] for i in range(4)])
    write_csv(raw, "beskaeftigelse", "b.csv", [["2024-01", person(i), "ukendt"] for i in range(2)])
    ingest(raw, wh)
    assert query(wh, "select count(*) from raw.beskaeftigelse") == [(4,)]
    assert [e["periods"] for e in load_log(wh)] == [["2024-01"], []]
    assert query(wh, "select count(*) from raw.period_log") == [(1,)]
