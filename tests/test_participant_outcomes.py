"""Participants and non-participants (docs/indicators.md): the published `participant_outcomes`
of the test world, checked against a second implementation in pandas built from the warehouse's
person-level rows (raw tables; the person-months of test_indicators_recompute, which follow the
definitions, not the SQL), and its disclosure control checked from the published file alone.

Rules as documented: a person is `deltager` in year Y with at least one deltagelse row with a CPR
dated in Y; the row's figures are the group's person-months of Y in the area (`all`: any area);
the before-figures the same persons' person-months of Y-1 in the same area scope; the row is
suppressed when either year fails the primary rule; the groups are deltager + ikke_deltager with
the indicator's year cell, and the areas of one participation with `all`.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from test_indicators_recompute import person_months, read_raw

from pipelines import catalogue

K = 5
# docs/indicators.md, "Participants and non-participants" and "The published interface".
SPEC_OUTCOMES = {"B_BESKAEFTIGELSE", "B_OFFENTLIG_FORSOERGELSE", "U_UNGE_I_UDD_JOB",
                 "U_HOEJT_FRAVAER"}
SPEC_COLUMNS = [
    ("indicator_id", "VARCHAR"), ("year", "INTEGER"), ("area", "VARCHAR"),
    ("participation", "VARCHAR"), ("numerator", "DOUBLE"), ("denominator", "DOUBLE"),
    ("value", "DOUBLE"), ("numerator_before", "DOUBLE"), ("denominator_before", "DOUBLE"),
    ("value_before", "DOUBLE"), ("is_suppressed", "BOOLEAN"),
]
ROW_KEY = ["indicator_id", "year", "area", "participation"]


def _frame(path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).df()


@pytest.fixture(scope="module")
def published(world) -> pd.DataFrame:
    return _frame(world.published, "select * from participant_outcomes")


@pytest.fixture(scope="module")
def expected(world) -> pd.DataFrame:
    """Every row recomputed in pandas from the raw person-level tables of the warehouse."""
    raw = read_raw(world.warehouse)
    units = person_months(raw)
    taking_part = raw["deltagelse"].dropna(subset=["person_id"])
    participants = set(zip(taking_part["person_id"], taking_part["month"].map(lambda m: m.year)))
    rows = []
    for indicator_id in sorted(SPEC_OUTCOMES):
        pm = units[indicator_id].assign(year=lambda f: f["month"].map(lambda m: m.year))
        scopes = {area: pm[pm["area"] == area] for area in sorted(pm["area"].unique())}
        scopes["all"] = pm
        for area, months in scopes.items():
            per_person = months.groupby(["year", "unit"]).agg(
                num=("num", "sum"), den=("den", "sum"), in_num=("in_num", "any")).reset_index()
            for year in sorted(pm["year"].unique()):
                current = per_person[per_person["year"] == year]
                before = per_person[per_person["year"] == year - 1].set_index("unit")
                for participation in ("deltager", "ikke_deltager"):
                    is_participant = current["unit"].map(lambda p, y=year: (p, y) in participants)
                    group = current[is_participant == (participation == "deltager")]
                    then = before.loc[before.index.intersection(group["unit"])]
                    rows.append({
                        "indicator_id": indicator_id, "year": int(year), "area": area,
                        "participation": participation,
                        "numerator": group["num"].sum(), "denominator": group["den"].sum(),
                        "numerator_before": then["num"].sum(),
                        "denominator_before": then["den"].sum(),
                        "persons": len(group), "persons_in_numerator": int(group["in_num"].sum()),
                        "persons_before": len(then),
                        "persons_in_numerator_before": int(then["in_num"].sum()),
                    })
    return pd.DataFrame(rows)


def test_the_published_table_has_the_interface_columns(world):
    columns = _frame(world.published, """select column_name, data_type
        from information_schema.columns where table_name = 'participant_outcomes'
        order by ordinal_position""")
    assert list(zip(columns.column_name, columns.data_type)) == SPEC_COLUMNS
    comments = _frame(world.published, """select column_name, comment from duckdb_columns()
        where table_name = 'participant_outcomes'""")
    assert comments["comment"].fillna("").str.len().gt(0).all()


def test_the_outcome_indicators_are_the_catalogues(published):
    assert {i.indicator_id for i in catalogue.indicators() if i.participant_outcome} \
        == SPEC_OUTCOMES
    assert set(published.indicator_id) == SPEC_OUTCOMES
    assert set(published.participation) == {"deltager", "ikke_deltager"}


def test_every_year_cell_has_both_rows(world, published):
    cells = _frame(world.published, """select indicator_id, cast(period as integer) as year, area
        from indicator_values where period_type = 'year' and sex = 'all'""")
    cells = cells[cells.indicator_id.isin(SPEC_OUTCOMES)]
    keys = set(zip(published.indicator_id, published.year, published.area, published.participation))
    assert len(keys) == len(published) == 2 * len(cells)
    assert keys == {(*cell, p) for cell in zip(cells.indicator_id, cells.year, cells.area)
                    for p in ("deltager", "ikke_deltager")}


def test_published_figures_equal_the_pandas_recompute(published, expected):
    merged = published.merge(expected, on=ROW_KEY, how="outer", suffixes=("", "_pandas"),
                             indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][ROW_KEY]
    shown = merged[~merged.is_suppressed]
    assert len(shown) > 10
    for column in ("numerator", "denominator", "numerator_before", "denominator_before"):
        assert shown[column].tolist() == pytest.approx(shown[f"{column}_pandas"].tolist()), column
    factor = 100  # every outcome indicator is a percentage (catalogue factor)
    assert shown["value"].tolist() == pytest.approx(
        (shown.numerator_pandas / shown.denominator_pandas * factor).tolist())
    assert shown["value_before"].tolist() == pytest.approx(
        (shown.numerator_before_pandas / shown.denominator_before_pandas * factor).tolist())


def test_a_few_rows_of_the_latest_year_by_hand(published, expected):
    """The latest year, plan as a whole, B_BESKAEFTIGELSE: the two groups add up to the year cell
    (the persons too), and the published figures are the recomputed ones."""
    latest = int(expected.year.max())
    both = expected[(expected.indicator_id == "B_BESKAEFTIGELSE") & (expected.year == latest)
                    & (expected.area == "all")].set_index("participation")
    assert both.loc["deltager", "persons"] > K and both.loc["ikke_deltager", "persons"] > K
    rows = published[(published.indicator_id == "B_BESKAEFTIGELSE") & (published.year == latest)
                     & (published.area == "all")].set_index("participation")
    for participation in ("deltager", "ikke_deltager"):
        row, mine = rows.loc[participation], both.loc[participation]
        assert not row.is_suppressed
        assert (row.numerator, row.denominator) == (mine.numerator, mine.denominator)
        assert row.value == pytest.approx(100 * mine.numerator / mine.denominator)
        assert row.value_before == pytest.approx(
            100 * mine.numerator_before / mine.denominator_before)


def test_the_groups_add_up_to_the_published_year_cell(world, expected):
    cells = _frame(world.published, """select indicator_id, cast(period as integer) as year, area,
        numerator, denominator from indicator_values
        where period_type = 'year' and sex = 'all' and not is_suppressed""")
    sums = expected.groupby(["indicator_id", "year", "area"], as_index=False)[
        ["numerator", "denominator"]].sum()
    joined = cells.merge(sums, on=["indicator_id", "year", "area"], suffixes=("", "_groups"))
    assert len(joined) > 20
    assert joined.numerator.tolist() == pytest.approx(joined.numerator_groups.tolist())
    assert joined.denominator.tolist() == pytest.approx(joined.denominator_groups.tolist())


def _fails_primary(persons: int, in_numerator: int) -> bool:
    return persons < K or 0 < in_numerator < K or 0 < persons - in_numerator < K


def test_every_row_failing_the_primary_rule_in_either_year_is_suppressed(published, expected):
    merged = published.merge(expected, on=ROW_KEY)
    failing = [_fails_primary(r.persons, r.persons_in_numerator)
               or _fails_primary(r.persons_before, r.persons_in_numerator_before)
               for r in merged.itertuples()]
    merged["fails"] = failing
    assert merged.fails.any() and not merged.fails.all()
    assert merged[merged.fails].is_suppressed.all()
    # the first year has no year before: nobody to compare, every row hidden
    first = merged[merged.year == merged.year.min()]
    assert first.is_suppressed.all()
    figures = ["numerator", "denominator", "value", "numerator_before", "denominator_before",
               "value_before"]
    assert published[published.is_suppressed][figures].isna().all().all()
    assert published[~published.is_suppressed][figures[:2] + figures[3:5]].notna().all().all()


def lonely_groups(rows: pd.DataFrame, cells: pd.DataFrame) -> list[tuple]:
    """Groups holding exactly one suppressed cell: deltager + ikke_deltager with the published
    year cell (sex `all`) of their indicator, year and area; the areas of one participation with
    their `all`. One hidden cell beside published ones is their difference."""
    lonely = []
    totals = {(r.indicator_id, r.year, r.area): r.is_suppressed for r in cells.itertuples()}
    for key, group in rows.groupby(["indicator_id", "year", "area"]):
        if group.is_suppressed.sum() + int(totals[key]) == 1:
            lonely.append(("participation of area", *key))
    for key, group in rows.groupby(["indicator_id", "year", "participation"]):
        if group.is_suppressed.sum() == 1:
            lonely.append(("areas of participation", *key))
    return lonely


def test_no_group_holds_a_single_hidden_cell(world, published):
    cells = _frame(world.published, """select indicator_id, cast(period as integer) as year, area,
        is_suppressed from indicator_values where period_type = 'year' and sex = 'all'""")
    assert lonely_groups(published, cells) == []
    latest = published[published.year == published.year.max()]
    assert 0 < latest.is_suppressed.sum() < len(latest)  # both situations occur
    secondary = _frame(world.warehouse, """select count(*) as n
        from intermediate.int_participant_outcomes_disclosed where suppression = 'secondary'""")
    assert secondary.n.item() > 0


def test_the_check_finds_a_single_hidden_cell():
    """The audit itself, on a hand-made case: a hidden deltager beside a published
    ikke_deltager and year cell is found; hiding its neighbour too clears the area's group."""
    rows = pd.DataFrame(
        [("X", 2025, area, p, area == "A" and p == "deltager")
         for area in ("A", "B", "all") for p in ("deltager", "ikke_deltager")],
        columns=ROW_KEY + ["is_suppressed"])
    cells = pd.DataFrame([("X", 2025, area, False) for area in ("A", "B", "all")],
                         columns=["indicator_id", "year", "area", "is_suppressed"])
    assert set(lonely_groups(rows, cells)) == {("participation of area", "X", 2025, "A"),
                                               ("areas of participation", "X", 2025, "deltager")}
    rows.loc[(rows.area.isin(["A", "B"])), "is_suppressed"] = True
    assert lonely_groups(rows, cells) == []


def test_the_audit_view_agrees(world):
    audit = _frame(world.warehouse, "select * from audit.audit_participant_disclosure_groups")
    assert set(audit.grouping) == {"participation of area", "areas of participation"}
    assert audit.is_kept.all()
