"""The kill-anywhere suite's detectors (tests/test_kill.py): a torn published file, a half-loaded
delivery, leftovers, a publication that differs from an uninterrupted run's."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.ingest.warehouse import RAW_TABLES
from pipelines.settings import Paths


@dataclass(frozen=True)
class Tree(Paths):
    """One run's folders, as tests/support/world.py lays them out (raw/, warehouse.duckdb, marts/,
    and what the run adds: logs/, warehouse.dbt/, the run lock): the product's Paths under a root."""

    root: Path | None = None

    @classmethod
    def at(cls, root: Path) -> Tree:
        return cls(root / "raw", root / "warehouse.duckdb", root / "marts", root)

    @property
    def warehouse_wal(self) -> Path:
        return Path(f"{self.warehouse}.wal")

    @property
    def dbt_log(self) -> Path:
        return self.root / "warehouse.dbt" / "logs" / "dbt.log"

    def validation_runs(self) -> set[str]:
        """The gate's Data Docs, one folder per suite and run."""
        folder = self.marts / "quality" / "validations"
        while folder.exists():
            try:
                return {p.relative_to(folder).as_posix() for p in folder.glob("*/*")}
            except FileNotFoundError:  # the gate rebuilds its Data Docs while we look: look again
                continue
        return set()

    def snapshot(self, target: Path) -> Tree:
        """Everything in the tree as it lies now (with its mtimes), hidden files included."""
        shutil.copytree(self.root, target, symlinks=True)
        return Tree.at(target)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_state(published: Path) -> dict:
    """Does the published file open read-only and hold `pipeline_runs`? Its SHA-256, its latest run."""
    state = {"opens": False, "error": "", "sha256": sha256(published) if published.exists() else None,
             "latest_run": None}
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            state["latest_run"] = con.execute(
                "select run_id from pipeline_runs order by published_at desc limit 1").fetchone()[0]
            state["opens"] = True
    except (duckdb.Error, TypeError) as error:
        state["error"] = f"{type(error).__name__}: {str(error)[:200]}"
    return state


def run_ids(published: Path) -> list[str]:
    with duckdb.connect(str(published), read_only=True) as con:
        return [r for (r,) in con.execute("select run_id from pipeline_runs order by published_at").fetchall()]


def compare_published(published: Path, reference: Path) -> list[str]:
    """Published tables that differ (EXCEPT ALL both ways) from the reference's, apart from
    `pipeline_runs` (run ids, times) and timestamp columns; and the latest run's source files
    (without their load times)."""
    differences = []
    con = duckdb.connect()
    try:
        con.execute(f"attach '{published}' as a (read_only)")
        con.execute(f"attach '{reference}' as b (read_only)")
        tables = {}
        for db in ("a", "b"):
            tables[db] = {
                name: [(c, t) for c, t in con.execute(
                    "select column_name, data_type from duckdb_columns() where database_name = ? "
                    "and table_name = ? order by column_index", [db, name]).fetchall()]
                for (name,) in con.execute(
                    "select table_name from duckdb_tables() where database_name = ?", [db]).fetchall()
            }
        if set(tables["a"]) != set(tables["b"]):
            differences.append(f"tables {sorted(set(tables['a']) ^ set(tables['b']))}")
        for name in sorted(set(tables["a"]) & set(tables["b"]) - {"pipeline_runs"}):
            if tables["a"][name] != tables["b"][name]:
                differences.append(f"{name}: columns differ")
                continue
            columns = ", ".join(f'"{c}"' for c, t in tables["a"][name] if not t.startswith("TIMESTAMP"))
            for x, y in (("a", "b"), ("b", "a")):
                extra = con.execute(
                    f"select count(*) from (select {columns} from {x}.main.{name} "
                    f"except all select {columns} from {y}.main.{name})").fetchone()[0]
                if extra:
                    differences.append(f"{name}: {extra} rows only in {'the run' if x == 'a' else 'the reference'}")
        files = [
            con.execute(
                f"select list_sort(list_transform(source_files, lambda f: struct_pack(source := f.source, "
                f"file_path := f.file_path, sha256 := f.sha256, periods := f.periods, "
                f"rows_loaded := f.rows_loaded))) from {db}.main.pipeline_runs "
                f"order by published_at desc limit 1").fetchone()[0]
            for db in ("a", "b")
        ]
        if files[0] != files[1]:
            differences.append("pipeline_runs: the latest run's source files differ")
    finally:
        con.close()
    return differences


def _period(source: str) -> str:
    return "skoleaar" if source == "karakterer" else "strftime(period_start, '%Y-%m')"


def half_loaded_files(warehouse: Path) -> list[str]:
    """Every delivery loaded whole or not at all: each `loaded` row of `raw.load_log` has its
    periods in `period_log` with its rows; the current delivery of each (source, period) has
    exactly those rows in its raw table, no other load's; no raw row belongs to a load the log
    does not call loaded. Opens the warehouse read-write (a WAL left by a kill is replayed)."""
    problems = []
    with duckdb.connect(str(warehouse)) as con:
        loaded = "select load_id from raw.load_log where outcome = 'loaded'"
        for source in RAW_TABLES:
            orphans = con.execute(
                f"select count(*) from raw.{source} where load_id not in ({loaded})").fetchone()[0]
            if orphans:
                problems.append(f"{source}: {orphans} rows of a load the load log does not call loaded")
        for load_id, source, rows, periods, logged_rows, logged_periods in con.execute(
            """select l.load_id, l.source, l.rows_loaded, list_sort(l.periods),
                      coalesce(sum(p.rows_loaded), 0), list_sort(list(p.period) filter (p.period is not null))
               from raw.load_log l left join raw.period_log p using (load_id)
               where l.outcome = 'loaded' group by all"""
        ).fetchall():
            if rows != logged_rows or list(periods or []) != list(logged_periods or []):
                problems.append(f"{source} load {load_id}: logged {rows} rows {periods}, "
                                f"period log {logged_rows} rows {logged_periods}")
        for source, period, load_id, rows in con.execute(
            """select source, period, max_by(load_id, load_id), max_by(rows_loaded, load_id)
               from raw.period_log group by source, period"""
        ).fetchall():
            found = dict(con.execute(
                f"select load_id, count(*) from raw.{source} where {_period(source)} = ? group by 1",
                [period]).fetchall())
            if found != {load_id: rows}:
                problems.append(f"{source} {period}: current load {load_id} with {rows} rows, found {found}")
    return problems


def leftovers(tree: Tree) -> list[str]:
    """Temporary files and folders of a run: the published file's `.tmp` (and its WAL), the
    history copy's, the report's `.report-new-*`/`.report-old-*`, the data dictionary's."""
    found = [p for p in tree.marts.rglob("*") if p.name.endswith((".tmp", ".tmp.wal"))]
    found += list(tree.marts.glob(".report-*-*"))
    return sorted(str(p.relative_to(tree.root)) for p in found)
