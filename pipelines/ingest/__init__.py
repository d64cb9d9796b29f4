"""Ingest: delivery files → pseudonymised `raw` tables in the warehouse (see docs/interfaces.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.catalogue import source_names
from pipelines.ingest.load import FileOutcome, IngestError, Loader
from pipelines.ingest.pseudonym import KeyMismatchError, Pseudonymizer, load_key

__all__ = [
    "FileOutcome", "IngestError", "IngestSummary", "KeyMismatchError", "Loader", "Pseudonymizer", "ingest_all",
    "load_key",
]


@dataclass
class IngestSummary:
    files: list[FileOutcome] = field(default_factory=list)

    def by_outcome(self, outcome: str) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome == outcome]

    @property
    def load_ids(self) -> list[int]:
        return [f.load_id for f in self.files if f.load_id is not None]

    def table(self) -> list[dict]:
        """Per source: files and rows read / loaded / quarantined / duplicate in this run."""
        rows = []
        for source in source_names():
            files = [f for f in self.files if f.source == source]
            rows.append({
                "source": source,
                "filer": len(files),
                "indlæst": sum(f.outcome == "loaded" for f in files),
                "uændret": sum(f.outcome == "unchanged" for f in files),
                "dublet": sum(f.outcome == "duplicate" for f in files),
                "afvist": sum(f.outcome == "rejected" for f in files),
                "rækker_læst": sum(f.rows_read for f in files),
                "rækker_indlæst": sum(f.rows_loaded for f in files),
                "karantæne": sum(f.rows_quarantined for f in files),
                "dubletrækker": sum(f.rows_duplicate for f in files),
                "alias": sum(f.rows_aliased for f in files),
            })
        return rows

    def render(self) -> str:
        header = f"{'kilde':<15}{'filer':>7}{'nye':>6}{'afvist':>8}{'læst':>11}{'indlæst':>11}{'karantæne':>11}{'dubletter':>11}"
        lines = ["Indlæsning / ingest:", header]
        for r in self.table():
            lines.append(
                f"{r['source']:<15}{r['filer']:>7}{r['indlæst']:>6}{r['afvist']:>8}"
                f"{r['rækker_læst']:>11,}{r['rækker_indlæst']:>11,}{r['karantæne']:>11,}{r['dubletrækker']:>11,}".replace(",", ".")
            )
        for f in self.by_outcome("rejected") + self.by_outcome("duplicate"):
            lines.append(f"  {'AFVIST' if f.outcome == 'rejected' else 'DUBLET'}: {f.message}")
        for f in self.by_outcome("arriving"):
            lines.append(f"  UNDERVEJS: {f.message}")
        for f in self.files:
            if f.rows_aliased:
                lines.append(f"  ALIAS: {f.file_path}: {f.rows_aliased} rækker med en statuskode læst via et"
                             " konfigureret alias (ikke datakontraktens stavemåde)")
        return "\n".join(lines)


def ingest_all(
    raw_dir: Path, warehouse: Path, run_id: str, sources: tuple[str, ...] | None = None, *,
    pseudonymizer: Pseudonymizer | None = None, on_file=None,
) -> IngestSummary:
    """Ingest's one entry point (flows, tests, the benchmark): every new file of `sources` (all
    of the catalogue's, in its order) on one warehouse connection. `pseudonymizer` defaults to one
    from the configured key; `on_file(outcome, seconds)` hears of each file as it is done."""
    summary = IngestSummary()
    with Loader.open(warehouse, raw_dir, run_id, pseudonymizer) as loader:
        for source in sources or source_names():
            summary.files.extend(loader.load_source(source, on_file))
    return summary
