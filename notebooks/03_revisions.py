# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Rettelser / Revisions
#
# What changed between the two latest publications, and which corrected delivery caused it. The
# two are the latest dated copies in `history/` beside the published file (the same two
# `helhedsplan revisions` compares); the comparison is computed here in pandas and checked
# against `pipelines/sql/revisions.sql`, the query evaluators run in the DuckDB shell.
#
# The file: the first argument when run as a script, else `$HELHEDSPLAN_PUBLISHED`, else
# `data/marts/helhedsplan.duckdb` of this repository. Open in Jupyter with jupytext, or
# `.venv/bin/jupytext --to notebook notebooks/03_revisions.py`.

# %%
import os
import sys
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.danish import number
from pipelines.revisions import SQL_FILE
from pipelines.settings import default_paths


def published_file() -> Path:
    if "ipykernel" not in sys.modules and len(sys.argv) > 1:  # a kernel's argv is its own
        return Path(sys.argv[1])
    if os.environ.get("HELHEDSPLAN_PUBLISHED"):
        return Path(os.environ["HELHEDSPLAN_PUBLISHED"])
    return default_paths().published


published = published_file()
history = published.parent / "history"

# %% [markdown]
# ## The two latest publications
# `pipeline_runs` of the published file lists every publication with its dated copy.

# %%
with duckdb.connect(str(published), read_only=True) as con:
    runs = con.sql(
        "select run_id, published_at, published_copy from pipeline_runs order by published_at"
    ).df()
runs = runs[[(history / name).exists() for name in runs["published_copy"]]]
print(runs.to_string(index=False))
assert len(runs) >= 2, f"fewer than two publications with a copy in {history}"
earlier, later = (history / name for name in runs["published_copy"].iloc[-2:])
print(f"earlier: {earlier.name}\nlater:   {later.name}")

# %% [markdown]
# ## Changed cells
# Every cell of `indicator_values` in both publications whose numerator, denominator, value or
# suppression differs (a cell only in the later one is new, not revised).

# %%
KEY = ["indicator_id", "period_type", "period", "area", "sex"]
FIGURES = ["numerator", "denominator", "value", "is_suppressed"]


def cells(path: Path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select {', '.join(KEY + FIGURES)} from indicator_values").df()


both = cells(earlier).merge(cells(later), on=KEY, suffixes=("_before", "_after"))


def differs(column: str) -> pd.Series:
    before, after = both[f"{column}_before"], both[f"{column}_after"]
    return (before.isna() != after.isna()) | (before.notna() & after.notna() & (before != after))


changed = both[differs("numerator") | differs("denominator") | differs("value")
               | differs("is_suppressed")].sort_values(KEY).reset_index(drop=True)
print(f"{len(both)} cells in both, {len(changed)} changed")
print(changed.groupby("indicator_id").size().rename("changed cells").to_string())

# %% [markdown]
# ## Corrected deliveries
# `pipeline_runs.source_files` names every file the figures were computed from, with its SHA-256
# and the periods it supplies. A (source, period) supplied by a different file in the later
# publication was corrected: the later file superseded the earlier one.

# %%
def suppliers(path: Path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        files = con.execute(
            "select unnest(source_files, recursive := true) from "
            "(select source_files from pipeline_runs order by published_at desc limit 1)"
        ).df()
    return files.explode("periods").rename(columns={"periods": "period"})


supplied_before, supplied_after = suppliers(earlier), suppliers(later)
corrections = supplied_after.merge(
    supplied_before, on=["source", "period"], suffixes=("", "_before")
).query("sha256 != sha256_before")
corrections = corrections[["source", "period", "file_path", "file_path_before"]].rename(
    columns={"file_path": "superseding_file", "file_path_before": "superseded_file"}
)
print(corrections.to_string(index=False) if len(corrections) else "no corrected delivery")

# %% [markdown]
# ## The same comparison in SQL
# `pipelines/sql/revisions.sql` after attaching the two copies (`helhedsplan revisions --sql`
# prints it ready for the DuckDB shell). It also names, per changed cell, the corrected
# deliveries it can come from: a corrected file of a source the indicator reads, for a month the
# cell reads.

# %%
with duckdb.connect() as con:
    con.execute(f"attach '{str(earlier).replace(chr(39), chr(39) * 2)}' as a (read_only)")
    con.execute(f"attach '{str(later).replace(chr(39), chr(39) * 2)}' as b (read_only)")
    revisions = con.execute(SQL_FILE.read_text(encoding="utf-8")).df()
    sources = dict(con.execute("select indicator_id, sources from b.indicators").fetchall())

# the changed cells are the same, with the same figures before and after
assert len(revisions) == len(changed), (len(revisions), len(changed))
merged = changed.merge(revisions, on=KEY, how="outer", indicator=True, suffixes=("", "_sql"))
assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][KEY]
for column in ("numerator", "denominator", "value"):
    for side in ("before", "after"):
        ours, sql = merged[f"{column}_{side}"], merged[f"{column}_{side}_sql"]
        assert ((ours.isna() & sql.isna()) | (ours == sql)).all(), (column, side)
assert (merged["is_suppressed_before"] == merged["suppressed_before"]).all()
assert (merged["is_suppressed_after"] == merged["suppressed_after"]).all()


def files(value) -> list[str]:
    """A list column as pandas hands it over (NULL: no corrected delivery)."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))
    return [] if missing else list(value)


# every file the query names is a corrected delivery found above, of a source the indicator reads,
# named in the later publication's pipeline_runs (and the file it replaced in the earlier one's)
named = revisions.assign(corrected_by=revisions["corrected_by"].map(files),
                         superseded=revisions["superseded"].map(files))
later_files, earlier_files = set(supplied_after["file_path"]), set(supplied_before["file_path"])
source_of = dict(zip(corrections["superseding_file"], corrections["source"], strict=False))
for row in named.itertuples():
    for path in row.corrected_by:
        assert path in later_files and path in source_of, path
        assert source_of[path] in sources[row.indicator_id], (row.indicator_id, path)
    for path in row.superseded:
        assert path in earlier_files and path in set(corrections["superseded_file"]), path
explained = named[named["corrected_by"].map(len) > 0]
if len(corrections) and len(changed):
    assert len(explained) > 0, "cells changed, deliveries were corrected, nothing is explained"
print(f"{len(explained)} of {len(changed)} changed cells come from a corrected delivery")

# %% [markdown]
# A changed cell no corrected delivery explains reads only unchanged months: with the same code
# in both publications, only its suppression can have changed, because a neighbour in one of its
# disclosure groups (docs/indicators.md) was hidden or shown after the correction.

# %%
code = []
for path in (earlier, later):
    with duckdb.connect(str(path), read_only=True) as con:
        code.append(con.execute(
            "select code_version from pipeline_runs order by published_at desc limit 1"
        ).fetchone()[0])
unexplained = merged.merge(explained[KEY], on=KEY, how="left", indicator="explained")
unexplained = unexplained[unexplained["explained"] == "left_only"]
shown_both = unexplained[~unexplained["is_suppressed_before"] & ~unexplained["is_suppressed_after"]]
print(f"code {code[0]} → {code[1]}; {len(unexplained)} cells changed by suppression only:",
      f"{len(shown_both)} with figures in both")
if code[0] == code[1]:
    assert shown_both.empty, shown_both[KEY]

# %% [markdown]
# ## Hele helhedsplanen: before → after, and why

# %%
plan = named[(named["area"] == "all") & (named["sex"] == "all")]
for row in plan.itertuples():
    cause = f"  rettet af {', '.join(row.corrected_by)} (erstatter {', '.join(row.superseded)})" \
        if row.corrected_by else ""
    before = "skjult" if row.suppressed_before else number(row.value_before)
    after = "skjult" if row.suppressed_after else number(row.value_after)
    print(f"{row.indicator_id:<26} {row.period:<8} {before} → {after}{cause}")
print("corrected deliveries:", ", ".join(sorted(set(corrections["superseding_file"]))) or "none")
