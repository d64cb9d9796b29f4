"""A small warehouse shaped as docs/interfaces.md and docs/indicators.md describe, for the
gate's and publishing's tests, plus tests that the fixture keeps to those documents.

Persons are pseudonymous (64-hex ids); no CPR number is made. The marts are synthetic but follow
the rules of docs/indicators.md: values = numerator / denominator × factor, suppression kept to both rules.
"""

from __future__ import annotations

import hashlib
import random
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import catalogue
from pipelines.ingest.warehouse import LOG_TABLES
from pipelines.settings import PROJECT_ROOT

AREAS = ("Houlkær", "Ellekær", "Vestervang")
FIRST_MONTH, LAST_MONTH = date(2024, 1, 1), date(2025, 8, 1)
EXAM_YEARS = (2024, 2025)
# Persons per (area, sex) in a cell's population; one table per kind of indicator.
POPULATION = {
    "default": {
        ("Houlkær", "female"): 60,
        ("Houlkær", "male"): 55,
        ("Ellekær", "female"): 40,
        ("Ellekær", "male"): 38,
        ("Vestervang", "female"): 30,
        ("Vestervang", "male"): 28,
    },
    # Small: Ellekær and Vestervang are suppressed (all of their cells), every rule kept.
    "B_OVERGANG_JOB_UDD": {
        ("Houlkær", "female"): 12,
        ("Houlkær", "male"): 12,
        ("Ellekær", "female"): 3,
        ("Ellekær", "male"): 3,
        ("Vestervang", "female"): 3,
        ("Vestervang", "male"): 3,
    },
    "U_DANSK_MAT_02": {
        cell: 10 for cell in [(area, sex) for area in AREAS for sex in ("female", "male")]
    },
}
RATE = {
    "U_FRAVAER": 0.06,
    "U_HOEJT_FRAVAER": 0.25,
    "U_DANSK_MAT_02": 0.5,
    "U_UNGE_I_UDD_JOB": 0.7,
    "B_BESKAEFTIGELSE": 0.5,
    "B_OFFENTLIG_FORSOERGELSE": 0.3,
    "B_OVERGANG_JOB_UDD": 0.5,
    "S_AKTIVE_FRIVILLIGE": 0.25,
    "S_DELTAGELSE": 0.25,
    "S_BROBYGNING": 0.4,
}
SUPPRESSED_AREAS = {"B_OVERGANG_JOB_UDD": {"Ellekær", "Vestervang"}}
SCHOOL_DAYS = 20
K = 5


def months(first: date = FIRST_MONTH, last: date = LAST_MONTH) -> list[date]:
    out, current = [], first
    while current <= last:
        out.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out


def pseudonym(index: int) -> str:
    return hashlib.sha256(f"fixture-person-{index}".encode()).hexdigest()


def _age(birth: date, month: date) -> int:
    last_day = date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1)
    return last_day.year - birth.year - ((last_day.month, last_day.day) < (birth.month, birth.day))


# ---------------------------------------------------------------------------------------- raw


def _persons(count: int = 300) -> list[dict]:
    rng = random.Random(7)
    persons = []
    for index in range(count):
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 68))
        persons.append(
            {
                "person_id": pseudonym(index),
                "birth_date": birth,
                "sex": "female" if index % 2 else "male",
                "boligomraade": AREAS[index % len(AREAS)],
                "afdeling": str(10 + index % 4),
                "index": index,
            }
        )
    return persons


class RawBuilder:
    """Raw tables, load_log and period_log as ingest writes them: one file per source and period."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {
            name: [] for name in ("beboere", "skole", "beskaeftigelse", "karakterer", "deltagelse")
        }
        self.load_log: list[dict] = []
        self.period_log: list[dict] = []
        self.quarantine: list[dict] = []
        self.loaded_at = datetime(2026, 1, 1, 8, 0)

    def file(
        self, source: str, period: str, period_start: date, rows: list[dict], quarantined: int = 0
    ) -> int:
        load_id = len(self.load_log) + 1
        self.loaded_at += timedelta(seconds=1)
        path = f"{source}/{source}_{period.replace('/', '-')}.csv"
        for number, row in enumerate(rows, start=2):
            row.update(load_id=load_id, source_row=number)
            self.rows[source].append(row)
        for offset in range(quarantined):
            self.quarantine.append(
                {
                    "load_id": load_id,
                    "source": source,
                    "file_path": path,
                    "source_row": len(rows) + 2 + offset,
                    "period": period,
                    "column_name": "cpr",
                    "reason": "cpr: ugyldigt CPR-nummer",
                    "quarantined_at": self.loaded_at,
                }
            )
        self.load_log.append(
            {
                "load_id": load_id,
                "run_id": "fixture-run",
                "source": source,
                "file_path": path,
                "sha256": hashlib.sha256(path.encode()).hexdigest(),
                "size_bytes": 100 * len(rows) + 50,
                "file_format": "csv;utf-8",
                "outcome": "loaded",
                "rows_read": len(rows) + quarantined,
                "rows_loaded": len(rows),
                "rows_quarantined": quarantined,
                "rows_aliased": 0,
                "rows_duplicate": 0,
                "periods": [period],
                "period_hint": period,
                "message": None,
                "loaded_at": self.loaded_at,
            }
        )
        self.period_log.append(
            {
                "source": source,
                "period": period,
                "period_start": period_start,
                "load_id": load_id,
                "rows_loaded": len(rows),
                "replaced_load_id": None,
                "loaded_at": self.loaded_at,
            }
        )
        return load_id


def build_raw(builder: RawBuilder) -> None:
    persons = _persons()
    for month in months():
        period = month.strftime("%Y-%m")
        base = {"period_start": month}
        builder.file(
            "beboere",
            period,
            month,
            [
                dict(
                    base,
                    person_id=p["person_id"],
                    birth_date=p["birth_date"],
                    sex=p["sex"],
                    boligomraade=p["boligomraade"],
                    afdeling=p["afdeling"],
                    boligselskab="BoligViborg",
                )
                for p in persons
            ],
        )
        # 2 % of the residents aged 16-66 miss from the employment extract (coverage 98 %).
        builder.file(
            "beskaeftigelse",
            period,
            month,
            [
                dict(
                    base,
                    person_id=p["person_id"],
                    birth_date=p["birth_date"],
                    sex=p["sex"],
                    status="beskaeftiget" if p["index"] % 3 else "kontanthjaelp",
                )
                for p in persons
                if 16 <= _age(p["birth_date"], month) <= 66 and p["index"] % 50 != 1
            ],
            quarantined=1,
        )
        if month.month != 7:
            builder.file(
                "skole",
                period,
                month,
                [
                    dict(
                        base,
                        person_id=p["person_id"],
                        birth_date=p["birth_date"],
                        sex=p["sex"],
                        skole="Houlkærskolen",
                        klassetrin=_age(p["birth_date"], month) - 6,
                        skoledage=SCHOOL_DAYS,
                        fravaersdage=1.5,
                    )
                    for p in persons
                    if 6 <= _age(p["birth_date"], month) <= 16
                ],
            )
        builder.file(
            "deltagelse",
            period,
            month,
            [
                dict(
                    base,
                    dato=month + timedelta(days=9),
                    aktivitet_id="A1",
                    aktivitet="Lektiecafé",
                    delaftale="uddannelse_og_livschancer",
                    boligomraade=p["boligomraade"],
                    partner=None,
                    person_id=p["person_id"],
                    birth_date=p["birth_date"],
                    sex=p["sex"],
                    rolle="deltager",
                )
                for p in persons[:20]
            ],
        )
    for year in EXAM_YEARS:
        school_year = f"{year - 1}/{str(year)[2:]}"
        builder.file(
            "karakterer",
            school_year,
            date(year, 6, 1),
            [
                {
                    "skoleaar": school_year,
                    "exam_year": year,
                    "person_id": p["person_id"],
                    "birth_date": p["birth_date"],
                    "sex": p["sex"],
                    "fag": fag,
                    "karakter": 7.0,
                }
                for p in persons[:12]
                for fag in ("dansk", "matematik")
            ],
        )


RAW_DDL = {
    "beboere": "period_start DATE, person_id VARCHAR, birth_date DATE, sex VARCHAR, "
    "boligomraade VARCHAR, afdeling VARCHAR, boligselskab VARCHAR",
    "skole": "period_start DATE, person_id VARCHAR, birth_date DATE, sex VARCHAR, skole VARCHAR, "
    "klassetrin INTEGER, skoledage INTEGER, fravaersdage DOUBLE",
    "karakterer": "skoleaar VARCHAR, exam_year INTEGER, person_id VARCHAR, birth_date DATE, "
    "sex VARCHAR, fag VARCHAR, karakter DOUBLE",
    "beskaeftigelse": "period_start DATE, person_id VARCHAR, birth_date DATE, sex VARCHAR, "
    "status VARCHAR",
    "deltagelse": "period_start DATE, dato DATE, aktivitet_id VARCHAR, aktivitet VARCHAR, "
    "delaftale VARCHAR, boligomraade VARCHAR, partner VARCHAR, person_id VARCHAR, "
    "birth_date DATE, sex VARCHAR, rolle VARCHAR",
    "load_log": LOG_TABLES["load_log"].replace(" primary key", ""),
    "period_log": "source VARCHAR, period VARCHAR, period_start DATE, load_id INTEGER, "
    "rows_loaded INTEGER, replaced_load_id INTEGER, loaded_at TIMESTAMP",
    "quarantine": "load_id INTEGER, source VARCHAR, file_path VARCHAR, source_row INTEGER, "
    "period VARCHAR, column_name VARCHAR, reason VARCHAR, quarantined_at TIMESTAMP",
    "warehouse_meta": "key VARCHAR, value VARCHAR",
}
ROW_TABLES = ("beboere", "skole", "karakterer", "beskaeftigelse", "deltagelse")


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    columns = [c.strip().split(" ")[0] for c in RAW_DDL.get(table.split(".")[-1], "").split(",")]
    if not rows:
        return
    frame = pd.DataFrame(rows)
    if table.split(".")[-1] in ROW_TABLES:
        columns += ["load_id", "source_row"]
    con.register("incoming", frame[columns])
    con.execute(f"insert into {table} by name select * from incoming")
    con.unregister("incoming")


def write_raw(con: duckdb.DuckDBPyConnection, builder: RawBuilder) -> None:
    con.execute("create schema if not exists raw")
    for table, ddl in RAW_DDL.items():
        extra = ", load_id INTEGER, source_row INTEGER" if table in ROW_TABLES else ""
        con.execute(f"create table raw.{table} ({ddl}{extra})")
    for table in ROW_TABLES:
        _insert(con, f"raw.{table}", builder.rows[table])
    _insert(con, "raw.load_log", builder.load_log)
    _insert(con, "raw.period_log", builder.period_log)
    _insert(con, "raw.quarantine", builder.quarantine)
    con.execute("insert into raw.warehouse_meta values ('schema_version', '1')")


# -------------------------------------------------------------------------------------- marts


def _periods(indicator: dict) -> list[tuple[str, str, date, int, bool]]:
    """(period_type, period, period_start, months in it, is_complete) of an indicator."""
    if indicator["grain"] == "year":
        return [("year", str(year), date(year, 1, 1), 1, True) for year in EXAM_YEARS]
    panel = months()
    out = [("month", m.strftime("%Y-%m"), m, 1, True) for m in panel]
    quarters = sorted({(m.year, (m.month - 1) // 3 + 1) for m in panel})
    for year, quarter in quarters:
        count = sum(1 for m in panel if m.year == year and (m.month - 1) // 3 + 1 == quarter)
        out.append(
            ("quarter", f"{year}-Q{quarter}", date(year, 3 * quarter - 2, 1), count, count == 3)
        )
    for year in sorted({m.year for m in panel}):
        count = sum(1 for m in panel if m.year == year)
        out.append(("year", str(year), date(year, 1, 1), count, count == 12))
    return out


def unsuppressed_cells() -> list[dict]:
    cells = []
    for indicator in catalogue.indicators():
        ind = indicator["indicator_id"]
        person_based = indicator["person_based"] == "true"
        population = POPULATION.get(ind, POPULATION["default"])
        factor = float(indicator["factor"])
        stock = indicator["aggregation"] == "stock"
        for period_type, period, start, month_count, complete in _periods(indicator):
            for area in AREAS + ("all",):
                for sex in ("female", "male", "all") if person_based else ("all",):
                    persons = sum(
                        n
                        for (a, s), n in population.items()
                        if area in (a, "all") and sex in (s, "all")
                    )
                    per_month_num = round(persons * RATE[ind])
                    if ind == "U_FRAVAER":  # days: numerator absent days, denominator school days
                        den = persons * SCHOOL_DAYS * month_count
                        num = round(persons * SCHOOL_DAYS * RATE[ind]) * month_count
                        pin = per_month_num
                    else:
                        scale = 1 if stock else month_count
                        den, num, pin = persons * scale, per_month_num * scale, per_month_num
                    cells.append(
                        {
                            "indicator_id": ind,
                            "delaftale": indicator["delaftale"],
                            "period_type": period_type,
                            "period": period,
                            "period_start": start,
                            "area": area,
                            "sex": sex,
                            "numerator": float(num),
                            "denominator": float(den),
                            "value": num / den * factor,
                            "is_suppressed": False,
                            "is_complete": complete,
                            "persons": persons if person_based else None,
                            "persons_in_numerator": pin if person_based else None,
                        }
                    )
    return cells


def published_cells(cells: list[dict]) -> list[dict]:
    out = []
    for cell in cells:
        cell = {
            key: value
            for key, value in cell.items()
            if key not in ("persons", "persons_in_numerator")
        }
        if cell["area"] in SUPPRESSED_AREAS.get(cell["indicator_id"], ()):
            cell.update(is_suppressed=True, numerator=None, denominator=None, value=None)
        out.append(cell)
    return out


VALUE_COLUMNS = (
    "indicator_id VARCHAR, delaftale VARCHAR, period_type VARCHAR, period VARCHAR, "
    "period_start DATE, area VARCHAR, sex VARCHAR, numerator DOUBLE, "
    "denominator DOUBLE, value DOUBLE, is_suppressed BOOLEAN, is_complete BOOLEAN"
)


def write_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists marts")
    cells = unsuppressed_cells()
    con.execute(
        f"create table marts.indicator_values_unsuppressed ({VALUE_COLUMNS}, "
        "persons BIGINT, persons_in_numerator BIGINT)"
    )
    con.execute(f"create table marts.indicator_values ({VALUE_COLUMNS})")
    for table, rows in (
        ("indicator_values_unsuppressed", cells),
        ("indicator_values", published_cells(cells)),
    ):
        con.register("incoming", pd.DataFrame(rows))
        con.execute(f"insert into marts.{table} by name select * from incoming")
        con.unregister("incoming")
    for row in catalogue.delaftaler():
        con.execute(
            f"create table marts.mart_{row['delaftale']} as select * from "
            "marts.indicator_values where delaftale = ?",
            [row["delaftale"]],
        )
    con.execute(
        """
        create table marts.indicators as
        select indicator_id, delaftale, 'Delaftale' as delaftale_name_da, name_da, name_en,
               description_da, description_en, unit_da, factor::double as factor, direction,
               aggregation, grain, person_based::boolean as person_based,
               baseline_year::integer as baseline_year, 50.0::double as baseline,
               55.0::double as target, target_year::integer as target_year,
               target_is_example::boolean as target_is_example,
               '+5 procentpoint fra baseline' as target_rule_da
        from read_csv(?, all_varchar = true)
        """,
        [str(PROJECT_ROOT / "seeds" / "indicators.csv")],
    )
    con.execute(
        """
        create table marts.indicator_status as
        select indicator_id, area, date '2024-09-01' as window_start,
               date '2025-08-01' as window_end,
               value, 50.0::double as baseline, 55.0::double as target, 52.0::double as expected,
               case when value is null then 'no_data' else 'on_track' end as status
        from marts.indicator_values
        where sex = 'all' and period_type = 'month' and period = '2025-08'
        """
    )
    con.execute(
        """
        create table marts.delivery_status as
        select source, period, period_start, 'received' as status, 1 as files,
               rows_loaded::bigint as rows_loaded, 0::bigint as rows_quarantined
        from raw.period_log
        """
    )
    # As dbt's persist_docs leaves them: the published tables and columns are described.
    for table in ("indicator_values", "indicators", "indicator_status", "delivery_status") + tuple(
        f"mart_{row['delaftale']}" for row in catalogue.delaftaler()
    ):
        con.execute(f"comment on table marts.{table} is 'Beskrivelse af {table}'")
        for (column,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' "
            "and table_name = ?",
            [table],
        ).fetchall():
            con.execute(f"comment on column marts.{table}.{column} is 'Feltet {column}'")


def build_warehouse(path: Path) -> Path:
    builder = RawBuilder()
    build_raw(builder)
    with duckdb.connect(str(path)) as con:
        write_raw(con, builder)
        write_marts(con)
        con.execute("checkpoint")
    return path


# --------------------------------------------------------------------- changes a test applies


def add_file(
    con: duckdb.DuckDBPyConnection, source: str, month: date, rows_read: int, rows_quarantined: int
) -> int:
    """A further delivery of `source` for `month` (as a run would load it); returns its load_id."""
    load_id = con.execute("select max(load_id) + 1 from raw.load_log").fetchone()[0]
    period = month.strftime("%Y-%m")
    path = f"{source}/{source}_{period}_rettet.csv"
    con.execute(
        """
        insert into raw.load_log values (?, 'test-run', ?, ?, ?, 1000, 'csv;utf-8', 'loaded',
               ?, ?, ?, 0, [?], ?, null, timestamp '2026-02-01 08:00:00', 0)
        """,
        [
            load_id,
            source,
            path,
            hashlib.sha256(path.encode()).hexdigest(),
            rows_read,
            rows_read - rows_quarantined,
            rows_quarantined,
            period,
            period,
        ],
    )
    con.execute(
        "insert into raw.period_log values (?, ?, ?, ?, ?, null, timestamp '2026-02-01 08:00:00')",
        [source, period, month, load_id, rows_read - rows_quarantined],
    )
    con.execute(
        """
        insert into raw.quarantine
        select ?, ?, ?, 2 + i, ?, 'status', 'status: ukendt statuskode', now()
        from range(?) as t(i)
        """,
        [load_id, source, path, period, rows_quarantined],
    )
    return load_id


def drop_month(con: duckdb.DuckDBPyConnection, source: str, month: date) -> None:
    con.execute(f"delete from raw.{source} where period_start = ?", [month])
    con.execute("delete from raw.period_log where source = ? and period_start = ?", [source, month])


# ---------------------------------------------------------- the fixture keeps to the documents


def _documented_columns(markdown: Path, table: str) -> list[str]:
    """Column names of `table` in its row of a markdown table: `name TYPE` or `name`, with the
    parenthesised remarks (which quote example values) left out."""
    for line in markdown.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| `{table}` |"):
            cell = line.split("|")[2]
            while re.search(r"\([^()]*\)", cell):
                cell = re.sub(r"\([^()]*\)", "", cell)
            return re.findall(r"`([a-z_0-9]+)(?: [A-Z][A-Z\[\]]*)?`", cell)
    raise AssertionError(f"{table} not documented in {markdown}")


def test_fixture_raw_tables_have_the_documented_columns(tmp_path):
    path = build_warehouse(tmp_path / "w.duckdb")
    interfaces = PROJECT_ROOT / "docs" / "interfaces.md"
    with duckdb.connect(str(path), read_only=True) as con:
        for table in (
            "beboere",
            "skole",
            "karakterer",
            "beskaeftigelse",
            "deltagelse",
            "load_log",
            "period_log",
            "quarantine",
        ):
            actual = [
                row[0]
                for row in con.execute(
                    "select column_name from duckdb_columns() where schema_name = 'raw' "
                    "and table_name = ? order by column_index",
                    [table],
                ).fetchall()
            ]
            documented = _documented_columns(interfaces, f"raw.{table}")
            assert actual == documented, table


# docs/indicators.md, "The published interface": indicator_values, in order.
SPEC_INDICATOR_VALUES = [
    ("indicator_id", "VARCHAR"),
    ("delaftale", "VARCHAR"),
    ("period_type", "VARCHAR"),
    ("period", "VARCHAR"),
    ("period_start", "DATE"),
    ("area", "VARCHAR"),
    ("sex", "VARCHAR"),
    ("numerator", "DOUBLE"),
    ("denominator", "DOUBLE"),
    ("value", "DOUBLE"),
    ("is_suppressed", "BOOLEAN"),
    ("is_complete", "BOOLEAN"),
]


def test_fixture_indicator_values_have_the_spec_columns(tmp_path):
    path = build_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        actual = con.execute(
            "select column_name, data_type from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'indicator_values' order by column_index"
        ).fetchall()
    assert actual == SPEC_INDICATOR_VALUES
