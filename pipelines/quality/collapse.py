"""The gate's frame for collapsed deliveries: a source's rows for a period far below the period
before it (a half-copied file, a one-row file) fail the gate, naming the file that supplies it.

The share each source's period must reach of the previous period is `min_rows_share_of_previous`
in config/quality.yml (per source: activity attendance varies with the season far more than the
resident register does).
"""

from __future__ import annotations

import pandas as pd

from pipelines.catalogue import source_names


def min_shares(config: dict) -> dict[str, float]:
    shares = config["min_rows_share_of_previous"]
    return {source: float(shares.get(source, shares.get("default", 0))) for source in source_names()}


def delivery_volumes(ctx) -> pd.DataFrame:
    """One row per (source, period) currently supplied: its rows, the previous period's, the share
    and the least share allowed (the current deliveries are dbt's audit_current_deliveries)."""
    shares = pd.DataFrame(list(min_shares(ctx.config).items()), columns=["source", "min_share"])
    ctx.con.register("min_shares", shares)
    try:
        return ctx.con.execute(
            """
            with supplied as (
                select c.source, c.period, c.period_start, c.rows_loaded, l.file_path
                from audit.audit_current_deliveries as c join raw.load_log as l using (load_id)
            ),
            with_previous as (
                select *,
                    lag(rows_loaded) over (partition by source order by period_start) as previous_rows,
                    lag(period) over (partition by source order by period_start) as previous_period
                from supplied
            )
            select w.source, w.period, w.file_path, w.rows_loaded, w.previous_rows, w.previous_period,
                   w.rows_loaded / nullif(w.previous_rows, 0) as share_of_previous, m.min_share
            from with_previous as w join min_shares as m using (source)
            order by w.source, w.period_start
            """
        ).df()
    finally:
        ctx.con.unregister("min_shares")
