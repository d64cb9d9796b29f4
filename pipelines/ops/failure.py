"""Failure an analyst can act on: one Danish line on the terminal, the details in a log file.

Logs go to `data/logs/` (beside the marts folder), owner-only. The terminal shows the pipeline's
own warnings only; Prefect's, dbt's and the full traceback go to the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sys
from pathlib import Path

from pipelines.ops.disk import disk_message
from pipelines.ops.errors import causes
from pipelines.ops.warehouse_wait import busy_message, is_lock_error

OWN_LOGGERS = ("helhedsplan", "pipelines")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def logs_dir(marts: Path) -> Path:
    return marts.parent / "logs"


class _OwnWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.startswith(OWN_LOGGERS)


def start_log(folder: Path, command: str) -> Path:
    """Route every log record to a new owner-only file; only the pipeline's warnings to the terminal."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    # Letters between the digit runs: "HHMMSS-pid" alone has a CPR number's shape.
    stamp = dt.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    path = folder / f"helhedsplan-{command}-{stamp}-pid{os.getpid()}.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    root = logging.getLogger()
    terminals = (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)
    for handler in list(root.handlers):  # the console handlers of logging.basicConfig and Prefect
        if getattr(handler, "_helhedsplan", False) or (
            type(handler) is not logging.FileHandler and getattr(handler, "stream", None) in terminals
        ):
            root.removeHandler(handler)
            if isinstance(handler, logging.FileHandler):
                handler.close()
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter(_FORMAT))
    to_file.setLevel(logging.INFO)
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setLevel(logging.WARNING)
    terminal.addFilter(_OwnWarnings())
    terminal.setFormatter(logging.Formatter("%(message)s"))
    for handler in (to_file, terminal):
        handler._helhedsplan = True
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request to Prefect's API
    return path


def _masked(text: str) -> str:
    """A foreign message's first line with every digit masked: it may quote a value."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return re.sub(r"\d", "#", first)[:200]


def one_line(error: BaseException, warehouse: Path | None = None) -> str:
    """What went wrong, in Danish, in one line, naming nothing personal."""
    from pipelines.ingest import IngestError, KeyMismatchError
    from pipelines.ops.runlock import RunLocked
    from pipelines.ops.schedule import NoServer
    from pipelines.ops.warehouse_wait import WarehouseBusy

    for cause in causes(error):
        if is_lock_error(cause) or "Could not set lock on file" in str(cause):
            return busy_message(warehouse or Path("warehouset"), cause, 0).replace(" (ventet 0 s)", "")
    if isinstance(error, RunLocked | WarehouseBusy | NoServer | KeyMismatchError | IngestError):
        return str(error)
    if (disk := disk_message(error)) is not None:
        return disk
    text = str(error)
    if text.startswith("dbt build failed"):
        return "dbt build fejlede: " + _masked(text.removeprefix("dbt build failed").lstrip(": "))
    if isinstance(error, RuntimeError) and text and not re.search(r"\d{6}", text):
        return text.splitlines()[0]  # the pipeline's own messages
    return f"uventet fejl ({type(error).__name__}): {_masked(text)}"
