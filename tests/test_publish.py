"""Publishing the evaluators' file: only after a passed gate, atomically, aggregates only, with
provenance, comments and DuckDB 1.x storage; readers holding the old file are never disturbed."""

from __future__ import annotations

import hashlib
import re
import shutil
import struct
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from support.damage import add_file

from pipelines.publish import PublishRefused, publish
from pipelines.quality import run_gate
from pipelines.settings import PROJECT_ROOT

STARTED = datetime(2026, 11, 30, 19, 45, 0, tzinfo=UTC)
PUBLISHED_TABLES = {
    "indicator_values",
    "mart_uddannelse_og_livschancer",
    "mart_beskaeftigelse",
    "mart_sammenhaengskraft_og_medborgerskab",
    "indicators",
    "indicator_status",
    "delivery_status",
    "participant_outcomes",
    "pipeline_runs",
    "indicator_values_afdeling",
}
PUBLISHED_TABLES |= {"activity_figures"}  # the yearly report's activity figures
CPR_SHAPED = r"(^|[^0-9])[0-3][0-9][01][0-9]{3}-?[0-9]{4}([^0-9]|$)"
# docs/indicators.md, "The published interface": indicator_values, in order.
SPEC_INDICATOR_VALUES = [
    ("indicator_id", "VARCHAR"),
    ("delaftale", "VARCHAR"),
    ("period_type", "VARCHAR"),
    ("period", "VARCHAR"),
    ("period_start", "DATE"),
    ("area", "VARCHAR"),
    ("sex", "VARCHAR"),
    ("numerator", "DOUBLE"),
    ("denominator", "DOUBLE"),
    ("value", "DOUBLE"),
    ("is_suppressed", "BOOLEAN"),
    ("is_complete", "BOOLEAN"),
]


@pytest.fixture(scope="module")
def passed_gate(world, tmp_path_factory):
    result = run_gate(world.warehouse, tmp_path_factory.mktemp("quality"), run_id="gate-run")
    assert result.passed, result.summary
    return result


@pytest.fixture
def warehouse(world, tmp_path) -> Path:
    """A copy of the test world's warehouse (which has published once, as `world-run`)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(world.warehouse, path)
    return path


def _documented_columns(markdown: Path, table: str) -> list[str]:
    """Column names of `table` in its row of a markdown table: `name TYPE` or `name`, with the
    parenthesised remarks (which quote example values) left out."""
    for line in markdown.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| `{table}` |"):
            cell = line.split("|")[2]
            while re.search(r"\([^()]*\)", cell):
                cell = re.sub(r"\([^()]*\)", "", cell)
            return re.findall(r"`([a-z_0-9]+)(?: [A-Z][A-Z\[\]]*)?`", cell)
    raise AssertionError(f"{table} not documented in {markdown}")


@pytest.mark.parametrize(
    "table",
    [
        "beboere",
        "skole",
        "karakterer",
        "beskaeftigelse",
        "deltagelse",
        "load_log",
        "period_log",
        "quarantine",
    ],
)
def test_raw_tables_have_the_documented_columns(world, table):
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        actual = [
            row[0]
            for row in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'raw' "
                "and table_name = ? order by column_index",
                [table],
            ).fetchall()
        ]
    assert actual == _documented_columns(PROJECT_ROOT / "docs" / "interfaces.md", f"raw.{table}")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publishes_exactly_the_interface(warehouse, tmp_path, passed_gate):
    published = publish(
        warehouse,
        tmp_path / "marts",
        run_id="3f2a9c1e-0000-4000-8000-000000000001",
        gate=passed_gate,
        started_at=STARTED,
    )
    assert published == tmp_path / "marts" / "helhedsplan.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        }
        assert tables == PUBLISHED_TABLES
        for table in (
            "indicator_values",
            "mart_uddannelse_og_livschancer",
            "mart_beskaeftigelse",
            "mart_sammenhaengskraft_og_medborgerskab",
        ):
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() where table_name = ? "
                "order by column_index",
                [table],
            ).fetchall()
            assert columns == SPEC_INDICATOR_VALUES, table
        con.execute(f"attach '{warehouse}' as w (read_only)")
        columns = ", ".join(name for name, _ in SPEC_INDICATOR_VALUES)
        for table in ("indicator_values", "mart_beskaeftigelse"):
            differing = con.execute(
                f"select count(*) from (select {columns} from main.{table} except all "
                f"select {columns} from w.marts.{table}) union all "
                f"select count(*) from (select {columns} from w.marts.{table} except all "
                f"select {columns} from main.{table})"
            ).fetchall()
            assert differing == [(0,), (0,)], table
    assert not list((tmp_path / "marts").glob(".*tmp"))


def test_every_table_and_column_is_commented(warehouse, tmp_path, passed_gate):
    published = publish(
        warehouse, tmp_path / "marts", run_id="run-comments", gate=passed_gate, started_at=STARTED
    )
    with duckdb.connect(str(published), read_only=True) as con:
        tables = con.execute("select table_name, comment from duckdb_tables()").fetchall()
        columns = con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'main'"
        ).fetchall()
    assert {table for table, _ in tables} == PUBLISHED_TABLES
    assert all(comment for _, comment in tables), tables
    assert all(comment for *_, comment in columns), [c for c in columns if not c[2]]


def test_file_is_written_for_duckdb_1x_clients(warehouse, tmp_path, passed_gate):
    published = publish(
        warehouse, tmp_path / "marts", run_id="run-storage", gate=passed_gate, started_at=STARTED
    )
    magic, storage_version = struct.unpack("<8x4sQ", published.read_bytes()[:20])
    # Storage version 64 is what DuckDB 0.10-1.1 write and every DuckDB >= 0.10 reads;
    # DuckDB 2.0 writes a newer one by default that 1.x clients cannot open.
    assert (magic, storage_version) == (b"DUCK", 64)


def test_published_file_holds_no_person_level_column_or_value(warehouse, tmp_path, passed_gate):
    published = publish(
        warehouse, tmp_path / "marts", run_id="run-privacy", gate=passed_gate, started_at=STARTED
    )
    with duckdb.connect(str(published), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name, data_type from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'main'"
        ).fetchall()
        assert len(columns) > 50
        for table, column, data_type in columns:
            assert not any(word in column.lower() for word in ("person_id", "birth", "cpr")), column
            if (table, column) == ("pipeline_runs", "code_version"):  # a commit id, by its format
                assert all(re.fullmatch(r"[0-9a-f]{40}(-dirty)?|helhedsplan .+", v) for (v,) in
                           con.execute("select code_version from pipeline_runs").fetchall())
            elif data_type == "VARCHAR":
                hits = con.execute(
                    f'select count(*) from {table} where regexp_matches("{column}", ?) '
                    f'or regexp_matches("{column}", ?)',
                    [CPR_SHAPED, r"(^|[^0-9a-f])[0-9a-f]{64}([^0-9a-f]|$)"],
                ).fetchone()[0]
                assert hits == 0, f"{table}.{column}"
        # No pseudonym of the warehouse anywhere in the file, nested values included.
        con.execute(f"attach '{warehouse}' as w (read_only)")
        con.execute(
            "create temp table ids as select distinct person_id from w.raw.beboere "
            "union select distinct person_id from w.raw.beskaeftigelse"
        )
        assert con.execute("select count(*) from ids").fetchone()[0] > 100
        for table in PUBLISHED_TABLES:
            hits = con.execute(
                f"select count(*) from (select cast(t as varchar) as text "
                f"from main.{table} as t) join ids on contains(text, person_id)"
            ).fetchone()[0]
            assert hits == 0, table


def test_a_person_level_column_in_a_mart_is_refused(warehouse, tmp_path, passed_gate):
    marts = tmp_path / "marts"
    first = publish(warehouse, marts, run_id="run-before", gate=passed_gate, started_at=STARTED)
    before = sha(first)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table marts.indicator_status add column person_id varchar")
    with pytest.raises(RuntimeError, match="person_id"):
        publish(warehouse, marts, run_id="run-after", gate=passed_gate, started_at=STARTED)
    assert sha(first) == before
    assert not list(marts.glob(".*tmp")) and len(list((marts / "history").iterdir())) == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute("select run_id from ops.pipeline_runs order by published_at").fetchall()
    assert runs == [("world-run",), ("run-before",)]


def test_failed_gate_publishes_nothing(warehouse, tmp_path, passed_gate):
    marts = tmp_path / "marts"
    first = publish(warehouse, marts, run_id="run-good", gate=passed_gate, started_at=STARTED)
    before = sha(first)
    failed = dict(passed_gate.as_dict(), passed=False)
    with pytest.raises(PublishRefused):
        publish(warehouse, marts, run_id="run-bad", gate=failed, started_at=STARTED)
    assert sha(first) == before
    assert len(list((marts / "history").iterdir())) == 1


def test_provenance_names_every_current_file_and_keeps_the_history(
    warehouse, tmp_path, passed_gate
):
    marts = tmp_path / "marts"
    publish(warehouse, marts, run_id="aaaaaaaa-first", gate=passed_gate, started_at=STARTED)
    with duckdb.connect(str(warehouse)) as con:  # a correction of one month arrives
        correction = add_file(con, "beskaeftigelse", datetime(2025, 3, 1).date(), 0.01)
        # the contract: a (source, period) is supplied by the latest file that holds it
        expected = dict(
            con.execute(
                "select file_path, sha256 from raw.load_log where load_id in ("
                "select arg_max(load_id, loaded_at) from raw.period_log group by source, period)"
            ).fetchall()
        )
    assert correction in expected
    second_start = datetime(2026, 12, 5, 6, 0, 0, tzinfo=UTC)
    published = publish(
        warehouse,
        marts,
        run_id="bbbbbbbb-second",
        gate=passed_gate.as_dict(),
        started_at=second_start,
    )
    with duckdb.connect(str(published), read_only=True) as con:
        runs = con.execute(
            "select run_id, started_at, code_version, gate_passed, gate_checks, "
            "published_copy from pipeline_runs order by published_at"
        ).fetchall()
        files = con.execute(
            "select f.file_path, f.sha256, f.periods from pipeline_runs, "
            "unnest(source_files) as u(f) where run_id = 'bbbbbbbb-second'"
        ).fetchall()
    assert [run[0] for run in runs] == ["world-run", "aaaaaaaa-first", "bbbbbbbb-second"]
    assert runs[2][1] == datetime(2026, 12, 5, 6, 0, 0)
    assert runs[2][2] and runs[2][3] is True and runs[2][4] == passed_gate.checks
    assert runs[2][5] == "helhedsplan_2026-12-05T060000Z_bbbbbbbb.duckdb"
    assert {path: digest for path, digest, _ in files} == expected
    assert [periods for path, _, periods in files if path == correction] == [["2025-03"]]
    copies = sorted(path.name for path in (marts / "history").iterdir())
    assert copies == [
        "helhedsplan_2026-11-30T194500Z_aaaaaaaa.duckdb",
        "helhedsplan_2026-12-05T060000Z_bbbbbbbb.duckdb",
    ]
    assert sha(marts / "history" / copies[1]) == sha(published)


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
query = "select count(*) from indicator_values where period = '2025-08'"
print(con.execute(query).fetchone()[0], flush=True)
sys.stdin.readline()
runs = con.execute("select count(*) from pipeline_runs").fetchone()[0]
print(con.execute(query).fetchone()[0], runs, flush=True)
con.close()
"""


def test_reader_holding_the_file_is_undisturbed_by_a_new_publication(
    warehouse, tmp_path, passed_gate
):
    marts = tmp_path / "marts"
    published = publish(warehouse, marts, run_id="run-one", gate=passed_gate, started_at=STARTED)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        before = int(reader.stdout.readline())
        with duckdb.connect(str(warehouse)) as con:  # the next month's data differ
            for table in (
                "indicator_values",
                "mart_beskaeftigelse",
                "mart_uddannelse_og_livschancer",
                "mart_sammenhaengskraft_og_medborgerskab",
            ):
                con.execute(
                    f"delete from marts.{table} where period = '2025-08' and area = 'Houlkær'"
                )
        publish(warehouse, marts, run_id="run-two", gate=passed_gate, started_at=STARTED)
        out, err = reader.communicate("\n", timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, err
    # the old version, whole, while it stayed open (the world's publication and run-one)
    assert out.split() == [str(before), "2"]
    with duckdb.connect(str(published), read_only=True) as con:
        after = con.execute(
            "select count(*) from indicator_values where period = '2025-08'"
        ).fetchone()[0]
        assert con.execute("select count(*) from pipeline_runs").fetchone()[0] == 3
    assert 0 < after < before


# An evaluator's process, until the stop file appears: `held` keeps one read-only connection and
# queries it again and again; `fresh` connects anew for every query. Each read is one statement.
# (Within one process DuckDB shares the open database with every new connect() to the same path,
# so the two kinds are separate processes, as two evaluators are.)
READERS = """
import os, sys, duckdb
path, stop, kind = sys.argv[1:4]
query = ("select (select count(*) from pipeline_runs), (select count(*) from indicator_values), "
         "(select count(*) from mart_beskaeftigelse)")
held = duckdb.connect(path, read_only=True) if kind == "held" else None
while not os.path.exists(stop):
    if held is not None:
        print(kind, *held.execute(query).fetchone(), flush=True)
    else:
        with duckdb.connect(path, read_only=True) as fresh:
            print(kind, *fresh.execute(query).fetchone(), flush=True)
"""


def test_evaluators_reading_while_three_runs_publish_each_see_one_whole_publication(
    warehouse, tmp_path, passed_gate
):
    marts = tmp_path / "marts"
    published = publish(warehouse, marts, run_id="run-0", gate=passed_gate, started_at=STARTED)
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, "-c", READERS, str(published), str(stop), kind],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for kind in ("held", "fresh", "fresh")]
    first = [reader.stdout.readline() for reader in readers]  # every reader is reading
    try:
        areas = [r for (r,) in duckdb.connect(str(warehouse), read_only=True).execute(
            "select distinct area from marts.indicator_values where area <> 'all' order by 1").fetchall()]
        for n, area in enumerate(areas[:3], start=1):  # each publication differs from the last
            with duckdb.connect(str(warehouse)) as con:
                for table in ("indicator_values", "mart_beskaeftigelse"):
                    con.execute(f"delete from marts.{table} where period = '2025-08' and area = ?", [area])
            publish(warehouse, marts, run_id=f"run-{n}", gate=passed_gate, started_at=STARTED)
    finally:
        stop.touch()
        results = [reader.communicate(timeout=120) for reader in readers]
    whole = set()
    for copy in (marts / "history").glob("*.duckdb"):
        with duckdb.connect(str(copy), read_only=True) as con:
            whole.add(con.execute(
                "select (select count(*) from pipeline_runs), (select count(*) from indicator_values), "
                "(select count(*) from mart_beskaeftigelse)").fetchone())
    assert len(whole) == 4
    seen = set()
    for reader, line, (out, err) in zip(readers, first, results, strict=True):
        assert reader.returncode == 0 and not err.strip(), err  # no error on the reading side
        lines = [line.split() for line in (line + out).splitlines()]
        assert len(lines) > 10
        for kind, *numbers in lines:
            observed = tuple(int(x) for x in numbers)
            assert observed in whole, (kind, observed, whole)  # never a mix of two publications
            seen.add((kind, observed))
    held = {observed for kind, observed in seen if kind == "held"}
    assert held == {min(whole)}  # an open connection keeps the publication it opened
    assert len({observed for kind, observed in seen if kind == "fresh"}) >= 2  # and new ones see new ones


@pytest.mark.parametrize(("commit", "run_id"), [
    # commit 417aa6c… holds the digit run 0511942726, shaped like a CPR number: publishing refused
    ("417aa6cf0511942726d8fdc608b04a7384f99ad1", "run-plain"),
    ("417aa6cf0511942726d8fdc608b04a7384f99ad1-dirty", "ab051194-2726-4804-a201-e7a6264ea2f0"),
])
def test_a_commit_or_run_id_that_happens_to_hold_a_cpr_shaped_digit_run_still_publishes(
        warehouse, tmp_path, passed_gate, monkeypatch, commit, run_id):
    monkeypatch.setattr("pipelines.publish.code_version", lambda: commit)
    published = publish(warehouse, tmp_path / "marts", run_id=run_id, gate=passed_gate, started_at=STARTED)
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select code_version from pipeline_runs where run_id = ?", [run_id]).fetchone() == (commit,)


def test_a_cpr_shaped_value_in_a_free_text_column_is_still_refused(warehouse, tmp_path, passed_gate, monkeypatch):
    monkeypatch.setattr("pipelines.publish.code_version", lambda: "built from 0511942726 by hand")
    with pytest.raises(RuntimeError, match="CPR- or pseudonym-shaped values in pipeline_runs.code_version"):
        publish(warehouse, tmp_path / "marts", run_id="run-x", gate=passed_gate, started_at=STARTED)
