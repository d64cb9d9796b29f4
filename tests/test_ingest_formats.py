"""Ingest accepts every file form of the data contract: delimiters, encodings, .txt, .xlsx, headers,
decimals, dates, periods, extra columns, blank lines and trailing spaces."""

from __future__ import annotations

import datetime as dt

import pytest
from support.ingest import (
    HEADERS,
    cpr10,
    form,
    ingest,
    load_log,
    person,
    pseudonym,
    quarantine,
    query,
    write_csv,
    write_text,
    write_xlsx,
)


@pytest.fixture
def raw(tmp_path):
    return tmp_path / "raw"


@pytest.fixture
def wh(tmp_path):
    return tmp_path / "wh.duckdb"


@pytest.mark.parametrize(
    ("delimiter", "suffix", "shown"),
    [(";", ".csv", ";"), (",", ".csv", ","), ("\t", ".csv", "tab"), (";", ".txt", ";"), ("\t", ".txt", "tab")],
)
def test_delimiter_detected_per_file(raw, wh, delimiter, suffix, shown):
    a, b = person(1), person(2)
    write_csv(raw, "beboere", f"beboere_2024-01{suffix}", [
        ["2024-01", a, "Houlkær", "12", "Boligselskabet Viborg"],
        ["2024-01", b, "Ellekonebakken", "3", ""],
    ], delimiter=delimiter)
    ingest(raw, wh)
    got = query(wh, "select person_id, boligomraade, afdeling, boligselskab, source_row from raw.beboere order by source_row")
    assert got == [
        (pseudonym(a.replace("-", "")), "Houlkær", "12", "Boligselskabet Viborg", 2),
        (pseudonym(b.replace("-", "")), "Ellekonebakken", "3", None, 3),
    ]
    [entry] = load_log(wh)
    assert entry["outcome"] == "loaded"
    assert entry["file_format"].split(";", 2)[0] == suffix.lstrip(".")
    assert entry["file_format"].endswith(shown)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_encoding_detected_per_file(raw, wh, encoding):
    company = "Boligselskabet Viborg – afd. Øst" if encoding == "cp1252" else "Boligselskabet Århus"
    if encoding == "cp1252":
        assert any(0x80 <= b <= 0x9F for b in company.encode("cp1252")), "needs a byte only cp1252 prints"
    write_csv(raw, "beboere", "beboere_2024-02.csv", [["2024-02", person(1), "Houlkær", "7", company]],
              header=["Periode", "CPR", "Boligområde", "Afdeling", "Boligselskab"], encoding=encoding)
    write_csv(raw, "beskaeftigelse", "beskaeftigelse_2024-02.csv", [["2024-02", person(1), "Førtidspension"]],
              encoding=encoding)
    ingest(raw, wh)
    assert query(wh, "select boligomraade, boligselskab from raw.beboere") == [("Houlkær", company)]
    assert query(wh, "select status from raw.beskaeftigelse") == [("foertidspension",)]
    formats = {row["file_path"]: row["file_format"].split(";") for row in load_log(wh)}
    assert formats["beboere/beboere_2024-02.csv"][1] == encoding


def test_byte_undefined_in_cp1252_reads_as_latin1_and_run_goes_on(raw, wh):
    # 0x81 has no character in Windows-1252; the file is still delimited text (Latin-1 reads it)
    path = raw / "beboere" / "beboere_2024-03.csv"
    path.parent.mkdir(parents=True)
    header = ";".join(HEADERS["beboere"]).encode()
    row = ";".join(["2024-03", person(1), "Houlkær", "1", "Selskab"]).encode("latin-1") + b" \x81\x96"
    path.write_bytes(header + b"\n" + row + b"\n")
    write_csv(raw, "beskaeftigelse", "b.csv", [["2024-03", person(1), "dagpenge"]])
    summary = ingest(raw, wh)
    assert [f.outcome for f in summary.files] == ["loaded", "loaded"]
    assert query(wh, "select boligomraade from raw.beboere") == [("Houlkær",)]


def test_xlsx_with_numeric_cpr_and_date_cells(raw, wh):
    early = cpr10(dt.date(1990, 3, 5), serial=123)   # starts with 0: Excel keeps 9 digits
    late = cpr10(dt.date(1988, 11, 21), serial=456)
    text = cpr10(dt.date(1979, 7, 9), serial=789)
    write_xlsx(raw, "beboere", "beboere_2024-04.xlsx",
               [" Periode ", "CPR", "Boligområde", "AFDELING", "ekstra"],
               [
                   [dt.datetime(2024, 4, 1), int(early), "houlkær", 12, "x"],
                   [dt.date(2024, 4, 30), int(late), "Houlkær", "12", None],
                   [],  # blank row: following rows keep their sheet row numbers
                   ["2024-04", form(text), " Houlkær ", 3, None],
               ])
    ingest(raw, wh)
    got = query(wh, "select source_row, period_start, person_id, birth_date, boligomraade, afdeling"
                    " from raw.beboere order by source_row")
    assert got == [
        (2, dt.date(2024, 4, 1), pseudonym(early), dt.date(1990, 3, 5), "Houlkær", "12"),
        (3, dt.date(2024, 4, 1), pseudonym(late), dt.date(1988, 11, 21), "Houlkær", "12"),
        (5, dt.date(2024, 4, 1), pseudonym(text), dt.date(1979, 7, 9), "Houlkær", "3"),
    ]
    assert len(str(int(early))) == 9
    [entry] = load_log(wh)
    assert (entry["file_format"], entry["rows_read"], entry["rows_loaded"]) == ("xlsx", 3, 3)


def test_xlsx_numbers_and_dates_in_other_sources(raw, wh):
    write_xlsx(raw, "skole", "skole.xlsx", HEADERS["skole"], [
        [202405, person(1), "Vestervang Skole", "0. klasse", 20, 1.5],
        [dt.datetime(2024, 5, 17), person(2), "Vestervang Skole", 9, 20, "2,5"],
    ])
    write_xlsx(raw, "deltagelse", "deltagelse.xlsx", HEADERS["deltagelse"], [
        [dt.datetime(2024, 5, 7), "LC1", "Lektiecafé", "U", "Houlkær", None, person(1), "deltager"],
    ])
    write_xlsx(raw, "karakterer", "karakterer.xlsx", HEADERS["karakterer"], [
        ["2023/24", person(1), "Dansk", 7.3],
        ["2023/24", person(1), "matematik", "02"],
    ])
    ingest(raw, wh)
    assert query(wh, "select period_start, klassetrin, skoledage, fravaersdage from raw.skole order by source_row") == [
        (dt.date(2024, 5, 1), 0, 20, 1.5), (dt.date(2024, 5, 1), 9, 20, 2.5)]
    assert query(wh, "select dato, period_start from raw.deltagelse") == [(dt.date(2024, 5, 7), dt.date(2024, 5, 1))]
    assert query(wh, "select fag, karakter, exam_year from raw.karakterer order by fag") == [
        ("dansk", 7.3, 2024), ("matematik", 2.0, 2024)]


def test_headers_match_in_any_case_spacing_and_with_danish_letters(raw, wh):
    write_text(raw, "skole", "skole_2024-06.csv", [
        "  PERIODE ;Cpr ; Skole;KlasseTrin ;SKOLEDAGE; Fraværsdage  ",
        f"2024-06;{person(1)};Houlkær Skole;5;18;2",
    ])
    # Boligområde in NFD (å as a + combining ring, as macOS writes it) is the same header
    write_text(raw, "beboere", "beboere_2024-06.csv", [
        "periode;cpr;Boligomra\u030ade;afdeling",
        f"2024-06;{person(1)};Houlkær;1",
    ])
    ingest(raw, wh)
    assert query(wh, "select skole, klassetrin, skoledage, fravaersdage from raw.skole") == [("Houlkær Skole", 5, 18, 2.0)]
    assert query(wh, "select boligomraade, boligselskab from raw.beboere") == [("Houlkær", None)]


def test_decimal_comma_and_decimal_dot(raw, wh):
    write_csv(raw, "skole", "a_comma.csv", [["2024-01", person(1), "S", "3", "20", "1,5"]])
    write_csv(raw, "skole", "b_dot.csv", [["2024-02", person(1), "S", "3", "20", "2.5"]], delimiter=",")
    write_csv(raw, "karakterer", "k_comma.csv", [
        ["2023/24", person(1), "dansk", "7,3"], ["2023/24", person(1), "matematik", "02"],
        ["2023/24", person(2), "dansk", "00"], ["2023/24", person(2), "matematik", "-3"],
    ])
    write_csv(raw, "karakterer", "k_dot.csv", [
        ["2024/25", person(3), "dansk", "10.5"], ["2024/25", person(3), "matematik", "12"],
    ])
    ingest(raw, wh)
    assert query(wh, "select fravaersdage from raw.skole order by period_start") == [(1.5,), (2.5,)]
    assert query(wh, "select karakter from raw.karakterer order by skoleaar, source_row") == [
        (7.3,), (2.0,), (0.0,), (-3.0,), (10.5,), (12.0,)]
    assert quarantine(wh) == []


def test_a_file_uses_one_decimal_mark(raw, wh):
    # in a decimal-comma file a point groups thousands: "10.5" is no number there, not a guess
    write_csv(raw, "karakterer", "k.csv", [["2023/24", person(1), "dansk", "7,3"],
                                           ["2023/24", person(2), "dansk", "10.5"]])
    ingest(raw, wh)
    assert query(wh, "select karakter from raw.karakterer") == [(7.3,)]
    assert [(q["source_row"], q["column_name"]) for q in quarantine(wh)] == [(3, "karakter")]


def test_all_four_date_forms(raw, wh):
    dates = ["2024-03-05", "05-03-2024", "05.03.2024", "05/03/2024", "2024-3-5", "5.3.2024"]
    write_csv(raw, "deltagelse", "d.csv", [
        [d, "A1", "Fodbold", "S", "Houlkær", "", person(i), "deltager"] for i, d in enumerate(dates)
    ])
    ingest(raw, wh)
    assert query(wh, "select distinct dato, period_start from raw.deltagelse") == [(dt.date(2024, 3, 5), dt.date(2024, 3, 1))]
    assert query(wh, "select count(*) from raw.deltagelse") == [(len(dates),)]


def test_a_date_outside_the_contract_forms_is_quarantined(raw, wh):
    # a two-digit year or a spreadsheet serial number would be a guess: the contract lists the forms
    bad = ["2024-02-30", "30.02.2024", "05.03.24", "2024/03/05", "5 marts 2024", "45356", "2024-03-05T10:00"]
    write_csv(raw, "deltagelse", "d.csv", [
        [d, "A1", "Fodbold", "S", "Houlkær", "", person(i), "deltager"] for i, d in enumerate(["2024-03-05", *bad])
    ])
    ingest(raw, wh)
    assert query(wh, "select source_row from raw.deltagelse") == [(2,)]
    assert [(q["source_row"], q["column_name"]) for q in quarantine(wh)] == [(i + 3, "dato") for i in range(len(bad))]


def test_period_forms(raw, wh):
    periods = ["2024-03", "202403", "2024-03-31", "15-03-2024", "01.03.2024", " 2024-03 "]
    write_csv(raw, "beboere", "b.csv", [[p, person(i), "Houlkær", "1", ""] for i, p in enumerate(periods)])
    write_csv(raw, "beboere", "c.csv", [["2024-13", person(1), "Houlkær", "1", ""],
                                        ["marts 2024", person(2), "Houlkær", "1", ""],
                                        ["2024-04", person(3), "Houlkær", "1", ""]])
    ingest(raw, wh)
    assert query(wh, "select period_start, count(*) from raw.beboere group by 1 order by 1") == [
        (dt.date(2024, 3, 1), len(periods)), (dt.date(2024, 4, 1), 1)]
    assert [(q["file_path"], q["source_row"], q["column_name"]) for q in quarantine(wh)] == [
        ("beboere/c.csv", 2, "periode"), ("beboere/c.csv", 3, "periode")]
    assert {tuple(r["periods"]) for r in load_log(wh)} == {("2024-03",), ("2024-04",)}


def test_extra_columns_are_ignored(raw, wh):
    write_csv(raw, "beskaeftigelse", "b.csv", [["Jens", "2024-01", person(1), "dagpenge", "note"]],
              header=["navn", "periode", "cpr", "status", "bemærkning"])
    ingest(raw, wh)
    assert query(wh, "select status, source_row from raw.beskaeftigelse") == [("dagpenge", 2)]
    assert quarantine(wh) == []


def test_blank_lines_and_trailing_spaces_are_ignored_and_rows_keep_their_line_numbers(raw, wh):
    lines = [
        "",                                                    # 1: blank line before the header
        "periode ;cpr ;boligomraade;afdeling ;boligselskab  ",  # 2
        f"2024-01 ;{person(1)}  ;Houlkær   ;12  ;Selskab  ",     # 3
        "",                                                    # 4
        "   ",                                                 # 5: only spaces
        ";;;;",                                                # 6: only delimiters
        f"2024-01;{person(2)};Houlkær;12;",                     # 7
        "",                                                    # 8
        "",                                                    # 9
        "2024-01;not-a-cpr;Houlkær;12;",                       # 10: quarantined, with its line number
        f"2024-01;{person(3)};Houlkær;12;",                     # 11
    ]
    write_text(raw, "beboere", "b.csv", lines, newline="\r\n")
    ingest(raw, wh)
    assert query(wh, "select source_row, person_id, boligomraade, afdeling, boligselskab from raw.beboere order by 1") == [
        (3, pseudonym(person(1).replace("-", "")), "Houlkær", "12", "Selskab"),
        (7, pseudonym(person(2).replace("-", "")), "Houlkær", "12", None),
        (11, pseudonym(person(3).replace("-", "")), "Houlkær", "12", None),
    ]
    assert [(q["source_row"], q["column_name"]) for q in quarantine(wh)] == [(10, "cpr")]
    [entry] = load_log(wh)
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (4, 3, 1)


def test_quoted_fields_with_delimiter_and_newline(raw, wh):
    write_text(raw, "deltagelse", "d.csv", [
        ";".join(HEADERS["deltagelse"]),
        f'2024-01-09;A1;"Lektiecafé; Houlkær";U;Houlkær;"Viborg\nBibliotek";{person(1)};deltager',
        f"2024-01-09;A1;Lektiecafé;U;Houlkær;;{person(2)};deltager",
        "2024-01-09;A1;Lektiecafé;U;Houlkær;;not-a-cpr;deltager",
    ])
    ingest(raw, wh)
    assert query(wh, "select aktivitet, partner, source_row from raw.deltagelse order by source_row") == [
        ("Lektiecafé; Houlkær", "Viborg Bibliotek", 2), ("Lektiecafé", None, 3)]
    # row numbers count records, as a spreadsheet shows them
    assert [(q["source_row"], q["column_name"]) for q in quarantine(wh)] == [(4, "cpr")]


def test_a_row_with_more_fields_than_the_header_is_quarantined_not_the_file(raw, wh):
    write_text(raw, "beboere", "b.csv", [
        ";".join(HEADERS["beboere"]),
        f"2024-01;{person(1)};Houlkær;12;Selskab",
        f"2024-01;{person(2)};Houlkær; Nord;12;Selskab",   # an unquoted ';' shifts the values
        f"2024-01;{person(3)};Houlkær;12;Selskab;",        # a trailing delimiter is harmless
    ])
    ingest(raw, wh)
    assert query(wh, "select source_row from raw.beboere order by 1") == [(2,), (4,)]
    assert [(q["source_row"], q["column_name"]) for q in quarantine(wh)] == [(3, "(række)")]
    assert "felter" in quarantine(wh)[0]["reason"]


def test_excel_unicode_text_export_utf16_tab_with_blank_lines(raw, wh):
    # Excel's "Unicode text (.txt)": UTF-16 with BOM, tab-delimited, CRLF
    write_text(raw, "beskaeftigelse", "b.txt", [
        "Periode\tCPR\tStatus", f"2024-01\t{person(1)}\tFørtidspension", "", f"2024-01\t{person(2)}\tx",
    ], encoding="utf-16", newline="\r\n")
    ingest(raw, wh)
    assert query(wh, "select status, source_row from raw.beskaeftigelse") == [("foertidspension", 2)]
    assert [(q["source_row"], q["column_name"]) for q in quarantine(wh)] == [(4, "status")]
    assert load_log(wh)[0]["file_format"] == "txt;utf-16;tab"


MB = 1024 * 1024


def _write_bytes(raw, source: str, name: str, data: bytes):
    path = raw / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _residents(n: int) -> list[str]:
    return [f"2024-01;{person(i)};Houlkær;12;" for i in range(n)]


@pytest.mark.parametrize("shape", ["long_header_field", "one_line_no_newline"])
def test_an_oversized_first_line_rejects_that_file_only(raw, wh, shape):
    header = ";".join(HEADERS["beboere"])
    if shape == "long_header_field":  # a field over Python's csv limit of 131,072 characters
        data = (header + ";" + "x" * 140_000 + "\n" + "\n".join(_residents(2)) + "\n").encode()
    else:  # 200 MB and no newline at all
        data = b"y" * (200 * MB)
    _write_bytes(raw, "beboere", "a_bad.csv", data)
    write_text(raw, "beboere", "b_good.csv", [header, *_residents(3)])
    summary = ingest(raw, wh)
    outcomes = {f.file_path: f for f in summary.files}
    assert outcomes["beboere/b_good.csv"].outcome == "loaded"
    bad = outcomes["beboere/a_bad.csv"]
    assert bad.outcome == "rejected" and "beboere/a_bad.csv" in bad.message
    assert query(wh, "select count(*) from raw.beboere") == [(3,)]


def test_a_data_line_longer_than_the_line_limit_rejects_the_file(raw, wh):
    header = ";".join(HEADERS["beboere"])
    data = (header + "\n2024-01;" + "x" * (200 * MB) + ";Houlkær;12;\n").encode()
    _write_bytes(raw, "beboere", "b.csv", data)
    [outcome] = ingest(raw, wh).files
    assert outcome.outcome == "rejected"
    assert "b.csv" in outcome.message and "linje 2" in outcome.message
    assert query(wh, "select count(*) from raw.beboere") == [(0,)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_a_long_last_line_is_read_and_quarantined_never_dropped(raw, wh, newline, final_newline):
    header = ";".join(HEADERS["beboere"])
    lines = [header, *_residents(4), f"2024-01;{person(9)};" + "H" * (50 * MB) + ";12;"]
    text = newline.join(lines) + (newline if final_newline else "")
    _write_bytes(raw, "beboere", "b.csv", text.encode())
    [entry] = [e for e in (ingest(raw, wh), load_log(wh))[1]]
    assert (entry["outcome"], entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == ("loaded", 5, 4, 1)
    assert [(q["source_row"], q["column_name"]) for q in quarantine(wh)] == [(6, "boligomraade")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_rows_read_equal_the_data_lines_without_a_final_newline(raw, wh, newline):
    header = ";".join(HEADERS["beboere"])
    _write_bytes(raw, "beboere", "b.csv", newline.join([header, *_residents(7)]).encode())
    [entry] = [e for e in (ingest(raw, wh), load_log(wh))[1]]
    assert (entry["rows_read"], entry["rows_loaded"]) == (7, 7)
