"""Danish numbers, the one formatter of the project (report, quality gate): decimal comma,
thousands dot, typographic minus (`1.234,6`, `−0,4`), `–` for a missing number; and the
Danish month names both use."""

from __future__ import annotations

import pandas as pd

MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)
MINUS = "\u2212"  # typographic minus: "−2,1"
MISSING = "–"


def is_missing(value: object) -> bool:
    """None, NaN, NaT and pandas' NA: a cell with no number."""
    return value is None or bool(pd.isna(value))


def number(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    """`1234.56` → `1.234,6`; negative numbers with a typographic minus; `–` when missing.
    `signed` adds `+` (or `±` for zero), for changes."""
    if is_missing(value):
        return MISSING
    rounded = round(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # no "−0,0"
    # Python's grouping is "1,234.5": swap the two separators.
    text = f"{abs(rounded):,.{decimals}f}".translate(str.maketrans(",.", ".,"))
    if rounded < 0:
        return MINUS + text
    return ("+" + text) if signed and rounded > 0 else ("±" + text if signed else text)


def integer(value: float | None) -> str:
    return number(value, decimals=0)


def compact(value: float | None, decimals: int = 1) -> str:
    """Whole numbers without decimals (`5`, `2.290`), others with `decimals` (`5,09`)."""
    if not is_missing(value) and float(value).is_integer():
        return integer(value)
    return number(value, decimals)


def share_percent(share: float | None, decimals: int = 1) -> str:
    """A share as percent: `0.053` → `5,3 %`, `0.05` → `5 %`."""
    if is_missing(share):
        return MISSING
    return f"{compact(round(float(share) * 100, decimals), decimals)} %"
