"""Helpers for the operation tests: new deliveries arriving in a copy of the test world."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path


def redeliver(raw: Path, source: str, name: str, settled: bool = True) -> Path:
    """The source's latest file again under another name, with one more blank line so its content
    is new (the same rows: the gate's judgement does not change)."""
    latest = max(p for p in (raw / source).iterdir() if p.is_file())
    copy = latest.with_name(f"{latest.stem}_{name}")
    copy.write_bytes(latest.read_bytes() + b"\n")
    if settled:  # as if copied a while ago: older than any settle time
        past = time.time() - 3600
        os.utime(copy, (past, past))
    return copy


def free_port() -> int:
    """A local port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
