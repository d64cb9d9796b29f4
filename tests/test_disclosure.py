"""Disclosure control proved on a constructed population, end to end (raw -> dbt build -> the
published indicator_values), for B_BESKAEFTIGELSE in January 2024 (k = 5).

Residents aged 30 (in work / all), by area and sex:

    area     female   male    all
    Ager     15/30    6/12    21/42
    Bakken    1/2     1/2      2/4     <- a cell of 4 persons (and its sexes of 2)
    Centrum   1/3    15/30    16/33    <- the sex split of a small group: 3 women
    Dalen     7/15    8/15    15/30
    all      24/50   30/59    54/109

Worked by hand with the spec's rules:
- primary: Bakken (all three cells: fewer than 5 persons) and Centrum/female (3 persons);
- across areas: Bakken/male is alone among the men beside the published all/male, so the
  smallest published man's cell goes too (Ager/male, 12); Bakken/all alone among the area totals
  would be all/all minus the others, so the smallest published total goes (Dalen/all, 30);
- across sexes: Ager/male alone beside Ager/all -> Ager/female; Centrum/female alone beside
  Centrum/all -> Centrum/male; Dalen/all is the only suppressed cell of Dalen, beside published
  Dalen/female and Dalen/male that sum to it -> the smaller of them, a tie broken by name:
  Dalen/female (the spec is silent on a suppressed total; without this, Dalen/all = female + male
  and Bakken/all = all/all - Ager/all - Centrum/all - Dalen/all would be revealed).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from test_dbt_raw_fixture import logs_for, person_id, write_raw

from pipelines import transform

POPULATION = {  # area: {sex: (in work, residents)}
    "Ager": {"female": (15, 30), "male": (6, 12)},
    "Bakken": {"female": (1, 2), "male": (1, 2)},
    "Centrum": {"female": (1, 3), "male": (15, 30)},
    "Dalen": {"female": (7, 15), "male": (8, 15)},
}
SUPPRESSED = {
    ("Bakken", "female"), ("Bakken", "male"), ("Bakken", "all"), ("Centrum", "female"),
    ("Ager", "male"), ("Ager", "female"), ("Centrum", "male"), ("Dalen", "all"),
    ("Dalen", "female"),
}
PRIMARY = {("Bakken", "female"), ("Bakken", "male"), ("Bakken", "all"), ("Centrum", "female")}
MONTH = date(2024, 1, 1)


def constructed_raw() -> dict[str, list[dict]]:
    beboere, beskaeftigelse = [], []
    for area, sexes in POPULATION.items():
        for sex, (working, residents) in sexes.items():
            for n in range(residents):
                who = {"person_id": person_id(f"{area}-{sex}-{n}"),
                       "birth_date": date(1994, 1, 1), "sex": sex}
                beboere.append({"period_start": MONTH, **who, "boligomraade": area,
                                "afdeling": "1", "boligselskab": None, "load_id": 1,
                                "source_row": len(beboere) + 2})
                beskaeftigelse.append({"period_start": MONTH, **who, "load_id": 2,
                                       "source_row": len(beskaeftigelse) + 2,
                                       "status": "beskaeftiget" if n < working else "dagpenge"})
    tables = {"beboere": beboere, "beskaeftigelse": beskaeftigelse}
    tables.update(logs_for(tables))
    return tables


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_raw(tmp_path_factory.mktemp("disclosure") / "warehouse.duckdb", constructed_raw())
    transform.build(path)
    return path


def cells(path: Path, table: str, period_type: str = "month") -> dict[tuple[str, str], tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(f"""select area, sex, is_suppressed, numerator, denominator, value
            from marts.{table} where indicator_id = 'B_BESKAEFTIGELSE'
            and period_type = ?""", [period_type]).fetchall()
    return {(area, sex): rest for area, sex, *rest in rows}


def expected_counts() -> dict[tuple[str, str], tuple[int, int]]:
    counts: dict[tuple[str, str], list[int]] = {}
    for area, sexes in POPULATION.items():
        for sex, (working, residents) in sexes.items():
            for key in ((area, sex), (area, "all"), ("all", sex), ("all", "all")):
                total = counts.setdefault(key, [0, 0])
                total[0] += working
                total[1] += residents
    return {key: (w, r) for key, (w, r) in counts.items()}


@pytest.mark.parametrize("period_type", ["month", "quarter", "year"])
def test_the_worked_example_is_suppressed_exactly(warehouse: Path, period_type: str) -> None:
    published = cells(warehouse, "indicator_values", period_type)
    assert {key for key, row in published.items() if row[0]} == SUPPRESSED
    for key, (working, residents) in expected_counts().items():
        _, numerator, denominator, value = published[key]
        if key in SUPPRESSED:  # the row stays, its figures go
            assert (numerator, denominator, value) == (None, None, None)
        else:
            assert (numerator, denominator) == (working, residents)
            assert value == pytest.approx(100 * working / residents)


def test_a_cell_of_four_persons_is_primary_and_its_revealers_secondary(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("""select area, sex, persons, suppression
            from marts.indicator_values_unsuppressed where indicator_id = 'B_BESKAEFTIGELSE'
            and period_type = 'month' and is_suppressed""").fetchall()
    reasons = {(area, sex): reason for area, sex, _, reason in rows}
    assert {key for key, reason in reasons.items() if reason == "primary"} == PRIMARY
    assert {(area, sex, persons) for area, sex, persons, _ in rows
            if (area, sex) == ("Bakken", "all")} == {("Bakken", "all", 4)}


def test_no_published_total_reveals_a_suppressed_cell(warehouse: Path) -> None:
    """Recompute every suppressed cell from published figures by the two additive relations."""
    published = {key: row for key, row in cells(warehouse, "indicator_values").items()}
    areas = list(POPULATION)
    for sex in ("female", "male", "all"):
        group = [(area, sex) for area in areas] + [("all", sex)]
        assert sum(published[key][0] for key in group) != 1
    for area in areas + ["all"]:
        group = [(area, sex) for sex in ("female", "male", "all")]
        assert sum(published[key][0] for key in group) != 1


def test_k_is_a_project_variable(warehouse: Path, tmp_path: Path) -> None:
    """With k = 10 Ager/male (12 persons, 6 in work) is a primary suppression, not secondary."""
    copy = tmp_path / "k10.duckdb"
    shutil.copyfile(warehouse, copy)
    transform.build(copy, select="int_indicator_cells_disclosed+", vars={"disclosure_k": 10})
    query = """select suppression from marts.indicator_values_unsuppressed
        where indicator_id = 'B_BESKAEFTIGELSE' and period_type = 'month'
        and area = 'Ager' and sex = 'male'"""
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute(query).fetchone()[0] == "primary"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(query).fetchone()[0] == "secondary"
