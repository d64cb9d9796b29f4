"""The evaluators' way in: the DuckDB shell of the locked environment opens the published file
read-only, and every query the README shows evaluators runs in it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.settings import PROJECT_ROOT

DUCKDB = Path(sys.executable).parent / "duckdb"


def readme_queries() -> list[str]:
    """The statements of the SQL block in the README's section for evaluators."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## For evaluators", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)
    code = "\n".join(line.split("--", 1)[0] for line in block.splitlines())
    return [" ".join(stmt.split()) for stmt in code.split(";") if stmt.strip()]


def test_the_readme_opens_the_file_the_way_the_cli_does():
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "-- duckdb -readonly data/marts/helhedsplan.duckdb" in text
    assert DUCKDB.is_file()


@pytest.mark.parametrize("query", readme_queries())
def test_every_readme_query_runs_in_the_duckdb_shell(world, query):
    result = subprocess.run(
        [str(DUCKDB), "-readonly", str(world.published), "-csv", "-c", query],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    _header, *rows = result.stdout.strip().splitlines()
    assert rows, f"no rows: {query}"  # every query the README shows returns something


def test_the_shell_cannot_change_the_published_file(world):
    result = subprocess.run(
        [str(DUCKDB), "-readonly", str(world.published), "-c", "delete from indicator_values"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0 and "read-only" in (result.stderr + result.stdout).lower()
