# %% [markdown]
# # Evaluator walk-through: query, recompute and trace the published indicators
#
# Run as a script (`.venv/bin/python notebooks/evaluator_walkthrough.py [published.duckdb]`) or open
# in Jupyter/VS Code as a percent-format notebook. It only reads the published file, read-only:
# the script's argument, else `$HELHEDSPLAN_PUBLISHED`, else `data/marts/helhedsplan.duckdb`.

# %%
import os
import sys
from pathlib import Path

import duckdb

from pipelines.settings import default_paths

if "ipykernel" not in sys.modules and len(sys.argv) > 1:  # a kernel's argv is its own
    published = Path(sys.argv[1])
elif os.environ.get("HELHEDSPLAN_PUBLISHED"):
    published = Path(os.environ["HELHEDSPLAN_PUBLISHED"])
else:
    published = default_paths().published
con = duckdb.connect(str(published), read_only=True)

# %% [markdown]
# ## 1. What each table and column means (the file documents itself)

# %%
print(con.sql("select table_name, comment from duckdb_tables() order by table_name"))
print(con.sql("select indicator_id, name_da, direction, aggregation, baseline, target from indicators"))

# %% [markdown]
# ## 2. Recompute a quarter from its months
# Flow indicators: a quarter's numerator and denominator are sums of its months' person-months.
# Where no month is suppressed, the published quarter equals the sum of its published months.

# %%
check = con.sql(
    """
    with months as (
        select indicator_id, area, sex,
               strftime(period_start, '%Y') || '-Q' || quarter(period_start) as quarter,
               sum(numerator) as numerator, sum(denominator) as denominator,
               count(*) filter (where is_suppressed) as suppressed_months
        from indicator_values
        join indicators using (indicator_id)
        where period_type = 'month' and aggregation = 'flow'
        group by all
    )
    select count(*) as quarters_checked,
           count(*) filter (where abs(q.numerator - m.numerator) > 1e-9
                               or abs(q.denominator - m.denominator) > 1e-9) as mismatches
    from months m
    join indicator_values q
      on q.period_type = 'quarter' and q.period = m.quarter
     and (q.indicator_id, q.area, q.sex) = (m.indicator_id, m.area, m.sex)
    where m.suppressed_months = 0 and not q.is_suppressed and q.is_complete
    """
).fetchall()[0]
print(f"quarters recomputed from their months: {check[0]}, mismatches: {check[1]}")
assert check[1] == 0

# %% [markdown]
# ## 3. Trace the figures to the delivered files

# %%
runs = con.sql(
    "select run_id, published_at, code_version, gate_passed, len(source_files) as files "
    "from pipeline_runs order by published_at desc"
)
print(runs)
latest_files = con.sql(
    "select unnest(source_files, recursive := true) from "
    "(select source_files from pipeline_runs order by published_at desc limit 1)"
)
print(latest_files.limit(10))
