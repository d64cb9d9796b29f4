"""The repository holds sources only: build output never makes a clean checkout look modified
(every publication records `code_version`, which ends in `-dirty` for a modified checkout)."""

from __future__ import annotations

import subprocess

from pipelines.settings import PROJECT_ROOT


def _git(*args: str, cwd=PROJECT_ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_installing_a_clean_clone_leaves_it_unmodified(tmp_path):
    clone = tmp_path / "clone"
    _git("clone", "--quiet", "--no-hardlinks", str(PROJECT_ROOT), str(clone))
    # what `make install` (an editable build by setuptools) writes into the source tree
    egg_info = clone / "helhedsplan.egg-info"
    egg_info.mkdir(exist_ok=True)
    for name in ("PKG-INFO", "SOURCES.txt", "top_level.txt"):
        (egg_info / name).write_text("written by the build\n")
    assert _git("status", "--porcelain", cwd=clone) == ""
    assert not [path for path in _git("ls-files", cwd=clone).splitlines() if ".egg-info/" in path]
