"""A corrected delivery in a copy of the test world: the revisions' and the notebooks' tests."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

BENEFIT = re.compile(r"(?i)kontanthj(æ|ae)lp")


def correct_latest_employment_file(raw: Path) -> tuple[Path, Path, int]:
    """A correction of the latest readable beskaeftigelse file: social assistance recoded as work."""
    for original in sorted((raw / "beskaeftigelse").glob("*.csv"), reverse=True):
        data = original.read_bytes()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        corrected, count = BENEFIT.subn("beskaeftiget", text)
        if count >= 10:
            target = original.with_name(f"{original.stem}_rettet.csv")
            target.write_bytes(corrected.encode(encoding))
            past = time.time() - 3600  # copied in a while ago: settled
            os.utime(target, (past, past))
            return original, target, count
    raise AssertionError("no beskaeftigelse file with social assistance to correct")


def corrected_publication(world, root: Path) -> tuple:
    """A copy of the world with the latest employment file corrected and a second real run
    (`helhedsplan run`) published: (copy, original file, correction, [earlier copy, later copy])."""
    from pipelines.cli import main

    copy = world.copy(root)
    original, correction, _ = correct_latest_employment_file(copy.raw)
    code = main(["run", "--raw", str(copy.raw), "--warehouse", str(copy.warehouse),
                 "--marts", str(copy.marts)])
    assert code == 0
    copies = sorted((copy.marts / "history").glob("*.duckdb"))
    assert len(copies) == 2
    return copy, original, correction, copies
