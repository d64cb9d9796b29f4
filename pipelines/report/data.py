"""Everything the report shows, read from the published DuckDB file (read-only) and the catalogue."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.settings import CONFIG_DIR

# The published interface (dbt contracts, models/marts/_models.yml; pipeline_runs: publish.py).
REQUIRED_TABLES = ("indicator_values", "indicators", "indicator_status", "delivery_status",
                   "pipeline_runs")
# The department figures (docs/indicators.md); a file published before them has none.
DEPARTMENT_TABLE = "indicator_values_afdeling"
# Optional: a file published before it existed still makes a report (without its page).
PARTICIPANTS_TABLE = "participant_outcomes"
ANNOTATIONS_FILE = CONFIG_DIR / "annotations.csv"
ALL_INDICATORS = "*"  # an annotation for every indicator (e.g. the plan's start)


@dataclass(frozen=True)
class Annotation:
    indicator_id: str  # or ALL_INDICATORS
    date: dt.date
    area: str  # an area's name or "all"
    note_da: str


@dataclass
class Indicator:
    """One row of the published `indicators` table."""

    indicator_id: str
    delaftale: str
    name_da: str
    description_da: str
    unit_da: str
    factor: float
    direction: str
    aggregation: str
    grain: str
    person_based: bool
    baseline_year: int
    baseline: float | None
    target: float | None
    target_year: int
    target_is_example: bool
    target_rule_da: str
    participant_outcome: bool = False  # split into participants and non-participants

    @classmethod
    def from_row(cls, row: dict) -> Indicator:
        values = {name: row[name] for name in cls.__dataclass_fields__ if name in row}
        values["participant_outcome"] = bool(row.get("participant_outcome") or False)
        for name in ("baseline", "target"):
            values[name] = None if pd.isna(values[name]) else float(values[name])
        return cls(**values)

    @property
    def is_yearly(self) -> bool:
        return self.grain == "year"

    @property
    def is_stock(self) -> bool:
        return self.aggregation == "stock"


@dataclass
class Delaftale:
    delaftale: str
    name_da: str
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"{self.delaftale}.html"


@dataclass
class Published:
    path: Path
    delaftaler: list[Delaftale]
    values: pd.DataFrame  # indicator_values
    status: pd.DataFrame  # indicator_status
    deliveries: pd.DataFrame  # delivery_status
    runs: pd.DataFrame  # pipeline_runs, newest first
    run_files: pd.DataFrame  # the latest run's source_files, one row per file
    annotations: list[Annotation]
    departments: pd.DataFrame = field(default_factory=pd.DataFrame)  # indicator_values_afdeling
    # participant_outcomes (empty when the published file has none)
    participants: pd.DataFrame = field(default_factory=pd.DataFrame)
    # rows() indexes, built once per table and key set; not copied by dataclasses.replace
    _indexes: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def rows(self, table: str, **keys: str) -> pd.DataFrame:
        """The rows of `table` ('values' or 'departments') whose columns hold these values, found
        through an index built on first use: a department page asks for a few dozen rows of a
        table that at national scale holds millions, once per indicator and afdeling."""
        frame = getattr(self, table)
        names = tuple(sorted(keys))
        index = self._indexes.get((table, names))
        if index is None:
            index = {} if frame.empty else frame.groupby(list(names), sort=False).indices
            self._indexes[(table, names)] = index
        wanted = tuple(keys[n] for n in names)
        positions = index.get(wanted if len(names) > 1 else wanted[0])
        return frame.iloc[positions] if positions is not None else frame.iloc[0:0]

    @property
    def participant_indicators(self) -> list[Indicator]:
        """The outcome indicators of participant_outcomes (the catalogue's participant_outcome),
        in the catalogue's order, when the published file holds rows for them."""
        if self.participants.empty:
            return []
        published = set(self.participants["indicator_id"])
        return [ind for ind in self.indicators
                if ind.participant_outcome and ind.indicator_id in published]

    @property
    def indicators(self) -> list[Indicator]:
        return [ind for d in self.delaftaler for ind in d.indicators]

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.indicator_id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    @property
    def latest_run(self) -> dict | None:
        return None if self.runs.empty else self.runs.iloc[0].to_dict()

    @property
    def plan_years(self) -> tuple[int, int] | None:
        """(baseline year, target year) of the plan: shared by every indicator, else None."""
        years = {(ind.baseline_year, ind.target_year) for ind in self.indicators}
        return years.pop() if len(years) == 1 else None

    @property
    def data_through(self) -> str | None:
        """The latest published month (`YYYY-MM`)."""
        months = self.values.loc[self.values["period_type"] == "month", "period"]
        return None if months.empty else str(months.max())

    @property
    def areas(self) -> list[str]:
        """Housing areas (not `all`), alphabetically as Danish readers expect."""
        names = self.values.loc[self.values["area"] != "all", "area"].dropna().unique()
        return sorted(names, key=danish_sort_key)


    def afdelinger(self, area: str) -> list[str]:
        """The afdelinger of an area in indicator_values_afdeling, numbers in numeric order."""
        if self.departments.empty:
            return []
        names = self.departments.loc[self.departments["area"] == area, "afdeling"].unique()
        return sorted(names, key=lambda a: (len(a), a) if a.isdigit() else (99, a))


def danish_sort_key(text: str) -> str:
    # æ ø å sort after z in Danish.
    return text.lower().replace("æ", "{").replace("ø", "|").replace("å", "}").replace("aa", "}")


def load(published: Path, annotations_file: Path = ANNOTATIONS_FILE) -> Published:
    published = Path(published)
    if not published.is_file():
        raise FileNotFoundError(f"Den offentliggjorte database findes ikke: {published}")
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        }
        missing = [name for name in REQUIRED_TABLES if name not in tables]
        if missing:
            raise ValueError(
                f"Den offentliggjorte database mangler tabellerne {', '.join(missing)}: {published}"
            )
        values = con.execute(
            "select * from indicator_values order by indicator_id, period_type, period_start, area, sex"
        ).df()
        status = con.execute("select * from indicator_status").df()
        deliveries = con.execute("select * from delivery_status order by source, period_start").df()
        # dbt writes the catalogue in its order (delaftale, then indicator); publishing keeps it
        indicators = con.execute("select * from indicators").df()
        runs = con.execute("select * from pipeline_runs order by published_at desc").df()
        departments = (
            con.execute(
                "select * from indicator_values_afdeling "
                "order by indicator_id, period_type, period_start, area, afdeling"
            ).df()
            if DEPARTMENT_TABLE in tables
            else pd.DataFrame()
        )
        participants = (
            con.execute("select * from participant_outcomes order by indicator_id, year, area, "
                        "participation").df()
            if PARTICIPANTS_TABLE in tables else pd.DataFrame()
        )
        run_files = con.execute(
            "select * from (select unnest(files, recursive := true) from (select source_files "
            "as files from pipeline_runs order by published_at desc limit 1)) order by file_path"
        ).df()
    finally:
        con.close()
    for frame in (values, departments) if not departments.empty else (values,):
        frame["period_start"] = pd.to_datetime(frame["period_start"])
        for column in ("numerator", "denominator", "value"):
            frame[column] = frame[column].astype("float64")
    known_ids = set(indicators["indicator_id"])
    return Published(
        path=published,
        delaftaler=_delaftaler(indicators),
        values=values,
        status=status,
        deliveries=deliveries,
        runs=runs,
        run_files=run_files,
        annotations=read_annotations(annotations_file, known_ids),
        departments=departments,
        participants=participants,
    )


def _delaftaler(indicators: pd.DataFrame) -> list[Delaftale]:
    groups: dict[str, Delaftale] = {}
    for row in indicators.to_dict("records"):
        key = row["delaftale"]
        if key not in groups:
            groups[key] = Delaftale(delaftale=key, name_da=row["delaftale_name_da"])
        groups[key].indicators.append(Indicator.from_row(row))
    return list(groups.values())


def read_annotations(path: Path, known_ids: set[str] | None = None) -> list[Annotation]:
    """Analysts' dated notes; a bad line stops the report with a message naming it."""
    path = Path(path)
    if not path.is_file():
        return []
    notes: list[Annotation] = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        expected = {"indicator_id", "date", "area", "note_da"}
        if not reader.fieldnames or not expected <= {f.strip() for f in reader.fieldnames}:
            raise ValueError(
                f"{path.name}: kolonnerne skal være indicator_id,date,area,note_da"
            )
        for line_no, row in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            if not any(row.values()):
                continue
            where = f"{path.name} linje {line_no}"
            indicator_id = row["indicator_id"] or ALL_INDICATORS
            if known_ids is not None and indicator_id not in known_ids | {ALL_INDICATORS}:
                raise ValueError(f"{where}: ukendt indikator {indicator_id!r}")
            try:
                date = dt.date.fromisoformat(row["date"])
            except ValueError:
                raise ValueError(f"{where}: datoen skal skrives ÅÅÅÅ-MM-DD") from None
            if not row["note_da"]:
                raise ValueError(f"{where}: noten (note_da) er tom")
            notes.append(Annotation(indicator_id, date, row["area"] or "all", row["note_da"]))
    return sorted(notes, key=lambda a: a.date)


def cells(
    values: pd.DataFrame, indicator_id: str, period_type: str, area: str | None = None,
    sex: str | None = None,
) -> pd.DataFrame:
    """Published cells of one indicator and period type, optionally one area/sex, by period."""
    mask = (values["indicator_id"] == indicator_id) & (values["period_type"] == period_type)
    if area is not None:
        mask &= values["area"] == area
    if sex is not None:
        mask &= values["sex"] == sex
    return values[mask].sort_values("period_start")


def annotations_for(published: Published, indicator_id: str) -> list[Annotation]:
    return [
        a for a in published.annotations if a.indicator_id in (indicator_id, ALL_INDICATORS)
    ]
