"""Watching a run: per-stage progress on a terminal (rich), quiet otherwise; time per stage."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def seconds_da(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " s"


class Progress:
    """Stages and files of one run. Shown only on a terminal; the timings are kept either way."""

    def __init__(self, show: bool = False):
        self.show = show
        self.timings: dict[str, float] = {}
        self._console = None
        self._status = None
        self._stage, self._files = "", 0
        if show:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        self._stage, self._files = name, 0
        self._status = self._console.status(f"{name} …") if self._console else None
        with self._status or contextlib.nullcontext():
            try:
                yield
            finally:
                self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started
                self._status = None
        if self._console:
            unit = "dbt-trin" if self._stage.startswith("dbt") else "nye filer"
            files = f", {self._files} {unit}" if self._files else ""
            self._console.print(f"[green]✓[/green] {name} ({seconds_da(self.timings[name])}{files})")

    def file_done(self, outcome, seconds: float) -> None:
        """The file just ingested on the status line; rejected and arriving files on a line of their own."""
        if not self._console or outcome.outcome not in ("loaded", "rejected", "arriving"):
            return
        if outcome.outcome == "loaded":
            self._files += 1
            rate = outcome.rows_read / seconds if seconds > 0 else 0
            if self._status is not None:
                self._status.update(f"{self._stage} … {outcome.file_path}: {_number(outcome.rows_loaded)}"
                                    f" rækker ({_number(rate)} rækker/s)")
        else:
            label = "afvist" if outcome.outcome == "rejected" else "undervejs, venter til næste kørsel"
            self._console.print(f"  [yellow]![/yellow] {outcome.file_path}: {label}")

    def node_done(self, name: str) -> None:
        """A dbt node finished: on the status line."""
        self._files += 1
        if self._status is not None:
            self._status.update(f"{self._stage} … {name} ({self._files} færdige)")

    def note(self, text: str) -> None:
        if self._console:
            self._console.print(f"  {text}")


def summary(timings: dict[str, float], total: float | None = None) -> str:
    """'Tid pr. trin: indlæsning 3,1 s · dbt build 20,4 s · … · i alt 31,2 s'; with the run's wall
    time, what lies outside the steps (Python and Prefect starting up) is shown as well."""
    if not timings:
        return ""
    parts = [f"{name} {seconds_da(value)}" for name, value in timings.items()]
    steps = sum(timings.values())
    if total is not None and total > steps:
        parts.append(f"opstart (Python, Prefect) {seconds_da(total - steps)}")
    return "Tid pr. trin: " + " · ".join(parts) + f" · i alt {seconds_da(max(steps, total or 0))}"


_current = Progress(show=False)


def current() -> Progress:
    return _current


def use(progress: Progress) -> Progress:
    global _current
    _current = progress
    return progress


def for_terminal() -> Progress:
    return Progress(show=sys.stderr.isatty())
