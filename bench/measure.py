"""Run one benchmark step as a child process, within a time and a memory limit.

The child's own peak RSS comes from its JSON line (getrusage); the harness also samples the RSS
of the child's process tree from /proc, which is what stops a step above the memory limit and
what is recorded for a step that was stopped.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.2
CPR_SHAPED = re.compile(r"\d{6}-?\d{4}")


@dataclass
class Measured:
    step: str
    status: str  # ok, failed, timeout, memory, skipped
    seconds: float | None = None
    peak_rss_mb: float | None = None
    rows: int | None = None
    note: str = ""
    detail: dict = field(default_factory=dict)
    passed: bool | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _tree_rss_mb(pid: int) -> float:
    """RSS of `pid` and all its descendants (Linux /proc), in MB; 0 once gone."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(c) for c in children.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total / 1024


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return CPR_SHAPED.sub("<cpr?>", lines[-1])[:300] if lines else ""


def run(step: str, command: list[str], *, timeout: float, max_rss_mb: float,
        env: dict | None = None, log: Path | None = None) -> Measured:
    """Run `command`; a bench.stage child prints its figures as the last JSON line of stdout."""
    started = time.perf_counter()
    with open(log or os.devnull, "ab") as err:
        child = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=err, start_new_session=True)
        sampled, stopped = 0.0, ""
        output = b""
        os.set_blocking(child.stdout.fileno(), False)
        while child.poll() is None:
            output += child.stdout.read() or b""
            sampled = max(sampled, _tree_rss_mb(child.pid))
            elapsed = time.perf_counter() - started
            if elapsed > timeout or sampled > max_rss_mb:
                stopped = "timeout" if elapsed > timeout else "memory"
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
                break
            time.sleep(POLL_SECONDS)
        output += child.stdout.read() or b""
    seconds = time.perf_counter() - started
    text = output.decode("utf-8", "replace")
    if stopped:
        limit = f"{timeout:.0f} s" if stopped == "timeout" else f"{max_rss_mb:.0f} MB"
        return Measured(step, stopped, seconds, sampled, note=f"stopped at the limit of {limit}")
    if child.returncode != 0:
        tail = _last_line(log.read_text(errors="replace")) if log else ""
        return Measured(step, "failed", seconds, sampled, note=f"exit {child.returncode}: {tail}")
    try:
        figures = json.loads(text.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):  # a plain command (the CLI): wall time and RSS only
        return Measured(step, "ok", seconds, sampled, note=_last_line(text))
    return Measured(step, "ok", figures["seconds"], max(figures["peak_rss_mb"], sampled),
                    rows=figures.get("rows"), detail=figures.get("detail", {}),
                    passed=figures.get("passed"))


def stage(step: str, args: dict, **limits) -> Measured:
    return run(step, [sys.executable, "-m", "bench.stage", step, json.dumps(args)], **limits)
