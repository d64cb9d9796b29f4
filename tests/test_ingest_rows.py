"""Row rules: every bad-row kind is quarantined (file, row, column, reason without the value) while the
rest loads; code spellings; exact duplicates; conflicts; area names."""

from __future__ import annotations

import datetime as dt

import pytest
from support.ingest import (
    cpr10,
    form,
    ingest,
    load_log,
    person,
    pseudonym,
    quarantine,
    query,
    write_csv,
)

from pipelines.catalogue import status_codes


@pytest.fixture
def raw(tmp_path):
    return tmp_path / "raw"


@pytest.fixture
def wh(tmp_path):
    return tmp_path / "wh.duckdb"


def _good(source: str, i: int, month: int = 0) -> dict[str, str]:
    """A valid row of `source` for the i-th fake person, in the month (or school year) `month` after the first."""
    period = f"{2024 + month // 12}-{month % 12 + 1:02d}"
    return {
        "beboere": {"periode": period, "cpr": person(i), "boligomraade": "Houlkær", "afdeling": "12",
                    "boligselskab": "Selskab"},
        "skole": {"periode": period, "cpr": person(i), "skole": "Vestervang", "klassetrin": "4",
                  "skoledage": "20", "fravaersdage": "1,5"},
        "karakterer": {"skoleaar": f"{2023 + month}/{(24 + month) % 100:02d}", "cpr": person(i), "fag": "dansk",
                       "karakter": "7"},
        "beskaeftigelse": {"periode": period, "cpr": person(i), "status": "dagpenge"},
        "deltagelse": {"dato": f"{period}-10", "aktivitet_id": "A1", "aktivitet": "Lektiecafé", "delaftale": "U",
                       "boligomraade": "Houlkær", "partner": "", "cpr": person(i), "rolle": "deltager"},
    }[source]


def _write(raw, source, rows: list[dict[str, str]], name="f.csv"):
    header = list(rows[0])
    write_csv(raw, source, name, [[r[c] for c in header] for r in rows], header=header)


# (source, column, bad value): each breaks exactly one rule of the contract
BAD_ROWS = [
    ("beboere", "cpr", lambda: cpr10(dt.date(1990, 1, 1))[:7]),
    ("beboere", "cpr", lambda: ""),
    ("beboere", "periode", lambda: "januar"),
    ("beboere", "periode", lambda: ""),
    ("beboere", "boligomraade", lambda: "  "),
    ("beboere", "afdeling", lambda: ""),
    ("skole", "klassetrin", lambda: "11"),
    ("skole", "klassetrin", lambda: "-1"),
    ("skole", "klassetrin", lambda: "syv"),
    ("skole", "klassetrin", lambda: "4,5"),
    ("skole", "skoledage", lambda: "0"),
    ("skole", "skoledage", lambda: "-3"),
    ("skole", "skoledage", lambda: "19,5"),
    ("skole", "skoledage", lambda: "tyve"),
    ("skole", "skoledage", lambda: "99999999999"),
    ("skole", "fravaersdage", lambda: "21"),          # > skoledage (20)
    ("skole", "fravaersdage", lambda: "20,5"),        # > skoledage (20)
    ("skole", "fravaersdage", lambda: "-1"),
    ("skole", "fravaersdage", lambda: "to"),
    ("skole", "fravaersdage", lambda: "1,5,0"),
    ("skole", "fravaersdage", lambda: "nan"),
    ("skole", "fravaersdage", lambda: "inf"),
    ("skole", "fravaersdage", lambda: ""),
    ("skole", "skole", lambda: ""),
    ("karakterer", "karakter", lambda: "13"),
    ("karakterer", "karakter", lambda: "-4"),
    ("karakterer", "karakter", lambda: "B"),
    ("karakterer", "karakter", lambda: "1e1"),
    ("karakterer", "karakter", lambda: ""),
    ("karakterer", "fag", lambda: "engelsk"),
    ("karakterer", "skoleaar", lambda: "2023/25"),
    ("karakterer", "skoleaar", lambda: "23/24"),
    ("beskaeftigelse", "status", lambda: "månelanding"),
    ("beskaeftigelse", "status", lambda: ""),
    ("deltagelse", "delaftale", lambda: "X"),
    ("deltagelse", "delaftale", lambda: "kultur"),
    ("deltagelse", "rolle", lambda: "tilskuer"),
    ("deltagelse", "dato", lambda: "2024-01-32"),
    ("deltagelse", "dato", lambda: ""),
    ("deltagelse", "aktivitet_id", lambda: ""),
    ("deltagelse", "boligomraade", lambda: ""),
    ("deltagelse", "cpr", lambda: "12345"),
]


@pytest.fixture(scope="module")
def bad_rows_run(tmp_path_factory):
    """One run over a file per bad-row case (each in its own month, so none supersedes another)."""
    raw, wh = tmp_path_factory.mktemp("bad") / "raw", tmp_path_factory.mktemp("bad") / "wh.duckdb"
    for case, (source, column, value) in enumerate(BAD_ROWS):
        bad = _good(source, 2, case) | {column: value()}
        _write(raw, source, [_good(source, 1, case), bad, _good(source, 3, case)], name=f"case_{case:02d}.csv")
    ingest(raw, wh)
    return wh


@pytest.mark.parametrize("case", range(len(BAD_ROWS)), ids=[f"{s}-{c}-{i}" for i, (s, c, _) in enumerate(BAD_ROWS)])
def test_a_bad_row_is_quarantined_and_the_rest_of_the_file_loads(bad_rows_run, case):
    wh, (source, column, _) = bad_rows_run, BAD_ROWS[case]
    path = f"{source}/case_{case:02d}.csv"
    [q] = [q for q in quarantine(wh) if q["file_path"] == path]
    assert (q["source"], q["source_row"], q["column_name"]) == (source, 3, column)
    assert q["reason"].startswith(column)
    cpr = person(2)
    assert cpr not in q["reason"] and cpr.replace("-", "") not in q["reason"]
    [entry] = [e for e in load_log(wh) if e["file_path"] == path]
    assert (entry["outcome"], entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == ("loaded", 3, 2, 1)
    loaded = query(wh, f"select source_row from raw.{source} where load_id = ? order by 1", [entry["load_id"]])
    assert loaded == [(2,), (4,)]


def test_no_cpr_value_in_quarantine_or_load_log(bad_rows_run):
    written = [person(i) for i in (1, 2, 3)] + [v() for s, c, v in BAD_ROWS if c == "cpr" and len(v()) >= 7]
    text = str(quarantine(bad_rows_run)) + str(load_log(bad_rows_run))
    assert len(quarantine(bad_rows_run)) == len(BAD_ROWS)
    assert [w for w in written if w in text or w.replace("-", "") in text] == []


def test_boundaries_of_the_rules_are_valid(raw, wh):
    _write(raw, "skole", [
        _good("skole", 1) | {"klassetrin": "0", "fravaersdage": "20", "skoledage": "20"},
        _good("skole", 2) | {"klassetrin": "10", "fravaersdage": "0", "skoledage": "1"},
        _good("skole", 3) | {"klassetrin": "0. klasse", "fravaersdage": "0,5", "skoledage": "1"},
        _good("skole", 4) | {"klassetrin": "10. klasse", "fravaersdage": "19,5", "skoledage": "20"},
    ])
    _write(raw, "karakterer", [
        _good("karakterer", 1) | {"karakter": "-3"},
        _good("karakterer", 2) | {"karakter": "12"},
        _good("karakterer", 3) | {"karakter": "02", "fag": "Matematik"},
        _good("karakterer", 4) | {"karakter": "00", "fag": "DANSK", "skoleaar": "2023/2024"},
    ])
    ingest(raw, wh)
    assert quarantine(wh) == []
    assert query(wh, "select klassetrin, skoledage, fravaersdage from raw.skole order by source_row") == [
        (0, 20, 20.0), (10, 1, 0.0), (0, 1, 0.5), (10, 20, 19.5)]
    assert query(wh, "select skoleaar, exam_year, fag, karakter from raw.karakterer order by source_row") == [
        ("2023/24", 2024, "dansk", -3.0), ("2023/24", 2024, "dansk", 12.0),
        ("2023/24", 2024, "matematik", 2.0), ("2023/24", 2024, "dansk", 0.0)]


def test_status_spellings(raw, wh):
    spellings = {
        "Førtidspension": "foertidspension",
        "FØRTIDSPENSION": "foertidspension",
        "foertidspension": "foertidspension",
        "Selvforsørgelses- og hjemrejseydelse": "selvforsoergelsesydelse",
        "SELVFORSØRGELSES- OG HJEMREJSEYDELSE": "selvforsoergelsesydelse",
        "Under uddannelse": "under_uddannelse",
        "under-uddannelse": "under_uddannelse",
        " Kontanthjælp ": "kontanthjaelp",
        "Ressourceforløb": "ressourceforloeb",
        "Efterløn": "efterloen",
        "Øvrige": "oevrige",
        "Selvstændig": "selvstaendig",
    } | {code: code for code in status_codes()}
    write_csv(raw, "beskaeftigelse", "b.csv", [["2024-01", person(i), s] for i, s in enumerate(spellings)])
    ingest(raw, wh)
    assert quarantine(wh) == []
    got = query(wh, "select status from raw.beskaeftigelse order by source_row")
    assert [s for (s,) in got] == list(spellings.values())


def test_delaftale_letters_and_names(raw, wh):
    names = {
        "U": "uddannelse_og_livschancer", "u": "uddannelse_og_livschancer",
        "Uddannelse og livschancer": "uddannelse_og_livschancer",
        "B": "beskaeftigelse", "Beskæftigelse": "beskaeftigelse", "beskaeftigelse": "beskaeftigelse",
        "S": "sammenhaengskraft_og_medborgerskab",
        "Sammenhængskraft og medborgerskab": "sammenhaengskraft_og_medborgerskab",
        "SAMMENHÆNGSKRAFT OG MEDBORGERSKAB": "sammenhaengskraft_og_medborgerskab",
    }
    _write(raw, "deltagelse", [_good("deltagelse", i) | {"delaftale": d} for i, d in enumerate(names)])
    ingest(raw, wh)
    assert quarantine(wh) == []
    assert [d for (d,) in query(wh, "select delaftale from raw.deltagelse order by source_row")] == list(names.values())


def test_rolle_and_fag_case_insensitive(raw, wh):
    _write(raw, "deltagelse", [_good("deltagelse", 1) | {"rolle": "Frivillig"},
                               _good("deltagelse", 2) | {"rolle": " DELTAGER "}])
    ingest(raw, wh)
    assert query(wh, "select rolle from raw.deltagelse order by source_row") == [("frivillig",), ("deltager",)]


def test_exact_duplicates_count_once(raw, wh):
    a, b = _good("beboere", 1), _good("beboere", 2)
    same_person_other_form = a | {"cpr": a["cpr"].replace("-", ""), "boligomraade": " houlkær "}
    _write(raw, "beboere", [a, a, b, a, same_person_other_form])
    ingest(raw, wh)
    assert query(wh, "select source_row from raw.beboere order by 1") == [(2,), (4,)]
    [entry] = load_log(wh)
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_duplicate"], entry["rows_quarantined"]) == (5, 2, 3, 0)


def test_unregistered_participants_are_all_kept(raw, wh):
    anonymous = _good("deltagelse", 0) | {"cpr": ""}
    registered = _good("deltagelse", 1)
    _write(raw, "deltagelse", [anonymous, anonymous, anonymous, registered, registered])
    ingest(raw, wh)
    assert query(wh, "select count(*) filter (person_id is null), count(*) filter (person_id is not null)"
                     " from raw.deltagelse") == [(3, 1)]
    [entry] = load_log(wh)
    assert (entry["rows_loaded"], entry["rows_duplicate"]) == (4, 1)


@pytest.mark.parametrize(("source", "column", "first", "second"), [
    ("beboere", "boligomraade", "Houlkær", "Ellekonebakken"),
    ("beskaeftigelse", "status", "dagpenge", "fleksjob"),
    ("karakterer", "karakter", "7", "10"),
])
def test_conflicting_rows_of_a_key_are_all_quarantined(raw, wh, source, column, first, second):
    other = _good(source, 5)
    rows = [_good(source, 1) | {column: first}, other, _good(source, 1) | {column: second},
            _good(source, 1) | {column: first}]  # an exact duplicate of a conflicting row is in the conflict too
    _write(raw, source, rows)
    ingest(raw, wh)
    assert query(wh, f"select person_id from raw.{source}") == [(pseudonym(other["cpr"].replace("-", "")),)]
    conflicts = quarantine(wh)
    assert [q["source_row"] for q in conflicts] == [2, 4, 5]
    assert all(q["column_name"] == column and "konflikt" in q["reason"] and column in q["reason"] for q in conflicts)
    [entry] = load_log(wh)
    assert (entry["rows_loaded"], entry["rows_quarantined"], entry["rows_duplicate"]) == (1, 3, 0)


def test_what_is_not_a_conflict(raw, wh):
    # same person: two months, two subjects, two schools in a month, a valid row beside an invalid one
    _write(raw, "beboere", [_good("beboere", 1), _good("beboere", 1) | {"periode": "2024-02", "boligomraade": "Ellekonebakken"}])
    _write(raw, "karakterer", [_good("karakterer", 1), _good("karakterer", 1) | {"fag": "matematik", "karakter": "4"},
                               _good("karakterer", 1) | {"skoleaar": "2024/25", "karakter": "10"}])
    _write(raw, "skole", [_good("skole", 1) | {"skole": "Vestervang", "skoledage": "8", "fravaersdage": "1"},
                          _good("skole", 1) | {"skole": "Overlund", "skoledage": "12", "fravaersdage": "0"}])
    _write(raw, "beskaeftigelse", [_good("beskaeftigelse", 1), _good("beskaeftigelse", 1) | {"status": "x"}])
    ingest(raw, wh)
    assert [(q["source"], q["column_name"]) for q in quarantine(wh)] == [("beskaeftigelse", "status")]
    counts = {s: query(wh, f"select count(*) from raw.{s}")[0][0] for s in ("beboere", "karakterer", "skole", "beskaeftigelse")}
    assert counts == {"beboere": 2, "karakterer": 3, "skole": 2, "beskaeftigelse": 1}


def test_area_names_are_normalised_to_one_name(raw, wh):
    spellings = ["Houlkær", " houlkær ", "HOULKÆR", "Houlkær\t", "nørre  valsted", " Nørre Valsted", "NØRRE\tVALSTED"]
    _write(raw, "beboere", [_good("beboere", i) | {"boligomraade": s} for i, s in enumerate(spellings)])
    _write(raw, "deltagelse", [_good("deltagelse", i) | {"boligomraade": s} for i, s in enumerate(spellings)])
    ingest(raw, wh)
    expected = [("Houlkær", 4), ("Nørre Valsted", 3)]
    assert query(wh, "select boligomraade, count(*) from raw.beboere group by 1 order by 1") == expected
    assert query(wh, "select boligomraade, count(*) from raw.deltagelse group by 1 order by 1") == expected


def test_quarantine_period_and_load_counts(raw, wh):
    _write(raw, "beskaeftigelse", [_good("beskaeftigelse", 1), _good("beskaeftigelse", 2) | {"status": "?"},
                                   _good("beskaeftigelse", 3) | {"periode": "??"}])
    ingest(raw, wh)
    assert [(q["source_row"], q["period"], q["column_name"]) for q in quarantine(wh)] == [
        (3, "2024-01", "status"), (4, None, "periode")]
    [entry] = load_log(wh)
    assert entry["load_id"] == quarantine(wh)[0]["load_id"]
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (3, 1, 2)


def test_form_of_the_cpr_does_not_matter_for_keys(raw, wh):
    # a conflict is found even when the two rows write the CPR differently
    n = cpr10(dt.date(1966, 9, 9), serial=77)
    write_csv(raw, "beskaeftigelse", "b.csv", [["2024-01", form(n), "dagpenge"], ["2024-01", form(n, "digits"), "fleksjob"]])
    ingest(raw, wh)
    assert query(wh, "select count(*) from raw.beskaeftigelse") == [(0,)]
    assert len(quarantine(wh)) == 2


def test_a_resident_listed_twice_in_one_area_is_kept_once_with_the_first_afdeling(raw, wh):
    # contract: only the area makes a beboere conflict; a move within the area keeps the first row
    first = _good("beboere", 1) | {"afdeling": "12", "boligselskab": "BoligViborg"}
    moved = first | {"afdeling": "14", "boligselskab": "Sct. Jørgen", "boligomraade": " HOULKÆR"}
    _write(raw, "beboere", [_good("beboere", 2), first, moved])
    ingest(raw, wh)
    assert quarantine(wh) == []
    rows = query(wh, "select person_id, boligomraade, afdeling, boligselskab, source_row from raw.beboere"
                     " order by source_row")
    assert rows[1] == (pseudonym(first["cpr"].replace("-", "")), "Houlkær", "12", "BoligViborg", 3)
    assert len(rows) == 2
    [entry] = load_log(wh)
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"], entry["rows_duplicate"]) == (3, 2, 0, 1)


def test_a_resident_in_two_areas_is_still_a_conflict_whatever_the_afdeling(raw, wh):
    first = _good("beboere", 1)
    _write(raw, "beboere", [first, first | {"boligomraade": "Ellekonebakken", "afdeling": "3"}])
    ingest(raw, wh)
    assert query(wh, "select count(*) from raw.beboere") == [(0,)]
    assert [q["column_name"] for q in quarantine(wh)] == ["boligomraade", "boligomraade"]


def test_thousands_separator_in_a_decimal_comma_file(raw, wh):
    # in a decimal-comma file '.' groups thousands: "1.000" school days are a thousand, not one
    rows = [_good("skole", 1) | {"skoledage": "1.000", "fravaersdage": "12,5"},
            _good("skole", 2) | {"skoledage": "20", "fravaersdage": "1.002,5"},
            _good("skole", 3) | {"skoledage": "19,5"},  # an integer field with a fraction
            _good("skole", 4) | {"skoledage": "1.00"}]  # not a thousands grouping
    _write(raw, "skole", rows)
    ingest(raw, wh)
    assert query(wh, "select source_row, skoledage, fravaersdage from raw.skole order by 1") == [(2, 1000, 12.5)]
    assert [(q["source_row"], q["column_name"]) for q in quarantine(wh)] == [
        (3, "fravaersdage"), (4, "skoledage"), (5, "skoledage")]


def test_an_integer_field_with_a_decimal_point_in_a_decimal_point_file_is_a_bad_row(raw, wh):
    rows = [_good("skole", 1) | {"skoledage": "1.000", "fravaersdage": "0.5"},
            _good("skole", 2) | {"skoledage": "20", "fravaersdage": "2.5"}]
    _write(raw, "skole", rows)
    ingest(raw, wh)
    assert query(wh, "select source_row, skoledage, fravaersdage from raw.skole") == [(3, 20, 2.5)]
    assert [(q["source_row"], q["column_name"]) for q in quarantine(wh)] == [(2, "skoledage")]


NOT_IN_THE_CONTRACT = ["Andet", "SU", "Lønmodtager", "A-dagpenge", "Ordinær beskæftigelse", "Jobafklaringsforløb"]


def test_status_codes_outside_the_contract_are_quarantined_by_default(raw, wh):
    rows = [["2024-01", person(i), s] for i, s in enumerate(NOT_IN_THE_CONTRACT)]
    write_csv(raw, "beskaeftigelse", "b.csv", rows + [["2024-01", person(50), "Selvforsørgelses- og hjemrejseydelse"]])
    ingest(raw, wh)
    assert query(wh, "select status from raw.beskaeftigelse") == [("selvforsoergelsesydelse",)]
    assert [q["reason"] for q in quarantine(wh)] == ["status: ukendt statuskode"] * len(NOT_IN_THE_CONTRACT)
    assert load_log(wh)[0]["rows_aliased"] == 0


def test_a_configured_alias_maps_and_is_counted_per_file(raw, wh, tmp_path, monkeypatch):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,status\nLønmodtager,beskaeftiget\nSU,under_uddannelse\n", encoding="utf-8")
    monkeypatch.setenv("HELHEDSPLAN_STATUS_ALIASES", str(aliases))
    rows = [["2024-01", person(1), "Lønmodtager"], ["2024-01", person(2), "su"], ["2024-01", person(3), "dagpenge"],
            ["2024-01", person(4), "Andet"]]
    write_csv(raw, "beskaeftigelse", "b.csv", rows)
    summary = ingest(raw, wh)
    assert query(wh, "select status from raw.beskaeftigelse order by source_row") == [
        ("beskaeftiget",), ("under_uddannelse",), ("dagpenge",)]
    [entry] = load_log(wh)
    assert (entry["rows_aliased"], entry["rows_quarantined"]) == (2, 1)
    assert "alias" in summary.render() and "beskaeftigelse/b.csv: 2 rækker" in summary.render()
