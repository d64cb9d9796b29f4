"""The board pack: one A4 PDF of the report. Kaleido draws every figure as SVG through Chromium;
Chromium then prints one page per indicator (plus overview and data status) from static HTML."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import datetime as dt
import os
import tempfile
from pathlib import Path

import plotly.graph_objects as go

from pipelines import danish
from pipelines.report import data, figures, pages
from pipelines.report.browser import Chromium, require_chromium

STATIC_CSS = Path(__file__).parent / "static" / "report.css"
FULL_WIDTH = 710  # CSS px across A4 portrait inside the pack's 11 mm margins
HALF_WIDTH = 351


def build_pdf(published: Path, out_pdf: Path, annotations: Path | None = None) -> Path:
    """Write the board pack to `out_pdf` (replaced atomically); RuntimeError without Chromium."""
    browser_path = require_chromium()
    content = data.load(published, annotations or data.ANNOTATIONS_FILE)
    env = pages.environment()
    meta = pages.run_meta(content, dt.datetime.now(dt.UTC))

    jobs: list[tuple[go.Figure, int, int]] = []

    def image(fig: go.Figure, width: int, height: int | None = None) -> int:
        jobs.append((fig, width, height or int(fig.layout.height or 360)))
        return len(jobs) - 1

    groups, delaftale_sections = [], []
    for delaftale in content.delaftaler:
        groups.append({"delaftale": delaftale,
                       "rows": [pages.indicator_row(content, ind) for ind in delaftale.indicators]})
        sections = []
        for ind in delaftale.indicators:
            s = pages.indicator_section(content, ind)
            s["trend_img"] = image(s["trend"].figure, FULL_WIDTH, 300)
            s["areas_img"] = image(_compact(s["areas"].figure), HALF_WIDTH, 270)
            s["sexes_img"] = image(_compact(s["sexes"].figure), HALF_WIDTH, 270) if s["sexes"] else None
            sections.append(s)
        delaftale_sections.append({"delaftale": delaftale, "sections": sections})
    progress = image(figures.progress_figure(content), FULL_WIDTH)
    deliveries = image(figures.delivery_heatmap(content), FULL_WIDTH)
    quarantine = image(figures.quarantine_figure(content), FULL_WIDTH, 280)

    svgs = _render_svgs(jobs, browser_path)
    uri = [f"data:image/svg+xml;base64,{base64.b64encode(svg).decode('ascii')}" for svg in svgs]
    for d in delaftale_sections:
        for s in d["sections"]:
            for key in ("trend_img", "areas_img", "sexes_img"):
                s[key] = uri[s[key]] if s[key] is not None else None
    html = env.get_template("pack.html").render(
        css=STATIC_CSS.read_text(encoding="utf-8"),
        meta=meta,
        groups=groups,
        delaftale_sections=delaftale_sections,
        progress=uri[progress],
        deliveries=uri[deliveries],
        quarantine=uri[quarantine],
        gate_summary=pages.summary_text(content.latest_run),
        quarantine_total=danish.integer(content.deliveries["rows_quarantined"].sum()),
        **pages.plan_context(content),
    )
    out_pdf = Path(out_pdf)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="helhedsplan-pdf-") as tmp:
        page_file = Path(tmp) / "tavlemappe.html"
        page_file.write_text(html, encoding="utf-8")
        partial = out_pdf.with_name(f".{out_pdf.name}.{os.getpid()}.tmp")
        try:
            with Chromium(browser_path) as browser:
                browser.open(page_file.as_uri()).print_pdf(partial)
            os.replace(partial, out_pdf)
        finally:
            partial.unlink(missing_ok=True)
    return out_pdf


def _compact(fig: go.Figure) -> go.Figure:
    """Half-width copies for print: smaller text so legends and ticks fit."""
    fig = go.Figure(fig)
    fig.update_layout(font={"size": 10},
                      legend={"font": {"size": 9}, "entrywidth": 105, "entrywidthmode": "pixels",
                              "y": -0.12},
                      margin={"l": 44, "r": 8, "b": 26})
    return fig


def _render_svgs(jobs: list[tuple[go.Figure, int, int]], browser_path: str) -> list[bytes]:
    import kaleido

    async def render() -> list[bytes]:
        # mathjax=False: kaleido would otherwise load MathJax from a CDN (offline here).
        async with kaleido.Kaleido(n=1, mathjax=False, path=browser_path, timeout=120) as k:
            return [await k.calc_fig(fig, opts={"format": "svg", "width": w, "height": h})
                    for fig, w, h in jobs]

    # Own thread, own event loop: works also when the caller runs inside one (Prefect).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(asyncio.run, render()).result()
        except Exception as error:
            if "ChromeNotFound" in type(error).__name__ or "browser" in str(error).lower():
                raise RuntimeError(f"PDF kunne ikke laves: Chromium ikke fundet eller fejlede "
                                   f"({browser_path}): {error}") from error
            raise
