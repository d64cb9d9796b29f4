"""The evaluators' data dictionary: dbt's documentation site (every model and column described,
the lineage from the deliveries to each published table and to the exposures: the board's pages
and the evaluators' file) as one self-contained HTML file that opens offline from file://.

`dbt docs generate --static` embeds the manifest and the catalogue in the page, so the browser
fetches nothing; with usage statistics off (as every dbt call here) the page loads no tracker.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pipelines.settings import quiet_third_parties
from pipelines.transform import dbt_args, environment_variable, state_dir

REMOTE = re.compile(r"""<(?:script|link|img|iframe)[^>]+(?:src|href)=["']?(?:https?:)?//""", re.IGNORECASE)


def build_docs_site(warehouse: Path, out_dir: Path) -> Path:
    """Write `out_dir/index.html` from the warehouse's dbt project; returns its path."""
    quiet_third_parties()
    from dbt.cli.main import dbtRunner  # heavy import: only when asked for

    warehouse = Path(warehouse).expanduser().resolve()
    args = ["docs", "generate", "--static", *dbt_args("docs", warehouse)[1:]]
    with environment_variable("HELHEDSPLAN_WAREHOUSE", str(warehouse)):
        outcome = dbtRunner().invoke(args)
    if not outcome.success:
        raise RuntimeError(f"dbt docs generate fejlede: {outcome.exception or 'se dbt.log'}")
    page = (state_dir(warehouse) / "target" / "static_index.html").read_text(encoding="utf-8")
    if REMOTE.search(page):
        raise RuntimeError("datakataloget henter noget fra internettet; offentliggøres ikke")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    partial = out_dir / ".index.html.tmp"
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, target)  # a reader never sees half a page
    return target
