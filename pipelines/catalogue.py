"""The catalogue: indicators, delaftaler, sources and status codes, typed, read from the dbt seeds
(the one source of truth dbt also loads), and the project's configuration files. The only place
in Python that parses `seeds/`: every other module takes these objects."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

import yaml

from pipelines.settings import CONFIG_DIR, PROJECT_ROOT, SEEDS_DIR


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"seeds: {text!r} is not true/false")
    return value == "true"


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    delaftale: str
    sort_order: int
    name_da: str
    name_en: str
    description_da: str
    description_en: str
    unit_da: str
    factor: float
    direction: str  # 'higher' or 'lower' is better
    aggregation: str  # 'flow' (periods sum their months) or 'stock' (a period shows one month)
    grain: str  # 'month' or 'year'
    person_based: bool
    numerator_counts_persons: bool  # disclosure rule 1: the numerator's rules apply only if true
    sources: tuple[str, ...]  # the deliveries it reads: completeness follows them
    baseline_year: int
    target_year: int
    target_kind: str
    target_value: float | None
    target_is_example: bool
    max_monthly_jump: float | None
    participant_outcome: bool  # split into participants and non-participants (participant_outcomes)

    @property
    def model(self) -> str:
        """Its dbt model, models/intermediate/indicators/int_ind_<id>.sql."""
        return f"int_ind_{self.indicator_id.lower()}"

    @classmethod
    def from_row(cls, row: dict[str, str]) -> Indicator:
        return cls(
            indicator_id=row["indicator_id"],
            delaftale=row["delaftale"],
            sort_order=int(row["sort_order"]),
            name_da=row["name_da"],
            name_en=row["name_en"],
            description_da=row["description_da"],
            description_en=row["description_en"],
            unit_da=row["unit_da"],
            factor=float(row["factor"]),
            direction=row["direction"],
            aggregation=row["aggregation"],
            grain=row["grain"],
            person_based=_bool(row["person_based"]),
            numerator_counts_persons=_bool(row["numerator_counts_persons"]),
            sources=_list(row["sources"]),
            baseline_year=int(row["baseline_year"]),
            target_year=int(row["target_year"]),
            target_kind=row["target_kind"],
            target_value=_optional_float(row["target_value"]),
            target_is_example=_bool(row["target_is_example"]),
            max_monthly_jump=_optional_float(row["max_monthly_jump"]),
            participant_outcome=_bool(row["participant_outcome"]),
        )


@dataclass(frozen=True)
class Delaftale:
    delaftale: str
    sort_order: int
    name_da: str
    name_en: str


@dataclass(frozen=True)
class Source:
    source: str
    sort_order: int
    label_da: str
    grain: str  # 'month' (one snapshot a month) or 'school_year' (a school year's exams)
    months_not_expected: frozenset[int]  # months without a delivery by contract (skole: July)


@dataclass(frozen=True)
class StatusCode:
    status: str
    label_da: str
    label_en: str
    spelling_da: str  # the contract's Danish spelling of the code, when it has one
    status_group: str
    is_work: bool
    is_work_or_edu: bool
    is_benefit: bool
    is_temp_benefit: bool


@cache
def indicators() -> tuple[Indicator, ...]:
    """In the seed's order."""
    return tuple(Indicator.from_row(row) for row in _read_csv("indicators.csv"))


def indicator(indicator_id: str) -> Indicator:
    for item in indicators():
        if item.indicator_id == indicator_id:
            return item
    raise KeyError(f"indikatoren {indicator_id} findes ikke i kataloget (seeds/indicators.csv)")


@cache
def delaftaler() -> tuple[Delaftale, ...]:
    rows = _read_csv("delaftaler.csv")
    return tuple(
        sorted(
            (Delaftale(r["delaftale"], int(r["sort_order"]), r["name_da"], r["name_en"]) for r in rows),
            key=lambda d: d.sort_order,
        )
    )


@cache
def sources() -> dict[str, Source]:
    """The sources seed by source, in its sort order."""
    items = [
        Source(
            source=r["source"],
            sort_order=int(r["sort_order"]),
            label_da=r["label_da"],
            grain=r["grain"],
            months_not_expected=frozenset(int(m) for m in _list(r["months_not_expected"])),
        )
        for r in _read_csv("sources.csv")
    ]
    return {item.source: item for item in sorted(items, key=lambda s: s.sort_order)}


def source_names() -> tuple[str, ...]:
    """Every source, in the seed's order (the order ingest loads them in)."""
    return tuple(sources())


@cache
def status_codes() -> dict[str, StatusCode]:
    flags = ("is_work", "is_work_or_edu", "is_benefit", "is_temp_benefit")
    return {
        row["status"]: StatusCode(**{k: (_bool(v) if k in flags else v) for k, v in row.items()})
        for row in _read_csv("status_codes.csv")
    }


@dataclass(frozen=True)
class CourseCode:
    kind: str  # 'aktoer' (an actor a course coordinates) or 'afslutning' (how it ended)
    code: str
    sort_order: int
    label_da: str
    label_en: str
    is_goal_reached: bool
    counts_as_ended: bool


@cache
def course_codes(kind: str) -> tuple[CourseCode, ...]:
    """The `forloeb` codes of one kind (seeds/course_codes.csv), in their sort order."""
    rows = [
        CourseCode(r["kind"], r["code"], int(r["sort_order"]), r["label_da"], r["label_en"],
                   _bool(r["is_goal_reached"]), _bool(r["counts_as_ended"]))
        for r in _read_csv("course_codes.csv") if r["kind"] == kind
    ]
    if not rows:
        raise KeyError(f"seeds/course_codes.csv har ingen koder af arten {kind!r}")
    return tuple(sorted(rows, key=lambda c: c.sort_order))


@cache
def quality_config() -> dict:
    with open(CONFIG_DIR / "quality.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def ingest_config() -> dict:
    with open(CONFIG_DIR / "ingest.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def disclosure_k() -> int:
    """The disclosure threshold k: dbt's `vars.disclosure_k` (the one place it is set), else 5."""
    project = PROJECT_ROOT / "dbt_project.yml"
    if project.exists():
        with open(project, encoding="utf-8") as handle:
            value = ((yaml.safe_load(handle) or {}).get("vars") or {}).get("disclosure_k")
        if value is not None:
            return int(value)
    return 5


MART_CONTRACTS = PROJECT_ROOT / "models" / "marts" / "_models.yml"


@cache
def published_columns(mart: str) -> tuple[tuple[str, str], ...]:
    """A mart model's (column, DuckDB type) pairs in order, as its dbt contract fixes them
    (models/marts/_models.yml, `data_type`): the one place the published columns are written."""
    with open(MART_CONTRACTS, encoding="utf-8") as handle:
        models = (yaml.safe_load(handle) or {}).get("models") or []
    for model in models:
        if model.get("name") == mart:
            return tuple((c["name"], str(c["data_type"]).upper()) for c in model["columns"])
    raise KeyError(f"models/marts/_models.yml has no model {mart!r}")
