"""The published `activity_figures` (the yearly report's activity figures): recomputed in pandas
from the person-level rows of the warehouse, the disclosure rule checked cell by cell, and the
forloeb figures on hand-made courses whose answers are counted by hand."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from test_dbt_raw_fixture import person_id

from pipelines import catalogue
from pipelines.transform import build

K = catalogue.disclosure_k()


def _frame(path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def published_figures(world) -> pd.DataFrame:
    return _frame(world.published, "select * from activity_figures")


def _session_areas(rows: pd.DataFrame) -> pd.DataFrame:
    """The test's own session area: the area on most of the session's rows, alphabetically first
    on a tie (docs/indicators.md, S_BROBYGNING)."""
    counts = rows.groupby(["activity_id", "session_date", "area"]).size().reset_index(name="n")
    counts = counts.sort_values(["activity_id", "session_date", "n", "area"],
                                ascending=[True, True, False, True])
    return counts.drop_duplicates(["activity_id", "session_date"])[
        ["activity_id", "session_date", "area"]].rename(columns={"area": "session_area"})


def _expected_deltagelse(warehouse) -> pd.DataFrame:
    rows = _frame(warehouse, "select activity_id, session_date, area, partner, person_id, role "
                             "from staging.stg_deltagelse")
    rows = rows.merge(_session_areas(rows), on=["activity_id", "session_date"])
    rows["year"] = pd.to_datetime(rows["session_date"]).dt.year
    rows["session"] = rows["activity_id"] + "|" + rows["session_date"].astype(str)
    partner_sessions = set(rows.loc[rows["partner"].notna(), "session"])
    out = []
    for area_key, frame in (("all", rows), (None, rows)):
        keys = ["year"] if area_key else ["year", "session_area"]
        for key, group in frame.groupby(keys):
            year = key[0] if isinstance(key, tuple) else key
            area = area_key or key[1]
            registered = group[group["person_id"].notna()]
            sessions = set(group["session"])
            out += [
                (year, area, "sessions", len(sessions)),
                (year, area, "sessions_with_partner", len(sessions & partner_sessions)),
                (year, area, "participants", registered["person_id"].nunique()),
                (year, area, "volunteers",
                 registered.loc[registered["role"] == "frivillig", "person_id"].nunique()),
            ]
    return pd.DataFrame(out, columns=["year", "area", "figure_id", "expected"])


def test_every_year_area_and_figure_is_there_once(world, published_figures):
    years = _frame(world.warehouse, "select distinct year(month_start) as y from intermediate.int_months")
    areas = _frame(world.warehouse, "select area from intermediate.int_areas")
    endings = _frame(world.warehouse, "select code from staging.course_codes where kind = 'afslutning'")
    figures = {"sessions", "sessions_with_partner", "participants", "volunteers", "courses_opened",
               "courses_open"} | {f"courses_ended_{code}" for code in endings["code"]}
    assert set(published_figures["figure_id"]) == figures
    keys = published_figures[["year", "area", "figure_id"]]
    assert not keys.duplicated().any()
    assert len(keys) == len(years) * (len(areas) + 1) * len(figures)
    assert set(published_figures["area"]) == set(areas["area"]) | {"all"}


def test_deltagelse_figures_equal_the_persons_rows_counted_in_pandas(world, published_figures):
    expected = _expected_deltagelse(world.warehouse)
    merged = published_figures.merge(expected, on=["year", "area", "figure_id"], how="left")
    merged = merged[merged["source"] == "deltagelse"]
    merged["expected"] = merged["expected"].fillna(0).astype(int)
    assert len(merged) > 0 and merged["expected"].sum() > 0
    shown = merged[~merged["is_suppressed"]]
    assert (shown["value"].astype(int) == shown["expected"]).all(), shown[
        shown["value"].astype(int) != shown["expected"]].head()
    # sessions are activities, not persons: never hidden
    assert not merged.loc[merged["figure_id"].str.startswith("sessions"), "is_suppressed"].any()


def test_person_counts_of_one_to_k_minus_one_are_hidden(world, published_figures):
    expected = _expected_deltagelse(world.warehouse)
    merged = published_figures.merge(expected, on=["year", "area", "figure_id"])
    persons = merged[merged["figure_id"].isin(["participants", "volunteers"])].copy()
    small = persons[(persons["expected"] >= 1) & (persons["expected"] < K)]
    assert len(small) > 0  # the world has small areas
    assert small["is_suppressed"].all()
    assert small["value"].isna().all()
    # volunteers are hidden too when 1..k-1 participants were not volunteers
    wide = persons.pivot_table(index=["year", "area"], columns="figure_id", values="expected").reset_index()
    complement = wide[(wide["participants"] - wide["volunteers"]).between(1, K - 1)]
    hidden = persons.set_index(["year", "area", "figure_id"])["is_suppressed"]
    for row in complement.itertuples():
        assert hidden[(row.year, row.area, "volunteers")]


def test_no_area_group_keeps_exactly_one_hidden_cell(published_figures):
    groups = published_figures.groupby(["year", "figure_id"])["is_suppressed"].sum()
    assert (groups != 1).all(), groups[groups == 1]
    published = published_figures.dropna(subset=["value"])
    persons = published[published["counts_persons"]]
    assert ((persons["value"] == 0) | (persons["value"] >= K)).all()


def test_the_incomplete_year_is_marked(world, published_figures):
    last = _frame(world.warehouse, "select max(month_start) as m from intermediate.int_months")["m"][0]
    deltagelse = published_figures[published_figures["source"] == "deltagelse"]
    by_year = deltagelse.groupby("year")["is_complete"].agg(["min", "max"])
    assert not by_year.loc[last.year, "max"]  # the world ends in August
    assert by_year.loc[last.year - 1, "min"]


# --- forloeb on hand-made courses ---------------------------------------------------------

def _stayers(warehouse, months: list[str], count: int, exclude: str | None = None):
    """`count` residents who lived in one area (not `exclude`) in every one of `months`, by
    their pseudonyms as deliveries are written (raw)."""
    frame = _frame(
        warehouse,
        "select person_id, boligomraade as area from raw.beboere "
        "where strftime(period_start, '%Y-%m') in (select unnest(?)) "
        "group by person_id, area having count(*) = ? order by area, person_id",
        [months, len(months)],
    )
    frame = frame[frame["area"] != exclude]
    area = frame.groupby("area").size().loc[lambda s: s >= count].index[0]
    return area, list(frame.loc[frame["area"] == area, "person_id"][:count])


def _months(first: str, last: str) -> list[str]:
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


@pytest.fixture(scope="module")
def course_figures(world, tmp_path_factory) -> tuple[pd.DataFrame, str, str]:
    copy = world.copy(tmp_path_factory.mktemp("courses"))
    area_a, persons_a = _stayers(copy.warehouse, _months("2024-03", "2025-01"), 6)
    area_b, persons_b = _stayers(copy.warehouse, _months("2023-12", "2024-01"), 1, exclude=area_a)
    rows = []

    def snapshots(course, person, start, end, ending, months):
        for month in months:
            rows.append((dt.date.fromisoformat(month + "-01"), course, person, start, end, ending))

    start = dt.date(2024, 3, 10)
    for i, person in enumerate(persons_a[:5]):  # five courses end with the goal reached in May
        snapshots(f"A{i}", person, start, None, None, _months("2024-03", "2024-04"))
        snapshots(f"A{i}", person, start, dt.date(2024, 5, 20), "maal_naaet", ["2024-05"])
    snapshots("A5", persons_a[5], start, None, None, _months("2024-03", "2025-01"))  # still open
    # one course of area B, started in December 2023, dropped out of in January 2024
    snapshots("B0", persons_b[0], dt.date(2023, 12, 15), None, None, ["2023-12"])
    snapshots("B0", persons_b[0], dt.date(2023, 12, 15), dt.date(2024, 1, 10), "afbrudt", ["2024-01"])
    con = duckdb.connect(str(copy.warehouse))
    try:
        con.execute("delete from raw.forloeb")
        for source_row, (month, course, person, start_date, end_date, ending) in enumerate(rows, 1):
            con.execute(
                "insert into raw.forloeb values (?, ?, ?, null, null, ?, ?, ['jobcenter', 'skole'], ?, 0, ?)",
                [month, course, person, start_date, end_date, ending, source_row])
    finally:
        con.close()
    build(copy.warehouse, select="activity_figures")
    figures = _frame(copy.warehouse, "select * from marts.activity_figures where source = 'forloeb'")
    return figures, area_a, area_b


def _figure(figures: pd.DataFrame, year: int, area: str, figure_id: str):
    row = figures[(figures["year"] == year) & (figures["area"] == area)
                  & (figures["figure_id"] == figure_id)].iloc[0]
    return None if row["is_suppressed"] else int(row["value"])


def test_courses_started_open_and_ended_per_afslutning(course_figures):
    figures, a, _b = course_figures
    assert _figure(figures, 2024, "all", "courses_opened") == 6
    assert _figure(figures, 2024, a, "courses_opened") == 6
    assert _figure(figures, 2024, "all", "courses_open") == 7  # B0 was open in January
    assert _figure(figures, 2024, a, "courses_open") == 6
    assert _figure(figures, 2024, "all", "courses_ended_maal_naaet") == 5
    assert _figure(figures, 2024, a, "courses_ended_maal_naaet") == 5
    assert _figure(figures, 2024, "all", "courses_ended_delvist_naaet") == 0
    assert _figure(figures, 2024, "all", "courses_ended_flyttet") == 0
    assert _figure(figures, 2025, a, "courses_opened") == 0


def test_courses_of_one_to_k_minus_one_residents_are_hidden(course_figures):
    figures, _a, b = course_figures
    assert _figure(figures, 2024, b, "courses_open") is None  # one course
    assert _figure(figures, 2024, "all", "courses_ended_afbrudt") is None
    assert _figure(figures, 2024, b, "courses_ended_afbrudt") is None
    assert _figure(figures, 2025, "all", "courses_open") is None  # A5 alone
    assert _figure(figures, 2023, "all", "courses_opened") is None  # B0 alone
    # B's hidden single course beside the published total: one more area is hidden with it
    open_2024 = figures[(figures["year"] == 2024) & (figures["figure_id"] == "courses_open")]
    assert open_2024["is_suppressed"].sum() == 2
    groups = figures.groupby(["year", "figure_id"])["is_suppressed"].sum()
    assert (groups != 1).all()


# --- deltagelse on hand-made sessions -----------------------------------------------------

@pytest.fixture(scope="module")
def session_figures(world, tmp_path_factory) -> tuple[pd.DataFrame, list[str]]:
    """Hand-made sessions in 2024: area A one session (five volunteers, one participant, one
    unregistered, a partner), area B two sessions (seven participants, one of them later a
    volunteer), area C one session of two participants; the other areas nothing."""
    copy = world.copy(tmp_path_factory.mktemp("sessions"))
    areas = sorted(_frame(copy.warehouse, "select area from intermediate.int_areas")["area"])
    assert len(areas) >= 4
    a, b, c = areas[:3]
    rows = [("2024-03-05", "X", a, "Skolen" if i == 0 else None, f"p{i}", "frivillig" if i < 5 else "deltager")
            for i in range(6)]
    rows.append(("2024-03-05", "X", a, None, None, "deltager"))  # an unregistered participant
    rows += [("2024-04-10", "Y", b, None, f"q{i}", "deltager") for i in range(7)]
    rows.append(("2024-04-17", "Y", b, None, "q0", "frivillig"))
    rows += [("2024-06-01", "Z", c, None, f"r{i}", "deltager") for i in range(2)]
    con = duckdb.connect(str(copy.warehouse))
    try:
        con.execute("delete from raw.deltagelse")
        for source_row, (day, activity, area, partner, person, role) in enumerate(rows, 1):
            date = dt.date.fromisoformat(day)
            con.execute("insert into raw.deltagelse values (?, ?, ?, ?, 'S', ?, ?, ?, null, null, ?, 0, ?)",
                        [date.replace(day=1), date, activity, f"Aktivitet {activity}", area, partner,
                         person and person_id(person), role, source_row])  # raw holds 64-hex pseudonyms
    finally:
        con.close()
    build(copy.warehouse, select="int_sessions int_areas activity_figures")
    figures = _frame(copy.warehouse, "select * from marts.activity_figures "
                                     "where source = 'deltagelse' and year = 2024")
    return figures, [a, b, c, *areas[3:]]


def test_sessions_participants_and_volunteers_counted_by_hand(session_figures):
    figures, (a, b, c, *_) = session_figures
    expected = {
        ("all", "sessions"): 4, (a, "sessions"): 1, (b, "sessions"): 2, (c, "sessions"): 1,
        ("all", "sessions_with_partner"): 1, (a, "sessions_with_partner"): 1,
        (b, "sessions_with_partner"): 0,
        ("all", "participants"): 15, (a, "participants"): 6, (b, "participants"): 7,
        ("all", "volunteers"): 6,
    }
    for (area, figure_id), value in expected.items():
        assert _figure(figures, 2024, area, figure_id) == value, (area, figure_id)


def test_small_person_counts_and_their_complement_are_hidden_with_a_second_cell(session_figures):
    figures, (a, b, c, *others) = session_figures
    assert _figure(figures, 2024, c, "participants") is None  # two persons
    assert _figure(figures, 2024, b, "volunteers") is None  # one volunteer
    assert _figure(figures, 2024, a, "volunteers") is None  # five, but only one was not
    # C's participants alone in their group beside the total: the smallest other area goes too
    participants = figures[figures["figure_id"] == "participants"]
    hidden = set(participants.loc[participants["is_suppressed"], "area"])
    assert hidden == {c, min(others)}
    assert (figures.groupby("figure_id")["is_suppressed"].sum() != 1).all()
