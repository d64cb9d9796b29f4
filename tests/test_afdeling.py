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
import numpy as np
import pandas as pd
import pytest
from test_dbt_raw_fixture import logs_for, person_id, write_raw
from test_indicators_recompute import (
    assert_every_indicator_recomputed,
    label,
    person_months,
    read_raw,
)

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


# ------------------------------------------------------------------- the test world (sample)

# docs/indicators.md, "The published interface": indicator_values plus `afdeling` after `area`.
SPEC_COLUMNS = [
    ("indicator_id", "VARCHAR"), ("delaftale", "VARCHAR"), ("period_type", "VARCHAR"),
    ("period", "VARCHAR"), ("period_start", "DATE"), ("area", "VARCHAR"),
    ("afdeling", "VARCHAR"), ("sex", "VARCHAR"), ("numerator", "DOUBLE"),
    ("denominator", "DOUBLE"), ("value", "DOUBLE"), ("is_suppressed", "BOOLEAN"),
    ("is_complete", "BOOLEAN"),
]


def frame(path: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).df()


def test_the_published_file_holds_the_table_with_its_columns_and_comments(world) -> None:
    with duckdb.connect(str(world.published), read_only=True) as con:
        columns = con.execute("""select column_name, data_type, comment from duckdb_columns()
            where table_name = 'indicator_values_afdeling' order by column_index""").fetchall()
        counts = con.execute("""select count(*), count(distinct afdeling),
            count(*) filter (where is_suppressed) from indicator_values_afdeling""").fetchone()
    assert [(name, kind) for name, kind, _ in columns] == SPEC_COLUMNS
    assert all(comment for *_, comment in columns)
    rows, afdelinger, suppressed = counts
    assert afdelinger == 10  # the sample's afdelinger (pipelines/sample/population.py)
    assert 0 < suppressed < rows


def published_groups(world) -> pd.DataFrame:
    """Per indicator, period and area: the area cell's suppression and its afdelinger's."""
    departments = frame(world.published, """select indicator_id, period_type, period, area,
        count(*) as afdelinger, count(*) filter (where is_suppressed) as hidden,
        bool_or(is_suppressed and numerator is not null) as figures_leak
        from indicator_values_afdeling group by all""")
    areas = frame(world.published, """select indicator_id, period_type, period, area,
        is_suppressed as area_hidden from indicator_values where sex = 'all' and area <> 'all'
        and period_type in ('quarter', 'year')""")
    return departments.merge(areas, on=["indicator_id", "period_type", "period", "area"],
                             how="left", validate="one_to_one")


def test_no_department_group_holds_exactly_one_hidden_cell(world) -> None:
    groups = published_groups(world)
    assert groups.area_hidden.notna().all() and not groups.figures_leak.any()
    hidden = groups.hidden + groups.area_hidden.astype(int)
    assert (hidden == 1).sum() == 0, groups[hidden == 1].head()
    # an area whose cell is hidden never has all its afdelinger published
    assert (groups.area_hidden & (groups.hidden == 0)).sum() == 0
    assert (groups.area_hidden & (groups.afdelinger > 1)).sum() > 0  # the situation occurs
    # a published area beside hidden afdelinger: at least two of them are hidden
    beside = groups[~groups.area_hidden & (groups.hidden > 0)]
    assert len(beside) > 0 and (beside.hidden >= 2).all()


def test_the_quarters_of_an_afdelings_year_never_leave_one_hidden(world) -> None:
    cells = frame(world.published, """select v.indicator_id, v.period_type, v.period, v.area,
        v.afdeling, v.is_suppressed, c.aggregation from indicator_values_afdeling as v
        join indicators as c using (indicator_id)""")
    plan = frame(world.warehouse, """select indicator_id, period_type, period, persons
        from marts.indicator_values_unsuppressed where area = 'all' and sex = 'all'""")
    cells = cells.merge(plan, on=["indicator_id", "period_type", "period"], how="left")
    flows = cells[(cells.aggregation == "flow") & (cells.persons > 0)
                  & (cells.indicator_id != "U_DANSK_MAT_02")].copy()
    flows["year"] = flows.period.str[:4]
    hidden = flows.groupby(["indicator_id", "area", "afdeling", "year"]).is_suppressed.sum()
    assert (hidden == 1).sum() == 0, hidden[hidden == 1].head()
    assert (hidden >= 2).sum() > 0


def test_a_single_afdeling_is_its_area(world) -> None:
    """Kølvrå has one afdeling (61): its cells are the area's, published or hidden alike."""
    departments = frame(world.published, """select indicator_id, period_type, period, numerator,
        denominator, is_suppressed from indicator_values_afdeling where area = 'Kølvrå'""")
    areas = frame(world.published, """select indicator_id, period_type, period, numerator,
        denominator, is_suppressed from indicator_values where area = 'Kølvrå' and sex = 'all'
        and period_type in ('quarter', 'year')""")
    merged = departments.merge(areas, on=["indicator_id", "period_type", "period"],
                               suffixes=("", "_area"))
    assert len(merged) == len(departments) > 50
    assert (merged.is_suppressed == merged.is_suppressed_area).all()
    published = merged[~merged.is_suppressed]
    assert len(published) > 0
    assert (published.numerator == published.numerator_area).all()
    assert (published.denominator == published.denominator_area).all()


def test_department_figures_agree_with_a_pandas_recompute(world) -> None:
    """Flows recomputed from the warehouse's raw person-level rows (the second implementation of
    tests/test_indicators_recompute.py), each person-month in the afdeling of its beboere row:
    numerator, denominator and distinct persons per afdeling and quarter/year."""
    raw = read_raw(world.warehouse)
    afdeling = raw["beboere"][["month", "person_id", "afdeling"]]
    expected = []
    for indicator_id, rows in person_months(raw).items():
        if indicator_id in ("S_BROBYGNING", "S_AKTIVE_FRIVILLIGE"):  # sessions; the stock
            continue
        rows = rows.merge(afdeling, left_on=["month", "unit"], right_on=["month", "person_id"],
                          how="inner", validate="many_to_one")
        for period_type in ("year",) if indicator_id == "U_DANSK_MAT_02" else ("quarter", "year"):
            rows["period"] = [label(m, period_type) for m in rows.month]
            per_person = rows.groupby(["period", "area", "afdeling", "unit"]).agg(
                num=("num", "sum"), den=("den", "sum"), in_num=("in_num", "any"))
            cells = per_person.groupby(["period", "area", "afdeling"]).agg(
                numerator=("num", "sum"), denominator=("den", "sum"),
                persons=("in_num", "size"), persons_in_numerator=("in_num", "sum")).reset_index()
            cells["indicator_id"], cells["period_type"] = indicator_id, period_type
            expected.append(cells)
    expected = pd.concat(expected)
    actual = frame(world.warehouse, """select indicator_id, period_type, period, area, afdeling,
        numerator, denominator, persons, persons_in_numerator, is_suppressed
        from intermediate.int_indicator_cells_afdeling_disclosed where persons > 0""")
    assert_every_indicator_recomputed(actual[actual.indicator_id != "S_AKTIVE_FRIVILLIGE"], expected)
    key = ["indicator_id", "period_type", "period", "area", "afdeling"]
    merged = actual.merge(expected, on=key, how="outer", suffixes=("", "_pandas"),
                          indicator=True)
    merged = merged[merged.indicator_id != "S_AKTIVE_FRIVILLIGE"]
    assert (merged._merge == "both").all(), merged[merged._merge != "both"].head()
    assert len(merged) > 500
    for column in ("numerator", "denominator", "persons", "persons_in_numerator"):
        assert np.allclose(merged[column], merged[f"{column}_pandas"]), column
    published = frame(world.published, """select indicator_id, period_type, period, area,
        afdeling, numerator, denominator from indicator_values_afdeling
        where not is_suppressed""")
    checked = published.merge(expected, on=key, suffixes=("", "_pandas"))
    assert len(checked) > 100
    assert np.allclose(checked.numerator, checked.numerator_pandas)
    assert np.allclose(checked.denominator, checked.denominator_pandas)
