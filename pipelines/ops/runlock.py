"""One run at a time per warehouse: a lock file beside it naming the run that holds it.

The file (`.<warehouse>.run.lock`, owner-only) holds the pid, the process's start time (so a
reused pid is not mistaken for the run), when and how the run was started, and the pid of the
temporary Prefect server the run started, if any. A lock whose process is gone is stale: the
next run ends that run's temporary server and clears the lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from pipelines.ingest.warehouse import private_folder

log = logging.getLogger("helhedsplan.ops")
PREFECT_SERVER_MARK = "prefect.server.api.server:create_app"


class RunLocked(RuntimeError):
    """Another run holds the warehouse's run lock."""


@dataclass
class LockInfo:
    pid: int
    process_start: str
    started_at: str  # local time, ISO
    started_by: str
    host: str
    prefect_server_pid: int | None = None

    def describe(self) -> str:
        when = dt.datetime.fromisoformat(self.started_at).strftime("%d-%m-%Y kl. %H:%M:%S")
        return f"pid {self.pid}, startet {when} af {self.started_by}"


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.name}.run.lock")


def _process_start(pid: int) -> str:
    """The kernel's start time of a process (clock ticks since boot), '' when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(info: LockInfo) -> bool:
    """The lock's process still runs (the same process, not a later one with its pid)."""
    start = _process_start(info.pid)
    return bool(start) and start == info.process_start


def read(warehouse: Path) -> LockInfo | None:
    try:
        data = json.loads(lock_path(warehouse).read_text(encoding="utf-8"))
        return LockInfo(**data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError):  # half-written or foreign: treat as stale
        return LockInfo(pid=0, process_start="", started_at=dt.datetime.now().isoformat(),
                        started_by="ukendt", host="")


def _write(path: Path, info: LockInfo, *, create: bool) -> None:
    flags = os.O_WRONLY | (os.O_CREAT | os.O_EXCL if create else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(info), handle)


def refuse_if_running(warehouse: Path) -> None:
    """Raise RunLocked at once when a live run holds the lock (before any slow start-up)."""
    info = read(warehouse)
    if info is not None and info.pid != os.getpid() and alive(info):
        raise RunLocked(
            f"en anden kørsel er i gang på {warehouse} ({info.describe()}); vent til den er færdig, "
            f"eller stop den (kill {info.pid}), og kør igen"
        )


def interrupted(warehouse: Path) -> LockInfo | None:
    """The lock of a run that did not end (killed, or the machine went down): its process is gone.
    Whatever it had done, its last steps (publishing, the report, the data dictionary) may be
    missing, so the next run does its work again even when no delivery is new."""
    info = read(warehouse)
    return info if info is not None and not (info.pid and alive(info)) else None


def clear_stale(warehouse: Path) -> LockInfo | None:
    """Remove a dead run's lock and end the temporary Prefect server it left; returns its info."""
    info = read(warehouse)
    if info is None or (info.pid and alive(info)):
        return None
    end_prefect_server(info.prefect_server_pid)
    with contextlib.suppress(FileNotFoundError):
        lock_path(warehouse).unlink()
    if info.pid:
        log.warning("En tidligere kørsel blev afbrudt (%s); dens lås er fjernet.", info.describe())
    return info


def end_prefect_server(pid: int | None) -> bool:
    """End a temporary Prefect server by pid, only if that pid still is one."""
    if not pid or PREFECT_SERVER_MARK not in _cmdline(pid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if PREFECT_SERVER_MARK not in _cmdline(pid):
                return True
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    return True


@contextlib.contextmanager
def hold(warehouse: Path, started_by: str) -> Iterator[LockInfo]:
    """Hold the run lock for the block. Re-entrant within one process (the CLI takes it before
    Prefect starts; the flow takes it again, so deployment runs are covered as well)."""
    path = lock_path(warehouse)
    private_folder(path.parent)
    current = read(warehouse)
    if current is not None and current.pid == os.getpid():
        yield current
        return
    refuse_if_running(warehouse)
    clear_stale(warehouse)
    info = LockInfo(
        pid=os.getpid(), process_start=_process_start(os.getpid()),
        started_at=dt.datetime.now().isoformat(timespec="seconds"), started_by=started_by,
        host=socket.gethostname(),
    )
    try:
        _write(path, info, create=True)
    except FileExistsError:  # another run took it between the check and here
        refuse_if_running(warehouse)
        raise
    try:
        yield info
    finally:
        mine = read(warehouse)
        if mine is not None and mine.pid == info.pid:
            path.unlink(missing_ok=True)


def note_prefect_server(warehouse: Path) -> None:
    """Record the temporary Prefect server this process started, so a later run can end it if
    this one is killed."""
    info = read(warehouse)
    if info is None or info.pid != os.getpid():
        return
    children = [pid for pid in _children(os.getpid()) if PREFECT_SERVER_MARK in _cmdline(pid)]
    if children and info.prefect_server_pid != children[0]:
        info.prefect_server_pid = children[0]
        _write(lock_path(warehouse), info, create=False)


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return sorted(found)
