"""Department (afdeling) figures: `indicator_values_afdeling`, end to end (raw -> dbt build ->
marts), for B_BESKAEFTIGELSE in 2024-Q1 (three months, the same residents each month, k = 5).

Residents aged 30 by area and afdeling (in work / all; half women, half men):

    area     afdeling   persons     area cell
    Ager       1         10/20      21/43 published
               2         10/20
               3          1/3       <- primary (3 persons)
    Bakken     7          1/2       2/4  primary (4 persons)
               8          1/2
    Centrum   21          7/15      15/30 secondary at area level (see below)
              22          8/15
    Dalen     40         15/30      15/30 published; the area's only afdeling

Worked by hand (docs/indicators.md, departments):
- area level (not changed by departments): Bakken is primary; the areas group of sex `all` then
  takes the smallest other area, Centrum (30 persons, a tie with Dalen broken by name).
- Ager: afdeling 3 is primary and alone beside the published Ager cell (which would give it away
  as Ager minus 1 and 2), so the smallest published afdeling goes too: 1 (tie on 20 persons,
  broken by name).
- Bakken: 7 and 8 are primary (2 persons each).
- Centrum: both afdelinger pass the primary rule, but the area cell is suppressed and would be
  their sum, so the smallest goes: 21 (tie on 15, by name); 22 stays published.
- Dalen: one afdeling, its cell is the area's cell and shares its decision: published.
The same holds for the year 2024 (only Q1 is in the panel: the year is Q1).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from test_dbt_raw_fixture import logs_for, person_id, write_raw

from pipelines import transform

POPULATION = {  # (area, afdeling): (in work, residents)
    ("Ager", "1"): (10, 20), ("Ager", "2"): (10, 20), ("Ager", "3"): (1, 3),
    ("Bakken", "7"): (1, 2), ("Bakken", "8"): (1, 2),
    ("Centrum", "21"): (7, 15), ("Centrum", "22"): (8, 15),
    ("Dalen", "40"): (15, 30),
}
SUPPRESSED = {("Ager", "1"), ("Ager", "3"), ("Bakken", "7"), ("Bakken", "8"), ("Centrum", "21")}
PRIMARY = {("Ager", "3"), ("Bakken", "7"), ("Bakken", "8")}
AREAS_SUPPRESSED = {"Bakken", "Centrum"}
MONTHS = [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]


def department_raw() -> dict[str, list[dict]]:
    beboere, beskaeftigelse = [], []
    for month in MONTHS:
        for (area, afdeling), (working, residents) in POPULATION.items():
            for n in range(residents):
                who = {"person_id": person_id(f"{area}-{afdeling}-{n}"),
                       "birth_date": date(1994, 1, 1),
                       "sex": "female" if n % 2 == 0 else "male"}
                beboere.append({"period_start": month, **who, "boligomraade": area,
                                "afdeling": afdeling, "boligselskab": None, "load_id": 1,
                                "source_row": len(beboere) + 2})
                beskaeftigelse.append({"period_start": month, **who, "load_id": 2,
                                       "source_row": len(beskaeftigelse) + 2,
                                       "status": "beskaeftiget" if n < working else "dagpenge"})
    tables = {"beboere": beboere, "beskaeftigelse": beskaeftigelse}
    tables.update(logs_for(tables))
    return tables


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_raw(tmp_path_factory.mktemp("afdeling") / "warehouse.duckdb", department_raw())
    transform.build(path)
    return path


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.parametrize("period", ["2024-Q1", "2024"])
def test_the_worked_example_is_suppressed_exactly(warehouse: Path, period: str) -> None:
    rows = query(warehouse, """select area, afdeling, sex, is_suppressed, numerator,
        denominator, value from marts.indicator_values_afdeling
        where indicator_id = 'B_BESKAEFTIGELSE' and period = ?""", [period])
    cells = {(area, afdeling): rest for area, afdeling, *rest in rows}
    assert set(cells) == set(POPULATION)
    assert {key for key, row in cells.items() if row[1]} == SUPPRESSED
    for key, (working, residents) in POPULATION.items():
        sex, _, numerator, denominator, value = cells[key]
        assert sex == "all"
        if key in SUPPRESSED:
            assert (numerator, denominator, value) == (None, None, None)
        else:  # person-months: the same residents in each of the period's three months
            assert (numerator, denominator) == (3 * working, 3 * residents)
            assert value == pytest.approx(100 * working / residents)


def test_departments_do_not_change_the_area_cells(warehouse: Path) -> None:
    rows = query(warehouse, """select area from marts.indicator_values
        where indicator_id = 'B_BESKAEFTIGELSE' and period = '2024-Q1' and sex = 'all'
        and area <> 'all' and is_suppressed""")
    assert {area for (area,) in rows} == AREAS_SUPPRESSED


def test_the_reasons_are_primary_and_secondary(warehouse: Path) -> None:
    rows = query(warehouse, """select area, afdeling, suppression
        from intermediate.int_indicator_cells_afdeling_disclosed
        where indicator_id = 'B_BESKAEFTIGELSE' and period = '2024-Q1' and is_suppressed""")
    assert {(a, d) for a, d, why in rows if why == "primary"} == PRIMARY
    assert {(a, d) for a, d, why in rows if why == "secondary"} == SUPPRESSED - PRIMARY


def test_no_department_month_and_no_sex_split(warehouse: Path) -> None:
    rows = query(warehouse, """select distinct period_type, sex
        from marts.indicator_values_afdeling""")
    assert set(rows) == {("quarter", "all"), ("year", "all")}
    indicators = {i for (i,) in query(warehouse, """select distinct indicator_id
        from marts.indicator_values_afdeling""")}
    assert "S_BROBYGNING" not in indicators and "B_BESKAEFTIGELSE" in indicators


def test_an_afdeling_seen_in_the_area_but_outside_the_population_has_an_empty_cell(
        warehouse: Path) -> None:
    """U_FRAVAER has no pupil here: every afdeling of the area still has its (empty, hidden) row."""
    rows = query(warehouse, """select area, afdeling, is_suppressed, numerator
        from marts.indicator_values_afdeling
        where indicator_id = 'U_FRAVAER' and period = '2024-Q1'""")
    assert {(area, afdeling) for area, afdeling, *_ in rows} == set(POPULATION)
    assert all(hidden and numerator is None for _, _, hidden, numerator in rows)
