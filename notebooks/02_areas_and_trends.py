# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Områder og udvikling / Areas and trends
#
# One delaftale's indicators per quarter, one line per housing area, with Plotly. Read from the
# delaftale's mart in the published file, read-only.
#
# The file: the first argument when run as a script, else `$HELHEDSPLAN_PUBLISHED`, else
# `data/marts/helhedsplan.duckdb` of this repository; the delaftale: `$HELHEDSPLAN_DELAFTALE`
# (default `beskaeftigelse`). Open in Jupyter with jupytext, or
# `.venv/bin/jupytext --to notebook notebooks/02_areas_and_trends.py`.

# %%
import os
import sys
from pathlib import Path

import duckdb
import pandas as pd
import plotly.express as px

from pipelines.report.format import AREA_ALL_LABEL
from pipelines.settings import default_paths


def published_file() -> Path:
    if "ipykernel" not in sys.modules and len(sys.argv) > 1:  # a kernel's argv is its own
        return Path(sys.argv[1])
    if os.environ.get("HELHEDSPLAN_PUBLISHED"):
        return Path(os.environ["HELHEDSPLAN_PUBLISHED"])
    return default_paths().published


published = published_file()
DELAFTALE = os.environ.get("HELHEDSPLAN_DELAFTALE", "beskaeftigelse")
con = duckdb.connect(str(published), read_only=True)

# %% [markdown]
# ## The delaftale's indicators

# %%
indicators = con.execute(
    "select indicator_id, name_da, unit_da, factor, direction, grain from indicators "
    "where delaftale = ? order by indicator_id",
    [DELAFTALE],
).df()
print(indicators.to_string(index=False))
assert len(indicators) > 0, f"no indicators in delaftale {DELAFTALE!r}"

# %% [markdown]
# ## Quarters per area
# Each delaftale has its own mart (`mart_<delaftale>`) with the columns of `indicator_values`.
# Sex `all`, every area (the whole plan `all` included), quarters (years for a yearly indicator).

# %%
mart = f"mart_{DELAFTALE}"
assert con.execute(
    "select count(*) from duckdb_tables() where table_name = ?", [mart]
).fetchone()[0] == 1, f"no table {mart}"
values = con.execute(
    f"""
    select v.indicator_id, i.name_da, v.period, v.period_start, v.area, v.value,
           v.is_suppressed, v.is_complete
    from {mart} as v
    inner join indicators as i using (indicator_id)
    where v.sex = 'all'
      and v.period_type = case i.grain when 'year' then 'year' else 'quarter' end
    order by v.indicator_id, v.area, v.period_start
    """
).df()
areas = sorted(values["area"].unique())
print(f"{len(values)} cells, areas: {', '.join(areas)}")
assert set(values["indicator_id"]) == set(indicators["indicator_id"])

# %% [markdown]
# ## Skjulte tal / The suppression caveat
# A suppressed cell (fewer than 5 persons, or hidden so that it cannot be recovered from its
# neighbours) keeps its row with `value` NULL. It is **not zero**: the chart leaves a gap there,
# and a small area's line has more gaps than a large one. A trend read across a gap compares
# different quarters' populations; hidden quarters are counted below per area.

# %%
hidden = (
    values.groupby(["indicator_id", "area"])["is_suppressed"].agg(["sum", "size"])
    .rename(columns={"sum": "suppressed", "size": "cells"}).reset_index()
)
print(hidden[hidden["suppressed"] > 0].to_string(index=False))
assert values.loc[values["is_suppressed"], "value"].isna().all()  # hidden is NULL, never a number

# %%
labels = {row.indicator_id: f"{row.name_da} ({row.unit_da})" for row in indicators.itertuples()}
area_labels = {area: AREA_ALL_LABEL if area == "all" else area for area in areas}
plot = values.assign(
    indicator=values["indicator_id"].map(labels), area=values["area"].map(area_labels)
)
fig = px.line(
    plot, x="period_start", y="value", color="area", facet_row="indicator",
    markers=True, category_orders={"indicator": [labels[i] for i in indicators["indicator_id"]]},
    labels={"period_start": "Kvartal", "value": "", "area": "Område"},
    hover_data={"period": True, "is_complete": True, "period_start": False},
    height=320 * len(indicators),
)
fig.update_traces(connectgaps=False)  # a suppressed quarter is a gap, not a line through it
fig.update_yaxes(matches=None)
fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
fig.add_annotation(
    text="Huller i linjerne er skjulte tal (diskretionering), ikke nul.",
    xref="paper", yref="paper", x=0, y=-0.08, showarrow=False, xanchor="left",
)

# %% [markdown]
# ## What the chart holds
# One line per indicator and area, its points the mart's cells in order, a gap (no value)
# exactly where a cell is suppressed.

# %%
assert len(fig.data) == len(indicators) * len(areas), (len(fig.data), len(indicators), len(areas))
gaps = 0
for trace in fig.data:
    indicator = next(i for i, label in labels.items() if f"={label}" in trace.hovertemplate)
    area = next(a for a, label in area_labels.items() if label == trace.name)
    cells = values[(values["indicator_id"] == indicator) & (values["area"] == area)]
    y = pd.Series(trace.y, dtype="float64")
    assert len(y) == len(cells)
    assert (y.isna().to_numpy() == cells["value"].isna().to_numpy()).all()
    assert (y.dropna().to_numpy() == cells["value"].dropna().to_numpy()).all()
    assert not trace.connectgaps
    gaps += int(cells["is_suppressed"].sum())
print(f"{len(fig.data)} lines, {gaps} suppressed cells shown as gaps")
assert gaps == int(values["is_suppressed"].sum())

# %% [markdown]
# ## The chart
# Shown in Jupyter as Plotly's own output (no plotly.js fetched from the internet); run as a
# script, the figure is built and checked but not opened.

# %%
if "ipykernel" in sys.modules:
    fig.show(renderer="plotly_mimetype")
con.close()
