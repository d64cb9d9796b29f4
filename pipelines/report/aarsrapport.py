"""The yearly status report to Landsbyggefonden: `helhedsplan aarsrapport --aar YYYY`.

`build_aarsrapport(published, year, out_dir)` writes `out_dir/index.html` (one self-contained
Danish page: styles inline, no script, nothing from the internet) and `out_dir/aarsrapport-YYYY.pdf`
(the same page printed by Chromium), into a temporary folder that is then swapped in whole.
Every number comes from the published file: the year cells of `indicator_values`, baseline, target
and status of `indicator_status`, the catalogue (`indicators`), `activity_figures`,
`delivery_status` and the latest `pipeline_runs` row. Nothing is recomputed here but the
differences the page shows (this year − last year, this year − baseline).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import danish
from pipelines.report import data, pages
from pipelines.report import format as fmt
from pipelines.report.browser import Chromium, require_chromium

STATIC_CSS = Path(__file__).parent / "static" / "report.css"
HIDDEN_TEXT = "skjult"
HIDDEN_REASON = "for få personer"
NO_DATA_TEXT = "ingen data"
INCOMPLETE_MARK = "†"
DELIVERY_COLUMNS = (  # delivery_status.status → the column of the data-quality table
    ("received", "Modtaget"),
    ("corrected", "Rettet (leveret igen)"),
    ("rejected", "Afvist"),
    ("missing", "Mangler"),
    ("not_expected", "Ikke forventet"),
)


class NoDataForYear(RuntimeError):
    """The published file has no year figures for the year asked for."""


def pdf_name(year: int) -> str:
    return f"aarsrapport-{year}.pdf"


def folder_name(year: int) -> str:
    return f"aarsrapport-{year}"


def published_years(published: Path) -> list[int]:
    """The years the published file has year cells for (`indicator_values`, period_type year)."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute("select distinct period from indicator_values "
                           "where period_type = 'year' order by period").fetchall()
    finally:
        con.close()
    return [int(period) for (period,) in rows]


def build_aarsrapport(published: Path, year: int, out_dir: Path, *, pdf: bool = True,
                      annotations: Path | None = None) -> Path:
    """Write the yearly report for `year` into `out_dir` (replaced whole); return `index.html`.

    Raises NoDataForYear when the published file has no year cells for `year`, and RuntimeError
    (from the browser module) when the PDF is asked for and Chromium is missing."""
    published, out_dir = Path(published), Path(out_dir)
    if not published.is_file():
        raise FileNotFoundError(f"Den offentliggjorte database findes ikke: {published}")
    years = published_years(published)
    if year not in years:
        span = f"{years[0]}–{years[-1]}" if years else "ingen"
        raise NoDataForYear(f"ingen offentliggjorte tal for {year} i {published} "
                            f"(offentliggjorte år: {span})")
    browser_path = require_chromium() if pdf else None
    content = data.load(published, annotations or data.ANNOTATIONS_FILE)
    figures = _activity_figures(published)
    html = render(content, figures, year, dt.datetime.now(dt.UTC))
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
    try:
        index = tmp / "index.html"
        index.write_text(html, encoding="utf-8")
        if browser_path:
            with Chromium(browser_path) as browser:
                browser.open(index.as_uri()).print_pdf(tmp / pdf_name(year))
        tmp.chmod(0o755)  # mkdtemp makes it 0700; the report is for reading
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir / "index.html"


def _swap_in(new: Path, out_dir: Path) -> None:
    from pipelines.report import _swap_in as swap  # the site's: old folder aside, new one in

    swap(new, out_dir)


def _activity_figures(published: Path) -> pd.DataFrame:
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = {name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
        if "activity_figures" not in tables:
            raise RuntimeError(f"Den offentliggjorte database mangler tabellen activity_figures "
                               f"(offentliggjort før årsrapporten fandtes): {published}; "
                               "kør 'helhedsplan run --force'")
        return con.execute("select * from activity_figures order by year, sort_order").df()
    finally:
        con.close()


# --- the page's content ---------------------------------------------------------------------

def _number(value: object) -> float | None:
    return None if danish.is_missing(value) else float(value)


def _cell(row: dict | None, unit_da: str) -> dict:
    """One year cell as shown: the value, `skjult` (with the reason) or `ingen data`."""
    if row is None:
        return {"text": danish.MISSING, "state": "missing", "value": None, "incomplete": False}
    incomplete = not bool(row["is_complete"])
    if bool(row["is_suppressed"]):
        return {"text": HIDDEN_TEXT, "state": "hidden", "value": None, "incomplete": incomplete}
    value = _number(row["value"])
    if value is None:
        return {"text": NO_DATA_TEXT, "state": "no_data", "value": None, "incomplete": incomplete}
    return {"text": fmt.value_text(value, unit_da), "state": "value", "value": value,
            "incomplete": incomplete}


def _change(now: float | None, before: float | None, ind: data.Indicator) -> dict:
    delta = None if now is None or before is None else now - before
    return {"text": fmt.change_text(delta, ind.unit_da), **fmt.change_direction(delta, ind.direction)}


def indicator_table(content: data.Published, ind: data.Indicator, year: int) -> dict:
    """The rows of one indicator: the plan, then each area (Danish order)."""
    values = content.values
    cells = values[(values["indicator_id"] == ind.indicator_id) & (values["period_type"] == "year")
                   & (values["sex"] == "all")]
    by_key = {(r["period"], r["area"]): r for r in cells.to_dict("records")}
    status = {r["area"]: r for r in
              content.status[content.status["indicator_id"] == ind.indicator_id].to_dict("records")}
    areas = ["all"] + sorted({a for (_, a) in by_key if a != "all"}, key=data.danish_sort_key)
    rows = []
    for area in areas:
        now = _cell(by_key.get((str(year), area)), ind.unit_da)
        before = _cell(by_key.get((str(year - 1), area)), ind.unit_da)
        st = status.get(area)
        baseline = _number(st["baseline"]) if st else None
        target = _number(st["target"]) if st else None
        rows.append({
            "area": area,
            "label": fmt.AREA_ALL_LABEL if area == "all" else area,
            "now": now,
            "before": before,
            "change_before": _change(now["value"], before["value"], ind),
            "baseline_text": fmt.value_text(baseline, ind.unit_da),
            "change_baseline": _change(now["value"], baseline, ind),
            "target_text": fmt.value_text(target, ind.unit_da),
            "status": st["status"] if st else "no_data",
        })
    window = ""
    if "all" in status:
        window = fmt.window_text(status["all"]["window_start"], status["all"]["window_end"], ind.grain)
    return {"indicator": ind, "rows": rows, "status_window": window,
            "year_text": fmt.school_year_text(year) if ind.is_yearly else str(year),
            "better_text": "Højere er bedre" if ind.direction == "higher" else "Lavere er bedre"}


def activity_section(figures: pd.DataFrame, deliveries: pd.DataFrame, year: int) -> dict:
    """Figure rows × area columns of `activity_figures` for the year."""
    of_year = figures[figures["year"] == year]
    areas = ["all"] + sorted(set(of_year["area"]) - {"all"}, key=data.danish_sort_key)
    rows = []
    for figure_id, group in of_year.sort_values("sort_order").groupby("figure_id", sort=False):
        by_area = {r["area"]: r for r in group.to_dict("records")}
        first = group.iloc[0]
        cells = []
        for area in areas:
            r = by_area.get(area)
            if r is None:
                cells.append({"area": area, "text": danish.MISSING, "state": "missing"})
            elif bool(r["is_suppressed"]):
                cells.append({"area": area, "text": HIDDEN_TEXT, "state": "hidden"})
            else:
                cells.append({"area": area, "text": danish.integer(r["value"]), "state": "value"})
        rows.append({"figure_id": figure_id, "label": first["label_da"], "source": first["source"],
                     "incomplete": not bool(group["is_complete"].all()), "cells": cells})
    delivered = _delivered_periods(deliveries, year)
    sources = []
    for source in dict.fromkeys(of_year.sort_values("sort_order")["source"]):
        incomplete = any(r["incomplete"] for r in rows if r["source"] == source)
        sources.append({"source": source, "label": _source_label(source),
                        "delivered": delivered.get(source, 0), "incomplete": incomplete})
    return {"areas": [{"area": a, "label": fmt.AREA_ALL_LABEL if a == "all" else a} for a in areas],
            "rows": rows, "sources": sources}


def _source_label(source: str) -> str:
    from pipelines.report.figures import source_label

    return source_label(source)


def _delivered_periods(deliveries: pd.DataFrame, year: int) -> dict[str, int]:
    of_year = deliveries[pd.to_datetime(deliveries["period_start"]).dt.year == year]
    got = of_year[of_year["status"].isin(["received", "corrected"])]
    return got.groupby("source").size().to_dict()


def quality_section(deliveries: pd.DataFrame, year: int) -> list[dict]:
    """Per source: the year's periods by delivery status, rows loaded and rows quarantined."""
    of_year = deliveries[pd.to_datetime(deliveries["period_start"]).dt.year == year]
    rows = []
    for source, group in of_year.groupby("source", sort=False):
        counts = group["status"].value_counts()
        rows.append({
            "source": source,
            "label": _source_label(source),
            "periods": danish.integer(len(group)),
            "counts": [{"status": code, "text": danish.integer(counts.get(code, 0))}
                       for code, _ in DELIVERY_COLUMNS],
            "rows_loaded": danish.integer(group["rows_loaded"].sum()),
            "rows_quarantined": danish.integer(group["rows_quarantined"].sum()),
        })
    return rows


def disclosure_k(run: dict | None) -> str | None:
    """k as the quality gate checked the published file with (pipeline_runs.gate_result)."""
    if not run or danish.is_missing(run.get("gate_result")):
        return None
    try:
        return str(json.loads(run["gate_result"]).get("thresholds", {}).get("disclosure_k") or "") or None
    except (TypeError, ValueError):
        return None


def render(content: data.Published, figures: pd.DataFrame, year: int, built: dt.datetime) -> str:
    env = pages.environment()
    meta = pages.run_meta(content, built)
    groups = [{"delaftale": d, "tables": [indicator_table(content, ind, year) for ind in d.indicators]}
              for d in content.delaftaler]
    any_incomplete = any(r["now"]["incomplete"] or r["before"]["incomplete"]
                         for g in groups for t in g["tables"] for r in t["rows"])
    any_hidden = any(r["now"]["state"] == "hidden" or r["before"]["state"] == "hidden"
                     for g in groups for t in g["tables"] for r in t["rows"])
    run = content.latest_run
    k = disclosure_k(run)
    return env.get_template("aarsrapport.html").render(
        css=STATIC_CSS.read_text(encoding="utf-8"),
        year=year,
        meta=meta,
        groups=groups,
        any_incomplete=any_incomplete,
        any_hidden=any_hidden,
        activity=activity_section(figures, content.deliveries, year),
        quality=quality_section(content.deliveries, year),
        delivery_columns=DELIVERY_COLUMNS,
        gate_summary=pages.summary_text(run).splitlines()[0] if pages.summary_text(run) else "",
        k=k,
        k_below=str(int(k) - 1) if k and k.isdigit() else None,
        examples=[ind for ind in content.indicators if ind.target_is_example],
        stocks=[ind for ind in content.indicators if ind.is_stock],
        yearly=[ind for ind in content.indicators if ind.is_yearly],
        hidden_text=HIDDEN_TEXT,
        hidden_reason=HIDDEN_REASON,
        no_data_text=NO_DATA_TEXT,
        incomplete_mark=INCOMPLETE_MARK,
        **pages.plan_context(content),
    )

