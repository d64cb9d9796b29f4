"""What a killed run leaves behind: temporary report folders (the run lock ends its Prefect server)."""

from __future__ import annotations

import shutil
from pathlib import Path


def clear_leftovers(marts: Path) -> None:
    """Temporary folders of a killed report step; call only while holding the run lock."""
    for leftover in Path(marts).glob(".report-*-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
