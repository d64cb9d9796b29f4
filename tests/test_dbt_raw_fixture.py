"""A raw-schema fixture for the dbt tests: the `raw` tables of docs/interfaces.md, written to DuckDB.

`write_raw(path, tables)` creates the tables exactly as the interface specifies and inserts rows;
`random_raw(seed)` makes a small, varied, reproducible population (pseudonymous person ids, never a
CPR number). The test in this module checks the DDL against docs/interfaces.md itself, so the fixture
cannot drift from the contract the ingest implements.
"""

from __future__ import annotations

import calendar
import hashlib
import random
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.settings import PROJECT_ROOT

_PROVENANCE = [("load_id", "INTEGER"), ("source_row", "INTEGER")]
_PERSON = [("person_id", "VARCHAR"), ("birth_date", "DATE"), ("sex", "VARCHAR")]

RAW_TABLES: dict[str, list[tuple[str, str]]] = {
    "beboere": [("period_start", "DATE"), *_PERSON, ("boligomraade", "VARCHAR"),
                ("afdeling", "VARCHAR"), ("boligselskab", "VARCHAR"), *_PROVENANCE],
    "skole": [("period_start", "DATE"), *_PERSON, ("skole", "VARCHAR"), ("klassetrin", "INTEGER"),
              ("skoledage", "INTEGER"), ("fravaersdage", "DOUBLE"), *_PROVENANCE],
    "karakterer": [("skoleaar", "VARCHAR"), ("exam_year", "INTEGER"), *_PERSON, ("fag", "VARCHAR"),
                   ("karakter", "DOUBLE"), *_PROVENANCE],
    "beskaeftigelse": [("period_start", "DATE"), *_PERSON, ("status", "VARCHAR"), *_PROVENANCE],
    "deltagelse": [("period_start", "DATE"), ("dato", "DATE"), ("aktivitet_id", "VARCHAR"),
                   ("aktivitet", "VARCHAR"), ("delaftale", "VARCHAR"), ("boligomraade", "VARCHAR"),
                   ("partner", "VARCHAR"), *_PERSON, ("rolle", "VARCHAR"), *_PROVENANCE],
    "forloeb": [("period_start", "DATE"), ("forloeb_id", "VARCHAR"), *_PERSON, ("startdato", "DATE"),
                ("slutdato", "DATE"), ("aktoerer", "VARCHAR[]"), ("afslutning", "VARCHAR"), *_PROVENANCE],
    "load_log": [("load_id", "INTEGER"), ("run_id", "VARCHAR"), ("source", "VARCHAR"),
                 ("file_path", "VARCHAR"), ("sha256", "VARCHAR"), ("size_bytes", "BIGINT"),
                 ("file_format", "VARCHAR"), ("outcome", "VARCHAR"), ("rows_read", "INTEGER"),
                 ("rows_loaded", "INTEGER"), ("rows_quarantined", "INTEGER"),
                 ("rows_duplicate", "INTEGER"), ("periods", "VARCHAR[]"), ("period_hint", "VARCHAR"),
                 ("message", "VARCHAR"), ("loaded_at", "TIMESTAMP"), ("rows_aliased", "INTEGER")],
    "period_log": [("source", "VARCHAR"), ("period", "VARCHAR"), ("period_start", "DATE"),
                   ("load_id", "INTEGER"), ("rows_loaded", "INTEGER"),
                   ("replaced_load_id", "INTEGER"), ("loaded_at", "TIMESTAMP")],
    "quarantine": [("load_id", "INTEGER"), ("source", "VARCHAR"), ("file_path", "VARCHAR"),
                   ("source_row", "INTEGER"), ("period", "VARCHAR"), ("column_name", "VARCHAR"),
                   ("reason", "VARCHAR"), ("quarantined_at", "TIMESTAMP")],
    "warehouse_meta": [("key", "VARCHAR"), ("value", "VARCHAR")],
}

MONTHLY_SOURCES = ("beboere", "skole", "beskaeftigelse", "deltagelse", "forloeb")


def write_raw(path: Path, tables: dict[str, list[dict]]) -> Path:
    """Create the raw schema in a new DuckDB file at `path` and insert `tables` (name -> rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists raw")
        for name, columns in RAW_TABLES.items():
            ddl = ", ".join(f"{col} {typ}" for col, typ in columns)
            con.execute(f"create or replace table raw.{name} ({ddl})")
            rows = tables.get(name, [])
            if rows:
                names = [col for col, _ in columns]
                frame = pd.DataFrame([[row.get(col) for col in names] for row in rows],
                                     columns=names, dtype=object)
                con.register("fixture_rows", frame)
                con.execute(f"insert into raw.{name} select * from fixture_rows")
                con.unregister("fixture_rows")
        con.execute("checkpoint")
    return path


def person_id(label: str) -> str:
    """A pseudonym-shaped id (64 hex characters) for a fixture person."""
    return hashlib.sha256(f"fixture:{label}".encode()).hexdigest()


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def school_year_label(exam_year: int) -> str:
    return f"{exam_year - 1}/{exam_year % 100:02d}"


def logs_for(tables: dict[str, list[dict]], *, corrected: set[tuple[str, str]] = frozenset(),
             rejected: set[tuple[str, str]] = frozenset()) -> dict[str, list[dict]]:
    """load_log/period_log rows for the data in `tables`: one file per (source, period);
    `corrected` periods get a second delivery, `rejected` ones a rejected file and no rows."""
    loaded_at = datetime(2025, 7, 1, 6, 0)
    load_log, period_log = [], []
    periods: dict[tuple[str, str], tuple[date, int]] = {}
    for source in (*MONTHLY_SOURCES, "karakterer"):
        for row in tables.get(source, []):
            if source == "karakterer":
                key = (source, row["skoleaar"])
                start = date(row["exam_year"], 6, 1)
            else:
                key = (source, month_label(row["period_start"]))
                start = row["period_start"]
            count = periods.get(key, (start, 0))[1]
            periods[key] = (start, count + 1)

    def new_load(source: str, period: str, outcome: str, rows: int) -> int:
        load_id = len(load_log) + 1
        load_log.append({
            "load_id": load_id, "run_id": "fixture", "source": source,
            "file_path": f"{source}/{source}_{period.replace('/', '-')}_{load_id}.csv",
            "sha256": hashlib.sha256(f"{source}{period}{load_id}".encode()).hexdigest(),
            "size_bytes": 100 * rows, "file_format": "csv;utf-8", "outcome": outcome,
            "rows_read": rows, "rows_loaded": rows if outcome == "loaded" else 0,
            "rows_quarantined": 0, "rows_duplicate": 0,
            "periods": [period] if outcome == "loaded" else None,
            "period_hint": period, "message": None if outcome == "loaded" else "missing columns",
            "loaded_at": loaded_at + timedelta(minutes=load_id),
        })
        return load_id

    for (source, period), (start, rows) in sorted(periods.items()):
        first = new_load(source, period, "loaded", rows)
        period_log.append({"source": source, "period": period, "period_start": start,
                           "load_id": first, "rows_loaded": rows, "replaced_load_id": None,
                           "loaded_at": load_log[-1]["loaded_at"]})
        if (source, period) in corrected:
            second = new_load(source, period, "loaded", rows)
            period_log.append({"source": source, "period": period, "period_start": start,
                               "load_id": second, "rows_loaded": rows, "replaced_load_id": first,
                               "loaded_at": load_log[-1]["loaded_at"]})
    for source, period in sorted(rejected):
        new_load(source, period, "rejected", 0)
    return {"load_log": load_log, "period_log": period_log}


AREAS = ("Houlkær", "Vestervang", "Ellekonebakken")
FIXTURE_FIRST_MONTH = date(2024, 1, 1)
FIXTURE_MONTHS = 19  # 2024-01 .. 2025-07
FIXTURE_GAP = date(2024, 11, 1)  # no beboere snapshot that month: quarters/years incomplete
STATUS_WEIGHTS = {
    "beskaeftiget": 30, "selvstaendig": 3, "fleksjob": 3, "under_uddannelse": 10, "dagpenge": 5,
    "kontanthjaelp": 10, "uddannelseshjaelp": 4, "selvforsoergelsesydelse": 3, "sygedagpenge": 3,
    "ressourceforloeb": 2, "jobafklaring": 2, "ledighedsydelse": 1, "foertidspension": 6,
    "efterloen": 2, "folkepension": 3, "oevrige": 5,
}


def _birth_date(rng: random.Random, age: int) -> date:
    year = 2024 - age
    month = rng.randint(1, 12)
    day = rng.choice([1, rng.randint(1, 28), calendar.monthrange(year, month)[1]])
    return date(year, month, day)


def random_raw(seed: int = 7, persons: int = 480) -> dict[str, list[dict]]:
    """A reproducible population across three areas and 19 months with every edge the indicators
    care about: moves, missing employment rows, two schools in a month, exact 10 % absence,
    missing exam subjects, a leap-day birth, birthdays on a month's last day, a month without a
    beboere snapshot, unregistered participants, sessions with and without partners."""
    rng = random.Random(seed)
    months = [add_months(FIXTURE_FIRST_MONTH, i) for i in range(FIXTURE_MONTHS)]
    tables: dict[str, list[dict]] = {name: [] for name in RAW_TABLES}
    people = []
    for i in range(persons):
        age = rng.choice([rng.randint(0, 15), rng.randint(6, 17), rng.randint(16, 24),
                          rng.randint(16, 66), rng.randint(25, 90)])
        birth = _birth_date(rng, age)
        if i == 0:
            birth = date(2008, 2, 29)  # leap-day birth, turns 16 in March 2024 (Feb has 29 days)
        if i == 1:
            birth = date(2009, 4, 30)  # turns 16 on the last day of April 2025
        people.append({
            "person_id": person_id(f"p{i}"), "birth_date": birth,
            "sex": "female" if i % 2 == 0 else "male",
            "area": AREAS[rng.choices(range(3), weights=[5, 3, 2])[0]],
            "first": rng.choice([0] * 6 + list(range(1, FIXTURE_MONTHS))),
            "last": rng.choice([FIXTURE_MONTHS - 1] * 6 + list(range(FIXTURE_MONTHS))),
            "status": rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0],
        })
    for person in people:
        if person["last"] < person["first"]:
            person["first"], person["last"] = person["last"], person["first"]

    row_counter: dict[str, int] = {}

    def add(table: str, **row) -> None:
        row_counter[table] = row_counter.get(table, 1) + 1
        row.setdefault("load_id", 1)
        row["source_row"] = row_counter[table]
        tables[table].append(row)

    def who(person: dict) -> dict:
        return {k: person[k] for k in ("person_id", "birth_date", "sex")}

    def age_at(person: dict, month: date) -> int:
        end = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
        birth = person["birth_date"]
        return end.year - birth.year - ((end.month, end.day) < (birth.month, birth.day))

    for index, month in enumerate(months):
        for person in people:
            if not person["first"] <= index <= person["last"] or age_at(person, month) < 0:
                continue
            if rng.random() < 0.03:  # moved area this month
                person["area"] = rng.choice(AREAS)
            if month != FIXTURE_GAP:
                add("beboere", period_start=month, **who(person), boligomraade=person["area"],
                    afdeling=str(AREAS.index(person["area"]) + 10), boligselskab=None)
            age = age_at(person, month)
            if 16 <= age <= 66 and rng.random() > 0.05:  # ~5 % missing employment rows
                if rng.random() < 0.12:
                    person["status"] = rng.choices(list(STATUS_WEIGHTS),
                                                   weights=list(STATUS_WEIGHTS.values()))[0]
                add("beskaeftigelse", period_start=month, **who(person), status=person["status"])
            if 6 <= age <= 17 and month.month != 7:
                level = min(max(age - 6, 0), 10)
                days = rng.choice([15, 18, 20, 21, 22])
                # half days only (data contract); 1.5 of 15 and 2 of 20 are exactly 10 %
                absent = rng.choice([0, 0, 0.5, 1, 2, 3, 4.5] + ([days / 10] * 2
                                    if days in (15, 20) else []))
                if rng.random() < 0.1:  # changed school: two rows in the month
                    add("skole", period_start=month, **who(person), skole="Vestervangskolen",
                        klassetrin=level, skoledage=10, fravaersdage=min(absent, 10))
                    add("skole", period_start=month, **who(person), skole="Houlkærskolen",
                        klassetrin=level, skoledage=days - 10, fravaersdage=1.5)
                else:
                    add("skole", period_start=month, **who(person), skole="Houlkærskolen",
                        klassetrin=level, skoledage=days, fravaersdage=absent)
    # A pupil who lives outside the plan's areas (skole rows of non-residents are left out).
    outsider = {"person_id": person_id("outsider"), "birth_date": date(2013, 5, 5), "sex": "male"}
    for month in months[:3]:
        add("skole", period_start=month, **outsider, skole="Houlkærskolen", klassetrin=4,
            skoledage=20, fravaersdage=5.0)

    for exam_year in (2024, 2025):
        for person in people:
            if person["birth_date"].year != exam_year - 16 or rng.random() < 0.1:
                continue
            subjects = ["dansk", "matematik"] if rng.random() > 0.08 else ["dansk"]
            for subject in subjects:
                grade = rng.choice([-3.0, 0.0, 1.9, 2.0, 4.0, 5.3, 7.0, 10.0, 12.0])
                add("karakterer", skoleaar=school_year_label(exam_year), exam_year=exam_year,
                    **who(person), fag=subject, karakter=grade)

    activities = [
        ("lektiecafe", "Lektiecafé", "uddannelse_og_livschancer", "Houlkær", "Viborg Bibliotek"),
        ("jobcafe", "Jobcafé", "beskaeftigelse", "Vestervang", "Jobcenter Viborg"),
        ("faellesspisning", "Fællesspisning", "sammenhaengskraft_og_medborgerskab",
         "Ellekonebakken", None),
        ("fodbold", "Gadefodbold", "sammenhaengskraft_og_medborgerskab", "Houlkær", "VFF"),
    ]
    for month in months:
        for activity_id, name, delaftale, area, partner in activities:
            for week in range(rng.randint(1, 4)):
                day = date(month.year, month.month, 1 + 7 * week)
                session_partner = partner if partner and rng.random() < 0.5 else None
                local = [p for p in people if p["area"] == area]
                attendees = rng.sample(local, k=min(len(local), rng.randint(2, 8)))
                for n, person in enumerate(attendees):
                    add("deltagelse", period_start=month, dato=day, aktivitet_id=activity_id,
                        aktivitet=name, delaftale=delaftale, boligomraade=area,
                        partner=session_partner if n == 0 else None, **who(person),
                        rolle="frivillig" if n == 0 and rng.random() < 0.7 else "deltager")
                for _ in range(rng.randint(0, 2)):  # unregistered participants
                    add("deltagelse", period_start=month, dato=day, aktivitet_id=activity_id,
                        aktivitet=name, delaftale=delaftale, boligomraade=area, partner=None,
                        person_id=None, birth_date=None, sex=None, rolle="deltager")

    # Coordinated courses (own random stream: the other tables stay as they were): every eighth
    # person has one of 5 months from their first month, listed in each month's snapshot; it
    # starts on the month's last day or its first, ends on the first day of its last month.
    courses = random.Random(seed + 1)
    actors = (["jobcenter"], ["jobcenter", "skole"], ["sundhed", "socialforvaltning", "skole"])
    endings = ("maal_naaet", "delvist_naaet", "afbrudt", "flyttet", "maal_naaet")
    for i, person in enumerate(people):
        if i % 8 or person["last"] - person["first"] < 5:
            continue
        start, end = person["first"], person["first"] + 4
        opened = months[start]
        start_day = date(opened.year, opened.month, calendar.monthrange(opened.year, opened.month)[1]) \
            if courses.random() < 0.3 else opened
        for index in range(start, end + 1):
            add("forloeb", period_start=months[index], forloeb_id=f"F{i}", **who(person),
                startdato=start_day, slutdato=months[end] if index == end else None,
                aktoerer=actors[courses.randrange(3)] if index == start else actors[i % 3],
                afslutning=endings[(i // 8) % 5] if index == end else None)

    # The skole delivery of 2025-03 was rejected: no rows for that month.
    tables["skole"] = [r for r in tables["skole"] if month_label(r["period_start"]) != "2025-03"]
    tables.update(logs_for(tables, corrected={("beboere", "2024-03")},
                           rejected={("skole", "2025-03")}))
    tables["quarantine"] = [{
        "load_id": 1, "source": "beboere", "file_path": "beboere/beboere_2024-01.csv",
        "source_row": 99, "period": "2024-01", "column_name": "cpr", "reason": "cpr: invalid date",
        "quarantined_at": datetime(2025, 7, 1, 6, 0),
    }]
    tables["warehouse_meta"] = [{"key": "schema_version", "value": "1"}]
    return tables


def _interface_columns() -> dict[str, list[tuple[str, str]]]:
    """Parse the raw-table rows of docs/interfaces.md into {table: [(column, TYPE or '')]}."""
    text = (PROJECT_ROOT / "docs" / "interfaces.md").read_text(encoding="utf-8")
    tables = {}
    for table, cells in re.findall(r"^\| `raw\.(\w+)` \| (.+) \|$", text, flags=re.MULTILINE):
        cells = re.sub(r"\([^)]*\)", "", cells)  # drop explanations in parentheses
        tables[table] = re.findall(r"`(\w+)(?: ([A-Z]+(?:\[\])?))?`", cells)
    return tables


def test_fixture_tables_match_the_interface() -> None:
    documented = _interface_columns()
    assert set(documented) == set(RAW_TABLES)
    for table, columns in RAW_TABLES.items():
        assert [c for c, _ in columns] == [c for c, _ in documented[table]], table
        types = dict(columns)
        for name, declared in documented[table]:
            if declared:
                assert types[name] == declared, (table, name)


def test_random_fixture_has_the_edges_the_indicators_need(tmp_path: Path) -> None:
    tables = random_raw()
    path = write_raw(tmp_path / "warehouse.duckdb", tables)
    with duckdb.connect(str(path), read_only=True) as con:
        two_schools = con.execute("""select count(*) from (select person_id from raw.skole
            group by person_id, period_start having count(*) > 1)""").fetchone()[0]
        gap = con.execute("select count(*) from raw.beboere where period_start = ?",
                          [FIXTURE_GAP]).fetchone()[0]
        movers = con.execute("""select count(*) from (select person_id from raw.beboere
            group by person_id having count(distinct boligomraade) > 1)""").fetchone()[0]
        one_subject = con.execute("""select count(*) from (select person_id from raw.karakterer
            group by person_id, exam_year having count(*) = 1)""").fetchone()[0]
        exact_ten = con.execute("""select count(*) from raw.skole
            where fravaersdage * 10 = skoledage""").fetchone()[0]
        anonymous = con.execute("select count(*) from raw.deltagelse where person_id is null"
                            ).fetchone()[0]
    assert two_schools > 0 and movers > 0 and one_subject > 0 and exact_ten > 0
    assert anonymous > 0 and gap == 0
