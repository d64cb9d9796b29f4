"""Everything the report shows, read from the published DuckDB file (read-only) and the catalogue."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import catalogue
from pipelines.settings import CONFIG_DIR

REQUIRED_TABLES = ("indicator_values", "indicators", "indicator_status", "delivery_status")
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
    """One row of the published catalogue, plus the catalogue's order."""

    indicator_id: str
    delaftale: str
    name_da: str
    description_da: str
    unit_da: str
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
    sort_order: int
    factor: float = 100.0

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
    sort_order: int
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
    runs: pd.DataFrame  # pipeline_runs, newest first (may be empty)
    run_files: pd.DataFrame  # source files of the latest run: file_path, sha256 (may be empty)
    annotations: list[Annotation]

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
    def data_through(self) -> str | None:
        """The latest published month (`YYYY-MM`)."""
        months = self.values.loc[self.values["period_type"] == "month", "period"]
        return None if months.empty else str(months.max())

    @property
    def areas(self) -> list[str]:
        """Housing areas (not `all`), alphabetically as Danish readers expect."""
        names = self.values.loc[self.values["area"] != "all", "area"].dropna().unique()
        return sorted(names, key=danish_sort_key)


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
        indicators = con.execute("select * from indicators").df()
        runs = _read_runs(con, tables)
        run_files = _read_run_files(con, tables, runs)
    finally:
        con.close()
    values = _normalise_values(values)
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
    )


def _normalise_values(values: pd.DataFrame) -> pd.DataFrame:
    values = values.copy()
    values["period_start"] = pd.to_datetime(values["period_start"])
    for column in ("numerator", "denominator", "value"):
        values[column] = values[column].astype("float64")
    values["is_suppressed"] = values["is_suppressed"].fillna(False).astype(bool)
    if "is_complete" in values:
        values["is_complete"] = values["is_complete"].fillna(True).astype(bool)
    else:
        values["is_complete"] = True
    return values


def _delaftaler(indicators: pd.DataFrame) -> list[Delaftale]:
    catalogue_rows = {row.indicator_id: asdict(row) for row in catalogue.indicators()}
    names = {row.delaftale: asdict(row) for row in catalogue.delaftaler()}
    groups: dict[str, Delaftale] = {}
    for row in indicators.to_dict("records"):
        cat = catalogue_rows.get(row["indicator_id"], {})
        key = row["delaftale"]
        if key not in groups:
            meta = names.get(key, {})
            groups[key] = Delaftale(
                delaftale=key,
                name_da=meta.get("name_da") or row.get("delaftale_name_da") or key,
                sort_order=int(meta.get("sort_order") or 99),
            )
        groups[key].indicators.append(_indicator(row, cat))
    for group in groups.values():
        group.indicators.sort(key=lambda ind: (ind.sort_order, ind.indicator_id))
    return sorted(groups.values(), key=lambda d: (d.sort_order, d.delaftale))


def _pick(row: dict, cat: dict, key: str, default: object = None) -> object:
    value = row.get(key)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        value = cat.get(key, default)
    return default if value in (None, "") else value


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "ja"}
    return bool(value)


def _as_float(value: object) -> float | None:
    if value is None or value == "" or pd.isna(value):
        return None
    return float(value)


def _indicator(row: dict, cat: dict) -> Indicator:
    return Indicator(
        indicator_id=row["indicator_id"],
        delaftale=row["delaftale"],
        name_da=str(_pick(row, cat, "name_da", row["indicator_id"])),
        description_da=str(_pick(row, cat, "description_da", "")),
        unit_da=str(_pick(row, cat, "unit_da", "")),
        direction=str(_pick(row, cat, "direction", "higher")),
        aggregation=str(_pick(row, cat, "aggregation", "flow")),
        grain=str(_pick(row, cat, "grain", "month")),
        person_based=_as_bool(_pick(row, cat, "person_based", True)),
        baseline_year=int(_pick(row, cat, "baseline_year", 2024)),
        baseline=_as_float(row.get("baseline")),
        target=_as_float(row.get("target")),
        target_year=int(_pick(row, cat, "target_year", 2029)),
        target_is_example=_as_bool(_pick(row, cat, "target_is_example", False)),
        target_rule_da=str(_pick(row, cat, "target_rule_da", "")),
        sort_order=int(cat.get("sort_order") or 99),
        factor=float(_pick(row, cat, "factor", 100)),
    )


def _read_runs(con: duckdb.DuckDBPyConnection, tables: set[str]) -> pd.DataFrame:
    if "pipeline_runs" not in tables:
        return pd.DataFrame()
    runs = con.execute("select * from pipeline_runs").df()
    order = [c for c in ("published_at", "finished_at", "started_at") if c in runs]
    if order:
        runs = runs.sort_values(order, ascending=False, na_position="last")
    return runs.reset_index(drop=True)


def _read_run_files(
    con: duckdb.DuckDBPyConnection, tables: set[str], runs: pd.DataFrame
) -> pd.DataFrame:
    """The latest run's source files, from a list/JSON column of pipeline_runs or a side table."""
    columns = ["file_path", "sha256"]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    latest = runs.iloc[0]
    for column in ("source_files", "files", "inputs"):
        if column in runs:
            return _files_frame(latest[column])
    for table in ("pipeline_run_files", "pipeline_run_sources", "source_files"):
        if table in tables and "run_id" in runs:
            frame = con.execute(f"select * from {table} where run_id = ?", [latest["run_id"]]).df()
            return _files_frame(frame.to_dict("records"))
    return pd.DataFrame(columns=columns)


def _files_frame(raw: object) -> pd.DataFrame:
    if hasattr(raw, "tolist"):  # numpy array from a LIST column
        raw = raw.tolist()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raw = []
    if raw is None or (not isinstance(raw, (list, tuple)) and pd.isna(raw)):
        raw = []
    rows = []
    for item in raw:
        if isinstance(item, str):
            item = {"file_path": item}
        item = dict(item)
        path = item.get("file_path") or item.get("path") or item.get("file") or ""
        rows.append({**item, "file_path": path, "sha256": item.get("sha256") or ""})
    frame = pd.DataFrame(rows, columns=None if rows else ["file_path", "sha256"])
    return frame.sort_values("file_path").reset_index(drop=True) if rows else frame


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
