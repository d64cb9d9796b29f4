"""No CPR number reaches the warehouse file, the logs or the run summary, whatever the deliveries hold."""

from __future__ import annotations

import datetime as dt
import logging
import re

import duckdb
from support.ingest import HEADERS, cpr10, form, ingest, write_csv, write_text, write_xlsx

CPR_SHAPED = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)|(?<!\d)\d{9}(?!\d)")
HEX_COLUMNS = {"person_id", "sha256"}  # 64 hex digits: may hold digit runs by chance, checked for shape instead


def _numbers() -> list[str]:
    born = [dt.date(1950, 1, 3) + dt.timedelta(days=811 * i) for i in range(12)]
    return [cpr10(b, serial=31 * i + 1) for i, b in enumerate(born)]


def _deliveries(raw) -> list[str]:
    """Deliveries of every source with valid, invalid, conflicting and unreadable content; returns every
    CPR-like string written, in each written form."""
    n = _numbers()
    impossible = f"{31:02d}{2:02d}{80:02d}" + n[0][6:]  # 31 February
    written = [*n, impossible]
    write_csv(raw, "beboere", "beboere_2024-01.csv", [
        ["2024-01", form(n[0]), "Houlkær", "1", ""],
        ["2024-01", form(n[1], "digits"), "Houlkær", "1", ""],
        ["2024-01", form(n[1], "digits"), "Ellekonebakken", "1", ""],        # conflict
        ["2024-01", impossible, "Houlkær", "1", ""],                          # invalid date
        ["2024-01", form(n[2])[:-1], "Houlkær", "1", ""],                     # wrong length
        ["2024-01", form(n[3]), "", "1", ""],                                 # missing area
        ["2024-01", form(n[4]), "Houlkær", "1", "", "overflow"],              # too many fields
    ])
    write_text(raw, "beboere", "beboere_2024-02.csv", [f"2024-02;{form(n[5])};Houlkær;1"])  # no header
    write_text(raw, "beboere", "beboere_2024-03.csv", [f"periode;{form(n[6])};afdeling", "2024-03;x;1"])
    write_csv(raw, "beskaeftigelse", "b.csv", [["2024-01", form(n[7]), "månelanding"],
                                                ["2024-01", form(n[8]), "dagpenge"],
                                                ["2024-01", form(n[8]), "fleksjob"]])
    write_csv(raw, "skole", "s.csv", [["2024-01", form(n[9]), "Skole", "3", "20", "21"],
                                       ["2024-01", form(n[9]), "Skole", "3", "20", form(n[9], "digits")]])
    write_csv(raw, "karakterer", "k.csv", [["2023/24", form(n[10]), "dansk", "7"], ["2023/24", form(n[10]), "dansk", "4"]])
    nine = cpr10(dt.date(1977, 5, 6), serial=4)
    written.append(nine)
    write_xlsx(raw, "deltagelse", "d.xlsx", HEADERS["deltagelse"] + [int(nine)], [
        [dt.date(2024, 1, 2), "A", "Café", "U", "Houlkær", None, int(nine), "deltager", int(nine)],
        [dt.date(2024, 1, 2), "A", "Café", "Q", "Houlkær", None, form(n[11]), "deltager"],
        [dt.date(2024, 1, 2), "A", "Café", "U", "Houlkær", None, int(n[11]) * 10, "deltager"],
    ])
    write_xlsx(raw, "deltagelse", "e.xlsx", [int(nine), "dato"], [[1, 2]])
    return written


def _forms(numbers: list[str]) -> set[str]:
    out = set()
    for n in numbers:
        out |= {n, n[:6] + "-" + n[6:], n.lstrip("0"), n[1:]}
    return out


def test_no_cpr_in_warehouse_logs_or_summary(tmp_path, caplog):
    raw, wh = tmp_path / "raw", tmp_path / "wh.duckdb"
    written = _deliveries(raw)
    with caplog.at_level(logging.DEBUG):
        summary = ingest(raw, wh)
    outcomes = {f.file_path: f.outcome for f in summary.files}
    assert "rejected" in outcomes.values() and "loaded" in outcomes.values()

    found = []
    with duckdb.connect(str(wh), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        assert len(tables) >= 9
        for schema, table in tables:
            columns = con.execute("select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
                                  [schema, table]).fetchall()
            for (column,) in columns:
                values = [v for (v,) in con.execute(f'select distinct "{column}"::varchar from {schema}.{table}').fetchall()
                          if v is not None]
                if column in HEX_COLUMNS:
                    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in values), (table, column)
                    found += [(table, column) for v in values if any(f in v for f in _forms(written) if len(f) >= 9)]
                else:
                    found += [(table, column, v) for v in values if CPR_SHAPED.search(v)]
                    found += [(table, column) for v in values if any(f in v for f in _forms(written))]
    assert found == []

    # nor in the file's bytes (the connection holding raw CPR numbers is in memory)
    data = wh.read_bytes()
    assert not [f for f in _forms(written) if f.encode() in data]

    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records) + summary.render()
    logged += "\n".join(str(f.as_dict()) for f in summary.files)
    assert not CPR_SHAPED.search(logged), CPR_SHAPED.findall(logged)
    assert not [f for f in _forms(written) if f in logged]
    assert caplog.records, "the rejected files are logged"
