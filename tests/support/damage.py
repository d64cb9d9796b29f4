"""Changes the gate's and publishing's tests make to a copy of the test world's warehouse: a
further delivery as ingest would log it, a month taken away, a published cell changed or hidden,
and finders for cells of a given kind (so no test depends on the sample's exact figures)."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines import catalogue

CELL = ("indicator_id", "period_type", "period", "area", "sex")


def delaftale_of(indicator_id: str) -> str:
    return catalogue.indicator(indicator_id).delaftale


def factor_of(indicator_id: str) -> float:
    return catalogue.indicator(indicator_id).factor


def _log_file(con: duckdb.DuckDBPyConnection, source: str, path: str, **fields) -> int:
    """One raw.load_log row as ingest writes it; `fields` override the defaults. Returns its load_id."""
    load_id = con.execute("select max(load_id) + 1 from raw.load_log").fetchone()[0]
    row = {
        "load_id": load_id, "run_id": "test-run", "source": source, "file_path": path,
        "size_bytes": 1000, "file_format": "csv;utf-8;,", "outcome": "loaded", "rows_read": 0,
        "rows_loaded": 0, "rows_quarantined": 0, "rows_duplicate": 0, "periods": [],
        "period_hint": None, "message": None, "rows_aliased": 0, **fields,
    }
    columns = ", ".join(f"${name} as {name}" for name in row)
    con.execute(
        f"insert into raw.load_log by name select {columns}, sha256($file_path) as sha256,"
        " now()::timestamp as loaded_at",
        row,
    )
    return load_id


def add_file(
    con: duckdb.DuckDBPyConnection, source: str, month: date, quarantined_share: float
) -> str:
    """A later delivery of `source` for `month`, logged as ingest logs a loaded file that now
    supplies the month: it holds as many rows as the delivery it replaces (so no collapse) plus
    quarantined rows making `quarantined_share` of the rows read; returns its path."""
    period = month.strftime("%Y-%m")
    (held,) = con.execute(
        "select rows_loaded from raw.period_log where source = ? and period = ? "
        "order by loaded_at desc limit 1",
        [source, period],
    ).fetchone()
    quarantined = round(held * quarantined_share / (1 - quarantined_share))
    path = f"{source}/{source}_{period}_rettet.csv"
    load_id = _log_file(con, source, path, rows_read=held + quarantined, rows_loaded=held,
                        rows_quarantined=quarantined, periods=[period], period_hint=period)
    con.execute(
        "insert into raw.period_log by name select ? as source, ? as period, ? as period_start,"
        " ? as load_id, ? as rows_loaded, null as replaced_load_id, now()::timestamp as loaded_at",
        [source, period, month, load_id, held],
    )
    con.execute(
        """
        insert into raw.quarantine by name
        select ? as load_id, ? as source, ? as file_path, 2 + i as source_row, ? as period,
               'status' as column_name, 'status: ukendt statuskode' as reason,
               now()::timestamp as quarantined_at
        from range(?) as t(i)
        """,
        [load_id, source, path, period, quarantined],
    )
    return path


def add_rejected_file(con: duckdb.DuckDBPyConnection, source: str, path: str) -> None:
    _log_file(con, source, path, size_bytes=10, file_format="xlsx", outcome="rejected",
              message="mangler kolonnen cpr")


def drop_month(con: duckdb.DuckDBPyConnection, source: str, month: date) -> None:
    con.execute(f"delete from raw.{source} where period_start = ?", [month])
    con.execute("delete from raw.period_log where source = ? and period_start = ?", [source, month])


def latest_month(con: duckdb.DuckDBPyConnection, source: str) -> date:
    return con.execute(f"select max(period_start) from raw.{source}").fetchone()[0]


def _marts(indicator_id: str, unsuppressed: bool) -> list[str]:
    tables = ["indicator_values", f"mart_{delaftale_of(indicator_id)}"]
    return tables + ["indicator_values_unsuppressed"] if unsuppressed else tables


def _where(cell: dict) -> tuple[str, dict]:
    return " and ".join(f"{c} = ${c}" for c in cell), dict(cell)


def set_numerator(con: duckdb.DuckDBPyConnection, cell: dict, numerator: float) -> None:
    """A real change of a month cell: its numerator in every mart that holds it, value following."""
    where, params = _where(cell)
    for table in _marts(cell["indicator_id"], unsuppressed=True):
        con.execute(
            f"update marts.{table} set numerator = $n, value = $n / denominator * $f where {where}",
            {**params, "n": numerator, "f": factor_of(cell["indicator_id"])},
        )


def suppress(con: duckdb.DuckDBPyConnection, indicator_id: str, period: str, **cell) -> None:
    """Hide the cells of `period` (every area and sex, or those named) in indicator_values and
    the indicator's delaftale mart, as disclosure control publishes a hidden cell."""
    where, params = _where({"indicator_id": indicator_id, "period": period, **cell})
    for table in _marts(indicator_id, unsuppressed=False):
        con.execute(
            f"update marts.{table} set is_suppressed = true, numerator = null, "
            f"denominator = null, value = null where {where}",
            params,
        )
    if cell.get("sex", "all") == "all":  # an area's hidden cell hides its afdelinger too (a group)
        where, params = _where({"indicator_id": indicator_id, "period": period,
                                **{k: v for k, v in cell.items() if k == "area"}})
        con.execute(
            "update marts.indicator_values_afdeling set is_suppressed = true, numerator = null, "
            f"denominator = null, value = null where {where}",
            params,
        )


def cells(con: duckdb.DuckDBPyConnection, sql_where: str, params: list | None = None) -> list[dict]:
    """Published cells (with their unsuppressed persons) matching `sql_where`, in key order."""
    frame = con.execute(
        f"""
        select v.*, u.persons, u.persons_in_numerator
        from marts.indicator_values as v
        join marts.indicator_values_unsuppressed as u using ({", ".join(CELL)})
        where {sql_where}
        order by {", ".join(CELL)}
        """,
        params or [],
    ).df()
    return frame.to_dict("records")


def key(cell: dict) -> dict:
    return {c: cell[c] for c in CELL}


def fully_published_periods(
    con: duckdb.DuckDBPyConnection, indicator_id: str, period_type: str
) -> list[str]:
    """Periods of an indicator in which no cell is hidden."""
    return [
        row[0]
        for row in con.execute(
            "select period from marts.indicator_values where indicator_id = ? and period_type = ?"
            " group by period having not bool_or(is_suppressed) order by min(period_start)",
            [indicator_id, period_type],
        ).fetchall()
    ]


def cell_combinations(con: duckdb.DuckDBPyConnection, indicator_id: str) -> int:
    """How many (area, sex) cells one period of an indicator has."""
    return con.execute(
        "select count(distinct (area, sex)) from marts.indicator_values where indicator_id = ?",
        [indicator_id],
    ).fetchone()[0]
