"""Smoke test: every definition loads — flows, the scheduled deployment, the CLI's subcommands."""

from __future__ import annotations

import importlib

import pytest

from pipelines.cli import COMMANDS, _parser, _schedule

MODULES = [
    "pipelines.cli", "pipelines.flows", "pipelines.ingest", "pipelines.sample", "pipelines.transform",
    "pipelines.publish", "pipelines.report", "pipelines.catalogue", "pipelines.settings",
]


@pytest.mark.parametrize("module", MODULES)
def test_module_imports(module):
    importlib.import_module(module)


def test_every_subcommand_has_a_handler():
    choices = _parser()._subparsers._group_actions[0].choices
    assert set(choices) == set(COMMANDS)


def test_monthly_deployment_runs_in_copenhagen_time():
    from pipelines.flows import run_flow

    deployment = run_flow.to_deployment(
        name="maanedlig-koersel", schedule=_schedule("0 6 5 * *"),
        parameters={"raw": "data/raw", "warehouse": "w.duckdb", "marts": "data/marts"},
    )
    schedule = deployment.schedules[0].schedule
    assert schedule.cron == "0 6 5 * *"
    assert schedule.timezone == "Europe/Copenhagen"
    assert deployment.flow_name == "helhedsplan-run"
