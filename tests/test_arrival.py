"""No half-arrived delivery: a file still being written is not loaded, Excel's lock files are not
deliveries, the file-arrival deployment claims each new set of files once, a collapsed month
fails the gate naming its file, and a run with nothing new publishes nothing."""

from __future__ import annotations

import hashlib
import os
import threading
import time

from support.ingest import HEADERS, ingest, load_log, person, query, write_csv
from support.ops import redeliver

from pipelines.cli import EXIT_OK, main
from pipelines.ingest import ingest_all
from pipelines.ops import arrival
from pipelines.quality import run_gate


def _residents(period: str, people: range) -> list[list[str]]:
    return [[period, person(i), "Houlkær", "1", ""] for i in people]


def test_a_growing_file_is_not_loaded_until_it_stands_still(tmp_path, monkeypatch):
    monkeypatch.setenv("HELHEDSPLAN_SETTLE_SECONDS", "1")
    raw, wh = tmp_path / "raw", tmp_path / "wh.duckdb"
    path = write_csv(raw, "beboere", "beboere_2025-06.csv", _residents("2025-06", range(50)),
                     header=HEADERS["beboere"])
    stop = threading.Event()

    def copying() -> None:  # a copy in progress: more rows every tenth of a second
        i = 50
        while not stop.is_set():
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(";".join(_residents("2025-06", range(i, i + 1))[0]) + "\n")
            i += 1
            time.sleep(0.1)

    writer = threading.Thread(target=copying)
    writer.start()
    try:
        summary = ingest(raw, wh)
    finally:
        stop.set()
        writer.join()
    assert [f.outcome for f in summary.files] == ["arriving"]
    assert "UNDERVEJS" in summary.render()
    assert load_log(wh) == []
    assert query(wh, "select count(*) from raw.beboere") == [(0,)]
    past = time.time() - 60  # the copy has ended, a while ago
    os.utime(path, (past, past))
    summary = ingest(raw, wh)
    assert [f.outcome for f in summary.files] == ["loaded"]
    assert summary.files[0].rows_loaded == len(path.read_text(encoding="utf-8").splitlines()) - 1


def test_excel_lock_files_and_partial_downloads_are_not_deliveries(tmp_path):
    raw, wh = tmp_path / "raw", tmp_path / "wh.duckdb"
    write_csv(raw, "beboere", "beboere_2025-06.csv", _residents("2025-06", range(20)),
              header=HEADERS["beboere"])
    (raw / "beboere" / "~$beboere_2025-07.xlsx").write_bytes(b"\x00lock")
    (raw / "beboere" / "beboere_2025-07.csv.part").write_text("periode;cpr\n", encoding="utf-8")
    summary = ingest(raw, wh)
    assert [f.file_path for f in summary.files] == ["beboere/beboere_2025-06.csv"]
    assert [row["file_path"] for row in load_log(wh)] == ["beboere/beboere_2025-06.csv"]


def test_the_arrival_trigger_claims_each_new_set_of_files_once(world, tmp_path, monkeypatch):
    copy = world.copy(tmp_path)
    assert arrival.claim_new_files(copy.raw, copy.warehouse) == []  # all loaded already
    first = redeliver(copy.raw, "beskaeftigelse", "rettelse.csv")
    assert arrival.claim_new_files(copy.raw, copy.warehouse) == [first.relative_to(copy.raw).as_posix()]
    assert arrival.claim_new_files(copy.raw, copy.warehouse) == []  # the same files: no second run
    monkeypatch.setenv("HELHEDSPLAN_SETTLE_SECONDS", "60")
    second = redeliver(copy.raw, "skole", "rettelse.csv", settled=False)
    assert arrival.claim_new_files(copy.raw, copy.warehouse) == []  # still arriving
    past = time.time() - 120
    os.utime(second, (past, past))
    assert arrival.claim_new_files(copy.raw, copy.warehouse) == [second.relative_to(copy.raw).as_posix()]
    assert arrival.claim_new_files(copy.raw, copy.warehouse) == []


def test_a_file_replaced_by_one_of_the_same_size_and_an_old_time_stamp_is_new(world, tmp_path):
    """`cp -p`, rsync -t and Windows Explorer keep the writer's time stamp: a corrected file of the
    same size put in place of a loaded one still starts a run (found by hand on a served sample)."""
    copy = world.copy(tmp_path)
    loaded = max((copy.raw / "beskaeftigelse").glob("*.csv"))
    before = loaded.stat()
    data = bytearray(loaded.read_bytes())
    last = data.rindex(b"\n", 0, len(data) - 1) + 1  # the last data line: one character changed
    data[last] = ord("0") if data[last] != ord("0") else ord("1")
    loaded.write_bytes(bytes(data))
    os.utime(loaded, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert loaded.stat().st_size == before.st_size
    assert arrival.claim_new_files(copy.raw, copy.warehouse) == [loaded.relative_to(copy.raw).as_posix()]
    assert arrival.claim_new_files(copy.raw, copy.warehouse) == []


def test_a_month_whose_rows_collapse_fails_the_gate_naming_the_file(world, tmp_path):
    """A third of the latest resident file, as a run started mid-copy would have read it."""
    copy = world.copy(tmp_path)
    latest = max((copy.raw / "beboere").iterdir())
    lines = latest.read_bytes().splitlines(keepends=True)
    partial = latest.with_name(f"{latest.stem}_rettelse{latest.suffix}")
    partial.write_bytes(b"".join(lines[: 1 + (len(lines) - 1) // 3]))
    past = time.time() - 60
    os.utime(partial, (past, past))
    ingest_all(copy.raw, copy.warehouse, "collapse")
    gate = run_gate(copy.warehouse, tmp_path / "quality", run_id="collapse")
    collapsed = [f for f in gate.failures if f.check == "rows_collapsed"]
    assert not gate.passed and collapsed
    assert any(partial.name in example for example in collapsed[0].examples)
    assert partial.name in gate.summary


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_run_with_nothing_new_rebuilds_and_publishes_nothing(world, tmp_path, capsys):
    copy = world.copy(tmp_path)
    docs = copy.marts / "quality" / "index.html"
    before = (_sha(copy.published), sorted(p.name for p in (copy.marts / "history").iterdir()),
              docs.stat().st_mtime_ns)
    args = ["--raw", str(copy.raw), "--warehouse", str(copy.warehouse), "--marts", str(copy.marts)]
    assert main(["run", *args]) == EXIT_OK
    assert "Intet nyt" in capsys.readouterr().out
    after = (_sha(copy.published), sorted(p.name for p in (copy.marts / "history").iterdir()),
             docs.stat().st_mtime_ns)
    assert after == before  # nothing published, and the gate did not run again


def test_a_report_older_than_the_publication_is_not_nothing_new(world, tmp_path, capsys):
    """The run before published and then failed (a full disk in the report folder, say): its
    report is the one before. With no new file the next run still finishes the work."""
    copy = world.copy(tmp_path)
    report = copy.marts / "report" / "index.html"
    report.parent.mkdir(parents=True)
    report.write_text("<html>forrige rapport</html>", encoding="utf-8")
    published = copy.published.stat().st_mtime
    os.utime(report, (published - 3600, published - 3600))
    args = ["--raw", str(copy.raw), "--warehouse", str(copy.warehouse), "--marts", str(copy.marts)]
    assert main(["run", *args]) == EXIT_OK
    assert "Intet nyt" not in capsys.readouterr().out
    assert "forrige rapport" not in report.read_text(encoding="utf-8")
    assert report.stat().st_mtime >= copy.published.stat().st_mtime
    assert main(["run", *args]) == EXIT_OK  # and then there is nothing new
    assert "Intet nyt" in capsys.readouterr().out
