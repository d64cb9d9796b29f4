"""Disclosure control proved on a constructed population, end to end (raw -> dbt build -> the
published indicator_values), for B_BESKAEFTIGELSE in January 2024 (k = 5).

Residents aged 30 (in work / all), by area and sex:

    area     female   male    all
    Ager     15/30    6/12    21/42
    Bakken    1/2     1/2      2/4     <- a cell of 4 persons (and its sexes of 2)
    Centrum   1/3    15/30    16/33    <- the sex split of a small group: 3 women
    Dalen     7/15    8/15    15/30
    all      24/50   30/59    54/109

Worked by hand with the rules of docs/indicators.md:
- primary: Bakken (all three cells: fewer than 5 persons) and Centrum/female (3 persons);
- across areas: Bakken/male is alone among the men beside the published all/male, so the
  smallest published man's cell goes too (Ager/male, 12); Bakken/all alone among the area totals
  would be all/all minus the others, so the smallest published total goes (Dalen/all, 30);
- across sexes: Ager/male alone beside Ager/all -> Ager/female; Centrum/female alone beside
  Centrum/all -> Centrum/male; Dalen/all is the only suppressed cell of Dalen, beside published
  Dalen/female and Dalen/male that sum to it -> the smaller of them, a tie broken by name:
  Dalen/female (a suppressed total counts as a member; without this, Dalen/all = female + male
  and Bakken/all = all/all - Ager/all - Centrum/all - Dalen/all would be revealed).

The time hierarchy (time groups of disclosure rule 2, docs/indicators.md): a constructed quarter in which one
month is hidden, checked by an exact linear audit of everything published; and the project's
sample (600 residents, three years), where no flow quarter or year leaves a single hidden month or
quarter to subtraction and a stock period shares the suppression of the month it shows.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from test_dbt_raw_fixture import logs_for, person_id, write_raw

from pipelines import catalogue, transform

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


# ------------------------------------------------------------------------- the time hierarchy

QUARTER = [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
HIDDEN = ("2024-02", "Ager", "female")  # 3 of 20 in work: a numerator of 3 persons (primary)


def quarter_raw() -> dict[str, list[dict]]:
    """2024-01 .. 2024-03, areas Ager and Bakken, 20 residents aged 30 per area and sex, 10 in work;
    in February only 3 of the women of Ager are in work."""
    beboere, beskaeftigelse = [], []
    for month in QUARTER:
        for area in ("Ager", "Bakken"):
            for sex in ("female", "male"):
                working = 3 if (f"{month:%Y-%m}", area, sex) == HIDDEN else 10
                for n in range(20):
                    who = {"person_id": person_id(f"{area}-{sex}-{n}"),
                           "birth_date": date(1994, 1, 1), "sex": sex}
                    beboere.append({"period_start": month, **who, "boligomraade": area,
                                    "afdeling": "1", "boligselskab": None, "load_id": 1,
                                    "source_row": len(beboere) + 2})
                    beskaeftigelse.append({
                        "period_start": month, **who, "load_id": 2,
                        "source_row": len(beskaeftigelse) + 2,
                        "status": "beskaeftiget" if n < working else "dagpenge"})
    tables = {"beboere": beboere, "beskaeftigelse": beskaeftigelse}
    tables.update(logs_for(tables))
    return tables


@pytest.fixture(scope="module")
def quarter_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_raw(tmp_path_factory.mktemp("quarter") / "warehouse.duckdb", quarter_raw())
    transform.build(path)
    return path


def published(path: Path, indicator_id: str = "B_BESKAEFTIGELSE") -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("""select period_type, period, area, sex, is_suppressed, numerator,
            denominator from marts.indicator_values where indicator_id = ?""",
                           [indicator_id]).df()


def parent_period(period_type: str, period: str) -> str | None:
    """The quarter of a month ("2024-02" -> "2024-Q1"), the year of a quarter; None otherwise."""
    if period_type == "month":
        return f"{period[:4]}-Q{(int(period[5:7]) - 1) // 3 + 1}"
    if period_type == "quarter":
        return period[:4]
    return None


def additive_relations(cells: pd.DataFrame) -> list[tuple[tuple, list[tuple]]]:
    """(total, members) of every additive relation among the cells of one indicator: the areas of
    a sex, the sexes of an area, the months of a quarter, the quarters of a year."""
    keys = set(zip(cells.period_type, cells.period, cells.area, cells.sex))
    relations = []
    for period_type, period, area, sex in keys:
        if area == "all":
            members = [k for k in keys if k[:2] == (period_type, period) and k[3] == sex
                       and k[2] != "all"]
            relations.append(((period_type, period, area, sex), members))
        if sex == "all":
            members = [k for k in keys if k[:3] == (period_type, period, area) and k[3] != "all"]
            relations.append(((period_type, period, area, sex), members))
        if period_type in ("quarter", "year"):
            members = [k for k in keys if k[2:] == (area, sex)
                       and parent_period(k[0], k[1]) == period]
            relations.append(((period_type, period, area, sex), members))
    return [(total, members) for total, members in relations if members]


def recoverable_cells(cells: pd.DataFrame) -> set[tuple]:
    """Suppressed cells whose figures follow exactly from the published cells by any linear
    combination of the additive relations (an exact audit: null space of the hidden cells)."""
    hidden = sorted(tuple(k) for k in cells.loc[cells.is_suppressed,
                                                 ["period_type", "period", "area", "sex"]].values)
    column = {key: j for j, key in enumerate(hidden)}
    rows = []
    for total, members in additive_relations(cells):
        row = np.zeros(len(hidden))
        for key in members:
            if key in column:
                row[column[key]] += 1
        if total in column:
            row[column[total]] -= 1
        rows.append(row)
    matrix = np.array(rows)
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((singular > 1e-9 * max(singular.max(initial=0), 1)).sum())
    null_space = vt[rank:].T  # each column a change of hidden cells that no published sum sees
    return {key for key, j in column.items() if not np.abs(null_space[j]).max(initial=0) > 1e-9}


def test_the_audit_finds_a_month_left_alone_in_its_quarter() -> None:
    """The audit itself: one hidden month beside its published quarter is recovered."""
    cells = pd.DataFrame(
        [("month", m, "A", "all", m == "2024-02") for m in ("2024-01", "2024-02", "2024-03")]
        + [("quarter", "2024-Q1", "A", "all", False)],
        columns=["period_type", "period", "area", "sex", "is_suppressed"])
    assert recoverable_cells(cells) == {("month", "2024-02", "A", "all")}
    cells.loc[cells.period == "2024-01", "is_suppressed"] = True
    assert recoverable_cells(cells) == set()


def test_a_hidden_month_takes_a_second_cell_of_its_quarter(quarter_warehouse: Path) -> None:
    """Worked by hand: February of Ager/female is primary; the area and sex groups of February
    take Bakken/female, Ager/male and Bakken/male; each of those four is then alone in its
    quarter beside the published Q1, January and March, so January (tie on 20 persons, the
    earlier period) goes in all four. March, the quarters and the year stay published."""
    cells = published(quarter_warehouse)
    hidden = {(p, a, s) for t, p, a, s, sup in zip(cells.period_type, cells.period, cells.area,
                                                     cells.sex, cells.is_suppressed) if sup}
    assert hidden == {(month, area, sex) for month in ("2024-01", "2024-02")
                      for area in ("Ager", "Bakken") for sex in ("female", "male")}
    with duckdb.connect(str(quarter_warehouse), read_only=True) as con:
        reason = con.execute("""select suppression from marts.indicator_values_unsuppressed
            where indicator_id = 'B_BESKAEFTIGELSE' and period = ? and area = ? and sex = ?""",
                             list(HIDDEN)).fetchone()[0]
    assert reason == "primary"
    group = cells[(cells.area == "Ager") & (cells.sex == "female")
                  & cells.period.isin(["2024-01", "2024-02", "2024-03", "2024-Q1"])]
    assert group.is_suppressed.sum() >= 2


def test_no_arithmetic_recovers_the_hidden_month(quarter_warehouse: Path) -> None:
    cells = published(quarter_warehouse)
    assert cells.is_suppressed.any()
    assert recoverable_cells(cells) == set()
    march = cells[(cells.period == "2024-03") & (cells.area == "Ager") & (cells.sex == "female")]
    quarter = cells[(cells.period == "2024-Q1") & (cells.area == "Ager")
                    & (cells.sex == "female")]
    assert (march.numerator.item(), quarter.numerator.item()) == (10, 23)  # 10 + 3 + 10


# ------------------------------------------------------------- the project's sample, 3 years

@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.ingest import ingest_all
    from pipelines.sample import generate

    folder = tmp_path_factory.mktemp("disclosure_sample")
    path = folder / "warehouse.duckdb"
    generate(folder / "raw", residents=600, start="2023-01", end="2025-12", seed=3)
    ingest_all(folder / "raw", path, "disclosure-test")
    transform.build(path)
    return path


def sample_cells(path: Path) -> pd.DataFrame:
    """The published cells with the internal fact whether the indicator had anybody at all in
    the period (a period empty for the whole plan, e.g. July without school, hides nobody)."""
    with duckdb.connect(str(path), read_only=True) as con:
        cells = con.execute("""select v.indicator_id, v.period_type, v.period, v.period_start,
                v.area, v.sex, v.is_suppressed, v.numerator, v.denominator, v.is_complete,
                coalesce(max(case when u.area = 'all' and u.sex = 'all' then u.persons end) over (
                    partition by u.indicator_id, u.period_type, u.period) = 0, false) as nobody
            from marts.indicator_values as v
            inner join marts.indicator_values_unsuppressed as u
                using (indicator_id, period_type, period, area, sex)""").df()
    aggregation = {row.indicator_id: row.aggregation for row in catalogue.indicators()}
    cells["aggregation"] = cells.indicator_id.map(aggregation)
    return cells


def lonely_in_time(cells: pd.DataFrame, member_type: str) -> list[tuple]:
    """Flow time groups (months of a quarter, quarters of a year) whose total and non-empty
    members hold exactly one suppressed cell: that cell is the total minus the others."""
    flows = cells[cells.aggregation == "flow"]
    members = flows[(flows.period_type == member_type) & ~flows.nobody].copy()
    members["total"] = [parent_period(member_type, p) for p in members.period]
    totals = flows[flows.period_type == {"month": "quarter", "quarter": "year"}[member_type]]
    key = ["indicator_id", "area", "sex", "total"]
    hidden_members = members.groupby(key).is_suppressed.sum().rename("hidden_members")
    merged = totals.rename(columns={"period": "total"}).join(hidden_members, on=key, how="inner")
    lonely = merged[merged.hidden_members + merged.is_suppressed.astype(int) == 1]
    return list(zip(lonely.indicator_id, lonely.total, lonely.area, lonely.sex))


@pytest.mark.parametrize("member_type", ["month", "quarter"])
def test_no_flow_total_gives_away_a_single_hidden_member(
        sample_warehouse: Path, member_type: str) -> None:
    cells = sample_cells(sample_warehouse)
    flows = cells[(cells.aggregation == "flow") & (cells.period_type == member_type)]
    assert (flows.is_suppressed & ~flows.nobody).sum() > 20  # the situation occurs
    assert lonely_in_time(cells, member_type) == []


def test_published_quarters_have_zero_or_at_least_two_hidden_months(
        sample_warehouse: Path) -> None:
    """The same as the subtraction an evaluator would try: a published quarter minus its
    published months."""
    cells = sample_cells(sample_warehouse)
    flows = cells[(cells.aggregation == "flow") & ~cells.nobody]
    months = flows[flows.period_type == "month"].assign(
        quarter=lambda m: [parent_period("month", p) for p in m.period])
    quarters = flows[(flows.period_type == "quarter") & ~flows.is_suppressed]
    hidden = months.groupby(["indicator_id", "area", "sex", "quarter"]).is_suppressed.sum()
    counts = {key: hidden.get(key, 0) for key in
              zip(quarters.indicator_id, quarters.area, quarters.sex, quarters.period)}
    assert len(counts) > 100 and max(counts.values()) >= 2
    assert [key for key, count in counts.items() if count == 1] == []


def test_a_stock_period_shares_the_suppression_of_its_month(sample_warehouse: Path) -> None:
    """S_AKTIVE_FRIVILLIGE: a quarter or year shows the last month of the period with a
    snapshot; the two are published or suppressed together, with the same figures."""
    cells = sample_cells(sample_warehouse)
    stock = cells[cells.aggregation == "stock"]
    months = stock[stock.period_type == "month"].set_index(["indicator_id", "area", "sex",
                                                            "period"])
    snapshot_months = sorted(set(cells[(cells.period_type == "month")
                                       & cells.is_complete].period))
    checked = 0
    for row in stock[stock.period_type.isin(["quarter", "year"])].itertuples():
        inside = [m for m in snapshot_months if parent_period("month", m) == row.period
                  or m[:4] == row.period]
        if not inside:
            continue
        month = months.loc[(row.indicator_id, row.area, row.sex, inside[-1])]
        assert month.is_suppressed == row.is_suppressed, (row.period, row.area, row.sex)
        if not row.is_suppressed:
            assert (month.numerator, month.denominator) == (row.numerator, row.denominator)
        checked += 1
    assert checked > 100
    assert 0 < stock[stock.period_type != "month"].is_suppressed.sum() < checked
