"""`helhedsplan server` and `helhedsplan serve`: a Prefect server for analysts and the deployments
it runs (monthly on a cron, and when new files have landed in the raw folder)."""

from __future__ import annotations

import os
import urllib.request

from pipelines.settings import Paths

DEFAULT_PORT = 4200
TIMEZONE = "Europe/Copenhagen"


class NoServer(RuntimeError):
    """No Prefect server answers: deployments cannot be served."""


def api_url(port: int = DEFAULT_PORT) -> str:
    return os.environ.get("PREFECT_API_URL") or f"http://127.0.0.1:{port}/api"


def server_answers(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api.rstrip('/')}/health", timeout=3) as answer:
            return answer.status == 200
    except OSError:
        return False


def deployments(paths: Paths, cron: str, poll_seconds: float) -> list:
    """The monthly deployment (cron in Copenhagen time) and the new-files one (polling the raw
    folder), each limited to one run at a time, with the paths as their parameters."""
    from prefect.schedules import Cron

    from pipelines.flows import arrival_flow, run_flow

    parameters = {"raw": str(paths.raw), "warehouse": str(paths.warehouse), "marts": str(paths.marts)}
    monthly = run_flow.to_deployment(
        name="maanedlig-koersel",
        schedule=Cron(cron, timezone=TIMEZONE),
        parameters={**parameters, "started_by": "månedlig kørsel (Prefect)"},
        concurrency_limit=1,
        description="Månedlig kørsel af helhedsplanens indikatorer.",
    )
    arrival = arrival_flow.to_deployment(
        name="nye-filer",
        interval=poll_seconds,
        parameters=parameters,
        concurrency_limit=1,
        description="Kører helhedsplanen, når nye, færdigt kopierede filer ligger i leverancemappen.",
    )
    return [monthly, arrival]


def serve(paths: Paths, cron: str, poll_seconds: float, port: int = DEFAULT_PORT) -> None:
    """Serve both deployments until stopped; one flow run at a time."""
    api = api_url(port)
    if not server_answers(api):
        raise NoServer(
            f"ingen Prefect-server svarer på {api}: start den med 'helhedsplan server' i et andet "
            "vindue (eller sæt PREFECT_API_URL til en server, der kører), og kør så 'helhedsplan serve' igen"
        )
    # Prefect read its settings when it was imported, before this: without the override the
    # runner would talk to a temporary server of its own and every run would be cancelled
    os.environ["PREFECT_API_URL"] = api  # the flow runs' processes
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}):
        prefect_serve(*deployments(paths, cron, poll_seconds), limit=1)


def run_server(port: int) -> int:
    """`prefect server start` on 127.0.0.1, its database under PREFECT_HOME (data/.prefect)."""
    import sys
    from pathlib import Path

    api = f"http://127.0.0.1:{port}/api"
    if server_answers(api):
        print(f"Der kører allerede en Prefect-server på {api}. Kør 'helhedsplan serve' i et andet vindue.")
        return 0
    home = Path(os.environ["PREFECT_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    print(f"Prefect-server på http://127.0.0.1:{port} (data i {home}); stop med Ctrl+C.\n"
          f"Kør i et andet vindue: helhedsplan serve   (oversigt: helhedsplan status)")
    prefect = str(Path(sys.executable).with_name("prefect"))
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    sys.stdout.flush()
    # this process becomes the server: Ctrl+C and `kill` reach it, and nothing is left behind
    os.execve(prefect, [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env)
    return 0
