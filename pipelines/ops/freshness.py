"""Is there anything new to publish? The warehouse's current deliveries against those the
published file was made from (its latest `pipeline_runs` row)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.publish import current_source_files


def _key(files) -> set[tuple]:
    return {(f["source"], f["file_path"], f["sha256"], tuple(f["periods"] or ())) for f in files}


def last_publication(published: Path) -> dict | None:
    if not published.exists():
        return None
    with duckdb.connect(str(published), read_only=True) as con:
        row = con.execute(
            "select run_id, published_at, source_files from pipeline_runs order by published_at desc limit 1"
        ).fetchone()
    return None if row is None else {"run_id": row[0], "published_at": row[1], "source_files": row[2]}


def _unfinished(published: Path) -> bool:
    """The report or the data dictionary beside the publication is older than it: the run that
    published stopped before them (it failed, or was killed), so their work is still to do."""
    made = published.stat().st_mtime
    pages = (published.parent / "report" / "index.html", published.parent / "docs" / "index.html")
    return any(page.exists() and page.stat().st_mtime < made for page in pages)


def nothing_new(warehouse: Path, published: Path) -> dict | None:
    """The last publication when the warehouse holds exactly the deliveries it was made from
    and the run that made it finished its report and data dictionary."""
    last = last_publication(published)
    if last is None or _unfinished(published):
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            current = current_source_files(con)
        except duckdb.CatalogException:  # never built (no audit views yet): everything is new
            return None
    return last if _key(current) == _key(last["source_files"]) else None


def nothing_new_message(last: dict) -> str:
    when = last["published_at"].strftime("%d-%m-%Y kl. %H:%M")
    return (f"Intet nyt: ingen nye eller ændrede leverancer siden sidste offentliggørelse ({when} UTC); "
            "intet er genopbygget eller offentliggjort. Brug --force for at køre alligevel.")
