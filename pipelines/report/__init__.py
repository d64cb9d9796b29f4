"""The board's report: static Danish Plotly pages (and a PDF board pack) from the published file.

`build_report(published, out_dir)` writes `out_dir/index.html`, one page per delaftale,
`datastatus.html`, one page per housing area and one per afdeling, with one shared `plotly.min.js` beside them; nothing is loaded from the internet.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import plotly

from pipelines.report import data, pages

STATIC = Path(__file__).parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

__all__ = ["build_pdf", "build_report"]


def build_report(published: Path, out_dir: Path, annotations: Path | None = None) -> Path:
    """Build the report from the published DuckDB file; return the path of `index.html`.

    `annotations` defaults to `config/annotations.csv`. The site is written into a temporary
    folder beside `out_dir` and then swapped in, so a failed build never leaves a half report."""
    published, out_dir = Path(published), Path(out_dir)
    annotations = Path(annotations or data.ANNOTATIONS_FILE)
    content = data.load(published, annotations)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
    try:
        write_site(content, tmp, source=(published, annotations))
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir / "index.html"


# Area and department pages are rendered by worker processes once there are this many
# department pages (national scale: thousands); below it, starting workers costs more.
PARALLEL_FROM = 60
WORKERS_ENV = "HELHEDSPLAN_REPORT_WORKERS"  # default: one per CPU core


def write_site(content: data.Published, folder: Path, source: tuple[Path, Path] | None = None) -> list[Path]:
    """Write every page into `folder`. `source` (published file, annotations): where worker
    processes load the same content from; without it every page is rendered here."""
    env = pages.environment()
    built = dt.datetime.now(dt.UTC)
    meta = pages.run_meta(content, built)
    written = {
        "index.html": pages.render_index(env, content, meta),
        "datastatus.html": pages.render_datastatus(env, content, meta),
    }
    for delaftale in content.delaftaler:
        written[delaftale.page] = pages.render_delaftale(env, content, meta, delaftale)
    if content.participant_indicators:
        written[pages.PARTICIPANTS_PAGE] = pages.render_participants(env, content, meta)
    paths = []
    for name, html in written.items():
        path = folder / name
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    paths += [folder / name for name in _area_pages(content, folder, source, built)]
    shutil.copyfile(PLOTLY_JS, folder / "plotly.min.js")
    for asset in ("report.css", "report.js"):
        shutil.copyfile(STATIC / asset, folder / asset)
    folder.chmod(0o755)  # mkdtemp makes it 0700; the site is for reading
    return paths


def _workers() -> int:
    configured = os.environ.get(WORKERS_ENV)
    return int(configured) if configured else len(os.sched_getaffinity(0))


def _area_pages(content: data.Published, folder: Path, source: tuple[Path, Path] | None,
                built: dt.datetime) -> list[str]:
    """Each area's page and its departments' pages, in the areas' order; the names written."""
    departments = sum(len(content.afdelinger(area)) for area in content.areas)
    workers = min(_workers(), len(content.areas))
    if source is None or workers < 2 or departments < PARALLEL_FROM:
        _worker.update(content=content, env=pages.environment(), meta=pages.run_meta(content, built))
        try:
            return [name for area in content.areas for name in _write_area(area, folder)]
        finally:
            _worker.clear()
    # spawned, not forked: the parent may hold threads (Prefect's) whose locks a fork would copy
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_worker, initargs=(*source, built)) as pool:
        done = pool.map(_write_area, content.areas, [folder] * len(content.areas))
        return [name for names in done for name in names]


_worker: dict = {}  # a worker's content, template environment and run meta, loaded once


def _start_worker(published: Path, annotations: Path, built: dt.datetime) -> None:
    content = data.load(published, annotations)
    _worker.update(content=content, env=pages.environment(), meta=pages.run_meta(content, built))


def _write_area(area: str, folder: Path) -> list[str]:
    content, env, meta = _worker["content"], _worker["env"], _worker["meta"]
    written = {pages.area_page(area): pages.render_area(env, content, meta, area)}
    for afdeling in content.afdelinger(area):
        written[pages.department_page(area, afdeling)] = pages.render_department(
            env, content, meta, area, afdeling)
    for name, html in written.items():
        (folder / name).write_text(html, encoding="utf-8")
    return list(written)


def _swap_in(new: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
        old.rmdir()
        out_dir.rename(old)
    try:
        new.rename(out_dir)
    except BaseException:
        if old is not None:
            old.rename(out_dir)  # put the previous report back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_pdf(published: Path, out_pdf: Path, annotations: Path | None = None) -> Path:
    """One PDF board pack through kaleido and Chromium; RuntimeError when Chromium is missing."""
    from pipelines.report.pdf import build_pdf as _build_pdf

    return _build_pdf(Path(published), Path(out_pdf), annotations)
