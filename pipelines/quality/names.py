"""The gate's frame for unknown names: an area or afdeling in a current delivery that the plan
does not have (config/areas.yml) would otherwise become a new published area. Each unknown name is
a warning; above `max_unknown_name_share` of its file's rows it blocks publishing."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from pipelines.settings import CONFIG_DIR


def areas_file() -> Path:
    """config/areas.yml, or the file HELHEDSPLAN_AREAS names (another plan, the benchmark's areas)."""
    return Path(os.environ.get("HELHEDSPLAN_AREAS") or CONFIG_DIR / "areas.yml")


def known_names(path: Path | None = None) -> pd.DataFrame:
    """(kind, area, name) of every configured area (`område`) and afdeling."""
    with open(path or areas_file(), encoding="utf-8") as handle:
        areas = (yaml.safe_load(handle) or {}).get("areas") or {}
    rows = [("område", None, area) for area in areas]
    rows += [("afdeling", area, str(afdeling)) for area, afdelinger in areas.items() for afdeling in afdelinger or []]
    return pd.DataFrame(rows, columns=["kind", "area", "name"])


def delivery_names(ctx) -> pd.DataFrame:
    """One row per name (area, or afdeling within its area) in each file that currently supplies a
    period of beboere or deltagelse: its rows, their share of the file's rows, and whether it is known."""
    ctx.con.register("known_names", known_names())
    try:
        return ctx.con.execute(
            """
            with current_loads as (select distinct load_id from audit.audit_current_deliveries),
            named as (
                select 'beboere' as source, load_id, 'område' as kind, null as area, boligomraade as name
                from raw.beboere where load_id in (select load_id from current_loads)
                union all
                select 'beboere', load_id, 'afdeling', boligomraade, afdeling
                from raw.beboere where load_id in (select load_id from current_loads)
                union all
                select 'deltagelse', load_id, 'område', null, boligomraade
                from raw.deltagelse where load_id in (select load_id from current_loads)
            ),
            file_rows as (
                select load_id, count(*) as file_rows from named where kind = 'område' group by load_id
            ),
            counted as (
                select source, load_id, kind, area, name, count(*) as rows
                from named group by all
            )
            select l.file_path, c.source, c.kind, c.area, c.name, c.rows,
                   c.rows / f.file_rows as share_of_file,
                   k.name is not null as is_known
            from counted as c
            join file_rows as f using (load_id)
            join raw.load_log as l using (load_id)
            left join known_names as k
                on k.kind = c.kind and k.name = c.name and k.area is not distinct from c.area
            -- the afdelinger of an unknown area are named through their area, once
            where c.kind = 'område' or c.area in (select name from known_names where kind = 'område')
            order by l.file_path, c.kind, c.name
            """
        ).df()
    finally:
        ctx.con.unregister("known_names")
