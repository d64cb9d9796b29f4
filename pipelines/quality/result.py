"""The gate's result and the short Danish/English summary an analyst reads after a run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines.danish import MONTHS as MONTH_NAMES_DA
from pipelines.danish import compact as number_da
from pipelines.danish import share_percent as percent_da

MAX_EXAMPLES = 5


def threshold_texts(config: dict, disclosure_k: int) -> dict[str, str]:
    """The thresholds as an analyst reads them, for the suites' descriptions and the summary."""
    low, high = config["employment_coverage_ages"]
    return {
        "max_quarantined_share": percent_da(config["max_quarantined_share"]),
        "min_employment_coverage": percent_da(config["min_employment_coverage"]),
        "employment_coverage_ages": f"{low}–{high}",
        "max_delivery_lag_months": str(config["max_delivery_lag_months"]),
        "max_unknown_name_share": percent_da(config["max_unknown_name_share"]),
        "months_without_school": ", ".join(
            MONTH_NAMES_DA[month - 1] for month in config["months_without_school"]
        )
        or "ingen",
        "disclosure_k": str(disclosure_k),
    }


@dataclass
class GateFinding:
    """One failed expectation (or a frame that could not be built)."""

    suite: str
    check: str
    severity: str  # "critical" blocks publishing; "warning" does not
    description: str
    expectation_type: str
    unexpected_count: int | None = None
    element_count: int | None = None
    examples: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.suite}.{self.check}"

    def line(self) -> str:
        text = f"{self.description} [{self.name}]"
        if self.unexpected_count is not None and self.element_count:
            text += f": {number_da(self.unexpected_count)} af {number_da(self.element_count)}"
        if self.examples:
            more = (self.unexpected_count or 0) > len(self.examples)
            text += " – " + "; ".join(self.examples) + ("; …" if more else "")
        return text


@dataclass
class GateResult:
    passed: bool
    failures: list[GateFinding]
    warnings: list[GateFinding]
    summary: str
    docs_index: Path
    duration_s: float
    run_id: str = ""
    checks: int = 0
    thresholds: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain JSON-able form for provenance (pipeline_runs) and logs."""
        return {
            "passed": self.passed,
            "run_id": self.run_id,
            "checks": self.checks,
            "failures": [asdict(item) | {"name": item.name} for item in self.failures],
            "warnings": [asdict(item) | {"name": item.name} for item in self.warnings],
            "summary": self.summary,
            "docs_index": str(self.docs_index),
            "duration_s": round(self.duration_s, 3),
            "thresholds": self.thresholds,
        }


def summarise(result: GateResult) -> str:
    lines = []
    counts = (
        f"{result.checks} kontroller, {len(result.failures)} blokerende fejl, "
        f"{len(result.warnings)} advarsler"
    )
    if result.passed:
        lines.append(f"Kvalitetskontrollen er bestået (quality gate passed): {counts}.")
    else:
        lines.append(
            "Kvalitetskontrollen fejlede – data offentliggøres ikke "
            f"(quality gate failed, nothing is published): {counts}."
        )
        lines.append("Fejl (failed checks):")
        lines += [f"  ✗ {finding.line()}" for finding in result.failures]
    if result.warnings:
        lines.append("Advarsler (warnings, not blocking):")
        lines += [f"  ! {finding.line()}" for finding in result.warnings]
    lines.append(f"Detaljer (Data Docs): {result.docs_index}")
    return "\n".join(lines)
