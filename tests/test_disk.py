"""Disk and permissions (issue 14): a full disk under the marts folder, and a marts folder that
cannot be written. Each run ends with one Danish line naming the folder; the published file is
unchanged, nothing half-written is left, and the warehouse stays consistent.

The test makes a real small disk where it can (a tmpfs mounted over the marts folder; the test
machine runs as root, and root is not stopped by file modes, so a read-only mount is the real
"unwritable"). Where mounting is not allowed, it falls back to a writer that fails the way a full
disk does (`shutil.copyfile` raising ENOSPC) and to a folder without write permission.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import subprocess

import pytest
from support.ingest import assert_load_log_invariant, query
from support.ops import redeliver

from pipelines.cli import EXIT_ERROR, main


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mount(folder, options: str) -> bool:
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, check=False)
    return done.returncode == 0


def _umount(folder) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def _folder_bytes(folder) -> int:
    """What the folder takes on a tmpfs: each file in whole 4 KB pages."""
    return sum(-(-p.stat().st_size // 4096) * 4096 for p in folder.rglob("*") if p.is_file())


@contextlib.contextmanager
def _marts_on_a_small_disk(world, tmp_path, monkeypatch):
    """A copy of the world whose marts folder sits on a disk with room for what is there and little
    more; else the fallback writer. Yields (copy, mounted)."""
    copy = world.copy(tmp_path / "copy")
    marts = copy.marts
    kept = tmp_path / "kept-marts"
    shutil.move(marts, kept)
    marts.mkdir()
    size = _folder_bytes(kept) + 256 * 1024
    mounted = _mount(marts, f"size={size},mode=0755")
    try:
        shutil.copytree(kept, marts, dirs_exist_ok=True)
        if not mounted:  # no mount allowed here: the writer fails as a full disk does
            def full_disk(*args, **kwargs):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(args[1]))
            monkeypatch.setattr("pipelines.publish.shutil.copyfile", full_disk)
        yield copy, mounted
    finally:
        if mounted:
            _umount(marts)


def _args(copy) -> list[str]:
    return ["--raw", str(copy.raw), "--warehouse", str(copy.warehouse), "--marts", str(copy.marts)]


def test_a_full_disk_under_the_marts_folder_is_named_and_publishes_nothing(
        world, tmp_path, monkeypatch, capsys):
    with _marts_on_a_small_disk(world, tmp_path, monkeypatch) as (copy, _):
        before = _sha(copy.published)
        history = sorted(p.name for p in (copy.marts / "history").iterdir())
        redeliver(copy.raw, "beskaeftigelse", "rettelse.csv")
        capsys.readouterr()
        assert main(["run", *_args(copy)]) == EXIT_ERROR
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert "ikke plads på disken" in err and str(copy.marts) in err, err
        assert "forrige offentliggørelse er uændret" in err, err
        assert _sha(copy.published) == before
        assert sorted(p.name for p in (copy.marts / "history").iterdir()) == history
        leftovers = [p.name for p in copy.marts.rglob(".*") if p.name != ".gitkeep"]
        assert leftovers == [], leftovers  # nothing half-written takes the little room there is
        assert_load_log_invariant(copy.warehouse)
        assert query(copy.warehouse, "select count(*) from raw.load_log where file_path like '%rettelse%'") == [(1,)]


def test_an_unwritable_marts_folder_is_named_before_anything_is_done(world, tmp_path, capsys):
    copy = world.copy(tmp_path / "copy")
    before = _sha(copy.published)
    loads = query(copy.warehouse, "select count(*) from raw.load_log")
    redeliver(copy.raw, "beskaeftigelse", "rettelse.csv")
    kept = tmp_path / "kept-marts"
    shutil.copytree(copy.marts, kept)
    mounted = _mount(copy.marts, "size=64m")
    try:
        if mounted:  # a read-only disk holding the same published file
            shutil.copytree(kept, copy.marts, dirs_exist_ok=True)
            subprocess.run(["mount", "-o", "remount,ro", str(copy.marts)], check=True)
        else:
            copy.marts.chmod(0o555)
        capsys.readouterr()
        assert main(["run", *_args(copy)]) == EXIT_ERROR
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert str(copy.marts) in err and ("skrivebeskyttet" in err or "skriveadgang" in err), err
        assert _sha(copy.published) == before
        assert query(copy.warehouse, "select count(*) from raw.load_log") == loads  # nothing was begun
    finally:
        if mounted:
            _umount(copy.marts)
        else:
            copy.marts.chmod(0o755)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_every_disk_error_is_one_danish_line_naming_the_folder(tmp_path, code):
    from pipelines.ops.failure import one_line

    target = tmp_path / "marts" / "report" / "index.html"
    line = one_line(OSError(code, os.strerror(code), str(target)))
    assert str(tmp_path / "marts" / "report") in line
    assert os.strerror(code) not in line  # Danish, not the system's English
