"""The synthetic sample's `forloeb` (coordinated courses): monthly snapshots in the contract's messy
forms, deterministic, with realistic content and only a few deliberate bad rows.

The files are read back with a reader written here from the data contract (not the generator's
code); the real ingest and dbt build then check that the pipeline takes them as intended.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import re
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from pipelines.catalogue import course_codes
from pipelines.ingest import ingest_all
from pipelines.sample import courses, generate

ACTORS = {c.code for c in course_codes("aktoer")}
ENDINGS = {c.code for c in course_codes("afslutning")}
COLUMNS = ("periode", "forloeb_id", "cpr", "startdato", "slutdato", "aktoerer", "afslutning")


# --- a reader written from the data contract -----------------------------------------------


def fold_header(text: str) -> str:
    return str(text).strip().lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def fold_code(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_header(text))


def decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def read(path: Path) -> tuple[pd.DataFrame, dict]:
    """Cells as read (str in text files, Python values in xlsx, '' for empty), headers folded."""
    if path.suffix == ".xlsx":
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = [["" if v is None else v for v in r] for r in ws.iter_rows(values_only=True)]
        info = {"format": "xlsx", "delimiter": None, "header": [str(h) for h in rows[0]]}
    else:
        text, encoding = decode(path.read_bytes())
        lines = [line for line in text.splitlines() if line.strip()]
        delimiter = max([";", ",", "\t"], key=lines[0].count)
        rows = list(csv.reader(lines, delimiter=delimiter))
        info = {"format": "csv", "encoding": encoding, "delimiter": delimiter, "header": rows[0]}
    width = len(rows[0])  # a workbook row may end before its empty last cells
    body = [list(r) + [""] * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=[fold_header(h) for h in rows[0]], dtype=object)
    return frame, info


def cpr10(value) -> str | None:
    text = str(value).strip().replace("-", "")
    if re.fullmatch(r"\d{9}", text):
        text = "0" + text
    if not re.fullmatch(r"\d{10}", text):
        return None
    dd, mm, yy, d7 = int(text[:2]), int(text[2:4]), int(text[4:6]), int(text[6])
    year = (
        1900 + yy
        if d7 <= 3
        else (2000 + yy if yy <= 36 else 1900 + yy)
        if d7 in (4, 9)
        else (2000 + yy if yy <= 57 else 1800 + yy)
    )
    try:
        dt.date(year, mm, dd)
    except ValueError:
        return None
    return text


def date_of(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(str(value).strip(), pattern).date()
        except ValueError:
            continue
    return None


def month_of(value) -> dt.date | None:
    """First day of the period's month."""
    if isinstance(value, dt.datetime):
        return dt.date(value.year, value.month, 1)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})-?(\d{2})", text)
    if match:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    day = date_of(text)
    return day.replace(day=1) if day else None


def last_day(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def actor_set(value) -> frozenset[str] | None:
    """The actors as a set of codes; None when empty or an unknown code is listed."""
    parts = {fold_code(p) for p in re.split(r"[,;|]", str(value))} - {""}
    known = {fold_code(c): c for c in ACTORS}
    if not parts or not parts <= set(known):
        return None
    return frozenset(known[p] for p in parts)


def ending_of(value) -> str | None:
    return {fold_code(c): c for c in ENDINGS}.get(fold_code(value))


def parse_row(row: dict) -> dict | None:
    """The row's values under the contract's rules; None when a rule is broken."""
    month, start = month_of(row["periode"]), date_of(row["startdato"])
    person, actors = cpr10(row["cpr"]), actor_set(row["aktoerer"])
    course = str(row["forloeb_id"]).strip()
    end_text, ending_text = str(row["slutdato"]).strip(), str(row["afslutning"]).strip()
    end = date_of(row["slutdato"]) if end_text else None
    ending = ending_of(ending_text) if ending_text else None
    if None in (month, start, person, actors) or not course:
        return None
    if (end_text and end is None) or (ending_text and ending is None):
        return None
    if start > last_day(month) or (end is None) != (ending is None):
        return None
    if end is not None and (end < start or end < month):
        return None
    return {
        "month": month,
        "course": course,
        "cpr": person,
        "start": start,
        "end": end,
        "ending": ending,
        "actors": actors,
    }


@functools.cache
def check_file(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """Valid rows (exact duplicates once) and the 0-based indices of the rows the pipeline must
    quarantine: broken rules, and rows of one (periode, forloeb_id) that differ."""
    frame, _ = read(path)
    parsed = [parse_row(r) for r in frame.to_dict("records")]
    bad = [i for i, p in enumerate(parsed) if p is None]
    good = pd.DataFrame([dict(p, row=i) for i, p in enumerate(parsed) if p is not None])
    if good.empty:
        return good, bad
    content = good.drop(columns="row").apply(lambda r: "|".join(str(v) for v in r), axis=1)
    versions = content.groupby([good["month"], good["course"]]).transform("nunique")
    bad += good.loc[versions > 1, "row"].tolist()
    good = good[versions == 1].drop_duplicates(subset=["month", "course"])
    return good.drop(columns="row"), sorted(bad)


def forloeb_files(out: Path) -> list[Path]:
    return sorted((out / "forloeb").iterdir())


def snapshots(out: Path) -> pd.DataFrame:
    return pd.concat([check_file(p)[0] for p in forloeb_files(out)], ignore_index=True)


def residents(out: Path) -> pd.DataFrame:
    """(month, cpr) of the beboere files (valid CPRs; a copy of a file counted once)."""
    rows = set()
    for path in sorted((out / "beboere").iterdir()):
        frame, _ = read(path)
        for periode, number in zip(frame["periode"], frame["cpr"]):
            person, month = cpr10(number), month_of(periode)
            if person and month:
                rows.add((month, person))
    return pd.DataFrame(sorted(rows), columns=["month", "cpr"])


def _bytes(out: Path, sources: tuple[str, ...] | None = None) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and (sources is None or p.parent.name in sources)
    }


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_run(tmp_path_factory) -> tuple[Path, dict]:
    """Four and a half years around the plan's start (2025), the default size's areas."""
    out = tmp_path_factory.mktemp("long")
    return out, generate(out, residents=3500, start="2022-01", end="2026-06", seed=2025)


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> tuple[Path, dict]:
    """Large enough for the deliberate bad rows (they need 40 rows in a file)."""
    out = tmp_path_factory.mktemp("medium")
    return out, generate(out, residents=2000, start="2024-01", end="2025-06", seed=5)


# --- tests ----------------------------------------------------------------------------------


def test_forloeb_is_deterministic_and_leaves_the_other_sources_bytes_alone(tmp_path, monkeypatch):
    args = {"residents": 600, "start": "2024-05", "end": "2025-02", "seed": 3}
    first, again = tmp_path / "a", tmp_path / "b"
    generate(first, **args)
    generate(again, **args)
    assert _bytes(first, ("forloeb",)) and _bytes(first) == _bytes(again)
    # other courses (a higher start rate) change forloeb only: the other sources' bytes stay
    monkeypatch.setattr(courses, "START_HAZARD", courses.START_HAZARD * 3)
    busier = tmp_path / "c"
    generate(busier, **args)
    others = tuple(p.name for p in first.iterdir() if p.name != "forloeb")
    assert len(others) == 5
    assert _bytes(busier, others) == _bytes(first, others)
    assert _bytes(busier, ("forloeb",)) != _bytes(first, ("forloeb",))
    plain = [tmp_path / "p1", tmp_path / "p2"]
    for folder in plain:
        generate(folder, residents=1500, start="2025-01", end="2025-03", seed=3, plain=True)
    assert _bytes(plain[0], ("forloeb",)) == _bytes(plain[1], ("forloeb",))


def test_a_few_per_cent_of_residents_are_in_a_course_each_month(long_run):
    out, summary = long_run
    courses_ = snapshots(out)
    people = residents(out)
    months = pd.period_range("2022-01", "2026-06", freq="M")
    assert sorted(courses_["month"].unique()) == [m.to_timestamp().date() for m in months]
    in_course = people.merge(courses_[["month", "cpr"]].drop_duplicates(), on=["month", "cpr"])
    share = in_course.groupby("month").size() / people.groupby("month").size()
    assert share.between(0.01, 0.06).all(), share.describe()
    # a course is for a resident of the month (the register knows its residents)
    resident_rows = courses_.merge(people, on=["month", "cpr"]).shape[0]
    assert resident_rows == len(courses_)
    assert summary["rows"]["forloeb"] == sum(len(read(p)[0]) for p in forloeb_files(out))


def test_courses_have_one_to_four_actors_mostly_two_or_three(long_run):
    out, _ = long_run
    per_course = snapshots(out).drop_duplicates("course")
    counts = per_course["actors"].map(len)
    assert counts.between(1, 4).all()
    shares = counts.value_counts(normalize=True)
    assert 0.08 < shares[1] < 0.22
    assert shares[2] + shares[3] > 0.6
    assert shares.get(4, 0) > 0.03
    assert len(set().union(*per_course["actors"])) >= 8  # the register uses most codes
    assert per_course["course"].str.fullmatch(r"F-\d{6}").all()


def test_courses_last_months_and_end_as_the_plan_expects(long_run):
    out, _ = long_run
    rows = snapshots(out)
    people = residents(out)
    first_month, last_month = rows["month"].min(), rows["month"].max()
    spans = rows.groupby("course").agg(
        start=("start", "first"),
        starts=("start", "nunique"),
        people=("cpr", "nunique"),
        cpr=("cpr", "first"),
        first=("month", "min"),
        last=("month", "max"),
        months=("month", "nunique"),
        end=("end", "max"),
        ending=("ending", "max"),
    )
    assert (spans["starts"] == 1).all() and (spans["people"] == 1).all()  # a stable course
    # a deliberate bad row takes one course out of one snapshot; nothing else is missing
    bad = sum(len(check_file(p)[1]) for p in forloeb_files(out))
    # shown every month from the start (or the first file) to the end: no gaps
    index = spans[["first", "last"]].map(lambda d: d.year * 12 + d.month)
    gaps = (index["last"] - index["first"] + 1 - spans["months"]).sum()
    ended = spans[spans["end"].notna()]
    # an ended course is in the snapshot of its end month and in no later one
    assert (ended["last"] == ended["end"].map(lambda d: d.replace(day=1))).all()
    unexplained = (spans["end"].isna() & (spans["last"] < last_month)).sum()
    assert gaps + unexplained <= bad
    # start dates any day of the month
    assert rows["start"].map(lambda d: d.day).nunique() >= 28
    # lasting months: courses started and ended inside the period
    inside = ended[ended["start"] >= first_month]
    length = inside.apply(
        lambda r: (r["end"].year - r["start"].year) * 12 + r["end"].month - r["start"].month + 1,
        axis=1,
    )
    normal = length[inside["ending"].isin(["maal_naaet", "delvist_naaet"])]
    assert normal.between(3, 18).all() and 5 <= normal.median() <= 11
    # endings: goal reached most often, dropped out and moved away less
    shares = ended["ending"].value_counts(normalize=True)
    assert 0.32 < shares["maal_naaet"] < 0.55
    assert 0.17 < shares["delvist_naaet"] < 0.33
    assert 0.10 < shares["afbrudt"] < 0.28
    assert 0.02 < shares["flyttet"] < 0.2
    # flyttet: resident in the end month, gone the month after; the others stay
    resident = set(zip(people["month"], people["cpr"]))
    after = ended[ended["last"] < last_month]
    next_month = after["last"].map(lambda d: (d + dt.timedelta(days=31)).replace(day=1))
    still_there = [(m, c) in resident for m, c in zip(next_month, after["cpr"])]
    moved = after["ending"] == "flyttet"
    assert not any(s for s, f in zip(still_there, moved) if f)
    assert sum(still_there) > 0.95 * (~moved).sum()


def test_from_2025_the_plan_brings_more_courses_and_more_goals_reached(tmp_path):
    """Large enough (plain files) for the plan's effect to stand out from chance."""
    out = tmp_path / "plan"
    generate(out, residents=15_000, start="2023-07", end="2026-06", seed=2025, plain=True)
    people = {
        month_of(p.stem.split("_")[1]): pd.read_csv(p, dtype=str)["cpr"].nunique()
        for p in sorted((out / "beboere").iterdir())
    }
    rows = snapshots(out)
    share = rows.groupby("month")["cpr"].nunique() / pd.Series(people)
    year = pd.Series([m.year for m in share.index], index=share.index)
    before, plan = share[year <= 2024].mean(), share[year >= 2025].mean()
    assert 1.05 * before < plan < 1.5 * before  # slightly more
    ended = rows[rows["end"].notna()]
    goal = (ended["ending"] == "maal_naaet").groupby(ended["end"].map(lambda d: d.year >= 2025))
    assert goal.mean()[True] > goal.mean()[False] + 0.04
    assert (goal.size() > 500).all()


def test_the_contracts_messy_forms_occur_in_forloeb(long_run):
    out, _ = long_run
    infos = [(p, *read(p)) for p in forloeb_files(out)]
    assert {"csv", "xlsx"} <= {i["format"] for _, _, i in infos}
    assert {"utf-8", "utf-8-sig", "cp1252"} <= {i.get("encoding") for _, _, i in infos}
    assert {";", ",", "\t"} <= {i["delimiter"] for _, _, i in infos}
    headers = {h.strip() for _, _, i in infos for h in i["header"]}
    assert {"Forløb_ID", "Aktører"} <= headers
    cp1252 = [p for p, _, i in infos if i.get("encoding") == "cp1252"]
    assert cp1252 and all(b"\xf8" in p.read_bytes().split(b"\n")[0] for p in cp1252)  # ø
    # actor separators, and `;` inside a `;`-delimited file is quoted (it parses back to codes)
    separators = set()
    for _, frame, info in infos:
        for value in frame["aktoerer"]:
            separators |= set(re.findall(r"[,;|]", str(value)))
    assert {",", ";", "|"} <= separators
    semicolon = [(p, f) for p, f, i in infos if i["delimiter"] == ";"]
    assert any(f["aktoerer"].str.contains(";").any() for _, f in semicolon)
    assert any(b'"' in p.read_bytes() for p, _ in semicolon)
    # codes in mixed case
    codes = {str(v) for _, f, _ in infos for v in f["aktoerer"]} | {
        str(v) for _, f, _ in infos for v in f["afslutning"] if v
    }
    assert any(c != c.lower() for c in codes) and any(c == c.lower() for c in codes)
    # date forms, and real date cells in a workbook
    texts = {str(v) for _, f, i in infos if i["format"] == "csv" for v in f["startdato"].head(3)}
    for pattern in (r"\d{4}-\d{2}-\d{2}", r"\d{2}-\d{2}-\d{4}", r"\d{2}\.\d{2}\.\d{4}"):
        assert any(re.fullmatch(pattern, t) for t in texts), pattern
    assert any(
        isinstance(v, dt.datetime)
        for _, f, i in infos
        if i["format"] == "xlsx"
        for v in f["startdato"]
    )


def test_bad_rows_are_few_and_of_the_deliberate_kinds(medium):
    out, _ = medium
    total_bad = 0
    for path in forloeb_files(out):
        frame, _ = read(path)
        _, bad = check_file(path)
        assert len(bad) <= 3 and len(bad) < 0.03 * len(frame), (path.name, len(bad), len(frame))
        total_bad += len(bad)
    assert total_bad >= 4


def test_the_real_ingest_loads_every_snapshot_and_quarantines_only_the_bad_rows(medium, tmp_path):
    out, _ = medium
    warehouse = tmp_path / "wh.duckdb"
    summary = ingest_all(out, warehouse, "sample-forloeb", ("forloeb",))
    assert all(f.outcome == "loaded" for f in summary.files)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        months = con.execute(
            "select distinct strftime(period_start, '%Y-%m') from raw.forloeb order by 1"
        ).fetchall()
        quarantined = con.execute(
            "select file_path, source_row from raw.quarantine where source = 'forloeb'"
        ).fetchall()
        loaded = dict(
            con.execute(
                "select file_path, rows_loaded from raw.load_log where source = 'forloeb'"
            ).fetchall()
        )
    assert [m for (m,) in months] == [
        str(p) for p in pd.period_range("2024-01", "2025-06", freq="M")
    ]
    by_file: dict[str, set[int]] = {}
    for file_path, row in quarantined:
        by_file.setdefault(Path(file_path).name, set()).add(row)
    expected = {}
    for path in forloeb_files(out):
        good, bad = check_file(path)
        if bad:
            expected[path.name] = {i + 2 for i in bad}  # line 1 is the header
        [rows] = [n for f, n in loaded.items() if Path(f).name == path.name]
        assert rows == len(good), path.name
    assert by_file == expected and expected


def test_plain_mode_writes_forloeb_as_plain_utf8_csv_the_ingest_reads(tmp_path):
    out = tmp_path / "plain"
    generate(out, residents=2500, start="2025-01", end="2025-03", seed=4, plain=True)
    files = forloeb_files(out)
    assert [p.name for p in files] == [f"forloeb_2025-0{m}.csv" for m in (1, 2, 3)]
    for path in files:
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        header = raw.decode("utf-8").split("\n", 1)[0]
        assert header.split(",") == list(COLUMNS)
    warehouse = tmp_path / "wh.duckdb"
    ingest_all(out, warehouse, "plain", ("forloeb",))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = con.execute("select count(*) from raw.forloeb").fetchone()[0]
        quarantined = con.execute("select count(*) from raw.quarantine").fetchone()[0]
    assert loaded == len(snapshots(out)) and quarantined == sum(
        len(check_file(p)[1]) for p in files
    )


def test_the_two_course_indicators_are_not_empty_on_the_world(world):
    """The session's world (sample → ingest → dbt build): residents in a coordinated course
    each month, counted here from the delivered files, and courses that reached their goal."""
    rows = snapshots(world.raw)
    people = residents(world.raw)
    open_ = rows[
        (rows["start"] <= rows["month"].map(last_day))
        & (rows["end"].isna() | (rows["end"] >= rows["month"]))
        & (rows["actors"].map(len) >= 2)
    ]
    expected = people.merge(open_[["month", "cpr"]].drop_duplicates(), on=["month", "cpr"])
    expected = expected.groupby("month").size()
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        coordinated = dict(
            con.execute(
                "select month_start, sum(numerator) from intermediate.int_ind_s_koordinerede_forloeb"
                " group by 1"
            ).fetchall()
        )
        goals = con.execute(
            "select count(*), sum(numerator) from intermediate.int_ind_s_forloeb_maal_naaet"
        ).fetchone()
    assert expected.min() > 0 and len(expected) == len(people["month"].unique())
    assert {m: int(v) for m, v in coordinated.items()} == expected.to_dict()
    assert goals[0] > 10 and 0 < goals[1] < goals[0]
