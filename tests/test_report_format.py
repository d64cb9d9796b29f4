"""Danish formatting of the report's numbers, periods and changes."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines import danish
from pipelines.report import format as fmt


@pytest.mark.parametrize("value, decimals, text", [
    (47.25, 1, "47,2"), (47.26, 1, "47,3"), (1234.56, 1, "1.234,6"), (1234567, 0, "1.234.567"),
    (-0.44, 1, "\u22120,4"), (-0.04, 1, "0,0"), (None, 1, "–"), (float("nan"), 1, "–"),
])
def test_numbers_have_decimal_comma_and_thousands_dot(value, decimals, text):
    assert danish.number(value, decimals) == text


@pytest.mark.parametrize("value, text", [(5.0, "5"), (2290, "2.290"), (5.094, "5,09"), (None, "–")])
def test_whole_numbers_can_drop_their_decimals(value, text):
    assert danish.compact(value, 2) == text


@pytest.mark.parametrize("share, text", [(0.053, "5,3 %"), (0.05, "5 %"), (0.1234, "12,3 %")])
def test_shares_read_as_percent(share, text):
    assert danish.share_percent(share) == text


def test_values_and_changes_carry_their_unit():
    assert fmt.value_text(47.31, "procent") == "47,3 %"
    assert fmt.value_text(6.04, "pr. 100 voksne") == "6,0"
    assert fmt.change_text(2.14, "procent") == "+2,1 procentpoint"
    assert fmt.change_text(-1.26, "procent") == "\u22121,3 procentpoint"
    assert fmt.change_text(0.01, "procent") == "±0,0 procentpoint"
    assert fmt.change_text(1.3, "pr. 100 voksne") == "+1,3 pr. 100 voksne"


@pytest.mark.parametrize("delta, direction, arrow, verdict", [
    (1.5, "higher", "↑", "bedre"), (-1.5, "higher", "↓", "dårligere"),
    (-0.4, "lower", "↓", "bedre"), (0.4, "lower", "↑", "dårligere"),
    (0.02, "lower", "→", "uændret"),
])
def test_change_arrow_respects_the_direction(delta, direction, arrow, verdict):
    change = fmt.change_direction(delta, direction)
    assert (change["arrow"], change["verdict"]) == (arrow, verdict)


def test_months_quarters_and_school_years_in_danish():
    assert [fmt.month_text(f"2026-{m:02d}") for m in (1, 3, 5, 10)] == [
        "januar 2026", "marts 2026", "maj 2026", "oktober 2026"]
    assert fmt.month_text(dt.date(2025, 12, 1), short=True) == "dec. 2025"
    assert fmt.quarter_text("2025-Q3") == "3. kvt. 2025"
    assert fmt.school_year_text(2025) == "skoleåret 2024/25"
    assert fmt.window_text(dt.date(2025, 11, 1), dt.date(2026, 10, 31)) == "nov. 2025–okt. 2026"


def test_utc_timestamps_are_shown_in_copenhagen_time():
    assert fmt.datetime_text(dt.datetime(2026, 11, 3, 5, 13)) == "3. november 2026 kl. 06.13"
    assert fmt.datetime_text(dt.datetime(2026, 7, 3, 5, 13)) == "3. juli 2026 kl. 07.13"


def test_status_marks_differ_in_symbol_text_and_colour():
    marks = [fmt.STATUS[code] for code in fmt.STATUS_ORDER]
    for key in ("label", "symbol", "colour"):
        assert len({m[key] for m in marks}) == 4
    assert [m["label"] for m in marks] == ["på sporet", "i risiko", "ikke på sporet", "ingen data"]
