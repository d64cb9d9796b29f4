"""Danish texts of the board's report: values with their unit, changes, months, periods, status.
Numbers themselves come from `pipelines.danish`, the project's one Danish number formatter."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pipelines.danish import MONTHS, is_missing, number

SHORT_MONTHS = (
    "jan.", "feb.", "mar.", "apr.", "maj", "jun.",
    "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")

SEX_LABELS = {"all": "Alle", "female": "Kvinder", "male": "Mænd"}
AREA_ALL_LABEL = "Hele helhedsplanen"


# Status marks: colour (Okabe-Ito, darkened for white text), symbol and text, so the
# mark reads for colour-blind readers and in black-and-white print.
STATUS = {
    "on_track": {"label": "på sporet", "symbol": "✓", "colour": "#00775a", "text": "#ffffff"},
    "at_risk": {"label": "i risiko", "symbol": "!", "colour": "#e69f00", "text": "#000000"},
    "off_track": {"label": "ikke på sporet", "symbol": "✗", "colour": "#b8460b", "text": "#ffffff"},
    "no_data": {"label": "ingen data", "symbol": "–", "colour": "#d9d9d9", "text": "#000000"},
}
STATUS_ORDER = ("on_track", "at_risk", "off_track", "no_data")


def is_percent(unit_da: str) -> bool:
    return unit_da.strip().lower() in {"procent", "%"}


def value_text(value: float | None, unit_da: str, decimals: int = 1) -> str:
    """A value with its unit as the board reads it: `47,3 %` or `12,4 pr. 100 voksne`."""
    if is_missing(value):
        return "–"
    if is_percent(unit_da):
        return f"{number(value, decimals)} %"
    return number(value, decimals)


def unit_suffix(unit_da: str) -> str:
    """The unit after a value in charts' hover texts."""
    return " %" if is_percent(unit_da) else ""


def change_unit(unit_da: str) -> str:
    return "procentpoint" if is_percent(unit_da) else unit_da


def change_text(delta: float | None, unit_da: str, decimals: int = 1) -> str:
    """`+2,1 procentpoint`, `−0,4 pr. 100 voksne`, `±0,0 procentpoint`."""
    if is_missing(delta):
        return "–"
    return f"{number(delta, decimals, signed=True)} {change_unit(unit_da)}"


def month_text(period: str | dt.date, short: bool = False) -> str:
    """`2026-10` or a date → `oktober 2026` (`okt. 2026` when short)."""
    if isinstance(period, dt.date):
        year, month = period.year, period.month
    else:
        year, month = int(period[:4]), int(period[5:7])
    names = SHORT_MONTHS if short else MONTHS
    return f"{names[month - 1]} {year}"


def quarter_text(period: str) -> str:
    """`2025-Q3` → `3. kvt. 2025`."""
    return f"{period[-1]}. kvt. {period[:4]}"


def school_year_text(exam_year: int | str) -> str:
    """Exam year 2025 → `skoleåret 2024/25`."""
    year = int(exam_year)
    return f"skoleåret {year - 1}/{str(year)[-2:]}"


def period_text(period_type: str, period: str, grain: str = "month") -> str:
    if period_type == "month":
        return month_text(period)
    if period_type == "quarter":
        return quarter_text(period)
    if grain == "year":
        return school_year_text(period)
    return str(period)


def window_text(start: dt.date | None, end: dt.date | None, grain: str = "month") -> str:
    """The indicator_status window: `nov. 2025–okt. 2026`, or the school year for exam results."""
    if start is None or end is None or is_missing(start) or is_missing(end):
        return ""
    if grain == "year":
        return school_year_text(end.year)
    return f"{month_text(start, short=True)}–{month_text(end, short=True)}"


def date_text(value: dt.date | dt.datetime | None) -> str:
    """`3. november 2026`."""
    if value is None or is_missing(value):
        return "–"
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def datetime_text(value: dt.datetime | None) -> str:
    """`3. november 2026 kl. 06.12` in Copenhagen time (naive timestamps are taken as UTC)."""
    if value is None or is_missing(value):
        return "–"
    if not isinstance(value, dt.datetime):
        return date_text(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(COPENHAGEN)
    return f"{date_text(local)} kl. {local:%H.%M}"


def change_direction(delta: float | None, direction: str, decimals: int = 1) -> dict[str, str]:
    """Arrow for the change and whether it is better or worse given the indicator's direction."""
    if is_missing(delta):
        return {"arrow": "", "verdict": "", "css": "change-none"}
    rounded = round(float(delta), decimals)
    if rounded == 0:
        return {"arrow": "→", "verdict": "uændret", "css": "change-same"}
    up = rounded > 0
    better = up if direction == "higher" else not up
    return {
        "arrow": "↑" if up else "↓",
        "verdict": "bedre" if better else "dårligere",
        "css": "change-better" if better else "change-worse",
    }
