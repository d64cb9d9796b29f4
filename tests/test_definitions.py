"""Smoke test: every definition loads — flows, the scheduled deployment, the CLI's subcommands."""

from __future__ import annotations

import importlib

import pytest

from pipelines.cli import COMMANDS, _parser

MODULES = [
    "pipelines.cli", "pipelines.flows", "pipelines.ingest", "pipelines.sample", "pipelines.transform",
    "pipelines.publish", "pipelines.report", "pipelines.catalogue", "pipelines.settings",
    "pipelines.ops.schedule", "pipelines.ops.status",
]


@pytest.mark.parametrize("module", MODULES)
def test_module_imports(module):
    importlib.import_module(module)


def test_every_subcommand_has_a_handler():
    choices = _parser()._subparsers._group_actions[0].choices
    assert set(choices) == set(COMMANDS)


def test_served_deployments_run_in_copenhagen_time_one_at_a_time_on_the_given_paths():
    from pipelines.ops.schedule import deployments
    from pipelines.settings import Paths

    paths = Paths(raw="/d/raw", warehouse="/d/w.duckdb", marts="/d/marts")
    monthly, arrival = deployments(paths, "0 6 5 * *", 300)
    schedule = monthly.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 6 5 * *", "Europe/Copenhagen")
    assert monthly.flow_name == "helhedsplan-run" and arrival.flow_name == "helhedsplan-nye-filer"
    assert arrival.schedules[0].schedule.interval.total_seconds() == 300
    for deployment in (monthly, arrival):
        assert deployment.concurrency_limit == 1
        assert {k: deployment.parameters[k] for k in ("raw", "warehouse", "marts")} == {
            "raw": "/d/raw", "warehouse": "/d/w.duckdb", "marts": "/d/marts"}
