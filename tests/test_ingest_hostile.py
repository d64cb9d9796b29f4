"""Hostile deliveries (issue 14): each is rejected or neutralised with a message naming the file,
within the limits stated in config/ingest.yml, and the good file beside it still loads.

- a text file with 10,000 columns;
- an .xlsx that is a zip bomb (a small file that unpacks to far more than the limit), one with
  macros and one that takes its values from another workbook (external links);
- text that a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`, `-2+3`):
  the row is quarantined naming the column, so the text never reaches a published table from
  which an evaluator might export a CSV.
"""

from __future__ import annotations

import zipfile

import pytest
from support.ingest import HEADERS, ingest, person, quarantine, query, write_text, write_xlsx

from pipelines.catalogue import ingest_config


@pytest.fixture
def raw(tmp_path):
    return tmp_path / "raw"


@pytest.fixture
def wh(tmp_path):
    return tmp_path / "warehouse.duckdb"


def _residents(n: int, area: str = "Houlkær", afdeling: str = "12") -> list[str]:
    return [f"2024-01;{person(i)};{area};{afdeling};" for i in range(n)]


def _outcomes(summary) -> dict:
    return {f.file_path: f for f in summary.files}


def _with_good_file(raw) -> None:
    write_text(raw, "beboere", "b_good.csv", [";".join(HEADERS["beboere"]), *_residents(3)])


def test_a_file_with_more_columns_than_the_limit_is_rejected_naming_the_count(raw, wh):
    limit = int(ingest_config()["max_columns"])
    header = HEADERS["beboere"] + [f"x{i}" for i in range(10_000)]
    rows = [";".join([*line.split(";"), *(["1"] * 10_000)]) for line in _residents(20)]
    write_text(raw, "beboere", "a_wide.csv", [";".join(header), *rows])
    _with_good_file(raw)
    outcomes = _outcomes(ingest(raw, wh))
    wide = outcomes["beboere/a_wide.csv"]
    assert wide.outcome == "rejected", wide
    assert "beboere/a_wide.csv" in wide.message and "10.005 kolonner" in wide.message
    assert f"grænse {limit}" in wide.message
    assert outcomes["beboere/b_good.csv"].outcome == "loaded"
    assert query(wh, "select count(*) from raw.beboere") == [(3,)]


def _workbook_with(raw, name: str, members: dict[str, bytes]):
    """A real workbook (openpyxl) of two residents, with extra zip members added."""
    path = write_xlsx(raw, "beboere", name, HEADERS["beboere"],
                      [["2024-01", person(i), "Houlkær", "12", ""] for i in range(2)])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as workbook:
        for member, data in members.items():
            workbook.writestr(member, data)
    return path


def test_a_zip_bomb_named_xlsx_is_rejected_before_it_is_unpacked(raw, wh):
    limit = int(ingest_config()["max_xlsx_unpacked_bytes"])
    bomb = _workbook_with(raw, "a_bomb.xlsx", {"xl/media/padding.bin": b"\0" * (limit + 1)})
    assert bomb.stat().st_size < limit // 100  # small on disk, huge unpacked
    _with_good_file(raw)
    outcomes = _outcomes(ingest(raw, wh))
    rejected = outcomes["beboere/a_bomb.xlsx"]
    assert rejected.outcome == "rejected", rejected
    assert "beboere/a_bomb.xlsx" in rejected.message and "udpakket" in rejected.message
    assert outcomes["beboere/b_good.csv"].outcome == "loaded"
    assert query(wh, "select count(*) from raw.beboere") == [(3,)]


@pytest.mark.parametrize(("member", "said"), [
    ("xl/vbaProject.bin", "makroer"),
    ("xl/externalLinks/externalLink1.xml", "eksterne links"),
])
def test_a_workbook_with_macros_or_external_links_is_rejected(raw, wh, member, said):
    _workbook_with(raw, "a_workbook.xlsx", {member: b"<x/>"})
    _with_good_file(raw)
    outcomes = _outcomes(ingest(raw, wh))
    rejected = outcomes["beboere/a_workbook.xlsx"]
    assert rejected.outcome == "rejected", rejected
    assert "beboere/a_workbook.xlsx" in rejected.message and said in rejected.message
    assert query(wh, "select count(*) from raw.beboere") == [(3,)]


def test_a_plain_workbook_still_loads(raw, wh):
    _workbook_with(raw, "a_plain.xlsx", {})
    assert _outcomes(ingest(raw, wh))["beboere/a_plain.xlsx"].outcome == "loaded"


FORMULAS = ["=HYPERLINK(\"http://x\",\"klik\")", "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


def test_text_a_spreadsheet_would_run_as_a_formula_quarantines_its_row(raw, wh):
    header = ";".join(HEADERS["deltagelse"])
    lines = [header]
    for i, formula in enumerate(FORMULAS):
        lines.append(f"2024-01-1{i};A{i};{formula};U;Houlkær;;{person(i)};deltager")
    lines.append(f"2024-01-20;A9;Lektiecafé;U;Houlkær;{FORMULAS[1]};{person(9)};deltager")
    # fine: a hyphen inside a name, a lone '-' for "none"
    lines.append("2024-01-21;A-7;Kølvrå-Nord fællesspisning;U;Houlkær;-;;frivillig")
    write_text(raw, "deltagelse", "deltagelse_2024-01.csv", lines)
    write_text(raw, "beboere", "beboere_2024-01.csv",
               [";".join(HEADERS["beboere"]), *_residents(2), f"2024-01;{person(5)};=1+1;12;"])
    ingest(raw, wh)
    rows = {(r["file_path"], r["source_row"]): r for r in quarantine(wh)}
    for line, column in [(2, "aktivitet"), (3, "aktivitet"), (4, "aktivitet"), (5, "aktivitet"),
                         (6, "partner")]:
        reason = rows[("deltagelse/deltagelse_2024-01.csv", line)]
        assert reason["column_name"] == column and "formel" in reason["reason"], reason
    assert rows[("beboere/beboere_2024-01.csv", 4)]["column_name"] == "boligomraade"
    assert query(wh, "select aktivitet, partner from raw.deltagelse") == [("Kølvrå-Nord fællesspisning", "-")]
    assert query(wh, "select count(*) from raw.beboere") == [(2,)]
    texts = query(wh, "select string_agg(reason, ' ') from raw.quarantine")[0][0]
    assert not any(formula in texts for formula in FORMULAS)  # the reason never quotes the value


def test_a_delivery_cut_short_loads_no_half_row_and_a_cut_workbook_is_rejected(raw, wh):
    """A copy that stopped early: the CSV's last line ends inside a CPR number, the workbook's zip
    has lost its end. The cut row is quarantined naming its column; the workbook is rejected."""
    lines = [";".join(HEADERS["beboere"]), *_residents(5)]
    cut = "\n".join(lines)
    cut = cut[: cut.rindex("\n") + len("\n2024-01;") + 5]  # inside the last CPR number
    (raw / "beboere").mkdir(parents=True)
    (raw / "beboere" / "a_cut.csv").write_text(cut, encoding="utf-8")
    workbook = _workbook_with(raw, "b_cut.xlsx", {})
    workbook.write_bytes(workbook.read_bytes()[: workbook.stat().st_size // 2])
    outcomes = _outcomes(ingest(raw, wh))
    assert outcomes["beboere/a_cut.csv"].outcome == "loaded"
    assert (outcomes["beboere/a_cut.csv"].rows_loaded, outcomes["beboere/a_cut.csv"].rows_quarantined) == (4, 1)
    [row] = quarantine(wh)
    assert (row["source_row"], row["column_name"]) == (6, "cpr")
    rejected = outcomes["beboere/b_cut.xlsx"]
    assert rejected.outcome == "rejected" and "beboere/b_cut.xlsx" in rejected.message
    assert query(wh, "select count(*) from raw.beboere") == [(4,)]
