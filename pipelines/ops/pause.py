"""Pause points for the kill-anywhere tests (tests/test_kill.py), inert unless asked for.

A few instants of a run cannot be reached reliably from outside, because nothing observable
lasts long enough there: inside a file's load transaction, between two sources, with the history
copy written but not yet renamed, right after the published file was renamed. At each of them the
run calls `at(point)`. It does nothing unless the environment variable HELHEDSPLAN_PAUSE_AT is
`<point>@<marker file>` for that point: then the run writes its pid into the marker file and
waits, without a time limit, until the file is gone (the test has killed the run, or copied what
it left and lets it go on). An analyst never sets the variable; the cost is one look-up.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

VARIABLE = "HELHEDSPLAN_PAUSE_AT"
POINTS = ("ingest-commit", "between-sources", "history-copy", "after-rename")
_done: set[str] = set()  # each point pauses once per process


def at(point: str) -> None:
    wanted = os.environ.get(VARIABLE)
    if not wanted:
        return
    name, _, marker = wanted.partition("@")
    if name != point or not marker or point in _done:
        return
    _done.add(point)
    path = Path(marker)
    path.write_text(str(os.getpid()), encoding="utf-8")
    while path.exists():
        time.sleep(0.02)
