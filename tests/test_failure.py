"""Failure an analyst can act on: one Danish line naming a log file; the traceback only in that
file, which only its owner can read; nothing CPR-shaped anywhere."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from support.ops import redeliver

from pipelines.cli import EXIT_ERROR, main

CPR_SHAPED = re.compile(r"(?<![0-9A-Za-z])[0-3]\d[01]\d{3}-?\d{4}(?![0-9A-Za-z])")


def test_a_failed_run_prints_one_line_and_keeps_the_details_in_a_private_log(
        world, tmp_path, monkeypatch, capsys):
    copy = world.copy(tmp_path)
    redeliver(copy.raw, "beboere", "rettelse.csv")  # something to load, with the wrong key
    monkeypatch.setenv("HELHEDSPLAN_PSEUDONYM_KEY", "another-key-than-the-warehouse-was-built-with")
    code = main(["run", "--raw", str(copy.raw), "--warehouse", str(copy.warehouse),
                 "--marts", str(copy.marts)])
    out, err = capsys.readouterr()
    assert code == EXIT_ERROR
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "anden pseudonymnøgle" in lines[0]
    log = Path(re.search(r"detaljer: (\S+\.log)\)", lines[0]).group(1))
    assert log.parent == copy.marts.parent / "logs"
    assert log.stat().st_mode & 0o077 == 0 and log.parent.stat().st_mode & 0o077 == 0
    details = log.read_text(encoding="utf-8")
    assert "Traceback" in details and "KeyMismatchError" in details
    assert not CPR_SHAPED.search(err + details)


def test_a_log_name_is_never_cpr_shaped_whatever_the_clock_and_pid(tmp_path, monkeypatch):
    """A run at 12:16:53 with pid 1472 once named its log '…-121653-1472.log': a CPR number's shape,
    which a leak scan (ours or the municipality's) rightly flags."""
    import datetime as dt

    from pipelines.ops import failure

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 12, 3, 12, 16, 53)

    monkeypatch.setattr(failure.dt, "datetime", Clock)
    monkeypatch.setattr(failure.os, "getpid", lambda: 1472)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        path = failure.start_log(tmp_path / "logs", "run")
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
    assert path.exists() and path.parent == tmp_path / "logs"
    assert not CPR_SHAPED.search(path.name), path.name
    assert not re.search(r"(?<!\d)\d{6}-?\d{4}(?!\d)", path.name), path.name
