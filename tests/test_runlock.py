"""One run at a time: a second run is refused naming the first, a dead run's lock (and the
temporary Prefect server it left) is cleared, and a warehouse held by another process is waited
for, then named."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines.cli import EXIT_ERROR, EXIT_OK, main
from pipelines.ops import runlock
from pipelines.ops.failure import one_line
from pipelines.ops.warehouse_wait import WarehouseBusy, wait_for_warehouse

HELHEDSPLAN = str(Path(sys.executable).with_name("helhedsplan"))
BOUND_S = 120


def _args(world) -> list[str]:
    return ["--raw", str(world.raw), "--warehouse", str(world.warehouse), "--marts", str(world.marts)]


def _holder(code: str) -> subprocess.Popen:
    """A Python process that prints 'ready' once it holds what `code` takes, then sleeps."""
    script = textwrap.dedent(code) + "\nprint('ready', flush=True)\nimport time; time.sleep(300)\n"
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process


def _end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)


def _lock_holder(warehouse: Path) -> subprocess.Popen:
    return _holder(f"""
        from pathlib import Path
        from pipelines.ops import runlock
        lock = runlock.hold(Path({str(warehouse)!r}), "en test")
        lock.__enter__()
    """)


def test_a_second_run_is_refused_naming_the_running_one(world, tmp_path, capsys):
    copy = world.copy(tmp_path)
    holder = _lock_holder(copy.warehouse)
    try:
        code = main(["run", *_args(copy)])
    finally:
        _end(holder)
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert f"pid {holder.pid}" in err and "en test" in err and "i gang" in err
    assert len(err.strip().splitlines()) == 1


def test_a_stale_lock_of_a_killed_run_is_cleared(tmp_path, caplog):
    warehouse = tmp_path / "warehouse.duckdb"
    holder = _lock_holder(warehouse)
    os.kill(holder.pid, signal.SIGKILL)
    _end(holder)
    assert runlock.lock_path(warehouse).exists()
    with runlock.hold(warehouse, "den næste kørsel") as info:
        assert info.pid == os.getpid()
        assert json.loads(runlock.lock_path(warehouse).read_text())["pid"] == os.getpid()
    assert not runlock.lock_path(warehouse).exists()
    assert f"pid {holder.pid}" in caplog.text and "afbrudt" in caplog.text


def test_the_lock_file_is_private(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with runlock.hold(warehouse, "en test"):
        assert runlock.lock_path(warehouse).stat().st_mode & 0o077 == 0


def _server_alive(pid: int) -> bool:
    try:
        return runlock.PREFECT_SERVER_MARK in Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    except OSError:
        return False


def test_a_killed_run_leaves_no_prefect_server_nor_temporary_folders(world, tmp_path, capsys):
    copy = world.copy(tmp_path / "world")
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    run = subprocess.Popen([HELHEDSPLAN, "run", "--force", *_args(copy)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + BOUND_S
    server = None
    while server is None:
        info = runlock.read(copy.warehouse)
        server = info.prefect_server_pid if info and info.pid == run.pid else None
        assert run.poll() is None and time.monotonic() < deadline, "the run never recorded its server"
        time.sleep(0.1)
    run.kill()  # as an analyst's Ctrl+\ or a reboot of the session would
    run.wait(timeout=30)
    assert _server_alive(server)
    leftover = copy.marts / ".report-new-abc123"
    leftover.mkdir()
    try:
        assert main(["run", *_args(copy)]) == EXIT_OK
    finally:
        runlock.end_prefect_server(server)
    assert not _server_alive(server)
    assert not leftover.exists()
    assert "afbrudt" in capsys.readouterr().err


def test_a_warehouse_held_by_another_process_is_waited_for_then_named(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    holder = _holder(f"""
        import duckdb
        con = duckdb.connect({str(warehouse)!r})
        con.execute("create table t as select 1 as x")
    """)
    try:
        with pytest.raises(WarehouseBusy) as caught:
            wait_for_warehouse(warehouse, 1.0)
    finally:
        _end(holder)
    line = one_line(caught.value, warehouse)
    assert f"pid {holder.pid}" in line and "luk" in line
    assert "\n" not in line and "read-only" not in line
    wait_for_warehouse(warehouse, 1.0)  # free again: returns at once
