"""Kill anywhere: a run stopped dead at eight points of its work leaves a published file that is
the previous one or the complete new one, never torn, and a warehouse in which every file is
loaded whole or not at all; the next `helhedsplan run` completes without manual clean-up and
publishes exactly what an uninterrupted run publishes.

How the points are reached. Where something observable lasts long enough, from outside: dbt's
log growing (dbt build), the gate's Data Docs appearing (quality gate), the new file beside the
published one (publishing, before the rename), `.report-new-*` (the report). Where nothing does
(inside a file's load transaction, between two sources, the history copy written but not renamed,
right after the rename), the run pauses at a named point (`pipelines/ops/pause.py`, inert unless
HELHEDSPLAN_PAUSE_AT asks for it).

Cost against proof (tests/support/kill.py): a run takes about half a minute (dbt build 15 s), so
eight killed runs each followed by its own uninterrupted recovery would take eight minutes. Instead
each run is stopped (SIGSTOP on its process group) at its point, everything it has written is
copied as it lies, and the run is let go on. The copy is exactly what a SIGKILL at that instant
leaves (a stopped process writes nothing more; `test_a_frozen_copy_is_what_a_sigkill_leaves`
kills one for real and compares every byte), and the run going on is the recovery of the previous
point, checked to the end: exit 0, published, equal to the uninterrupted run, no leftovers. So
every recovery is proven to complete, and nine runs cover eight points. The first run is the
uninterrupted reference (a pause does not change what a run does); the ninth recovers the eighth.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from support.corrections import correct_latest_employment_file
from support.kill import (
    Tree,
    compare_published,
    half_loaded_files,
    leftovers,
    published_state,
    run_ids,
    sha256,
)
from support.ops import free_port, redeliver

from pipelines.ops.schedule import server_answers

pytestmark = pytest.mark.faults  # `make test-faults`

HELHEDSPLAN = str(Path(sys.executable).with_name("helhedsplan"))
RUN_S = 150  # one run's bound (about 30 s on the 2-core machine)
POINT_S = 120  # from a run's start to its point
STARTUP_S = 60


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """One real Prefect server (`helhedsplan server`) for every run here: a run's own temporary
    server would cost each run 11 s. (A killed run's own server: tests/test_runlock.py.)"""
    home = tmp_path_factory.mktemp("kill-prefect")
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    with open(home / "server.log", "w") as log:
        server = subprocess.Popen([HELHEDSPLAN, "server", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        api = f"http://127.0.0.1:{port}/api"
        try:
            deadline = time.monotonic() + STARTUP_S
            while not server_answers(api):
                assert server.poll() is None, (home / "server.log").read_text()
                assert time.monotonic() < deadline, "the Prefect server did not start in time"
                time.sleep(0.3)
            yield api
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)


def _inputs(world, root: Path) -> Tree:
    """The session's world plus new deliveries: a correction and two redelivered files, in three
    sources (beboere, beskaeftigelse, deltagelse), so the run ingests, rebuilds and publishes."""
    copy = world.copy(root)
    correct_latest_employment_file(copy.raw)
    redeliver(copy.raw, "beboere", "igen.csv")
    redeliver(copy.raw, "deltagelse", "igen.csv")
    return Tree.at(root)


# ---------------------------------------------------------------- running and stopping a run


@dataclass
class Run:
    process: subprocess.Popen
    tree: Tree
    marker: Path
    output: Path

    def frozen(self) -> bool:
        """Every process of the run's group is stopped."""
        states = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # process group
                states.append(fields[0])
        return bool(states) and all(state in "TtZX" for state in states)

    def freeze(self) -> None:
        os.killpg(self.process.pid, signal.SIGSTOP)
        deadline = time.monotonic() + 10
        while not self.frozen():
            assert time.monotonic() < deadline, "the run did not stop"
            time.sleep(0.005)

    def go_on(self) -> None:
        self.marker.unlink(missing_ok=True)  # a run paused at a point goes on
        os.killpg(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def finish(self) -> int:
        try:
            return self.process.wait(timeout=RUN_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the run did not end in {RUN_S} s: {self.text()}") from None

    def text(self) -> str:
        return self.output.read_text(errors="replace")[-3000:]


def _start(tree: Tree, api: str, pause: str | None = None) -> Run:
    marker = tree.root.parent / f"{tree.root.name}.paused"
    env = {**os.environ, "PREFECT_API_URL": api}
    env.pop("HELHEDSPLAN_PAUSE_AT", None)
    if pause:
        env["HELHEDSPLAN_PAUSE_AT"] = f"{pause}@{marker}"
    output = tree.root.parent / f"{tree.root.name}.out"
    with open(output, "w") as out:
        process = subprocess.Popen(
            [HELHEDSPLAN, "run", "--raw", str(tree.raw), "--warehouse", str(tree.warehouse),
             "--marts", str(tree.marts)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return Run(process, tree, marker, output)


@dataclass(frozen=True)
class Point:
    name: str
    what: str
    pause: str | None = None  # a pause point of pipelines/ops/pause.py, else `reached` from outside
    published_is_new: bool = False  # the killed run's publication is out at this point

    def reached(self, run: Run, before: dict) -> bool:
        if self.pause:
            return run.marker.exists()
        tree = run.tree
        if self.name == "dbt":
            log = tree.dbt_log.read_bytes()[before["dbt_log"]:] if tree.dbt_log.exists() else b""
            return log.count(b" OK created ") >= 10
        if self.name == "gate":
            return len(tree.validation_runs() - before["validations"]) >= 2
        if self.name == "publish-tmp":
            return bool(list(tree.marts.glob(".helhedsplan.duckdb.*.tmp")))
        if self.name == "report":
            return bool(list(tree.marts.glob(".report-new-*")))
        raise AssertionError(self.name)

    def still_there(self, run: Run) -> str:
        """After the freeze: what makes this the point (a freeze a moment late would miss it)."""
        tree = run.tree
        if self.name == "publish-tmp" and (not list(tree.marts.glob(".helhedsplan.duckdb.*.tmp"))
                                           or list(tree.history.glob(".*.tmp"))):
            return "the new file beside the published one was gone or the history copy begun"
        if self.name == "report" and not list(tree.marts.glob(".report-new-*")):
            return "the report's new folder was gone"
        if self.name == "gate" and list(tree.marts.glob(".helhedsplan.duckdb.*.tmp")):
            return "publishing had begun"
        return ""


POINTS = [
    Point("ingest-commit", "inside a file's load transaction (its log row in, its old rows out)",
          pause="ingest-commit"),
    Point("between-sources", "between two sources (beboere loaded, the others not)",
          pause="between-sources"),
    Point("dbt", "during dbt build (10 models built)"),
    Point("gate", "during the quality gate (two suites' Data Docs written)"),
    Point("publish-tmp", "publishing: the new file beside the published one, before the rename"),
    Point("history-copy", "publishing: the history copy written, not yet renamed",
          pause="history-copy"),
    Point("after-rename", "publishing: right after the rename, before the run records it",
          pause="after-rename", published_is_new=True),
    Point("report", "during the report (`.report-new-*` being written)", published_is_new=True),
]


def _stop_at(run: Run, point: Point, before: dict) -> None:
    deadline = time.monotonic() + POINT_S
    while not point.reached(run, before):
        assert run.process.poll() is None, f"{point.name}: the run ended first: {run.text()}"
        assert time.monotonic() < deadline, f"{point.name}: not reached in {POINT_S} s"
        time.sleep(0.005)
    run.freeze()
    late = point.still_there(run)
    assert not late, f"{point.name}: stopped too late ({late}); rerun"


def _before(tree: Tree) -> dict:
    return {"dbt_log": tree.dbt_log.stat().st_size if tree.dbt_log.exists() else 0,
            "validations": tree.validation_runs()}


# ---------------------------------------------------------------- the checks


def _check_killed_state(point: Point, killed: Tree, previous_sha: str, scratch: Path) -> str | None:
    """What a kill at `point` left: the published file whole (previous or complete new), every
    file loaded whole or not at all. Returns the run id of the killed run's publication, if out."""
    state = published_state(killed.published)
    assert state["opens"], f"{point.name}: the published file does not open: {state['error']}"
    complete = {sha256(p) for p in killed.history.glob("*.duckdb")}
    if point.published_is_new:
        assert state["sha256"] != previous_sha and state["sha256"] in complete, (
            f"{point.name}: the published file is not the complete new publication")
    else:
        assert state["sha256"] == previous_sha, f"{point.name}: the published file changed"
    probe = scratch / f"{point.name}-probe.duckdb"  # the warehouse as the next run finds it
    shutil.copyfile(killed.warehouse, probe)
    if killed.warehouse_wal.exists():
        shutil.copyfile(killed.warehouse_wal, Path(f"{probe}.wal"))
    problems = half_loaded_files(probe)
    assert not problems, f"{point.name}: half-loaded files: {problems}"
    return state["latest_run"] if point.published_is_new else None


def _check_recovery(what: str, run: Run, code: int, reference: Tree, previous_sha: str,
                    killed_publication: str | None) -> str:
    tree = run.tree
    assert code == 0, f"{what}: the run failed: {run.text()}"
    assert "afbrudt" in run.text(), f"{what}: the killed run was not named"
    state = published_state(tree.published)
    assert state["opens"] and state["sha256"] != previous_sha, f"{what}: nothing new was published"
    differences = compare_published(tree.published, reference.published)
    assert not differences, f"{what}: the publication differs from the uninterrupted run's: {differences}"
    assert not leftovers(tree), f"{what}: left behind: {leftovers(tree)}"
    if killed_publication:  # it was out, evaluators may have read it: the history keeps it
        assert killed_publication in run_ids(tree.published), (
            f"{what}: the killed run's publication is missing from pipeline_runs")
    published_at = tree.published.stat().st_mtime
    for built in (tree.marts / "report" / "index.html", tree.marts / "docs" / "index.html"):
        assert built.exists() and built.stat().st_mtime >= published_at, (
            f"{what}: {built.parent.name}/ was not rebuilt from the new publication")
    problems = half_loaded_files(tree.warehouse)
    assert not problems, f"{what}: half-loaded files: {problems}"
    return state["sha256"]


# ---------------------------------------------------------------- the tests


def test_killed_at_eight_points_each_next_run_recovers_and_publishes_what_an_unkilled_run_does(
        world, prefect_api, tmp_path):
    reference = _inputs(world, tmp_path / "run-1")
    tree, killed_publication = reference, None
    for number, point in enumerate([*POINTS, None], start=1):
        previous_sha = published_state(tree.published)["sha256"]
        before = _before(tree)
        run = _start(tree, prefect_api, point.pause if point else None)
        if point is not None:
            _stop_at(run, point, before)
            killed = tree.snapshot(tmp_path / f"run-{number + 1}")  # what a SIGKILL here leaves
            run.go_on()
        code = run.finish()
        if number == 1:  # the uninterrupted reference (paused once, which changes nothing it does)
            assert code == 0, run.text()
            assert published_state(tree.published)["sha256"] != previous_sha
            assert not leftovers(tree), leftovers(tree)
        else:
            _check_recovery(f"the run after the kill at {POINTS[number - 2].name}", run, code,
                            reference, previous_sha, killed_publication)
        if point is None:
            break
        killed_publication = _check_killed_state(point, killed, previous_sha, tmp_path)
        tree = killed


def test_a_frozen_copy_is_what_a_sigkill_leaves(world, prefect_api, tmp_path):
    """The suite's copies stand for kills: stop a run between sources, copy its tree, SIGKILL its
    process group for real; every file of the killed tree equals the copy's, byte for byte."""
    tree = _inputs(world, tmp_path / "killed")
    run = _start(tree, prefect_api, "between-sources")
    point = POINTS[1]
    _stop_at(run, point, _before(tree))
    copy = tree.snapshot(tmp_path / "copy")
    run.kill()

    def files(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): sha256(p) for p in root.rglob("*") if p.is_file()}

    assert files(tree.root) == files(copy.root)
    assert run.process.returncode == -signal.SIGKILL
    assert not half_loaded_files(tree.warehouse)


def test_the_detectors_find_a_torn_file_a_half_loaded_file_and_leftovers(world, tmp_path):
    copy = world.copy(tmp_path / "w")
    tree = Tree.at(tmp_path / "w")
    assert half_loaded_files(copy.warehouse) == [] and leftovers(tree) == []
    with duckdb.connect(str(copy.warehouse)) as con:  # a file's log rows in, half its rows not
        (load_id,) = con.execute("select max(load_id) from raw.load_log where outcome = 'loaded' "
                                 "and source = 'beboere'").fetchone()
        con.execute("delete from raw.beboere where load_id = ? and source_row % 2 = 0", [load_id])
    assert any(f"current load {load_id}" in p for p in half_loaded_files(copy.warehouse))
    with duckdb.connect(str(copy.warehouse)) as con:  # rows in, the log row not
        con.execute("delete from raw.load_log where load_id = ?", [load_id])
    assert any("rows of a load the load log does not call loaded" in p
               for p in half_loaded_files(copy.warehouse))

    data = copy.published.read_bytes()
    torn = tmp_path / "torn.duckdb"
    torn.write_bytes(data[: len(data) // 2])
    assert not published_state(torn)["opens"]
    assert published_state(world.published)["opens"]

    changed = tmp_path / "changed.duckdb"
    shutil.copyfile(world.published, changed)
    with duckdb.connect(str(changed)) as con:
        con.execute("update indicator_values set value = value + 1 where rowid = 0")
    assert compare_published(changed, world.published) == [
        "indicator_values: 1 rows only in the run", "indicator_values: 1 rows only in the reference"]
    assert compare_published(world.published, world.published) == []

    (copy.marts / ".report-new-abc").mkdir()
    (copy.marts / ".helhedsplan.duckdb.abc.1.tmp").write_bytes(b"")
    (copy.marts / "history" / ".helhedsplan_x.duckdb.tmp").write_bytes(b"")
    assert len(leftovers(tree)) == 3
