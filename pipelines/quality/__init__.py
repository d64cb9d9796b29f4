"""The quality gate: Great Expectations suites (expectations/*.json) over aggregate frames of the
warehouse. Publishing happens only when `run_gate(...).passed`.

Great Expectations is imported inside `run_gate` only: importing this package stays cheap.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from pipelines import catalogue
from pipelines.quality.frames import BUILDERS, FrameContext, prepare
from pipelines.quality.result import GateFinding, GateResult, summarise, threshold_texts

__all__ = ["GateFinding", "GateResult", "run_gate"]

log = logging.getLogger(__name__)
# Thresholds handed to the suites as GX expectation parameters ({"$PARAMETER": name}).
SUITE_PARAMETERS = (
    "max_quarantined_share", "min_employment_coverage", "max_delivery_lag_months", "max_unknown_name_share",
)


def _frame_error(suite: str, error: Exception) -> GateFinding:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return GateFinding(
        suite=suite,
        check="frame",
        severity="critical",
        description="Kontrolgrundlaget kunne ikke dannes (could not build the checked data): "
        + first_line,
        expectation_type="frame",
    )


def run_gate(
    warehouse: Path,
    docs_dir: Path,
    *,
    run_id: str,
) -> GateResult:
    """Run every suite of `expectations/` against the warehouse (opened read-only). Every file
    that currently supplies a period is judged, whichever run loaded it. Data Docs are written to
    `docs_dir` (index.html).
    """
    started = time.perf_counter()
    from pipelines.quality import checkpoint  # GX import: only when the gate runs

    # per-source facts come from the sources seed, thresholds from config/quality.yml
    months_without_school = sorted(catalogue.sources()["skole"].months_not_expected)
    config = dict(catalogue.quality_config(), months_without_school=months_without_school)
    k = catalogue.disclosure_k()
    texts = threshold_texts(config, k)
    parameters = {name: config[name] for name in SUITE_PARAMETERS}
    suites = checkpoint.load_suites()

    frames, errors = {}, []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        context = FrameContext(con=con, config=config, disclosure_k=k)
        prepare(con)
        for suite in suites:
            name = suite["name"]
            try:
                frames[name] = BUILDERS[name](context)
            except (duckdb.Error, KeyError) as error:
                errors.append(_frame_error(name, error))

    docs_dir = Path(docs_dir)
    evaluated, findings = checkpoint.run_checkpoints(
        frames, suites, parameters, texts, docs_dir, run_id
    )
    findings = errors + findings
    failures = [item for item in findings if item.severity == "critical"]
    warnings = [item for item in findings if item.severity != "critical"]
    result = GateResult(
        passed=not failures,
        failures=failures,
        warnings=warnings,
        summary="",
        docs_index=docs_dir / "index.html",
        duration_s=0.0,
        run_id=run_id,
        checks=evaluated + len(errors),
        thresholds=dict(
            parameters,
            disclosure_k=k,
            employment_coverage_ages=list(config["employment_coverage_ages"]),
            months_without_school=list(config["months_without_school"]),
        ),
    )
    result.summary = summarise(result)
    result.duration_s = time.perf_counter() - started
    log.info(
        "quality gate %s in %.1f s", "passed" if result.passed else "failed", result.duration_s
    )
    return result
