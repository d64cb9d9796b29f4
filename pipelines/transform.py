"""Run the dbt project (the repository root) in-process: `dbt build` against one warehouse file.

`build(warehouse)` loads the seeds, builds staging -> intermediate -> marts, and runs every data
test on the way (`dbt build`); the unit tests, which check the SQL and not the data, run only when
asked (`unit_tests=True`: the test suite does, a monthly run need not). It raises RuntimeError naming the failed nodes.
dbt's target and log folders sit beside the warehouse (`<name>.dbt/`), so runs against different
warehouses never share state, and re-runs against the same one reuse dbt's partial parse.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines import catalogue
from pipelines.ingest.warehouse import make_private, private_folder
from pipelines.settings import PROJECT_ROOT, quiet_third_parties

_FAILED = {"error", "fail", "runtime error", "skipped"}


@contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    """The profile reads the warehouse path from the environment; set it for one run only."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def state_dir(warehouse: Path) -> Path:
    """dbt's target (manifest, run results) and log folders for `warehouse`: `<name>.dbt/`."""
    warehouse = Path(warehouse).expanduser().resolve()
    state = warehouse.parent / f"{warehouse.stem}.dbt"
    # its logs and run results describe person-level data: the owner's only
    private_folder(state)
    make_private(state)
    return state


def dbt_args(command: str, warehouse: Path, *, select: str | None = None,
             vars: dict | None = None, unit_tests: bool = True) -> list[str]:
    """The argument list of a dbt command against `warehouse`, with absolute paths only."""
    args = [
        command,
        *_location_args(warehouse),
        "--log-level", "none",  # the console gets one line from the caller; dbt.log holds it all
        "--log-level-file", "info",
        "--no-use-colors",
        "--no-version-check",
        "--no-send-anonymous-usage-stats",
    ]
    if select:
        args += ["--select", select]
    args += ["--vars", json.dumps(project_vars(vars))]
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    return args


def _location_args(warehouse: Path, given: list[str] = ()) -> list[str]:
    """Where dbt finds the project and profile (the repository root) and writes its target and
    logs (`<warehouse>.dbt/`), for each of these flags not in `given`."""
    state = state_dir(warehouse)
    flags = {"--project-dir": PROJECT_ROOT, "--profiles-dir": PROJECT_ROOT,
             "--target-path": state / "target", "--log-path": state / "logs"}
    return [item for flag, path in flags.items() if flag not in given for item in (flag, str(path))]


def project_vars(vars: dict | None = None) -> dict:
    """The vars every dbt command gets: the catalogue's indicator models, which the union in
    int_indicator_person_months.sql refs (dbt knows a ref only when it parses), then `vars`."""
    return {"indicator_models": [i.model for i in catalogue.indicators()], **(vars or {})}


def invoke(arguments: list[str], warehouse: Path) -> bool:
    """A dbt command as typed after `dbt` (`helhedsplan dbt ...`), on `warehouse`, with the
    project's vars merged into any --vars given; dbt prints as usual. True when it succeeded."""
    import yaml
    from dbt.cli.main import dbtRunner

    arguments, given = list(arguments), {}
    if "--vars" in arguments:
        at = arguments.index("--vars")
        given = yaml.safe_load(arguments[at + 1]) or {}
        del arguments[at:at + 2]
    warehouse = Path(warehouse).expanduser().resolve()
    arguments += [*_location_args(warehouse, arguments), "--vars", json.dumps(project_vars(given))]
    with environment_variable("HELHEDSPLAN_WAREHOUSE", str(warehouse)):
        outcome = dbtRunner().invoke(arguments)
    return bool(outcome.success)


def _failures(result) -> list[str]:
    """'<node> (<status>: <message>)' for each failed or skipped node of a dbt run result."""
    failed = []
    for node_result in getattr(result, "results", None) or []:
        status = str(getattr(node_result.status, "value", node_result.status)).lower()
        if status in _FAILED:
            message = (node_result.message or "").strip().splitlines()
            failed.append(f"{node_result.node.name} ({status}: {message[0] if message else ''})")
    return failed


def build(warehouse: Path, *, select: str | None = None, vars: dict | None = None,
          on_node=None, unit_tests: bool = False) -> None:
    """`dbt build` (seeds, models, data tests; unit tests too if `unit_tests`) against the
    DuckDB file `warehouse`.

    `select` is a dbt selection (e.g. "+indicator_values"); `vars` overrides project variables
    (e.g. {"disclosure_k": 5}). Raises RuntimeError naming the failed nodes if anything failed.
    `on_node(name)` is told of each node dbt has finished (progress on a terminal).
    """
    quiet_third_parties()
    warehouse = Path(warehouse).expanduser().resolve()
    if not warehouse.exists():
        raise RuntimeError(f"dbt build: the warehouse {warehouse} does not exist (run ingest first)")
    from dbt.cli.main import dbtRunner  # heavy import: only when a build is asked for

    with environment_variable("HELHEDSPLAN_WAREHOUSE", str(warehouse)):
        callbacks = [] if on_node is None else [_node_finished(on_node)]
        args = dbt_args("build", warehouse, select=select, vars=vars, unit_tests=unit_tests)
        outcome = dbtRunner(callbacks=callbacks).invoke(args)
    failed = _failures(outcome.result)
    if outcome.success and not failed:
        return
    if failed:
        shown = "; ".join(failed[:20]) + (f"; and {len(failed) - 20} more" if len(failed) > 20 else "")
        raise RuntimeError(f"dbt build failed: {len(failed)} node(s) failed: {shown}")
    raise RuntimeError(f"dbt build failed: {outcome.exception or 'see the dbt log'}")


def _node_finished(on_node):
    def callback(event) -> None:
        if event.info.name == "NodeFinished":
            on_node(event.data.node_info.node_name)

    return callback
