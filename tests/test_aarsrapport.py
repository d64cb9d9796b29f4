"""`helhedsplan aarsrapport --aar YYYY`: every number of the yearly report equals the published
table's (the HTML parsed, the tables queried by the test's own SQL), hidden cells read as hidden,
the PDF has pages, and a year without published data is a one-line Danish error."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support.report import copy_published, damage, query

from pipelines.cli import main

YEAR = 2024  # a whole year of the world (2023-01..2025-08), with a year before it


class _Cells(HTMLParser):
    """Every table cell with data-* keys: its attributes, the text of its `.figure` span (`shown`),
    whether it carries the incomplete mark and its whole text."""

    def __init__(self):
        super().__init__()
        self.cells: list[dict] = []
        self.ids: set[str] = set()
        self.scripts = 0
        self.links: list[str] = []
        self.lang = None
        self._cell: dict | None = None
        self._span: list[str] = []  # classes of open spans inside the cell

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "script":
            self.scripts += 1
        for name in ("src", "href"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "td" and any(k.startswith("data-") for k in attrs):
            self._cell = {**{k[5:]: v for k, v in attrs.items() if k.startswith("data-")},
                          "shown": "", "text": "", "mark": False, "hidden_span": False}
            self._span = []
        elif tag == "span" and self._cell is not None:
            classes = (attrs.get("class") or "").split()
            self._span.append(classes)
            if "mark" in classes:
                self._cell["mark"] = True
            if "figure" in classes and "hidden" in classes:
                self._cell["hidden_span"] = True

    def handle_endtag(self, tag):
        if tag == "span" and self._cell is not None and self._span:
            self._span.pop()
        if tag == "td" and self._cell is not None:
            self._cell = {k: v.strip() if isinstance(v, str) else v for k, v in self._cell.items()}
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, text):
        if self._cell is not None:
            self._cell["text"] += text
            if any("figure" in classes for classes in self._span):
                self._cell["shown"] += text


def parse(index: Path) -> _Cells:
    parser = _Cells()
    parser.feed(index.read_text(encoding="utf-8"))
    return parser


def number_da(text: str) -> float:
    """The test's own reading of a Danish number: `−1,3 procentpoint`, `47,3 %`, `1.234`."""
    match = re.search(r"([+\u2212±-]?)([0-9.]+(?:,[0-9]+)?)", text)
    assert match, text
    value = float(match.group(2).replace(".", "").replace(",", "."))
    return -value if match.group(1) in ("\u2212", "-") else value


def close(text: str, expected: float) -> bool:
    return abs(number_da(text) - expected) <= 0.05 + 1e-9


def by_key(cells: list[dict], *keys: str) -> dict[tuple, dict]:
    return {tuple(c.get(k) for k in keys): c for c in cells if all(k in c for k in keys)}


def build(marts: Path, year: int = YEAR) -> Path:
    assert main(["aarsrapport", "--aar", str(year), "--marts", str(marts)]) == 0
    return marts / f"aarsrapport-{year}" / "index.html"


@pytest.fixture(scope="module")
def marts(world, tmp_path_factory) -> Path:
    return copy_published(world.published, tmp_path_factory.mktemp("aarsrapport")).parent


@pytest.fixture(scope="module")
def report(marts) -> Path:
    return build(marts)


@pytest.fixture(scope="module")
def cells(report) -> _Cells:
    return parse(report)


def year_cells(published: Path, year: int) -> list[tuple]:
    return query(published, "select indicator_id, area, value, is_suppressed, is_complete "
                            "from indicator_values where period_type = 'year' and sex = 'all' "
                            "and period = ?", [str(year)])


def _check_value_cell(cell: dict, value, is_suppressed: bool, is_complete: bool) -> None:
    if is_suppressed:
        assert cell["state"] == "hidden" and cell["hidden_span"], cell
        assert cell["shown"] == "skjult" and "for få personer" in cell["text"], cell
    elif value is None:
        assert cell["shown"] == "ingen data", cell
    else:
        assert close(cell["shown"], value), (cell, value)
    assert cell["mark"] == (not is_complete), cell


def test_every_year_value_and_the_year_before_equal_the_published_cells(marts, cells):
    shown = by_key(cells.cells, "indicator", "area", "field")
    for field, year in (("value", YEAR), ("previous", YEAR - 1)):
        published = year_cells(marts / "helhedsplan.duckdb", year)
        assert published
        for indicator_id, area, value, is_suppressed, is_complete in published:
            _check_value_cell(shown[(indicator_id, area, field)], value, is_suppressed, is_complete)
        assert len([c for c in cells.cells if c.get("field") == field]) == len(published)


def test_some_published_cells_are_hidden_and_shown_as_hidden(marts, cells):
    hidden = [r for r in year_cells(marts / "helhedsplan.duckdb", YEAR) if r[3]]
    assert hidden, "the world has hidden year cells in its small areas"
    shown = by_key(cells.cells, "indicator", "area", "field")
    for indicator_id, area, *_ in hidden:
        assert shown[(indicator_id, area, "value")]["shown"] == "skjult"
        assert shown[(indicator_id, area, "change_previous")]["shown"] == "–"
        assert shown[(indicator_id, area, "change_baseline")]["shown"] == "–"


def test_changes_are_the_year_minus_the_year_before_and_minus_the_baseline(marts, cells):
    published = marts / "helhedsplan.duckdb"
    rows = query(published, """
        select now.indicator_id, now.area, now.value, before.value, status.baseline
        from indicator_values as now
        left join indicator_values as before
            on before.indicator_id = now.indicator_id and before.area = now.area
            and before.sex = 'all' and before.period_type = 'year' and before.period = ?
        left join indicator_status as status
            on status.indicator_id = now.indicator_id and status.area = now.area
        where now.period_type = 'year' and now.sex = 'all' and now.period = ?""",
                 [str(YEAR - 1), str(YEAR)])
    shown = by_key(cells.cells, "indicator", "area", "field")
    checked = 0
    for indicator_id, area, now, before, baseline in rows:
        for field, other in (("change_previous", before), ("change_baseline", baseline)):
            cell = shown[(indicator_id, area, field)]
            if now is None or other is None:
                assert cell["shown"] == "–", cell
            else:
                assert close(cell["shown"], now - other), (cell, now, other)
                checked += 1
    assert checked > 20


def test_baseline_target_and_status_are_the_published_status(marts, cells):
    shown = by_key(cells.cells, "indicator", "area", "field")
    rows = query(marts / "helhedsplan.duckdb",
                 "select indicator_id, area, baseline, target, status from indicator_status")
    for indicator_id, area, baseline, target, status in rows:
        if (indicator_id, area, "value") not in shown:  # an area without year cells
            continue
        for field, expected in (("baseline", baseline), ("target", target)):
            cell = shown[(indicator_id, area, field)]
            assert cell["shown"] == "–" if expected is None else close(cell["shown"], expected)
        assert shown[(indicator_id, area, "status")]["status"] == status
    assert {c["indicator"] for c in cells.cells if "indicator" in c} == {
        i for (i,) in query(marts / "helhedsplan.duckdb", "select indicator_id from indicators")}


def test_activity_figures_equal_the_published_table(marts, cells):
    shown = by_key(cells.cells, "figure", "area")
    rows = query(marts / "helhedsplan.duckdb",
                 "select figure_id, area, value, is_suppressed from activity_figures where year = ?",
                 [YEAR])
    assert rows
    for figure_id, area, value, is_suppressed in rows:
        cell = shown[(figure_id, area)]
        if is_suppressed:
            assert cell["shown"] == "skjult" and "for få personer" in cell["text"], cell
        else:
            assert number_da(cell["shown"]) == value, (cell, value)
    assert len([c for c in cells.cells if "figure" in c and "area" in c and "field" not in c]) == len(rows)
    sessions = query(marts / "helhedsplan.duckdb", "select value from activity_figures where year = ? "
                     "and area = 'all' and figure_id = 'sessions'", [YEAR])[0][0]
    assert sessions > 0


def test_data_quality_of_the_year_equals_delivery_status(marts, cells):
    shown = by_key(cells.cells, "source", "field")
    rows = query(marts / "helhedsplan.duckdb", """
        select source, count(*), count(*) filter (where status = 'received'),
               count(*) filter (where status = 'corrected'), count(*) filter (where status = 'rejected'),
               count(*) filter (where status = 'missing'), count(*) filter (where status = 'not_expected'),
               sum(rows_loaded), sum(rows_quarantined)
        from delivery_status where year(period_start) = ? group by source""", [YEAR])
    fields = ("periods", "received", "corrected", "rejected", "missing", "not_expected",
              "rows_loaded", "rows_quarantined")
    assert len(rows) >= 5
    for source, *numbers in rows:
        for field, expected in zip(fields, numbers, strict=True):
            assert number_da(shown[(source, field)]["shown"]) == expected, (source, field)


def test_method_notes_name_k_and_the_targets_that_are_examples(marts, report):
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", report.read_text(encoding="utf-8")))
    method = text[text.index("Metode"):]
    gate = query(marts / "helhedsplan.duckdb",
                 "select gate_result from pipeline_runs order by published_at desc limit 1")[0][0]
    k = json.loads(gate)["thresholds"]["disclosure_k"]
    assert f"færre end {k} personer (k = {k})" in method
    examples = query(marts / "helhedsplan.duckdb",
                     "select name_da from indicators where target_is_example")
    assert examples
    note = method[method.index("Mål, der er eksempler"):method.index("Status sammenligner")]
    for (name,) in examples:
        assert name in note


def test_the_page_is_danish_and_self_contained(cells):
    assert cells.lang == "da"
    assert cells.scripts == 0
    assert cells.links == []  # no stylesheet, script, image or link to load


def test_the_pdf_has_pages_and_nothing_else_is_left(report):
    folder = report.parent
    assert sorted(p.name for p in folder.iterdir()) == [f"aarsrapport-{YEAR}.pdf", "index.html"]
    data = (folder / f"aarsrapport-{YEAR}.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", data)) >= 3
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".aarsrapport")]


def test_an_incomplete_year_is_marked_cell_by_cell(marts):
    last = query(marts / "helhedsplan.duckdb",
                 "select max(period) from indicator_values where period_type = 'year'")[0][0]
    parsed = parse(build(marts, int(last)))
    shown = by_key(parsed.cells, "indicator", "area", "field")
    published = year_cells(marts / "helhedsplan.duckdb", int(last))
    assert any(not r[4] for r in published)  # the world ends in August
    for indicator_id, area, value, is_suppressed, is_complete in published:
        _check_value_cell(shown[(indicator_id, area, "value")], value, is_suppressed, is_complete)
    assert "note-incomplete" in parsed.ids


def test_a_hidden_cell_and_a_source_without_deliveries(world, tmp_path):
    published = copy_published(world.published, tmp_path)
    area = query(published, "select min(area) from indicator_values where area <> 'all'")[0][0]
    damage(published,
           "update indicator_values set numerator = null, denominator = null, value = null, "
           f"is_suppressed = true where indicator_id = 'B_BESKAEFTIGELSE' and period = '{YEAR}' "
           f"and area = '{area}'",
           f"update activity_figures set value = null, is_suppressed = true where year = {YEAR} "
           f"and figure_id = 'participants' and area = '{area}'",
           "update delivery_status set status = 'missing', files = 0, rows_loaded = 0 "
           f"where source = 'forloeb' and year(period_start) = {YEAR}")
    parsed = parse(build(published.parent))
    shown = by_key(parsed.cells, "indicator", "area", "field")
    assert shown[("B_BESKAEFTIGELSE", area, "value")]["shown"] == "skjult"
    assert shown[("B_BESKAEFTIGELSE", area, "change_previous")]["shown"] == "–"
    assert by_key(parsed.cells, "figure", "area")[("participants", area)]["shown"] == "skjult"
    page = (published.parent / f"aarsrapport-{YEAR}" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'data-source="forloeb">[^<]*ingen leverancer for ' + str(YEAR), page)


def test_a_source_with_deliveries_has_no_missing_notice(marts, report):
    delivered = query(marts / "helhedsplan.duckdb",
                      "select source, count(*) filter (where status in ('received', 'corrected')) "
                      "from delivery_status where year(period_start) = ? group by source", [YEAR])
    page = report.read_text(encoding="utf-8")
    for source, periods in delivered:
        notice = re.search(f'data-source="{source}">[^<]*ingen leverancer', page) is not None
        assert notice == (periods == 0 and source in ("deltagelse", "forloeb")), source


def test_a_year_without_published_data_is_a_one_line_danish_error(marts, capsys):
    assert main(["aarsrapport", "--aar", "2019", "--marts", str(marts)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("helhedsplan aarsrapport: fejl: ingen offentliggjorte tal for 2019")
    assert len(err.splitlines()) == 1
    assert not (marts / "aarsrapport-2019").exists()


def test_no_published_file_is_a_one_line_danish_error(tmp_path, capsys):
    assert main(["aarsrapport", "--aar", str(YEAR), "--marts", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "ingen offentliggjort fil" in err and len(err.splitlines()) == 1
