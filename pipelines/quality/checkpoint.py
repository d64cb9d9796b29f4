"""Great Expectations 1.x: the suites of `expectations/` run as checkpoints over the gate's frames.

Imported only when the gate runs (GX takes about 4 s to import).
"""

from __future__ import annotations

import json
import shutil
import string
from datetime import UTC, datetime
from pathlib import Path

import great_expectations as gx
import pandas as pd
from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from pipelines.quality.result import MAX_EXAMPLES, GateFinding, number_da, percent_da
from pipelines.settings import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SITE_NAME = "quality"
# What a Data Docs build writes into its folder; only these are cleared before a new build.
SITE_ENTRIES = ("index.html", "validations", "expectations", "static")


def load_suites() -> list[dict]:
    """The suites as analysts keep them: one JSON file per frame, in name order."""
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(EXPECTATIONS_DIR.glob("*.json"))
    ]


def _context(docs_dir: Path):
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={
            SITE_NAME: {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def clear_site(docs_dir: Path) -> None:
    for entry in SITE_ENTRIES:
        path = docs_dir / entry
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _formatted_suite(suite: dict, texts: dict[str, str]) -> dict:
    """The suite with its descriptions' {threshold} placeholders filled in, ready for GX."""
    expectations = []
    for item in suite["expectations"]:
        item = dict(item)
        item["description"] = item["description"].format_map(texts)
        expectations.append(item)
    return {"name": suite["name"], "meta": suite.get("meta", {}), "expectations": expectations}


class _ExampleFormatter(string.Formatter):
    def format_field(self, value, format_spec):
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "–"
        if format_spec == "pct":
            return percent_da(float(value))
        if format_spec == "num":
            return number_da(float(value), 2)
        return super().format_field(value, format_spec)


def _examples(template: str | None, result: dict) -> list[str]:
    if not template:
        return []
    formatter = _ExampleFormatter()
    examples = []
    for entry in (result.get("unexpected_index_list") or [])[:MAX_EXAMPLES]:
        try:
            examples.append(formatter.format(template, **entry))
        except (KeyError, ValueError, TypeError):
            continue
    return examples


def _finding(suite: str, validation) -> GateFinding:
    config = validation.expectation_config
    meta = config.meta or {}
    result = validation.result or {}
    severity = getattr(config.severity, "value", config.severity) or "critical"
    description = config.description or config.type
    exception = (validation.exception_info or {}).get("exception_message")
    # Rows where the checked column is empty are not checked (a frame may hold several rules).
    element_count = result.get("element_count")
    if element_count is not None:
        element_count -= result.get("missing_count") or 0
    if exception:
        description += f" (kontrollen kunne ikke køre: {exception.splitlines()[0]})"
    return GateFinding(
        suite=suite,
        check=meta.get("check", config.type),
        severity=str(severity),
        description=description,
        expectation_type=config.type,
        unexpected_count=result.get("unexpected_count"),
        element_count=element_count,
        examples=_examples(meta.get("example"), result),
    )


def run_checkpoints(
    frames: dict[str, pd.DataFrame],
    suites: list[dict],
    parameters: dict,
    texts: dict[str, str],
    docs_dir: Path,
    run_id: str,
) -> tuple[int, list[GateFinding]]:
    """Validate each frame with its suite in one checkpoint; write Data Docs. Returns
    (number of expectations evaluated, failed expectations)."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    clear_site(docs_dir)
    context = _context(docs_dir)
    source = context.data_sources.add_pandas("gate")
    run = RunIdentifier(run_name=run_id, run_time=datetime.now(UTC))
    evaluated, findings = 0, []
    for suite_json in suites:
        name = suite_json["name"]
        if name not in frames:
            continue
        suite = context.suites.add(gx.ExpectationSuite(**_formatted_suite(suite_json, texts)))
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("frame")
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"gate_{name}",
                validation_definitions=[validation],
                actions=[UpdateDataDocsAction(name="data_docs", site_names=[SITE_NAME])],
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": suite_json["meta"]["index_columns"],
                },
            )
        )
        outcome = checkpoint.run(
            batch_parameters={"dataframe": frames[name]},
            expectation_parameters=parameters,
            run_id=run,
        )
        for suite_result in outcome.run_results.values():
            for item in suite_result.results:
                evaluated += 1
                if not item.success:
                    findings.append(_finding(name, item))
    return evaluated, findings
