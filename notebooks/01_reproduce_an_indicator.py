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
# # 1. Genberegn en indikator / Reproduce an indicator
#
# Recompute a published yearly value from its published months, and see what a suppressed month
# does to that recomputation. Only the published file is read, read-only.
#
# The file: the first argument when run as a script
# (`.venv/bin/python notebooks/01_reproduce_an_indicator.py path/to/helhedsplan.duckdb`), else
# `$HELHEDSPLAN_PUBLISHED`, else `data/marts/helhedsplan.duckdb` of this repository. Open it in Jupyter with jupytext, or convert
# it: `.venv/bin/jupytext --to notebook notebooks/01_reproduce_an_indicator.py`.

# %%
import os
import sys
from pathlib import Path

import duckdb

from pipelines.settings import default_paths


def published_file() -> Path:
    if "ipykernel" not in sys.modules and len(sys.argv) > 1:  # a kernel's argv is its own
        return Path(sys.argv[1])
    if os.environ.get("HELHEDSPLAN_PUBLISHED"):
        return Path(os.environ["HELHEDSPLAN_PUBLISHED"])
    return default_paths().published


published = published_file()
con = duckdb.connect(str(published), read_only=True)
print(published)

# %% [markdown]
# ## Read-only
# The connection cannot change the published file.

# %%
try:
    con.execute("create table scratch as select 1 as x")
    raise AssertionError("a read-only connection accepted a write")
except duckdb.Error as error:
    print("write refused:", type(error).__name__)

# %% [markdown]
# ## The indicators a year can be recomputed for
# A *flow* indicator with monthly grain publishes each year's numerator and denominator as the
# sums over its months (person-months) and the value as their ratio times `factor`. The stock
# (`S_AKTIVE_FRIVILLIGE`) shows a month instead, and `U_DANSK_MAT_02` is yearly only.

# %%
flows = con.sql(
    "select indicator_id, name_da, factor from indicators "
    "where aggregation = 'flow' and grain = 'month' order by indicator_id"
).df()
print(flows.to_string(index=False))
assert len(flows) > 0

# %% [markdown]
# ## One indicator, one year, by hand
# `B_BESKAEFTIGELSE` for the whole plan (`area = 'all'`, `sex = 'all'`): the latest complete
# year whose months are all published (none suppressed).

# %%
INDICATOR = "B_BESKAEFTIGELSE"
months = con.execute(
    """
    select left(period, 4) as year, period, numerator, denominator, value, is_suppressed
    from indicator_values
    where indicator_id = ? and area = 'all' and sex = 'all' and period_type = 'month'
    order by period
    """,
    [INDICATOR],
).df()
years = con.execute(
    """
    select period as year, numerator, denominator, value, is_suppressed, is_complete
    from indicator_values
    where indicator_id = ? and area = 'all' and sex = 'all' and period_type = 'year'
    order by period
    """,
    [INDICATOR],
).df()
factor = float(flows.set_index("indicator_id").loc[INDICATOR, "factor"])

complete = dict(zip(years["year"], years["is_complete"] & ~years["is_suppressed"], strict=True))
clean = [
    y for y, group in months.groupby("year")
    if not group["is_suppressed"].any() and y in set(years.loc[~years["is_suppressed"], "year"])
]
assert clean, f"no year of {INDICATOR} without a suppressed month"
year = max(clean, key=lambda y: (complete[y], y))  # a complete year if there is one
its_months = months[months["year"] == year]
print(its_months.to_string(index=False))

numerator, denominator = its_months["numerator"].sum(), its_months["denominator"].sum()
recomputed = numerator / denominator * factor
published_year = years.set_index("year").loc[year]
print(f"{INDICATOR} {year}: recomputed {recomputed:.4f} = {numerator:.0f} / {denominator:.0f}"
      f" × {factor:g}; published {published_year['value']:.4f} ({len(its_months)} months)")
assert numerator == published_year["numerator"] and denominator == published_year["denominator"]
assert abs(recomputed - published_year["value"]) < 1e-9

# %% [markdown]
# ## Every year of every flow indicator, area and sex
# Where none of a year's months is suppressed, its numerator and denominator are the sums of its
# months' and its value their ratio.

# %%
recompute = con.sql(
    """
    with months as (
        select v.indicator_id, v.area, v.sex, left(v.period, 4) as year, i.factor,
               count(*) as months,
               count(*) filter (where v.is_suppressed) as suppressed_months,
               sum(v.numerator) as numerator, sum(v.denominator) as denominator
        from indicator_values as v
        inner join indicators as i using (indicator_id)
        where v.period_type = 'month' and i.aggregation = 'flow' and i.grain = 'month'
        group by all
    )
    select m.*, y.numerator as published_numerator, y.denominator as published_denominator,
           y.value as published_value, y.is_suppressed as year_suppressed
    from months as m
    inner join indicator_values as y
        on y.period_type = 'year' and y.period = m.year
        and (y.indicator_id, y.area, y.sex) = (m.indicator_id, m.area, m.sex)
    """
).df()
unsuppressed = recompute[(recompute["suppressed_months"] == 0) & ~recompute["year_suppressed"]]
value = unsuppressed["numerator"] / unsuppressed["denominator"] * unsuppressed["factor"]
mismatch = (
    (unsuppressed["numerator"] - unsuppressed["published_numerator"]).abs().gt(1e-9)
    | (unsuppressed["denominator"] - unsuppressed["published_denominator"]).abs().gt(1e-9)
    | ~((value - unsuppressed["published_value"]).abs().lt(1e-9)
        | (value.isna() & unsuppressed["published_value"].isna()))
)
print(f"years recomputed from their months: {len(unsuppressed)}, mismatches: {int(mismatch.sum())}")
assert len(unsuppressed) > 0 and not mismatch.any()

# %% [markdown]
# ## Skjulte måneder / Suppressed months
# A suppressed month keeps its row with `numerator`, `denominator` and `value` NULL. SQL's `SUM`
# silently skips NULLs, so summing the published months of a year with a suppressed month gives a
# number that looks like the year's but leaves that month's persons out. The published year is
# computed from all months (before disclosure control), so it is right; it cannot be recomputed
# from the published months. The correct handling is to refuse: no recomputed value when any
# month is suppressed (`count(*) filter (where is_suppressed) > 0` flags it).

# %%
handled = con.sql(
    """
    select v.indicator_id, v.area, v.sex, left(v.period, 4) as year,
           count(*) filter (where v.is_suppressed) as suppressed_months,
           sum(v.numerator) as naive_numerator,           -- skips the suppressed months
           sum(v.denominator) as naive_denominator,
           case when count(*) filter (where v.is_suppressed) = 0
                then sum(v.numerator) end as numerator,    -- NULL: not recomputable
           case when count(*) filter (where v.is_suppressed) = 0
                then sum(v.denominator) end as denominator
    from indicator_values as v
    inner join indicators as i using (indicator_id)
    where v.period_type = 'month' and i.aggregation = 'flow' and i.grain = 'month'
    group by all
    """
).df()
cases = handled[handled["suppressed_months"] > 0].merge(
    recompute[~recompute["year_suppressed"]][
        ["indicator_id", "area", "sex", "year", "published_numerator", "published_denominator"]
    ],
    on=["indicator_id", "area", "sex", "year"],
)
print(f"published years with at least one suppressed month: {len(cases)}")
assert len(cases) > 0, "no published year with a suppressed month to show"
# the right handling flags every one of them instead of returning a number
assert cases["numerator"].isna().all() and cases["denominator"].isna().all()
# the naive sums leave persons out: never more than the published year, and less where the
# hidden months had anybody in them
assert (cases["naive_denominator"].fillna(0) <= cases["published_denominator"] + 1e-9).all()
assert (cases["naive_numerator"].fillna(0) <= cases["published_numerator"] + 1e-9).all()
left_out = cases["published_denominator"] - cases["naive_denominator"].fillna(0)
differs = cases[left_out.abs() > 1e-9]
assert len(differs) > 0, "the naive SUM equals the published year everywhere"
example = differs.sort_values(["indicator_id", "year", "area", "sex"]).iloc[0]
print(
    f"e.g. {example['indicator_id']} {example['year']} {example['area']}/{example['sex']}: "
    f"{example['suppressed_months']} suppressed month(s); naive SUM "
    f"{example['naive_numerator']:.0f} / {example['naive_denominator']:.0f}, published "
    f"{example['published_numerator']:.0f} / {example['published_denominator']:.0f}"
)
print(f"naive SUM differs from the published year in {len(differs)} of {len(cases)} cases")

# %% [markdown]
# ## Incomplete years
# `is_complete` is false for a year with a month outside the panel or without a current delivery:
# such a year is published but covers fewer months. Check it before comparing years.

# %%
print(years[["year", "value", "is_complete"]].to_string(index=False))
con.close()
