"""CPR numbers: the accepted forms, what is invalid, the century rule, sex, and no modulus-11 check."""

from __future__ import annotations

import datetime as dt

import pytest
from support.ingest import (
    cpr10,
    form,
    ingest,
    load_log,
    pseudonym,
    quarantine,
    query,
    write_csv,
)


@pytest.fixture
def raw(tmp_path):
    return tmp_path / "raw"


@pytest.fixture
def wh(tmp_path):
    return tmp_path / "wh.duckdb"


def number(day: int, month: int, yy: int, seventh: int, last3: int = 1) -> str:
    """A 10-digit CPR from its parts, also impossible ones (31 February)."""
    return f"{day:02d}{month:02d}{yy:02d}{seventh}{last3:03d}"


def _status_rows(cprs: list[str], period: str = "2024-01") -> list[list[str]]:
    return [[period, c, "dagpenge"] for c in cprs]


def test_three_forms_of_one_cpr_are_one_person(raw, wh):
    n = cpr10(dt.date(1991, 2, 7), serial=345)  # starts with 0, so the 9-digit form exists
    write_csv(raw, "beskaeftigelse", "b.csv", [
        ["2024-01", form(n, "dash"), "dagpenge"],
        ["2024-02", form(n, "digits"), "dagpenge"],
        ["2024-03", form(n, "nine"), "dagpenge"],
        ["2024-04", f"  {form(n)} ", "dagpenge"],
    ])
    ingest(raw, wh)
    assert query(wh, "select distinct person_id, birth_date, sex from raw.beskaeftigelse") == [
        (pseudonym(n), dt.date(1991, 2, 7), "male")]
    assert query(wh, "select count(*) from raw.beskaeftigelse") == [(4,)]


def _invalid_cprs() -> dict[str, str]:
    ok = cpr10(dt.date(1990, 6, 15), serial=222)
    return {
        "31 February": number(31, 2, 90, 2, 222),
        "30 February": number(30, 2, 90, 2, 222),
        "29 February 1900 (7th digit 0-3)": number(29, 2, 0, 1, 222),
        "31 April": number(31, 4, 90, 2, 222),
        "day 00": number(0, 1, 90, 2, 222),
        "day 32": number(32, 1, 90, 2, 222),
        "month 13": number(1, 13, 90, 2, 222),
        "month 00": number(1, 0, 90, 2, 222),
        "8 digits": ok[:8],
        "11 digits": ok + "1",
        "12 digits": ok + "12",
        "letters": ok[:6] + "-AB" + ok[8:],
        "hyphen in the wrong place": ok[:4] + "-" + ok[4:],
        "two hyphens": ok[:6] + "--" + ok[6:],
        "a decimal point": ok[:9] + "." + ok[9:],
        "Excel float with exponent": f"{int(ok):.6e}",
    }


@pytest.fixture(scope="module")
def invalid_run(tmp_path_factory):
    """One run over a file per invalid kind, each between two valid rows and in its own month."""
    raw, wh = tmp_path_factory.mktemp("cpr") / "raw", tmp_path_factory.mktemp("cpr") / "wh.duckdb"
    for i, bad in enumerate(_invalid_cprs().values()):
        good = [form(cpr10(dt.date(1980, 1, 1) + dt.timedelta(days=d), serial=d)) for d in range(2)]
        period = f"{2020 + i // 12}-{i % 12 + 1:02d}"
        write_csv(raw, "beskaeftigelse", f"case_{i:02d}.csv", _status_rows([good[0], bad, good[1]], period))
    ingest(raw, wh)
    return wh


@pytest.mark.parametrize("kind", list(_invalid_cprs()))
def test_invalid_cpr_is_quarantined(invalid_run, kind):
    wh, i = invalid_run, list(_invalid_cprs()).index(kind)
    bad, path = _invalid_cprs()[kind], f"beskaeftigelse/case_{i:02d}.csv"
    [q] = [q for q in quarantine(wh) if q["file_path"] == path]
    assert (q["source_row"], q["column_name"]) == (3, "cpr")
    assert "cpr" in q["reason"].lower()
    assert bad not in q["reason"] and bad.replace("-", "") not in q["reason"]
    [entry] = [e for e in load_log(wh) if e["file_path"] == path]
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (3, 2, 1)
    assert query(wh, "select count(*) from raw.beskaeftigelse where load_id = ?", [entry["load_id"]]) == [(2,)]


def test_empty_cpr_is_missing_where_required_and_allowed_in_deltagelse(raw, wh):
    write_csv(raw, "beskaeftigelse", "b.csv", _status_rows([form(cpr10(dt.date(1980, 5, 5))), "", "  "]))
    write_csv(raw, "deltagelse", "d.csv", [
        ["2024-01-10", "A1", "Fodbold", "S", "Houlkær", "", "", "deltager"],
    ])
    ingest(raw, wh)
    assert [(q["source"], q["source_row"], q["column_name"]) for q in quarantine(wh)] == [
        ("beskaeftigelse", 3, "cpr"), ("beskaeftigelse", 4, "cpr")]
    assert all("mangler" in q["reason"] for q in quarantine(wh))
    assert query(wh, "select person_id, birth_date, sex from raw.deltagelse") == [(None, None, None)]


# (7th digit, YY) -> birth year, at the boundaries of the century rule
CENTURY_CASES = [
    (0, 0, 1900), (0, 99, 1999), (3, 36, 1936), (3, 37, 1937), (2, 58, 1958),
    (4, 0, 2000), (4, 36, 2036), (4, 37, 1937), (4, 99, 1999),
    (9, 0, 2000), (9, 36, 2036), (9, 37, 1937),
    (5, 0, 2000), (5, 57, 2057), (5, 58, 1858), (6, 36, 2036), (7, 37, 2037),
    (8, 57, 2057), (8, 58, 1858), (8, 99, 1899),
]


def test_century_rule(raw, wh):
    """One delivery with every boundary; a future birth date (2036, 2057) is valid: the contract
    defines valid as a real calendar date in the century the rule gives."""
    numbers = {number(1, 3, yy, d7, i): year for i, (d7, yy, year) in enumerate(CENTURY_CASES)}
    write_csv(raw, "beskaeftigelse", "b.csv", _status_rows(list(numbers)))
    ingest(raw, wh)
    got = dict(query(wh, "select person_id, birth_date from raw.beskaeftigelse"))
    expected = {pseudonym(n): dt.date(year, 3, 1) for n, year in numbers.items()}
    assert got == expected
    assert quarantine(wh) == []


def test_29_february_00_depends_on_the_century(raw, wh):
    # 1900 is no leap year, 2000 is: the same DDMMYY is invalid or valid by the 7th digit
    expected = {0: None, 3: None, 4: dt.date(2000, 2, 29), 9: dt.date(2000, 2, 29), 5: dt.date(2000, 2, 29),
                8: dt.date(2000, 2, 29)}
    numbers = {seventh: number(29, 2, 0, seventh, 100 + seventh) for seventh in expected}
    write_csv(raw, "beskaeftigelse", "b.csv", _status_rows(list(numbers.values())))
    ingest(raw, wh)
    loaded = dict(query(wh, "select person_id, birth_date from raw.beskaeftigelse"))
    assert {seventh: loaded.get(pseudonym(n)) for seventh, n in numbers.items()} == expected
    assert [q["source_row"] for q in quarantine(wh)] == [2, 3]


def test_future_birth_date_is_valid(raw, wh):
    # 7th digit 4 and YY 36 is 2036: in the future, but a real date in the rule's century
    write_csv(raw, "beskaeftigelse", "b.csv", _status_rows([number(15, 6, 36, 4, 1)]))
    ingest(raw, wh)
    assert query(wh, "select birth_date, sex from raw.beskaeftigelse") == [(dt.date(2036, 6, 15), "male")]


def test_sex_from_the_last_digit(raw, wh):
    numbers = {cpr10(dt.date(1970, 1, 1) + dt.timedelta(days=d), serial=s): sex
               for d, (s, sex) in enumerate([(0, "female"), (1, "male"), (2, "female"), (3, "male"),
                                             (4, "female"), (5, "male"), (6, "female"), (7, "male"),
                                             (8, "female"), (9, "male")])}
    write_csv(raw, "beboere", "b.csv", [["2024-01", form(n), "Houlkær", "1", ""] for n in numbers])
    ingest(raw, wh)
    assert dict(query(wh, "select person_id, sex from raw.beboere")) == {pseudonym(n): s for n, s in numbers.items()}


def _mod11_ok(number: str) -> bool:
    return sum(int(c) * w for c, w in zip(number, (4, 3, 2, 7, 6, 5, 4, 3, 2, 1))) % 11 == 0


def test_no_modulus_11_check(raw, wh):
    base = cpr10(dt.date(1999, 12, 24), serial=0)[:9]
    passing = next(base + str(d) for d in range(10) if _mod11_ok(base + str(d)))
    failing = [base + str(d) for d in range(10) if not _mod11_ok(base + str(d))][:2]
    assert failing and not any(_mod11_ok(n) for n in failing)
    write_csv(raw, "beskaeftigelse", "b.csv", [["2024-01", form(n), "dagpenge"] for n in [passing, *failing]])
    ingest(raw, wh)
    assert sorted(p for (p,) in query(wh, "select person_id from raw.beskaeftigelse")) == sorted(
        pseudonym(n) for n in [passing, *failing])
    assert quarantine(wh) == []
