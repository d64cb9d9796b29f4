"""Regenerate docs/screenshots/*.png: the report's overview, one delaftale page and the data status,
as full-page PNGs from Debian's headless Chromium.

    make screenshots                      # or: .venv/bin/python scripts/screenshots.py
    .venv/bin/python scripts/screenshots.py --published data/marts/helhedsplan.duckdb
    .venv/bin/python scripts/screenshots.py --sample  # a fresh sample through the real pipeline

Without options it uses the published file of the last `helhedsplan run` (data/marts/); when there
is none (or with `--sample`) it runs `helhedsplan sample` and `helhedsplan run` in a temporary
folder and shows what that published. The report is built into a temporary folder: the real
data/marts/ is left alone.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.report import build_report
from pipelines.report.browser import Chromium
from pipelines.settings import PROJECT_ROOT, default_paths, quiet_third_parties

PAGES = {
    "oversigt.png": "index.html",
    "delaftale-beskaeftigelse.png": "beskaeftigelse.html",
    "datastatus.png": "datastatus.html",
}


def main(argv: list[str] | None = None) -> int:
    quiet_third_parties()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--published", type=Path, help="published DuckDB file to show")
    parser.add_argument("--sample", action="store_true",
                        help="publish a fresh sample through the real pipeline and show that")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="helhedsplan-screenshots-") as tmp:
        published = args.published
        if published is None and not args.sample and default_paths().published.is_file():
            published = default_paths().published
        if published is None:
            published = publish_sample(Path(tmp))
            print(f"Kilde: eksempeldata gennem hele pipelinen ({published})")
        else:
            print(f"Kilde: {published}")
        report = build_report(published, Path(tmp) / "report").parent
        args.out.mkdir(parents=True, exist_ok=True)
        with Chromium(width=args.width, height=900) as browser:
            for png, page_name in PAGES.items():
                page = browser.open((report / page_name).as_uri())
                drawn = page.wait_for_charts()
                errors = page.errors()
                if drawn["drawn"] != drawn["charts"] or errors:
                    print(f"{page_name}: {drawn}, fejl: {errors}", file=sys.stderr)
                    return 1
                page.screenshot(args.out / png, width=args.width)
                print(f"{args.out / png}")
    print(f"Færdig på {time.perf_counter() - started:.1f} s")
    return 0


def publish_sample(folder: Path) -> Path:
    """`helhedsplan sample` + `helhedsplan run` into `folder`: the sample's published file."""
    cli = [sys.executable, "-m", "pipelines.cli"]
    raw, warehouse, marts = folder / "raw", folder / "warehouse.duckdb", folder / "marts"
    subprocess.run([*cli, "sample", "--out", str(raw)], check=True, cwd=PROJECT_ROOT)
    subprocess.run([*cli, "run", "--raw", str(raw), "--warehouse", str(warehouse),
                    "--marts", str(marts)], check=True, cwd=PROJECT_ROOT)
    return marts / "helhedsplan.duckdb"


if __name__ == "__main__":
    sys.exit(main())
