"""The whole pipeline on real files through Prefect: sample → ingest → dbt → gate → publish → report."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from prefect.testing.utilities import prefect_test_harness

from pipelines import catalogue
from pipelines.cli import EXIT_GATE_FAILED, EXIT_OK, main
from pipelines.sample import generate

# A CPR number as a token of its own: hex pseudonyms may hold ten-digit runs between letters.
CPR_SHAPED = re.compile(r"(?<![0-9A-Za-z])[0-3]\d[01]\d{3}-?\d{4}(?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def harness():
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="module")
def sample_raw(tmp_path_factory) -> Path:
    """The full default sample, exactly what `make run` creates in an empty data/raw/."""
    raw = tmp_path_factory.mktemp("raw")
    generate(raw)
    return raw


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _args(raw: Path, root: Path) -> list[str]:
    return ["--raw", str(raw), "--warehouse", str(root / "warehouse.duckdb"), "--marts", str(root / "marts")]


@pytest.fixture(scope="module")
def first_run(sample_raw, tmp_path_factory):
    """The console script in its own process, as an analyst runs it (Prefect in its local mode)."""
    root = tmp_path_factory.mktemp("run")
    env = {**os.environ, "PREFECT_HOME": str(root / "prefect")}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("helhedsplan")), "run", *_args(sample_raw, root)],
        capture_output=True, text=True, env=env, timeout=1200, check=False,
    )
    return root, done.returncode, done.stdout + done.stderr


def test_clean_sample_run_publishes_and_reports(first_run):
    root, code, output = first_run
    assert code == EXIT_OK, output
    published = root / "marts" / "helhedsplan.duckdb"
    assert published.is_file()
    assert (root / "marts" / "report" / "index.html").is_file()
    with duckdb.connect(str(published), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        assert {"indicator_values", "indicators", "indicator_status", "pipeline_runs"} <= tables
        indicators = con.execute("select count(distinct indicator_id) from indicator_values").fetchall()[0][0]
    assert indicators == len(catalogue.indicators())


def test_the_person_level_warehouse_is_private_and_the_published_side_is_not(first_run):
    """A shared municipal machine: the warehouse, its folder's dbt logs and the run lock are the
    owner's only; the published file and the report are for every reader."""
    root, code, output = first_run
    assert code == EXIT_OK, output
    for private in (root / "warehouse.duckdb", root / "warehouse.dbt"):
        assert stat.S_IMODE(private.stat().st_mode) & 0o077 == 0, private
    for public in (root / "marts" / "helhedsplan.duckdb", root / "marts" / "report" / "index.html"):
        assert stat.S_IMODE(public.stat().st_mode) & 0o044 == 0o044, public


def test_every_published_table_and_column_explains_itself(first_run):
    root, _, _ = first_run
    with duckdb.connect(str(root / "marts" / "helhedsplan.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where not internal and comment is null"
        ).fetchall()
        columns = con.execute(
            "select table_name || '.' || column_name from duckdb_columns() "
            "where not internal and (comment is null or trim(comment) = '')"
        ).fetchall()
    assert tables == [] and columns == []


def test_evaluator_walkthrough_runs_on_the_published_file(first_run):
    root, _, _ = first_run
    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "evaluator_walkthrough.py"
    done = subprocess.run([sys.executable, str(notebook), str(root / "marts" / "helhedsplan.duckdb")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "mismatches: 0" in done.stdout


def test_run_output_and_warehouse_hold_no_cpr(first_run):
    root, _, output = first_run
    assert not CPR_SHAPED.search(output)
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' or data_type like 'VARCHAR[]'"
        ).fetchall()
        for schema, table, column in columns:
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" '
                f"where regexp_matches(cast(\"{column}\" as varchar), '(^|[^0-9A-Za-z])[0-3][0-9][01][0-9]{{3}}-?[0-9]{{4}}([^0-9A-Za-z]|$)')"
            ).fetchall()[0][0]
            assert hits == 0, f"{schema}.{table}.{column}"


def test_second_run_with_nothing_new_is_idempotent(first_run, sample_raw):
    root, _, _ = first_run
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        before = con.execute("select count(*) from raw.beboere").fetchall()[0][0]
        loads = con.execute("select count(*) from raw.load_log").fetchall()[0][0]
    assert main(["run", *_args(sample_raw, root)]) == EXIT_OK
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.beboere").fetchall()[0][0] == before
        assert con.execute("select count(*) from raw.load_log").fetchall()[0][0] == loads


def test_tampered_mart_fails_the_gate_and_publishes_nothing(first_run):
    """Runs last on the first run's warehouse: a value changed after dbt build must not pass."""
    root, _, _ = first_run
    published = root / "marts" / "helhedsplan.duckdb"
    before = _sha(published)
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        con.execute(
            "update marts.indicator_values set value = value + 7 where indicator_id = 'B_BESKAEFTIGELSE' "
            "and area = 'all' and sex = 'all' and period_type = 'month' and not is_suppressed"
        )
    code = main(["gate", "--warehouse", str(root / "warehouse.duckdb"), "--marts", str(root / "marts")])
    assert code == EXIT_GATE_FAILED
    assert _sha(published) == before


def _bad_delivery(raw: Path) -> None:
    """A correction of the latest employment month in which a fifth of the rows have unknown codes."""
    files = sorted((raw / "beskaeftigelse").glob("*.csv"))
    latest = files[-1]
    text = latest.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            lines = text.decode(encoding).splitlines()
            break
        except UnicodeDecodeError:
            continue
    header, body = lines[0], [line for line in lines[1:] if line.strip()]
    delimiter = max((";", ",", "\t"), key=header.count)
    status = [name.strip().strip('"').strip().lower() for name in header.split(delimiter)].index("status")

    def damaged(line: str) -> str:
        cells = line.split(delimiter)
        cells[status] = "ukendt_kode"
        return delimiter.join(cells)

    broken = [damaged(line) if i % 5 == 0 else line for i, line in enumerate(body)]
    (raw / "beskaeftigelse" / (latest.stem + "_zz_rettelse.csv")).write_text(
        "\n".join([header, *broken]) + "\n", encoding="utf-8"
    )


def _redelivered(path: Path, name: str) -> Path:
    """The same rows again under another name (a trailing blank line makes it a new file)."""
    copy = path.with_name(name)
    copy.write_bytes(path.read_bytes() + b"\n")
    return copy


def test_a_bad_file_fails_every_run_until_a_correction_replaces_it(harness, world, tmp_path, capfd):
    """Contract: the quarantined share is judged for every file that currently supplies a period,
    not only for the files of the latest run."""
    copy = world.copy(tmp_path)
    args = ["--raw", str(copy.raw), "--warehouse", str(copy.warehouse), "--marts", str(copy.marts)]
    before = _sha(copy.published)
    latest_employment = max((copy.raw / "beskaeftigelse").glob("*.csv"))
    _bad_delivery(copy.raw)
    assert main(["run", *args]) == EXIT_GATE_FAILED
    # a later, good delivery of something else does not let the bad file through
    _redelivered(min((copy.raw / "deltagelse").glob("*.csv")), "zz_deltagelse_igen.csv")
    assert main(["run", *args]) == EXIT_GATE_FAILED
    out, _ = capfd.readouterr()
    assert "_zz_rettelse.csv" in out
    assert _sha(copy.published) == before
    # a correction of the bad file's month replaces it: the gate passes and the run publishes
    _redelivered(latest_employment, latest_employment.stem + "_zzz_rettet_igen.csv")
    assert main(["run", *args]) == EXIT_OK
    assert _sha(copy.published) != before


def test_failed_gate_exits_2_and_publishes_nothing(harness, world, tmp_path, capfd):
    """A third of the latest resident month delivered as its correction (a copy cut short)."""
    copy = world.copy(tmp_path)
    args = ["--raw", str(copy.raw), "--warehouse", str(copy.warehouse), "--marts", str(copy.marts)]
    history = copy.marts / "history"
    before = (_sha(copy.published), sorted(p.name for p in history.iterdir()))
    latest = max((copy.raw / "beboere").glob("*.csv"))
    lines = latest.read_bytes().splitlines(keepends=True)
    latest.with_name(f"{latest.stem}_rettelse.csv").write_bytes(b"".join(lines[: len(lines) // 3]))
    capfd.readouterr()

    assert main(["run", *args]) == EXIT_GATE_FAILED
    out, err = capfd.readouterr()
    assert "Kvalitetskontrollen fejlede" in out
    assert f"{latest.stem}_rettelse.csv" in out  # the collapsed month's file is named
    assert (_sha(copy.published), sorted(p.name for p in history.iterdir())) == before
    assert not (copy.marts / "report").exists()
    assert not CPR_SHAPED.search(out + err)
