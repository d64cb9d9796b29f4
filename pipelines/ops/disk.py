"""A full disk, a read-only disk or a folder without write access: one Danish line naming the
folder, found before a run begins where it can be (`require_writable`)."""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path

from pipelines.ops.errors import causes

FULL = (errno.ENOSPC, errno.EDQUOT)
READ_ONLY = (errno.EROFS,)
DENIED = (errno.EACCES, errno.EPERM)
# DuckDB reports a failed write as text only, with the file in double quotes
_DUCKDB_FULL = re.compile(r'"([^"]+)"[^"]*No space left on device')
_UNCHANGED = "intet nyt er offentliggjort, og den forrige offentliggørelse er uændret"
_WHOLE = "den offentliggjorte fil er hel (den forrige eller den nye)"


def require_writable(folder: Path) -> None:
    """Write and remove a probe file in `folder` (created if missing): root is not stopped by file
    modes, so only trying tells a writable folder from a read-only disk."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, probe = tempfile.mkstemp(prefix=".helhedsplan-skrivetest-", dir=folder)
    os.close(fd)
    os.unlink(probe)


def _folder(path: str | os.PathLike | None) -> Path | None:
    if not path:
        return None
    path = Path(path)
    return path if path.is_dir() else path.parent


def _publishing(path: str | os.PathLike | None) -> bool:
    """The failed write was the publication itself (its temporary file or its dated copy)."""
    return bool(path) and (Path(path).name.startswith(".helhedsplan.duckdb.")
                           or Path(path).parent.name == "history")


def disk_message(error: BaseException) -> str | None:
    """The Danish line for a disk or permission failure anywhere in the error's chain, else None."""
    for cause in causes(error):
        code, path = getattr(cause, "errno", None), getattr(cause, "filename", None)
        if code not in FULL + READ_ONLY + DENIED:
            found = _DUCKDB_FULL.search(str(cause))
            if not found:
                continue
            code, path = errno.ENOSPC, found.group(1)
        where = _folder(path) or Path.cwd()
        state = _UNCHANGED if _publishing(path) else _WHOLE
        if code in FULL:
            return (f"der er ikke plads på disken i {where}: {state}. "
                    "Frigør plads (fx med 'helhedsplan prune') og kør igen")
        if code in READ_ONLY:
            return f"mappen {where} er skrivebeskyttet: {state}. Gør mappen skrivbar og kør igen"
        return f"ingen skriveadgang til mappen {where}: {state}. Ret mappens rettigheder og kør igen"
    return None
