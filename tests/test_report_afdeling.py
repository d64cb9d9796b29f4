"""The department (afdeling) pages of the report: reachable from the index and the delaftale
pages through the area pages, their figures those of `indicator_values_afdeling` (read here with
the tests' own SQL), hidden cells shown as hidden, and in Debian's headless Chromium from file://:
a department page opened from its area page draws its charts offline and shows its figures."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from support.report import build_copy

from pipelines.report.browser import Chromium

AREA, AFDELING = "Houlkær", "11"

ROWS_JS = """Array.from(document.querySelectorAll('section.afdeling-indicator')).flatMap(s =>
  Array.from(s.querySelectorAll('tbody tr')).map(r => ({
    indicator: s.dataset.indicator, period_type: r.dataset.periodType, period: r.dataset.period,
    afdeling: r.querySelector('.afdeling-value').textContent.trim(),
    area: r.querySelector('.area-value').textContent.trim()})))"""


@pytest.fixture(scope="module")
def report(world, tmp_path_factory) -> tuple[Path, Path]:
    return build_copy(world.published, tmp_path_factory.mktemp("afdeling_report"))


def danish(value: float, unit: str) -> str:
    """The board's reading of a value, written out here: one decimal, decimal comma."""
    text = f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return text + (" %" if unit.strip().lower() in {"procent", "%"} else "")


def published_cells(published: Path) -> dict[tuple, tuple]:
    """(indicator, period_type, period, 'afdeling'|'area') -> (is_suppressed, text)."""
    with duckdb.connect(str(published), read_only=True) as con:
        units = dict(con.execute("select indicator_id, unit_da from indicators").fetchall())
        rows = con.execute("""
            select indicator_id, period_type, period, 'afdeling', is_suppressed, value
            from indicator_values_afdeling where area = ? and afdeling = ?
            union all
            select indicator_id, period_type, period, 'area', is_suppressed, value
            from indicator_values where area = ? and sex = 'all'
              and period_type in ('quarter', 'year')""", [AREA, AFDELING, AREA]).fetchall()
    return {(i, t, p, who): (hidden, "–" if hidden or value is None else danish(value, units[i]))
            for i, t, p, who, hidden, value in rows}


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"#]+)"', html)


def test_the_index_and_the_delaftale_pages_link_to_the_area_pages(report) -> None:
    _, folder = report
    index = (folder / "index.html").read_text(encoding="utf-8")
    area_pages = [h for h in hrefs(index) if h.startswith("omraade-")]
    assert len(set(area_pages)) == 4 and all((folder / h).is_file() for h in area_pages)
    delaftale = (folder / "beskaeftigelse.html").read_text(encoding="utf-8")
    assert set(area_pages) <= set(hrefs(delaftale))


def test_an_area_page_lists_its_afdelinger_with_links(report) -> None:
    _, folder = report
    page = (folder / "omraade-houlkaer.html").read_text(encoding="utf-8")
    links = sorted({h for h in hrefs(page) if h.startswith("afdeling-")})
    assert links == [f"afdeling-houlkaer-{a}.html" for a in ("11", "12", "13", "14")]
    assert all((folder / h).is_file() for h in links)
    assert "skjult" in page  # the overview of the latest year has hidden cells too


def test_a_department_page_explains_hidden_figures_in_danish(report) -> None:
    _, folder = report
    page = (folder / f"afdeling-houlkaer-{AFDELING}.html").read_text(encoding="utf-8")
    assert '<html lang="da">' in page
    assert "skjult for at beskytte enkeltpersoner" in page
    assert "færre end 5 personer" in page
    assert 'href="omraade-houlkaer.html"' in page
    assert "cdn" not in page.lower() and "https://" not in page


@pytest.fixture(scope="module")
def browser():
    with Chromium(width=1280, height=900) as chromium:
        yield chromium


def test_a_department_page_opened_from_its_area_page_shows_its_figures(report, browser) -> None:
    published, folder = report
    area = browser.open((folder / "omraade-houlkaer.html").as_uri())
    link = area.evaluate(f"document.querySelector('a[data-afdeling=\"{AFDELING}\"]').href")
    assert link.endswith(f"afdeling-houlkaer-{AFDELING}.html")
    page = browser.open(link)
    drawn = page.wait_for_charts()
    assert drawn["charts"] >= 8 and drawn["drawn"] == drawn["charts"], drawn
    assert page.errors() == []
    requested = page.requests()
    assert any(r.endswith("/plotly.min.js") for r in requested), requested
    assert all(r.startswith(("file://", "data:")) for r in requested), requested

    rows = page.evaluate(ROWS_JS)
    expected = published_cells(published)
    assert len(rows) > 50
    hidden = shown = 0
    for row in rows:
        for who in ("afdeling", "area"):
            is_hidden, text = expected[(row["indicator"], row["period_type"], row["period"], who)]
            if is_hidden:
                assert row[who] == "skjult", row
                hidden += who == "afdeling"
            else:
                assert row[who] == text, (row, text)
                shown += who == "afdeling"
    assert hidden > 0 and shown > 0  # both kinds are on the page


def test_a_file_published_before_the_department_figures_still_builds(world, tmp_path) -> None:
    _, folder = build_copy(world.published, tmp_path, None,
                           "drop table indicator_values_afdeling")
    assert not list(folder.glob("afdeling-*.html"))
    page = (folder / "omraade-houlkaer.html").read_text(encoding="utf-8")
    assert "ingen tal for områdets afdelinger" in page
