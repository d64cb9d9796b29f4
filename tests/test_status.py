"""`helhedsplan status` on a copy of the test world: a month whose residents arrived but whose
other deliveries did not, a file not loaded yet, a rejected file, and the publication."""

from __future__ import annotations

import os
import time

from support.ingest import HEADERS, person, write_csv, write_text

from pipelines.cli import EXIT_OK, main
from pipelines.ingest import ingest_all
from pipelines.transform import build


def _settled(path) -> None:
    past = time.time() - 60
    os.utime(path, (past, past))


def test_status_reports_missing_deliveries_unloaded_and_rejected_files(world, tmp_path, capsys):
    copy = world.copy(tmp_path)
    # September's residents arrived and were built; its other deliveries did not
    _settled(write_csv(copy.raw, "beboere", "beboere_2025-09.csv",
                       [["2025-09", person(i), "Houlkær", "1", ""] for i in range(40)],
                       header=HEADERS["beboere"]))
    _settled(write_text(copy.raw, "skole", "skole_uden_overskrift.csv", ["1;2;3"]))
    ingest_all(copy.raw, copy.warehouse, "status-test")
    build(copy.warehouse)
    waiting = write_csv(copy.raw, "beskaeftigelse", "beskaeftigelse_2025-09.csv", [["2025-09", person(1), "job"]],
                        header=HEADERS["beskaeftigelse"])
    _settled(waiting)
    capsys.readouterr()
    assert main(["status", "--raw", str(copy.raw), "--warehouse", str(copy.warehouse),
                 "--marts", str(copy.marts)]) == EXIT_OK
    out = capsys.readouterr().out
    sections = dict(part.split(":\n", 1) for part in out.split("\n\n")[1:])
    missing = sections["Manglende leverancer i de seneste 3 måneder"]
    assert "beskaeftigelse 2025-09: mangler" in missing and "deltagelse 2025-09: mangler" in missing
    assert "beboere 2025-09" not in missing
    assert "beskaeftigelse/beskaeftigelse_2025-09.csv: ikke indlæst endnu" in sections[
        "Filer i leverancemappen, der ikke er indlæst"]
    assert "skole/skole_uden_overskrift.csv" in sections["Afviste filer (seneste forsøg)"]
    assert "data til og med august 2025" in sections["Offentliggjort"]
    assert "status-t" in sections["Seneste kørsler"] and "ikke offentliggjort" in sections["Seneste kørsler"]
