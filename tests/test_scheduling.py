"""Scheduled runs for real: a Prefect server, `helhedsplan serve` in its own process, deployment
runs triggered through the Prefect client and waited for (bounded), on a copy of the test world."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from support.ops import free_port, redeliver

from pipelines.ops.schedule import server_answers

HELHEDSPLAN = str(Path(sys.executable).with_name("helhedsplan"))
STARTUP_S, RUN_S = 120, 240


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`helhedsplan server`: a real Prefect server on a free local port, its home in a temporary folder."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([HELHEDSPLAN, "server", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + STARTUP_S
    while not server_answers(api):
        assert process.poll() is None, (home / "server.log").read_text()
        assert time.monotonic() < deadline, "Prefect server did not start in time"
        time.sleep(0.5)
    yield api
    _stop(process)
    log.close()


@pytest.fixture(scope="module")
def served(server, world, tmp_path_factory):
    """`helhedsplan serve` on a copy of the test world, against the real server, found the way the
    README tells an analyst: by its port, with no PREFECT_API_URL in the environment (every
    deployment run was cancelled that way, while one with the variable set passed)."""
    copy = world.copy(tmp_path_factory.mktemp("served"))
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    port = server.rsplit(":", 1)[1].split("/")[0]
    log_path = copy.raw.parent / "serve.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [HELHEDSPLAN, "serve", "--port", port, "--raw", str(copy.raw), "--warehouse",
         str(copy.warehouse), "--marts", str(copy.marts), "--poll-seconds", "3600"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    yield copy, log_path, process
    _stop(process)
    log.close()


def _deployment_run(api: str, name: str, log_path: Path):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}):
        deadline = time.monotonic() + STARTUP_S
        while True:  # serve registers its deployments shortly after it starts
            with contextlib.suppress(Exception):
                return run_deployment(name, timeout=RUN_S)
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(1)


def _published_run_ids(published: Path) -> list[str]:
    with duckdb.connect(str(published), read_only=True) as con:
        return [r for (r,) in con.execute("select run_id from pipeline_runs order by published_at").fetchall()]


def test_monthly_deployment_run_completes_and_publishes(server, served):
    world, log_path, _ = served
    redeliver(world.raw, "beskaeftigelse", "zz_rettelse.csv")  # something new to publish
    flow_run = _deployment_run(server, "helhedsplan-run/maanedlig-koersel", log_path)
    assert flow_run.state.is_completed(), (flow_run.state, log_path.read_text())
    assert str(flow_run.id) in _published_run_ids(world.published)


def test_serve_talks_to_that_server_only(served):
    """Serve starts no temporary Prefect server of its own beside the analyst's."""
    process = served[2]
    children = subprocess.run(["ps", "-o", "args=", "--ppid", str(process.pid)], capture_output=True,
                              text=True, check=False).stdout
    assert "uvicorn" not in children, children


def test_new_files_deployment_starts_no_second_run_for_files_already_taken(server, served):
    """Runs after the monthly run, which loaded the new file: the same files start nothing."""
    world, log_path, _ = served
    before = _published_run_ids(world.published)
    flow_run = _deployment_run(server, "helhedsplan-nye-filer/nye-filer", log_path)
    assert flow_run.state.is_completed(), (flow_run.state, log_path.read_text())
    assert _published_run_ids(world.published) == before


def test_serve_without_a_server_says_so_at_once(tmp_path, monkeypatch, capsys):
    from pipelines.cli import EXIT_ERROR, main

    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")  # nobody listens
    code = main(["serve", "--raw", str(tmp_path / "raw"), "--warehouse", str(tmp_path / "wh.duckdb"),
                 "--marts", str(tmp_path / "marts")])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert "ingen Prefect-server" in err and "helhedsplan server" in err
    assert len(err.strip().splitlines()) == 1
