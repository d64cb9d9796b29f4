"""The `helhedsplan` command: one subcommand per step, and `run` for the whole pipeline."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from pipelines.settings import default_paths, quiet_third_parties

EXIT_OK, EXIT_ERROR, EXIT_GATE_FAILED = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    d = default_paths()
    parser = argparse.ArgumentParser(prog="helhedsplan", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write synthetic sample deliveries")
    p.add_argument("--out", type=Path, default=d.raw)
    p.add_argument("--residents", type=int, default=3500)
    p.add_argument("--start", default="2020-01")
    p.add_argument("--end", default="2026-10")
    p.add_argument("--seed", type=int, default=2025)

    for name, text in (("ingest", "load new deliveries into the warehouse"),
                       ("build", "ingest, then dbt build of the marts"),
                       ("run", "ingest → dbt build → quality gate → publish → report")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--raw", type=Path, default=d.raw)
        p.add_argument("--warehouse", type=Path, default=d.warehouse)
        if name == "run":
            p.add_argument("--marts", type=Path, default=d.marts)

    p = sub.add_parser("gate", help="run the quality gate on the warehouse as it is")
    p.add_argument("--warehouse", type=Path, default=d.warehouse)
    p.add_argument("--marts", type=Path, default=d.marts)

    p = sub.add_parser("report", help="build the board's report from the published file")
    p.add_argument("--marts", type=Path, default=d.marts)
    p.add_argument("--pdf", action="store_true", help="also write one PDF board pack")

    p = sub.add_parser("serve", help="serve the run flow as a Prefect deployment on a schedule")
    p.add_argument("--cron", default="0 6 5 * *", help="cron in Europe/Copenhagen (default: 06:00 on the 5th)")
    return parser


def main(argv: list[str] | None = None) -> int:
    quiet_third_parties()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except Exception as error:  # noqa: BLE001 - one line for the analyst; details in the logs above
        from pipelines.flows import GateFailed

        if isinstance(error, GateFailed):
            print(error.result.ingest.render())
            print(error.gate.summary)
            print("Kvalitetskontrollen fejlede: intet er offentliggjort. / Quality gate failed: nothing published.")
            return EXIT_GATE_FAILED
        print(f"helhedsplan {args.command}: fejl / error: {error}", file=sys.stderr)
        return EXIT_ERROR


def _sample(args) -> int:
    from pipelines.sample import generate

    started = time.perf_counter()
    summary = generate(args.out, residents=args.residents, start=args.start, end=args.end, seed=args.seed)
    print(f"Eksempeldata skrevet til {args.out} på {time.perf_counter() - started:.1f} s: {summary}")
    return EXIT_OK


def _resolve(args) -> None:
    for name in ("raw", "warehouse", "marts"):
        if getattr(args, name, None) is not None:
            setattr(args, name, getattr(args, name).expanduser().resolve())


def _ingest(args) -> int:
    from pipelines.flows import ingest_flow

    _resolve(args)
    _require_raw(args.raw)
    summary = ingest_flow(args.raw, args.warehouse)
    print(summary.render())
    return EXIT_OK


def _build(args) -> int:
    from pipelines.transform import build

    _ingest(args)
    build(args.warehouse)
    print(f"dbt build færdig: {args.warehouse}")
    return EXIT_OK


def _run(args) -> int:
    from pipelines.flows import run_flow

    _resolve(args)
    _require_raw(args.raw)
    result = run_flow(args.raw, args.warehouse, args.marts)
    print(result.ingest.render())
    print(result.gate.summary)
    print(f"Offentliggjort / published: {result.published}")
    print(f"Rapport / report: {result.report}")
    return EXIT_OK


def _gate(args) -> int:
    from pipelines.quality import run_gate

    _resolve(args)
    gate = run_gate(args.warehouse, default_paths().quality_docs if args.marts is None else args.marts / "quality",
                    run_id="manual")
    print(gate.summary)
    return EXIT_OK if gate.passed else EXIT_GATE_FAILED


def _report(args) -> int:
    from pipelines.report import build_pdf, build_report

    _resolve(args)
    published = args.marts / "helhedsplan.duckdb"
    if not published.exists():
        raise RuntimeError(f"ingen offentliggjort fil i {published}; kør 'helhedsplan run' først")
    print(f"Rapport / report: {build_report(published, args.marts / 'report')}")
    if args.pdf:
        # beside report/, which every build replaces whole
        print(f"PDF: {build_pdf(published, args.marts / 'helhedsplan-tavlemappe.pdf')}")
    return EXIT_OK


def _serve(args) -> int:
    from pipelines.flows import run_flow

    d = default_paths()
    run_flow.serve(
        name="maanedlig-koersel",
        schedule=_schedule(args.cron),
        parameters={"raw": str(d.raw), "warehouse": str(d.warehouse), "marts": str(d.marts)},
        description="Månedlig kørsel af helhedsplanens indikatorer.",
    )
    return EXIT_OK


def _schedule(cron: str):
    from prefect.schedules import Cron

    return Cron(cron, timezone="Europe/Copenhagen")


def _require_raw(raw: Path) -> None:
    if not raw.is_dir():
        raise RuntimeError(f"mappen med leverancer findes ikke: {raw}")


COMMANDS = {
    "sample": _sample, "ingest": _ingest, "build": _build, "run": _run,
    "gate": _gate, "report": _report, "serve": _serve,
}

if __name__ == "__main__":
    sys.exit(main())
