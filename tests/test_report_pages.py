"""The board's report as files: the figures carry the published numbers, suppressed cells are gaps,
Danish number format, nothing from the internet, and a failed build leaves the old report."""

from __future__ import annotations

import hashlib
import re

import duckdb
import pandas as pd
import pytest
from support.report import (
    build_demo,
    danish,
    parse_page,
    published_cells,
    query,
    trace,
    visible_text,
    y_at,
)

from pipelines.report import build_report
from pipelines.report.data import read_annotations
from pipelines.report.figures import rolling_12

DELAFTALE_PAGES = ("uddannelse_og_livschancer.html", "beskaeftigelse.html",
                   "sammenhaengskraft_og_medborgerskab.html")
PAGES = ("index.html", "datastatus.html", *DELAFTALE_PAGES)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    notes = root / "annotations.csv"
    notes.write_text(
        "indicator_id,date,area,note_da\n"
        "S_DELTAGELSE,2025-03-01,Houlkær,Jobcaféen flyttede til Houlkær\n"
        ",2025-01-01,all,Planen starter\n",
        encoding="utf-8",
    )
    published, report = build_demo(root, annotations=notes)
    return published, report


@pytest.fixture(scope="module")
def page(built):
    _, report = built
    return {name: parse_page(report / name) for name in PAGES}


def test_site_has_every_page_and_one_shared_plotly(built):
    _, report = built
    for name in PAGES:
        assert (report / name).is_file(), name
    scripts = sorted(p.name for p in report.rglob("*.js"))
    assert scripts == ["plotly.min.js", "report.js"]
    assert (report / "plotly.min.js").stat().st_size > 1_000_000
    for name in PAGES:
        # not inlined: a page is far smaller than plotly.js itself
        assert (report / name).stat().st_size < 600_000, name


def test_pages_are_danish_and_load_nothing_from_the_internet(built, page):
    _, report = built
    for name, parsed in page.items():
        assert parsed.html_lang == "da", name
        assert parsed.scripts.count("plotly.min.js") == 1, name
        for ref in parsed.scripts + parsed.stylesheets:
            assert not re.match(r"^(https?:)?//", ref), f"{name} loads {ref}"
            assert (report / ref).is_file(), f"{name} refers to missing {ref}"
        html = (report / name).read_text(encoding="utf-8")
        assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", html), name


def test_every_figure_uses_decimal_comma_separators(page):
    total = 0
    for name, parsed in page.items():
        assert parsed.figures, f"{name} has no figure"
        assert sorted(parsed.figures) == sorted(parsed.chart_divs), name
        for fig_id, fig in parsed.figures.items():
            assert fig["layout"]["separators"] == ",.", f"{name} {fig_id}"
            total += 1
    assert total >= 1 + 2 + 3 * 10 - 1  # overview, data status, 3 per indicator (no sex split for one)


def test_trend_carries_the_published_monthly_values(built, page):
    published, _ = built
    fig = page["beskaeftigelse.html"].figures["fig-B_BESKAEFTIGELSE-trend"]
    monthly = trace(fig, indicator_id="B_BESKAEFTIGELSE", area="all", sex="all", period_type="month")
    cells = published_cells(published, "indicator_id = 'B_BESKAEFTIGELSE' and period_type = 'month' "
                                       "and area = 'all' and sex = 'all'")
    assert len(cells) == 46
    for cell in cells:
        assert y_at(monthly, cell["x"]) == pytest.approx(cell["value"], abs=1e-9), cell["x"]
    assert len([y for y in monthly["y"] if y is not None]) == len(cells)


def test_months_without_data_are_gaps(built, page):
    published, report = built
    figs = page["uddannelse_og_livschancer.html"].figures
    # U_HOEJT_FRAVAER has no July rows; U_FRAVAER has July rows, empty and so suppressed
    for iid, has_row in (("U_HOEJT_FRAVAER", False), ("U_FRAVAER", True)):
        monthly = trace(figs[f"fig-{iid}-trend"], indicator_id=iid, area="all", sex="all",
                        period_type="month")
        july = published_cells(published, f"indicator_id = '{iid}' and period_type = 'month' "
                                          "and area = 'all' and sex = 'all' and period = '2024-07'")
        assert bool(july) == has_row
        assert y_at(monthly, "2024-07-01") is None
        assert monthly["connectgaps"] is False
    text = visible_text((report / "uddannelse_og_livschancer.html").read_text(encoding="utf-8"))
    assert "Ingen tal for juli 2023, juli 2024, juli 2025, juli 2026" in text


def test_rolling_line_leaves_out_an_empty_suppressed_month(built, page):
    published, _ = built
    fig = page["uddannelse_og_livschancer.html"].figures["fig-U_FRAVAER-trend"]
    rolling = trace(fig, indicator_id="U_FRAVAER", period_type="rolling12")
    cells = published_cells(published, "indicator_id = 'U_FRAVAER' and period_type = 'month' "
                                       "and area = 'all' and sex = 'all'")[-12:]
    assert [c["is_suppressed"] for c in cells].count(True) == 1  # July 2026
    shown = [c for c in cells if not c["is_suppressed"]]
    expected = sum(c["numerator"] for c in shown) / sum(c["denominator"] for c in shown) * 100
    assert rolling["y"][-1] == pytest.approx(expected, rel=1e-12)
    status = query(published, "select value from indicator_status "
                              "where indicator_id = 'U_FRAVAER' and area = 'all'")[0][0]
    assert rolling["y"][-1] == pytest.approx(status, rel=1e-9)
    assert "uden jul. 2026: skjult" in rolling["customdata"][-1]


def test_rolling_line_is_the_twelve_month_ratio_of_published_counts(built, page):
    published, _ = built
    fig = page["sammenhaengskraft_og_medborgerskab.html"].figures["fig-S_DELTAGELSE-trend"]
    rolling = trace(fig, indicator_id="S_DELTAGELSE", period_type="rolling12")
    cells = published_cells(published, "indicator_id = 'S_DELTAGELSE' and period_type = 'month' "
                                       "and area = 'all' and sex = 'all'")
    last12 = cells[-12:]
    expected = sum(c["numerator"] for c in last12) / sum(c["denominator"] for c in last12) * 100
    assert rolling["y"][-1] == pytest.approx(expected, rel=1e-12)
    status = query(published, "select value from indicator_status "
                              "where indicator_id = 'S_DELTAGELSE' and area = 'all'")[0][0]
    assert rolling["y"][-1] == pytest.approx(status, rel=1e-9)
    assert all(y is None for y in rolling["y"][:11])  # needs 12 months of history


def test_area_and_sex_comparisons_carry_quarterly_values(built, page):
    published, _ = built
    figs = page["beskaeftigelse.html"].figures
    areas = figs["fig-B_OFFENTLIG_FORSOERGELSE-omraader"]
    sexes = figs["fig-B_OFFENTLIG_FORSOERGELSE-koen"]
    cells = published_cells(published, "indicator_id = 'B_OFFENTLIG_FORSOERGELSE' "
                                       "and period_type = 'quarter'")
    checked = 0
    for cell in cells:
        fig = areas if cell["sex"] == "all" else sexes if cell["area"] == "all" else None
        if fig is None:
            continue
        tr = trace(fig, indicator_id="B_OFFENTLIG_FORSOERGELSE", area=cell["area"], sex=cell["sex"])
        got = y_at(tr, cell["x"])
        if cell["value"] is None:
            assert got is None
        else:
            assert got == pytest.approx(cell["value"], abs=1e-9)
        checked += 1
    assert checked == 16 * (5 + 2)  # 16 quarters: 4 areas + all, women + men


def test_suppressed_cells_are_gaps_never_zeros(built, page):
    published, report = built
    hidden = published_cells(published, "is_suppressed and period_type = 'quarter' and sex = 'all' "
                                        "and area <> 'all'")
    assert hidden, "the fixture must have suppressed cells"
    by_id = {ind: page[p].figures for p in DELAFTALE_PAGES for ind in
             re.findall(r'id="fig-([A-Z0-9_]+)-omraader"', (report / p).read_text(encoding="utf-8"))}
    for cell in hidden:
        assert cell["value"] is None and cell["numerator"] is None
        fig = by_id[cell["indicator_id"]][f"fig-{cell['indicator_id']}-omraader"]
        tr = trace(fig, indicator_id=cell["indicator_id"], area=cell["area"], sex="all")
        assert y_at(tr, cell["x"]) is None, cell
        marks = trace(fig, role="hidden")
        assert cell["x"] in marks["x"], cell
        who = marks["customdata"][marks["x"].index(cell["x"])][1]
        assert cell["area"] in who
    for name in DELAFTALE_PAGES:
        assert "for få personer" in visible_text((report / name).read_text(encoding="utf-8"))


def test_yearly_exam_indicator_is_drawn_as_yearly_bars(built, page):
    published, _ = built
    fig = page["uddannelse_og_livschancer.html"].figures["fig-U_DANSK_MAT_02-trend"]
    bars = trace(fig, indicator_id="U_DANSK_MAT_02", area="all", sex="all", period_type="year")
    assert bars["type"] == "bar"
    cells = published_cells(published, "indicator_id = 'U_DANSK_MAT_02' and area = 'all' and sex = 'all'")
    assert {c["period_type"] for c in cells} == {"year"}
    assert bars["x"] == [c["x"] for c in cells]
    assert bars["y"] == pytest.approx([c["value"] for c in cells])


def test_baseline_and_target_are_drawn_with_the_straight_path(built, page):
    published, _ = built
    baseline, target = query(published, "select baseline, target from indicators "
                                        "where indicator_id = 'U_FRAVAER'")[0]
    fig = page["uddannelse_og_livschancer.html"].figures["fig-U_FRAVAER-trend"]
    assert trace(fig, role="baseline")["y"] == pytest.approx([baseline, baseline])
    assert trace(fig, role="baseline")["x"] == ["2024-01-01", "2025-01-01"]
    path = trace(fig, role="path")
    assert path["x"] == ["2025-01-01", "2030-01-01"]  # end of 2024 → end of 2029
    assert path["y"] == pytest.approx([baseline, target])
    assert trace(fig, role="target")["y"] == pytest.approx([target])


def _overview_rows(html: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(r'<tr data-indicator="([A-Z0-9_]+)" data-status="(\w+)">(.*?)</tr>', html, re.DOTALL)
    return {iid: (status, visible_text(body)) for iid, status, body in rows}


def test_overview_lists_every_indicator_with_value_change_and_status(built):
    published, report = built
    rows = _overview_rows((report / "index.html").read_text(encoding="utf-8"))
    catalogue_rows = query(published, "select i.indicator_id, i.direction, i.unit_da, s.value, "
                                      "s.baseline, s.status from indicators i join indicator_status s "
                                      "using (indicator_id) where s.area = 'all'")
    assert set(rows) == {r[0] for r in catalogue_rows}
    labels = {"on_track": "✓ på sporet", "at_risk": "! i risiko", "off_track": "✗ ikke på sporet",
              "no_data": "– ingen data"}
    for iid, direction, unit, value, baseline, status in catalogue_rows:
        shown_status, text = rows[iid]
        assert shown_status == status
        assert labels[status] in text, iid
        suffix = " %" if unit == "procent" else ""
        assert f"{danish(value)}{suffix}" in text, iid
        delta = round(value - baseline, 1)
        if delta != 0:
            arrow = "↑" if delta > 0 else "↓"
            verdict = "bedre" if (delta > 0) == (direction == "higher") else "dårligere"
            sign = "+" if delta > 0 else ""
            unit_text = "procentpoint" if unit == "procent" else unit
            assert f"{arrow} {sign}{danish(delta)} {unit_text} {verdict}" in text, (iid, text)


def test_overview_says_as_of_when_and_by_which_run(built):
    _, report = built
    text = visible_text((report / "index.html").read_text(encoding="utf-8"))
    assert "Data til og med oktober 2026" in text
    assert "offentliggjort 3. november 2026 kl. 06.13" in text  # 05:13 UTC is 06:13 in Copenhagen
    assert "20261103T051000-8b2e" in text
    assert "Målet er et eksempel" in text


def test_definition_stands_under_each_trend_chart(built):
    published, report = built
    for iid, description, delaftale in query(
            published, "select indicator_id, description_da, delaftale from indicators"):
        html = (report / f"{delaftale}.html").read_text(encoding="utf-8")
        chart = html.index(f'id="fig-{iid}-trend"')
        definition = html.index(description.replace("–", "–"), chart)
        assert definition > chart
        next_chart = html.find('class="chart"', chart + 1)
        assert definition < next_chart, iid


def test_brobygning_has_no_sex_split_and_says_why(page, built):
    _, report = built
    assert "fig-S_BROBYGNING-koen" not in page["sammenhaengskraft_og_medborgerskab.html"].figures
    text = visible_text((report / "sammenhaengskraft_og_medborgerskab.html").read_text(encoding="utf-8"))
    assert "Opgøres ikke på køn" in text


def test_annotations_show_as_dated_markers(page):
    figs = page["sammenhaengskraft_og_medborgerskab.html"].figures
    for fig_id in ("fig-S_DELTAGELSE-trend", "fig-S_DELTAGELSE-omraader"):
        layout = figs[fig_id]["layout"]
        assert any(s.get("x0") == "2025-03-01" and s.get("x1") == "2025-03-01"
                   for s in layout["shapes"]), fig_id
        assert any("Jobcaféen flyttede til Houlkær" in a["text"].replace("<br>", " ")
                   and a["x"] == "2025-03-01" for a in layout["annotations"]), fig_id
    # an area's note is not drawn on the women/men chart of the plan as a whole
    sexes = figs["fig-S_DELTAGELSE-koen"]["layout"]
    assert not any("Jobcaféen" in a["text"] for a in sexes.get("annotations", []))
    # a note without indicator is drawn on every indicator
    other = page["beskaeftigelse.html"].figures["fig-B_BESKAEFTIGELSE-trend"]["layout"]
    assert any("Planen starter" in a["text"] for a in other["annotations"])


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


def test_data_status_shows_deliveries_quarantine_and_gate(built, page):
    published, report = built
    figs = page["datastatus.html"].figures
    heat = trace(figs["fig-leverancer"], role="deliveries")
    cell_text = {}
    for label, texts in zip(heat["y"], heat["customdata"]):
        for x, text in zip(heat["x"], texts):
            cell_text[(label, x)] = text
    expected = {"received": "modtaget", "corrected": "rettet", "missing": "mangler",
                "rejected": "afvist"}
    labels = {"beboere": "Beboere", "beskaeftigelse": "Beskæftigelse", "deltagelse": "Deltagelse"}
    rows = query(published, "select source, strftime(period_start, '%Y-%m-01'), status "
                            "from delivery_status where source in ('beboere', 'beskaeftigelse', 'deltagelse')")
    assert {r[2] for r in rows} >= {"received", "corrected", "missing", "rejected"}
    for source, x, status in rows:
        assert expected[status] in cell_text[(labels[source], x)], (source, x)
    july = cell_text[("Skole (fravær)", "2024-07-01")]
    assert "ikke forventet" in july

    for source, label in (("beboere", "Beboere"), ("skole", "Skole (fravær)")):
        bars = trace(figs["fig-karantaene"], source=source)
        for x, n in query(published, "select strftime(period_start, '%Y-%m-01'), rows_quarantined "
                                     "from delivery_status where source = ?", [source]):
            assert y_at(bars, x) == n, (label, x)

    text = visible_text((report / "datastatus.html").read_text(encoding="utf-8"))
    assert "Bestået" in text and "42 kontroller, 1 advarsel" in text
    files = query(published, "select unnest(source_files).sha256 from pipeline_runs "
                             "order by published_at desc")
    latest = query(published, "select len(source_files) from pipeline_runs "
                              "order by published_at desc limit 1")[0][0]
    for (sha,) in files[:latest]:
        assert sha in text


def test_published_file_is_only_read(built, tmp_path):
    published, _ = built
    report = tmp_path / "report"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    holder = duckdb.connect(str(published), read_only=True)  # an evaluator has it open
    try:
        build_report(published, report)
    finally:
        holder.close()
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before


def test_a_failed_build_keeps_the_previous_report(built, tmp_path):
    published, _ = built
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
    published, _ = built
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
