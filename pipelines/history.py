"""`helhedsplan history`: the publications an evaluator can go back to, newest last: when, by
which run and code version, up to which data month, the gate's result and the dated copy in
`history/` (read from the published file's `pipeline_runs`, and each copy's own figures)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.report.format import month_text


def publications(marts: Path) -> list[dict]:
    published = marts / "helhedsplan.duckdb"
    if not published.exists():
        raise RuntimeError(f"ingen offentliggjort fil i {published}; kør 'helhedsplan run' først")
    with duckdb.connect(str(published), read_only=True) as con:
        rel = con.execute(
            "select run_id, published_at, code_version, gate_passed, gate_checks, gate_warnings, "
            "published_copy from pipeline_runs order by published_at"
        )
        names = [d[0] for d in rel.description]
        rows = [dict(zip(names, row, strict=True)) for row in rel.fetchall()]
    for row in rows:
        copy = marts / "history" / row["published_copy"]
        row["copy"] = copy if copy.exists() else None
        row["data_month"] = _data_month(copy) if copy.exists() else None
    return rows


def _data_month(copy: Path) -> str | None:
    with duckdb.connect(str(copy), read_only=True) as con:
        return con.execute(
            "select max(period) from indicator_values where period_type = 'month'"
        ).fetchone()[0]


def render(rows: list[dict]) -> str:
    lines = [f"Offentliggørelser ({len(rows)}), ældste først:"]
    for row in rows:
        gate = "bestået" if row["gate_passed"] else "ikke bestået"
        month = month_text(row["data_month"]) if row["data_month"] else "ukendt"
        copy = f"history/{row['published_copy']}" if row["copy"] else "kopien er slettet"
        lines.append(
            f"  {row['published_at']:%d-%m-%Y kl. %H:%M} UTC  kørsel {row['run_id'][:8]}  "
            f"kode {row['code_version']}  data til og med {month}  kontrol {gate} "
            f"({row['gate_checks']} kontroller, {row['gate_warnings']} advarsler)  {copy}"
        )
    return "\n".join(lines)
