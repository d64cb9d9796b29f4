"""`helhedsplan revisions`: which published cells changed between two publications, and the
corrected deliveries they can come from; `helhedsplan prune`: dated copies beyond a configured
count are deleted, never the latest nor one a board meeting saw (config/history.yml). The
comparison itself is pipelines/sql/revisions.sql, the same query an evaluator runs after ATTACHing
two copies (`helhedsplan revisions --sql` prints it with their paths)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from pipelines import catalogue
from pipelines.history import publications
from pipelines.report.format import AREA_ALL_LABEL, value_text
from pipelines.settings import CONFIG_DIR

SQL_FILE = Path(__file__).parent / "sql" / "revisions.sql"
HISTORY_CONFIG = CONFIG_DIR / "history.yml"
SEX_DA = {"all": "alle", "female": "kvinder", "male": "mænd"}


def _available(marts: Path) -> list[dict]:
    rows = [row for row in publications(marts) if row["copy"] is not None]
    if len(rows) < 2:
        raise RuntimeError(
            f"der skal være mindst to offentliggørelser med kopi i {marts / 'history'} for at sammenligne; "
            f"der er {len(rows)}"
        )
    return rows


def pick(rows: list[dict], ref: str | None, default: int) -> dict:
    """A publication by run id (or its first characters), copy file name, or date (`ÅÅÅÅ-MM-DD`:
    the latest published that day or before); `default` indexes `rows` when `ref` is None."""
    if ref is None:
        return rows[default]
    try:
        day = dt.date.fromisoformat(ref)
    except ValueError:
        day = None
    if day is not None:
        earlier = [row for row in rows if row["published_at"].date() <= day]
        if not earlier:
            raise RuntimeError(f"ingen offentliggørelse den {day:%d-%m-%Y} eller før")
        return earlier[-1]
    found = [row for row in rows if row["run_id"].startswith(ref) or row["published_copy"] == ref]
    if len(found) != 1:
        listed = ", ".join(row["run_id"][:8] for row in rows)
        what = "ingen" if not found else "flere"
        raise RuntimeError(f"{what} offentliggørelser passer til {ref!r}; vælg en af: {listed}")
    return found[0]


def sql_for(earlier: Path, later: Path) -> str:
    quoted = [str(path).replace("'", "''") for path in (earlier, later)]
    return (
        f"ATTACH '{quoted[0]}' AS a (READ_ONLY);\nATTACH '{quoted[1]}' AS b (READ_ONLY);\n"
        + SQL_FILE.read_text(encoding="utf-8")
    )


def compare(earlier: Path, later: Path) -> pd.DataFrame:
    with duckdb.connect() as con:
        con.execute(f"attach '{str(earlier).replace(chr(39), chr(39) * 2)}' as a (read_only)")
        con.execute(f"attach '{str(later).replace(chr(39), chr(39) * 2)}' as b (read_only)")
        columns = {name for (name,) in con.execute(
            "select column_name from duckdb_columns() where database_name = 'b' and table_name = 'indicators'"
        ).fetchall()}
        if "months_read_before" not in columns:
            raise RuntimeError(f"{later.name} er offentliggjort af en ældre version uden kataloget over kilder; "
                               "sammenlign nyere offentliggørelser")
        return con.execute(SQL_FILE.read_text(encoding="utf-8")).df()


def _value(value, suppressed, unit: str) -> str:
    return "skjult" if suppressed else value_text(None if pd.isna(value) else value, unit)


def _files(value) -> list[str]:
    """A list column of file paths as pandas hands it over (NULL: no corrected delivery)."""
    return [] if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else list(value)


def render(changes: pd.DataFrame, earlier: dict, later: dict, limit: int | None = 10) -> str:
    head = (f"Ændringer fra {earlier['published_at']:%d-%m-%Y kl. %H:%M} (kørsel {earlier['run_id'][:8]}) "
            f"til {later['published_at']:%d-%m-%Y kl. %H:%M} (kørsel {later['run_id'][:8]}):")
    if changes.empty:
        return head + "\n  ingen offentliggjorte tal er ændret."
    lines = [head]
    for ind in catalogue.indicators():
        rows = changes[changes["indicator_id"] == ind.indicator_id]
        if rows.empty:
            continue
        lines.append(f"{ind.indicator_id} – {ind.name_da}: {len(rows)} celler ændret")
        shown = rows if limit is None else rows.head(limit)
        for row in shown.itertuples():
            area = AREA_ALL_LABEL if row.area == "all" else row.area
            before = _value(row.value_before, row.suppressed_before, ind.unit_da)
            after = _value(row.value_after, row.suppressed_after, ind.unit_da)
            new, old = _files(row.corrected_by), _files(row.superseded)
            cause = f"  rettet af {', '.join(new)} (erstatter {', '.join(old)})" if new else ""
            lines.append(f"  {row.period:<9} {area}, {SEX_DA[row.sex]}: {before} → {after}{cause}")
        if len(shown) < len(rows):
            lines.append(f"  … og {len(rows) - len(shown)} celler mere (alle: --alle)")
    return "\n".join(lines)


def history_config() -> dict:
    with open(HISTORY_CONFIG, encoding="utf-8") as handle:
        config = yaml.safe_load(handle) or {}
    config.setdefault("keep_copies", 24)
    config["board_meetings"] = [dt.date.fromisoformat(str(day)) for day in config.get("board_meetings") or []]
    return config


def prune(marts: Path, keep: int, meetings: list[dt.date], dry_run: bool = False) -> tuple[list[Path], list[str]]:
    """Delete the dated copies beyond the newest `keep`, never the latest publication nor the one
    each board meeting saw (the latest published on the meeting day or before). Returns the deleted
    (or, with `dry_run`, deletable) copies and why each kept copy is kept."""
    rows = [row for row in publications(marts) if row["copy"] is not None]
    protected: dict[str, str] = {}
    if rows:
        protected[rows[-1]["published_copy"]] = "den seneste"
    for day in meetings:
        seen = [row for row in rows if row["published_at"].date() <= day]
        if seen:
            protected.setdefault(seen[-1]["published_copy"], f"bestyrelsesmøde {day:%d-%m-%Y}")
    kept_names = set(protected) | ({row["published_copy"] for row in rows[-keep:]} if keep > 0 else set())
    doomed = [row["copy"] for row in rows if row["published_copy"] not in kept_names]
    if not dry_run:
        for path in doomed:
            path.unlink()
    kept = [f"{name}: {why}" for name, why in protected.items()]
    return doomed, kept
