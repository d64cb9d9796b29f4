"""Shared helpers of the report tests (no tests here): a copy of the test world's published file
to build from (or to damage), the figures embedded in a page, and published cells read straight
from DuckDB by the tests' own SQL (never through the report code)."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb

from pipelines.report import build_report

# Used in place of config/annotations.csv, so the tests do not depend on the analysts' notes.
NO_ANNOTATIONS = "indicator_id,date,area,note_da\n"


def copy_published(published: Path, root: Path) -> Path:
    """A copy of a published file under `root/marts/`, to build from or to damage."""
    copy = root / "marts" / "helhedsplan.duckdb"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(published, copy)
    return copy


def damage(published: Path, *statements: str) -> None:
    """Change a (copied) published file with SQL, for a case the test world does not have."""
    con = duckdb.connect(str(published))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def build_copy(published: Path, root: Path, annotations: Path | None = None,
               *statements: str) -> tuple[Path, Path]:
    """Copy the published file, damage the copy if asked, build the report from it:
    (published copy, report folder)."""
    copy = copy_published(published, root)
    if statements:
        damage(copy, *statements)
    if annotations is None:
        annotations = root / "annotations.csv"
        annotations.write_text(NO_ANNOTATIONS, encoding="utf-8")
    index = build_report(copy, root / "marts" / "report", annotations=annotations)
    return copy, index.parent


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures: dict[str, dict] = {}
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.chart_divs: list[str] = []
        self.html_lang: str | None = None
        self._figure_id: str | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag == "script":
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
            if attrs.get("type") == "application/json" and attrs.get("data-figure"):
                self._figure_id = attrs["data-figure"]
                self._buffer = []
        if tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.stylesheets.append(attrs.get("href", ""))
        if tag == "div" and "chart" in (attrs.get("class") or "").split():
            self.chart_divs.append(attrs.get("id", ""))

    def handle_data(self, data):
        if self._figure_id:
            self._buffer.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._figure_id:
            self.figures[self._figure_id] = json.loads("".join(self._buffer))
            self._figure_id = None


def parse_page(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def trace(figure: dict, **meta) -> dict:
    """The one trace whose `meta` has these values (e.g. area="Houlkær", sex="all")."""
    found = [t for t in figure["data"]
             if all((t.get("meta") or {}).get(k) == v for k, v in meta.items())]
    assert len(found) == 1, f"{len(found)} traces match {meta}"
    return found[0]


def y_at(tr: dict, x: str):
    return tr["y"][tr["x"].index(x)]


def published_cells(published: Path, sql_where: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        rel = con.execute(
            "select indicator_id, period_type, period, strftime(period_start, '%Y-%m-%d') as x, "
            f"area, sex, numerator, denominator, value, is_suppressed from indicator_values "
            f"where {sql_where} order by indicator_id, period_start, area, sex", params or [])
        names = [d[0] for d in rel.description]
        return [dict(zip(names, row)) for row in rel.fetchall()]
    finally:
        con.close()


def query(published: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
             "oktober", "november", "december")


def month_da(period: str, short: bool = False) -> str:
    """The test's own Danish month: `2025-08` → `august 2025` (`aug. 2025` when short)."""
    name = MONTHS_DA[int(period[5:7]) - 1]
    if short and name != "maj":
        name = name[:3] + "."
    return f"{name} {period[:4]}"


def danish(value: float, decimals: int = 1) -> str:
    """The test's own Danish number: one decimal, decimal comma, minus sign as in the report."""
    text = f"{abs(value):.{decimals}f}".replace(".", ",")
    return ("\u2212" + text) if round(value, decimals) < 0 else text


def visible_text(html: str) -> str:
    """The page's text without tags, scripts and figure JSON, whitespace collapsed."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.DOTALL)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
