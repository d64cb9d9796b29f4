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
        if show:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        status = self._console.status(f"{name} …") if self._console else contextlib.nullcontext()
        with status:
            try:
                yield
            finally:
                self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started
        if self._console:
            self._console.print(f"[green]✓[/green] {name} ({seconds_da(self.timings[name])})")

    def file_done(self, outcome, seconds: float) -> None:
        if not self._console or outcome.outcome not in ("loaded", "rejected", "arriving"):
            return
        if outcome.outcome == "loaded":
            rate = outcome.rows_read / seconds if seconds > 0 else 0
            self._console.print(f"  {outcome.file_path}: {_number(outcome.rows_loaded)} rækker indlæst"
                                f" ({_number(rate)} rækker/s)")
        else:
            label = "afvist" if outcome.outcome == "rejected" else "undervejs, venter"
            self._console.print(f"  {outcome.file_path}: {label}")

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
