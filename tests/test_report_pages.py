"""The board's report as files: the figures carry the published numbers, suppressed cells are gaps,
Danish number format, nothing from the internet, and a failed build leaves the old report."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from support.report import (
    build_copy,
    danish,
    month_da,
    parse_page,
    published_cells,
    query,
    trace,
    visible_text,
    y_at,
)

from pipelines import catalogue
from pipelines.report import build_report
from pipelines.report.data import read_annotations
from pipelines.report.figures import rolling_12

ANNOTATED = "S_DELTAGELSE"  # any monthly indicator of the catalogue with an area split
PARTICIPANTS_PAGE = "deltagere.html"


@pytest.fixture(scope="module")
def built(world, tmp_path_factory):
    """The report built from a copy of the test world's published file, with two annotations."""
    root = tmp_path_factory.mktemp("report")
    area = query(world.published, "select min(area) from indicator_values where area <> 'all'")[0][0]
    # two months inside the published span: its 6th and 7th latest
    moved, start = (d.isoformat() for (d,) in query(
        world.published, "select distinct period_start from indicator_values where period_type = "
                         "'month' order by period_start desc limit 2 offset 5"))
    notes = root / "annotations.csv"
    notes.write_text(
        "indicator_id,date,area,note_da\n"
        f"{ANNOTATED},{moved},{area},Jobcaféen flyttede til {area}\n"
        f",{start},all,Planen starter\n",
        encoding="utf-8",
    )
    published, report = build_copy(world.published, root, notes)
    delaftaler = [d for (d,) in query(published, "select distinct delaftale from indicators")]
    pages = ("index.html", "datastatus.html", *(f"{d}.html" for d in delaftaler),
             PARTICIPANTS_PAGE)
    return SimpleNamespace(published=published, report=report, area=area, moved=moved, pages=pages,
                           page_of={iid: f"{d}.html" for iid, d in
                                    query(published, "select indicator_id, delaftale from indicators")})


@pytest.fixture(scope="module")
def page(built):
    return {name: parse_page(built.report / name) for name in built.pages}


def _text(built, name: str) -> str:
    return visible_text((built.report / name).read_text(encoding="utf-8"))


def test_site_has_every_page_and_one_shared_plotly(built):
    report = built.report
    for name in built.pages:
        assert (report / name).is_file(), name
    scripts = sorted(p.name for p in report.rglob("*.js"))
    assert scripts == ["plotly.min.js", "report.js"]
    assert (report / "plotly.min.js").stat().st_size > 1_000_000
    for name in built.pages:
        # not inlined: a page is far smaller than plotly.js itself
        assert (report / name).stat().st_size < 600_000, name


def test_pages_are_danish_and_load_nothing_from_the_internet(built, page):
    report = built.report
    for name, parsed in page.items():
        assert parsed.html_lang == "da", name
        assert parsed.scripts.count("plotly.min.js") == 1, name
        for ref in parsed.scripts + parsed.stylesheets:
            assert not re.match(r"^(https?:)?//", ref), f"{name} loads {ref}"
            assert (report / ref).is_file(), f"{name} refers to missing {ref}"
        html = (report / name).read_text(encoding="utf-8")
        assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", html), name


def test_every_figure_uses_decimal_comma_separators(built, page):
    total = 0
    for name, parsed in page.items():
        assert parsed.figures, f"{name} has no figure"
        assert sorted(parsed.figures) == sorted(parsed.chart_divs), name
        for fig_id, fig in parsed.figures.items():
            assert fig["layout"]["separators"] == ",.", f"{name} {fig_id}"
            total += 1
    # overview 1, data status 2; per indicator a trend, areas, and women/men if counted by person
    per_indicator = query(built.published, "select sum(2 + person_based::int) from indicators")[0][0]
    # the participants page: one chart per outcome indicator
    outcomes = query(built.published, "select count(*) from indicators where participant_outcome")[0][0]
    assert total == 1 + 2 + per_indicator + outcomes


def test_trend_carries_the_published_monthly_values(built, page):
    monthly_ids = query(built.published, "select indicator_id from indicators where grain = 'month'")
    assert monthly_ids
    for (iid,) in monthly_ids:
        fig = page[built.page_of[iid]].figures[f"fig-{iid}-trend"]
        monthly = trace(fig, indicator_id=iid, area="all", sex="all", period_type="month")
        cells = published_cells(built.published, "indicator_id = ? and period_type = 'month' "
                                                 "and area = 'all' and sex = 'all'", [iid])
        assert len(cells) == len(monthly["x"]), iid
        for cell in cells:
            got = y_at(monthly, cell["x"])
            if cell["value"] is None:
                assert got is None, (iid, cell["x"])
            else:
                assert got == pytest.approx(cell["value"], abs=1e-9), (iid, cell["x"])
        shown = [y for y in monthly["y"] if y is not None]
        assert len(shown) == len([c for c in cells if c["value"] is not None]), iid


def _school_indicators(built) -> list[str]:
    """Monthly indicators measured on school days only (beyond the residents, they read just the
    school source): no school in July, so no pupils and no figure then."""
    monthly = {iid for (iid,) in query(built.published,
                                       "select indicator_id from indicators where grain = 'month'")}
    return [ind.indicator_id for ind in catalogue.indicators()
            if set(ind.sources) - {"beboere"} == {"skole"} and ind.indicator_id in monthly]


def test_months_without_school_are_gaps(built, page):
    school = _school_indicators(built)
    assert school
    for iid in school:
        monthly = trace(page[built.page_of[iid]].figures[f"fig-{iid}-trend"], indicator_id=iid,
                        area="all", sex="all", period_type="month")
        july = published_cells(built.published, "indicator_id = ? and period_type = 'month' "
                                                 "and area = 'all' and sex = 'all' "
                                                 "and month(period_start) = 7", [iid])
        assert july
        for cell in july:
            assert cell["value"] is None and cell["is_suppressed"]
            assert y_at(monthly, cell["x"]) is None, (iid, cell["x"])
        assert monthly["connectgaps"] is False


def test_months_without_any_row_are_gaps_with_a_note(world, built, tmp_path):
    iid = _school_indicators(built)[0]
    where = (f"indicator_id = '{iid}' and period_type = 'month' and area = 'all' and sex = 'all' "
             "and month(period_start) = 7")
    july = [c["period"] for c in published_cells(world.published, where)]
    assert july
    published, report = build_copy(world.published, tmp_path, None,
                                   f"delete from indicator_values where {where}")
    assert not published_cells(published, where)
    name = built.page_of[iid]
    monthly = trace(parse_page(report / name).figures[f"fig-{iid}-trend"], indicator_id=iid,
                    area="all", sex="all", period_type="month")
    for period in july:
        assert y_at(monthly, f"{period}-01") is None
    text = visible_text((report / name).read_text(encoding="utf-8"))
    assert f"Ingen tal for {', '.join(month_da(p) for p in july)}" in text


def _last_12(built, iid: str) -> list[dict]:
    return published_cells(built.published, "indicator_id = ? and period_type = 'month' "
                                             "and area = 'all' and sex = 'all'", [iid])[-12:]


def _status_value(built, iid: str) -> float:
    return query(built.published, "select value from indicator_status "
                                  "where indicator_id = ? and area = 'all'", [iid])[0][0]


def test_rolling_line_leaves_out_an_empty_suppressed_month(built, page):
    # a school indicator: the latest 12 months hold a July, suppressed (no pupils, no school)
    iid = next(i for i in _school_indicators(built)
               if [c["is_suppressed"] for c in _last_12(built, i)].count(True) == 1)
    cells = _last_12(built, iid)
    rolling = trace(page[built.page_of[iid]].figures[f"fig-{iid}-trend"], indicator_id=iid,
                    period_type="rolling12")
    shown = [c for c in cells if not c["is_suppressed"]]
    factor = query(built.published, "select factor from indicators where indicator_id = ?", [iid])[0][0]
    expected = sum(c["numerator"] for c in shown) / sum(c["denominator"] for c in shown) * factor
    assert rolling["y"][-1] == pytest.approx(expected, rel=1e-12)
    assert rolling["y"][-1] == pytest.approx(_status_value(built, iid), rel=1e-9)
    hidden = next(c for c in cells if c["is_suppressed"])
    assert f"uden {month_da(hidden['period'], short=True)}: skjult" in rolling["customdata"][-1]


def test_rolling_line_is_the_twelve_month_ratio_of_published_counts(built, page):
    flows = query(built.published, "select indicator_id, factor from indicators "
                                   "where grain = 'month' and aggregation = 'flow'")
    checked = 0
    for iid, factor in flows:
        cells = _last_12(built, iid)
        if any(c["is_suppressed"] for c in cells):
            continue
        rolling = trace(page[built.page_of[iid]].figures[f"fig-{iid}-trend"], indicator_id=iid,
                        period_type="rolling12")
        expected = sum(c["numerator"] for c in cells) / sum(c["denominator"] for c in cells) * factor
        assert rolling["y"][-1] == pytest.approx(expected, rel=1e-12), iid
        assert rolling["y"][-1] == pytest.approx(_status_value(built, iid), rel=1e-9), iid
        assert all(y is None for y in rolling["y"][:11])  # needs 12 months of history
        checked += 1
    assert checked


def test_area_and_sex_comparisons_carry_quarterly_values(built, page):
    checked = 0
    for (iid,) in query(built.published, "select indicator_id from indicators "
                                         "where grain = 'month' and person_based"):
        figs = page[built.page_of[iid]].figures
        areas, sexes = figs[f"fig-{iid}-omraader"], figs[f"fig-{iid}-koen"]
        cells = published_cells(built.published, "indicator_id = ? and period_type = 'quarter' "
                                                 "and (sex = 'all' or area = 'all')", [iid])
        for cell in cells:
            fig = areas if cell["sex"] == "all" else sexes
            tr = trace(fig, indicator_id=iid, area=cell["area"], sex=cell["sex"])
            got = y_at(tr, cell["x"])
            if cell["value"] is None:
                assert got is None
            else:
                assert got == pytest.approx(cell["value"], abs=1e-9)
            checked += 1
    quarters, areas = query(built.published, "select count(distinct period), count(distinct area) "
                                             "from indicator_values where period_type = 'quarter'")[0]
    persons = query(built.published, "select count(*) from indicators "
                                     "where grain = 'month' and person_based")[0][0]
    assert checked == persons * quarters * (areas + 2)  # every area and all; women and men


def test_suppressed_cells_are_gaps_never_zeros(built, page):
    hidden = published_cells(built.published, "is_suppressed and period_type = 'quarter' "
                                               "and sex = 'all' and area <> 'all'")
    assert hidden, "the test world must have suppressed cells"
    for cell in hidden:
        assert cell["value"] is None and cell["numerator"] is None
        iid = cell["indicator_id"]
        fig = page[built.page_of[iid]].figures[f"fig-{iid}-omraader"]
        tr = trace(fig, indicator_id=iid, area=cell["area"], sex="all")
        assert y_at(tr, cell["x"]) is None, cell
        marks = trace(fig, role="hidden")
        assert cell["x"] in marks["x"], cell
        who = marks["customdata"][marks["x"].index(cell["x"])][1]
        assert cell["area"] in who
    for name in {built.page_of[c["indicator_id"]] for c in hidden}:
        assert "for få personer" in _text(built, name)


def test_yearly_exam_indicator_is_drawn_as_yearly_bars(built, page):
    yearly = query(built.published, "select indicator_id from indicators where grain = 'year'")
    assert yearly
    for (iid,) in yearly:
        fig = page[built.page_of[iid]].figures[f"fig-{iid}-trend"]
        bars = trace(fig, indicator_id=iid, area="all", sex="all", period_type="year")
        assert bars["type"] == "bar"
        cells = published_cells(built.published, "indicator_id = ? and area = 'all' and sex = 'all'",
                                [iid])
        assert {c["period_type"] for c in cells} == {"year"}
        assert bars["x"] == [c["x"] for c in cells]
        for got, cell in zip(bars["y"], cells, strict=True):
            assert got == (None if cell["value"] is None else pytest.approx(cell["value"]))


def test_baseline_and_target_are_drawn_with_the_straight_path(built, page):
    rows = query(built.published, "select indicator_id, baseline_year, baseline, target_year, target "
                                  "from indicators where baseline is not null and target is not null")
    assert rows
    for iid, baseline_year, baseline, target_year, target in rows:
        fig = page[built.page_of[iid]].figures[f"fig-{iid}-trend"]
        assert trace(fig, role="baseline")["y"] == pytest.approx([baseline, baseline])
        assert trace(fig, role="baseline")["x"] == [f"{baseline_year}-01-01",
                                                   f"{baseline_year + 1}-01-01"]
        path = trace(fig, role="path")
        # from the end of the baseline year to the end of the target year
        assert path["x"] == [f"{baseline_year + 1}-01-01", f"{target_year + 1}-01-01"]
        assert path["y"] == pytest.approx([baseline, target])
        assert trace(fig, role="target")["y"] == pytest.approx([target])
        assert f"Mål {target_year}" in trace(fig, role="target")["name"]


def _overview_rows(html: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(r'<tr data-indicator="([A-Z0-9_]+)" data-status="(\w+)">(.*?)</tr>', html, re.DOTALL)
    return {iid: (status, visible_text(body)) for iid, status, body in rows}


def test_overview_lists_every_indicator_with_value_change_and_status(built):
    rows = _overview_rows((built.report / "index.html").read_text(encoding="utf-8"))
    catalogue_rows = query(built.published,
                           "select i.indicator_id, i.direction, i.unit_da, s.value, s.baseline, "
                           "s.status from indicators i join indicator_status s "
                           "using (indicator_id) where s.area = 'all'")
    assert set(rows) == {r[0] for r in catalogue_rows}
    labels = {"on_track": "✓ på sporet", "at_risk": "! i risiko", "off_track": "✗ ikke på sporet",
              "no_data": "– ingen data"}
    for iid, direction, unit, value, baseline, status in catalogue_rows:
        shown_status, text = rows[iid]
        assert shown_status == status
        assert labels[status] in text, iid
        suffix = " %" if unit == "procent" else ""
        if value is not None:
            assert f"{danish(value)}{suffix}" in text, iid
        if value is None or baseline is None:
            continue
        delta = round(value - baseline, 1)
        if delta != 0:
            arrow = "↑" if delta > 0 else "↓"
            verdict = "bedre" if (delta > 0) == (direction == "higher") else "dårligere"
            sign = "+" if delta > 0 else ""
            unit_text = "procentpoint" if unit == "procent" else unit
            assert f"{arrow} {sign}{danish(delta)} {unit_text} {verdict}" in text, (iid, text)


def _copenhagen(moment: dt.datetime) -> str:
    local = moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Europe/Copenhagen"))
    return f"{local.day}. {month_da(f'{local:%Y-%m}')} kl. {local:%H.%M}"


def test_overview_says_as_of_when_and_by_which_run(built):
    text = _text(built, "index.html")
    through = query(built.published, "select max(period) from indicator_values "
                                     "where period_type = 'month'")[0][0]
    run_id, published_at = query(built.published, "select run_id, published_at from pipeline_runs "
                                                  "order by published_at desc limit 1")[0]
    assert f"Data til og med {month_da(through)}" in text
    assert f"offentliggjort {_copenhagen(published_at)}" in text  # stored in UTC
    assert run_id in text
    if query(built.published, "select bool_or(target_is_example) from indicators")[0][0]:
        assert "Målet er et eksempel" in text


def test_overview_names_the_baseline_and_target_years_of_the_catalogue(built):
    years = query(built.published, "select distinct baseline_year, target_year from indicators")
    assert len(years) == 1  # one plan: the overview's columns name its years
    baseline_year, target_year = years[0]
    text = _text(built, "index.html")
    assert f"Baseline {baseline_year}" in text and f"Mål {target_year}" in text
    assert f"baseline ({baseline_year}) og målet for {target_year}" in text


def test_the_years_come_from_the_published_catalogue(world, tmp_path):
    # another plan period than the test world's: nothing in the report may assume its years
    (old_baseline, old_target), = query(world.published,
                                         "select distinct baseline_year, target_year from indicators")
    assert (old_baseline, old_target) != (2021, 2027)
    _, report = build_copy(world.published, tmp_path, None,
                           "update indicators set baseline_year = 2021, target_year = 2027")
    index = visible_text((report / "index.html").read_text(encoding="utf-8"))
    assert "Baseline 2021" in index and "Mål 2027" in index
    assert "baseline (2021) og målet for 2027" in index
    assert "Helhedsplan 2022–2027" in index  # the plan runs from the year after the baseline
    progress = parse_page(report / "index.html").figures["fig-fremskridt"]
    texts = [a["text"] for a in progress["layout"]["annotations"]]
    assert "Baseline 2021" in texts and "Mål 2027" in texts
    assert not any(str(old) in text for text in texts for old in (old_baseline, old_target))
    assert f"Baseline {old_baseline}" not in index and f"Mål {old_target}" not in index
    assert f"{old_baseline + 1}–{old_target}" not in index


def test_indicators_with_different_years_get_headings_without_a_year(world, tmp_path):
    iid = query(world.published, "select min(indicator_id) from indicators")[0][0]
    _, report = build_copy(world.published, tmp_path, None,
                           f"update indicators set baseline_year = baseline_year - 1 "
                           f"where indicator_id = '{iid}'")
    index = visible_text((report / "index.html").read_text(encoding="utf-8"))
    years = query(world.published, "select distinct baseline_year, target_year from indicators")
    for baseline_year, target_year in years:
        assert f"Baseline {baseline_year}" not in index and f"Mål {target_year}" not in index
        assert f"{baseline_year + 1}–{target_year}" not in index  # no plan period either
    assert "()" not in index
    assert "Seneste 12 måneder sammenlignet med baseline og målet." in index


def test_progress_chart_marks_where_the_published_straight_line_is(built, page):
    fig = page["index.html"].figures["fig-fremskridt"]
    marks = trace(fig, role="expected")
    rows = query(built.published,
                 "select i.name_da, (s.expected - s.baseline) / (s.target - s.baseline) * 100 "
                 "from indicators i join indicator_status s using (indicator_id) "
                 "where s.area = 'all' and s.expected is not null and s.target <> s.baseline")
    assert rows
    shown = {label.replace("<br>", " "): x for label, x in zip(marks["y"], marks["x"])}
    assert len(shown) == len(rows)
    for name, expected in rows:
        assert shown[name] == pytest.approx(expected, rel=1e-9), name


def test_definition_stands_under_each_trend_chart(built):
    for iid, description, delaftale in query(
            built.published, "select indicator_id, description_da, delaftale from indicators"):
        html = (built.report / f"{delaftale}.html").read_text(encoding="utf-8")
        chart = html.index(f'id="fig-{iid}-trend"')
        definition = html.index(description, chart)
        assert definition > chart
        next_chart = html.find('class="chart"', chart + 1)
        assert definition < next_chart, iid


def test_an_indicator_not_counted_by_person_has_no_sex_split_and_says_why(page, built):
    sessions = query(built.published, "select indicator_id from indicators where not person_based")
    assert sessions
    for (iid,) in sessions:
        assert f"fig-{iid}-koen" not in page[built.page_of[iid]].figures
        assert "Opgøres ikke på køn" in _text(built, built.page_of[iid])


def test_annotations_show_as_dated_markers(built, page):
    figs = page[built.page_of[ANNOTATED]].figures
    note = f"Jobcaféen flyttede til {built.area}"
    for fig_id in (f"fig-{ANNOTATED}-trend", f"fig-{ANNOTATED}-omraader"):
        layout = figs[fig_id]["layout"]
        assert any(s.get("x0") == built.moved and s.get("x1") == built.moved
                   for s in layout["shapes"]), fig_id
        assert any(note in a["text"].replace("<br>", " ")
                   and a["x"] == built.moved for a in layout["annotations"]), fig_id
    # an area's note is not drawn on the women/men chart of the plan as a whole
    sexes = figs[f"fig-{ANNOTATED}-koen"]["layout"]
    assert not any("Jobcaféen" in a["text"] for a in sexes.get("annotations", []))
    # a note without indicator is drawn on every indicator
    for iid, name in built.page_of.items():
        layout = page[name].figures[f"fig-{iid}-trend"]["layout"]
        assert any("Planen starter" in a["text"] for a in layout["annotations"]), iid


@pytest.mark.parametrize("line, message", [
    ("U_UKENDT,2025-01-01,all,Noget\n", "ukendt indikator"),
    ("U_FRAVAER,01-02-2025,all,Noget\n", "ÅÅÅÅ-MM-DD"),
    ("U_FRAVAER,2025-01-01,all,\n", "tom"),
])
def test_a_bad_annotation_names_its_line(tmp_path, line, message):
    notes = tmp_path / "annotations.csv"
    notes.write_text("indicator_id,date,area,note_da\nU_FRAVAER,2025-01-01,all,God\n" + line,
                     encoding="utf-8")
    with pytest.raises(ValueError, match=rf"linje 3: .*{message}"):
        read_annotations(notes, {"U_FRAVAER"})


def _heatmap_cells(figure: dict) -> dict[tuple[str, str], str]:
    heat = trace(figure, role="deliveries")
    return {(label, x): text for label, texts in zip(heat["y"], heat["customdata"])
            for x, text in zip(heat["x"], texts)}


DELIVERY_WORDS = {"received": "modtaget", "corrected": "rettet", "missing": "mangler",
                  "rejected": "afvist", "not_expected": "ikke forventet"}


@pytest.fixture(scope="module")
def gaps(world, tmp_path_factory):
    """The test world has every delivery: a copy where one period is missing, one rejected."""
    where = ("source = 'beboere' and period = (select {} from delivery_status "
             "where source = 'beboere')")
    published, report = build_copy(
        world.published, tmp_path_factory.mktemp("gaps"), None,
        "update delivery_status set status = 'missing', files = 0, rows_loaded = 0 "
        f"where {where.format('min(period)')}",
        "update delivery_status set status = 'rejected', files = 1, rows_loaded = 0 "
        f"where {where.format('max(period)')}",
    )
    return SimpleNamespace(published=published, report=report)


def test_data_status_shows_every_delivery_state(gaps):
    cells = _heatmap_cells(parse_page(gaps.report / "datastatus.html").figures["fig-leverancer"])
    labels = {s.source: s.label_da for s in catalogue.sources().values()}
    rows = query(gaps.published, "select source, strftime(period_start, '%Y-%m-01'), status "
                                 "from delivery_status")
    assert {r[2] for r in rows} == set(DELIVERY_WORDS)
    for source, x, status in rows:
        assert DELIVERY_WORDS[status] in cells[(labels[source], x)], (source, x)
    text = visible_text((gaps.report / "datastatus.html").read_text(encoding="utf-8"))
    table = text[text.index("Manglende og afviste leverancer"):]
    for source, period, status in query(gaps.published, "select source, period, status from "
                                                        "delivery_status where status in "
                                                        "('missing', 'rejected') and source = 'beboere'"):
        assert f"{labels[source]} {month_da(period)} {DELIVERY_WORDS[status]}" in table


def test_july_without_school_is_not_expected_not_missing(built, page):
    not_expected = query(built.published, "select source, period, strftime(period_start, '%Y-%m-01') "
                                          "from delivery_status where status = 'not_expected'")
    assert {s for s, _, _ in not_expected} == {"skole"}
    assert {p[5:] for _, p, _ in not_expected} == {"07"}
    cells = _heatmap_cells(page["datastatus.html"].figures["fig-leverancer"])
    label = catalogue.sources()["skole"].label_da
    for _, _, x in not_expected:
        assert "ikke forventet" in cells[(label, x)] and "mangler" not in cells[(label, x)]
    assert "Manglende og afviste leverancer" not in _text(built, "datastatus.html")


def test_data_status_shows_quarantine_and_gate(built, page):
    figs = page["datastatus.html"].figures
    for source in catalogue.source_names():
        bars = trace(figs["fig-karantaene"], source=source)
        for x, n in query(built.published, "select strftime(period_start, '%Y-%m-01'), "
                                           "rows_quarantined from delivery_status where source = ?",
                          [source]):
            assert y_at(bars, x) == n, (source, x)
    text = _text(built, "datastatus.html")
    passed, checks, warnings, files = query(
        built.published, "select gate_passed, gate_checks, gate_warnings, source_files "
                         "from pipeline_runs order by published_at desc limit 1")[0]
    assert passed and "Bestået" in text
    assert f"{checks} kontroller, {warnings} {'advarsel' if warnings == 1 else 'advarsler'}" in text
    assert files
    for file in files:
        assert file["sha256"] in text and file["file_path"] in text


def test_published_file_is_only_read(built, tmp_path):
    published = built.published
    report = tmp_path / "report"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    holder = duckdb.connect(str(published), read_only=True)  # an evaluator has it open
    try:
        build_report(published, report)
    finally:
        holder.close()
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before


def test_a_failed_build_keeps_the_previous_report(built, tmp_path):
    published = built.published
    report = build_report(published, tmp_path / "report").parent
    old = (report / "index.html").read_text(encoding="utf-8")
    broken = tmp_path / "broken.duckdb"
    con = duckdb.connect(str(broken))
    con.execute(f"attach '{published}' as pub (read_only)")
    con.execute("create table indicator_values as select * from pub.indicator_values")
    con.close()
    with pytest.raises(ValueError, match="mangler tabellerne"):
        build_report(broken, report)
    assert (report / "index.html").read_text(encoding="utf-8") == old
    leftovers = [p.name for p in report.parent.iterdir() if p.name.startswith(".report")]
    assert leftovers == []


def test_a_rebuild_replaces_the_whole_report(built, tmp_path):
    published = built.published
    report = build_report(published, tmp_path / "report").parent
    (report / "stale.html").write_text("old", encoding="utf-8")
    build_report(published, report)
    assert not (report / "stale.html").exists()
    assert (report / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # nothing left beside it


def test_rolling_value_is_a_gap_when_too_many_months_are_hidden():
    months = pd.date_range("2024-01-01", periods=14, freq="MS")
    hidden = {1, 5, 7}  # February, June and August 2024
    monthly = pd.DataFrame({
        "period_start": months,
        "numerator": [None if i in hidden else 10.0 for i in range(14)],
        "denominator": [None if i in hidden else 40.0 for i in range(14)],
        "is_suppressed": [i in hidden for i in range(14)],
    })
    values, notes = rolling_12(monthly, months, 100)
    assert values[:11] == [None] * 11
    assert values[11] is None and values[12] is None  # three hidden months in the window
    assert values[13] == pytest.approx(25.0)  # mar. 2024–feb. 2025: two hidden, left out
    assert notes[13] == " (uden jun. 2024, aug. 2024: skjult)"


# ------------------------------------------------------------- participants and non-participants

CAVEAT = ("beskrivelse, ikke en effektmåling: deltagelse er frivillig, så grupperne er "
          "forskellige fra starten")


def _participant_rows(published, indicator_id: str, year: int | None = None) -> list[dict]:
    sql = ("select * from participant_outcomes where indicator_id = ?"
           + (" and year = ?" if year is not None else "") + " order by year, area, participation")
    con = duckdb.connect(str(published), read_only=True)
    try:
        rel = con.execute(sql, [indicator_id] + ([year] if year is not None else []))
        names = [d[0] for d in rel.description]
        return [dict(zip(names, row)) for row in rel.fetchall()]
    finally:
        con.close()


def _outcome_ids(published) -> list[str]:
    return [i for (i,) in query(published, "select indicator_id from indicators "
                                           "where participant_outcome")]


def test_the_participants_page_is_linked_from_every_page_and_says_it_is_no_effect(built):
    for name in built.pages:
        html = (built.report / name).read_text(encoding="utf-8")
        assert f'href="{PARTICIPANTS_PAGE}"' in html, name
    text = _text(built, PARTICIPANTS_PAGE)
    assert CAVEAT in text.lower()
    ids = _outcome_ids(built.published)
    assert len(ids) == 4
    names = dict(query(built.published, "select indicator_id, name_da from indicators"))
    for iid in ids:
        assert names[iid] in text


def test_the_participant_tables_show_the_published_latest_year_with_hidden_rows_as_hidden(built):
    html = (built.report / PARTICIPANTS_PAGE).read_text(encoding="utf-8")
    checked = hidden = 0
    for iid in _outcome_ids(built.published):
        year = query(built.published, "select max(year) from participant_outcomes "
                                      "where indicator_id = ?", [iid])[0][0]
        section = html.split(f'id="{iid}"', 1)[1].split("</section>", 1)[0]
        assert f'data-year="{year}"' in section
        for row in _participant_rows(built.published, iid, year):
            match = re.search(rf'<tr data-area="{re.escape(row["area"])}" data-participation='
                              rf'"{row["participation"]}"[^>]*>(.*?)</tr>', section, re.DOTALL)
            assert match, (iid, row["area"], row["participation"])
            cells = visible_text(match.group(1))
            if row["is_suppressed"]:
                assert cells.count("skjult") == 4 and "%" not in cells, cells
                hidden += 1
            else:
                assert f"{danish(row['value_before'])} % {danish(row['value'])} %" in cells, cells
                change = row["value"] - row["value_before"]
                assert f"{danish(abs(change))} procentpoint" in cells, cells
                counts = f"{row['numerator']:.0f} af {row['denominator']:.0f}"
                assert counts in cells.replace(".", ""), cells  # thousands dot aside
                checked += 1
    assert checked > 5 and hidden > 5


def test_the_participant_chart_carries_the_published_values_and_gaps(built, page):
    figures = page[PARTICIPANTS_PAGE].figures
    for iid in _outcome_ids(built.published):
        fig = figures[f"fig-{iid}-deltagere"]
        rows = [r for r in _participant_rows(built.published, iid) if r["area"] == "all"]
        for participation in ("deltager", "ikke_deltager"):
            bars = trace(fig, participation=participation, role="value")
            marks = trace(fig, participation=participation, role="before")
            for row in (r for r in rows if r["participation"] == participation):
                year = str(row["year"])
                if row["is_suppressed"]:
                    assert y_at(bars, year) is None and y_at(marks, year) is None
                else:
                    assert y_at(bars, year) == pytest.approx(row["value"])
                    assert y_at(marks, year) == pytest.approx(row["value_before"])
        hidden_years = {str(r["year"]) for r in rows if r["is_suppressed"]}
        if hidden_years:
            assert set(trace(fig, role="hidden")["x"]) == hidden_years


def test_without_participant_outcomes_the_report_has_no_participants_page(world, tmp_path):
    _, report = build_copy(world.published, tmp_path, None, "drop table participant_outcomes")
    assert not (report / PARTICIPANTS_PAGE).exists()
    assert PARTICIPANTS_PAGE not in (report / "index.html").read_text(encoding="utf-8")


def test_pages_rendered_by_worker_processes_are_the_pages_rendered_in_one(built, tmp_path, monkeypatch):
    import pipelines.report as report_package

    published = built.published
    serial = build_report(published, tmp_path / "serial").parent
    monkeypatch.setattr(report_package, "PARALLEL_FROM", 0)
    monkeypatch.setenv(report_package.WORKERS_ENV, "2")
    spawned = []
    real_pool = report_package.ProcessPoolExecutor

    def counted_pool(*args, **kwargs):
        spawned.append(args[0] if args else kwargs["max_workers"])
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(report_package, "ProcessPoolExecutor", counted_pool)
    parallel = build_report(published, tmp_path / "parallel").parent
    assert spawned == [2]

    def pages(folder):  # the build time is the one line that may differ
        return {p.name: re.sub(r"dannet .*?</p>", "", p.read_text(encoding="utf-8"))
                for p in folder.iterdir()}

    assert pages(parallel).keys() == pages(serial).keys()
    assert any(name.startswith("afdeling-") for name in pages(serial))
    assert pages(parallel) == pages(serial)
