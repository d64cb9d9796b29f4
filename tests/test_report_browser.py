"""The report in Debian's headless Chromium from file://: every chart draws, no JavaScript errors,
nothing loaded from outside the report folder. (scripts/install-chromium.sh installs chromium.)"""

from __future__ import annotations

import shutil

import pytest
from support.report import build_copy

from pipelines.report.browser import Chromium

DRAWN_JS = """Array.from(document.querySelectorAll('.chart')).map(c => ({
  id: c.id,
  svgs: c.querySelectorAll('svg.main-svg').length,
  marks: c.querySelectorAll('.scatterlayer .trace, .barlayer .trace, .heatmaplayer image, .hm image').length,
  height: c.getBoundingClientRect().height
}))"""


@pytest.fixture(scope="module")
def report(world, tmp_path_factory):
    _, folder = build_copy(world.published, tmp_path_factory.mktemp("browser"))
    return folder


@pytest.fixture(scope="module")
def browser():
    with Chromium(width=1280, height=900) as chromium:
        yield chromium


@pytest.mark.parametrize("name", ["index.html", "beskaeftigelse.html", "datastatus.html"])
def test_page_draws_every_chart_without_errors(report, browser, name):
    page = browser.open((report / name).as_uri())
    drawn = page.wait_for_charts()
    assert drawn["charts"] > 0
    assert drawn["drawn"] == drawn["charts"], drawn
    for chart in page.evaluate(DRAWN_JS):
        assert chart["svgs"] > 0 and chart["marks"] > 0, chart
        assert chart["height"] > 200, chart
    assert page.errors() == []
    requested = page.requests()
    assert any(r.endswith("/plotly.min.js") for r in requested), requested
    assert all(r.startswith(("file://", "data:")) for r in requested), requested
    assert page.evaluate("document.documentElement.lang") == "da"


def test_the_check_sees_a_page_whose_charts_cannot_draw(report, browser, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(report, broken)
    (broken / "plotly.min.js").unlink()
    page = browser.open((broken / "beskaeftigelse.html").as_uri())
    drawn = page.wait_for_charts(timeout_ms=1500)
    assert drawn["drawn"] == 0 < drawn["charts"]
    errors = page.errors()
    assert any("Plotly" in e for e in errors), errors


HOSTILE = "</script><script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">"
AREA_TABLES = ("indicator_values", "indicator_status", "indicator_values_afdeling", "participant_outcomes",
               "activity_figures", "mart_beskaeftigelse", "mart_uddannelse_og_livschancer",
               "mart_sammenhaengskraft_og_medborgerskab")


def test_html_and_script_in_an_area_name_stay_text(world, browser, tmp_path):
    """An area named with markup (a hostile extract, had the gate let it through) is shown as
    text on every page: no element is made of it and no script of it runs."""
    from support.ingest import query

    area = query(world.published, "select min(area) from indicator_values where area <> 'all'")[0][0]
    updates = [f"update {table} set area = '{HOSTILE}' where area = '{area}'" for table in AREA_TABLES]
    _, folder = build_copy(world.published, tmp_path, None, *updates)
    for name in ("index.html", "beskaeftigelse.html"):
        page = browser.open((folder / name).as_uri())
        page.wait_for_charts()
        assert page.evaluate("window.pwned === undefined"), name
        assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0, name
        assert page.evaluate(f"document.body.innerText.includes({HOSTILE!r})"), name  # shown as text
        assert page.errors() == [], name
