"""The board pack: one A4 PDF through kaleido and Chromium, and a clear message without Chromium."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from support.report import copy_published, query

from pipelines.report import build_pdf
from pipelines.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def published(world, tmp_path_factory):
    return copy_published(world.published, tmp_path_factory.mktemp("pdf"))


def test_board_pack_is_one_pdf_with_a_page_per_indicator(published, tmp_path):
    out = build_pdf(published, tmp_path / "pack" / "helhedsplan.pdf")
    assert out == tmp_path / "pack" / "helhedsplan.pdf"
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-z])", data))
    indicators = query(published, "select count(*) from indicators")[0][0]
    assert pages >= indicators + 3  # overview, progress, one per indicator, data status
    assert [p.name for p in out.parent.iterdir()] == ["helhedsplan.pdf"]  # no temp file left


def test_pdf_without_chromium_says_so(published, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    with pytest.raises(RuntimeError, match="Chromium ikke fundet"):
        build_pdf(published, tmp_path / "helhedsplan.pdf")
    assert not (tmp_path / "helhedsplan.pdf").exists()


def test_install_script_is_quiet_when_chromium_is_there():
    assert Path("/usr/bin/chromium").exists()
    done = subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "install-chromium.sh")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
