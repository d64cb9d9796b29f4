"""The `helhedsplan` command: one subcommand per step, and `run` for the whole pipeline."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from pipelines.ops.config import run_config
from pipelines.ops.failure import logs_dir, one_line, start_log
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
                       ("run", "ingest → dbt build → quality gate → publish → report"),
                       ("serve", "serve the monthly and the new-files deployments (needs a Prefect server)"),
                       ("status", "last runs, what is published, missing deliveries, files not loaded")):
        p = sub.add_parser(name, help=text)
        _path_arguments(p, d)
        if name == "run":
            p.add_argument("--force", action="store_true",
                           help="rebuild and publish even when no delivery is new")
        if name == "serve":
            config = run_config()
            p.add_argument("--cron", default=config["cron"],
                           help=f"cron in Europe/Copenhagen (default {config['cron']!r}: 06:00 on the 5th)")
            p.add_argument("--poll-seconds", type=float, default=config["poll_seconds"],
                           help="how often to look for new files in the raw folder")
            p.add_argument("--port", type=int, default=config["server_port"],
                           help="the port of 'helhedsplan server' on 127.0.0.1 (PREFECT_API_URL overrides)")

    p = sub.add_parser("gate", help="run the quality gate on the warehouse as it is")
    p.add_argument("--warehouse", type=Path, default=d.warehouse)
    p.add_argument("--marts", type=Path, default=d.marts)

    p = sub.add_parser("report", help="build the board's report from the published file")
    p.add_argument("--marts", type=Path, default=d.marts)
    p.add_argument("--pdf", action="store_true", help="also write one PDF board pack")

    p = sub.add_parser("aarsrapport", help="the yearly report to Landsbyggefonden (HTML and PDF) "
                                           "from the published file")
    p.add_argument("--aar", type=int, required=True, metavar="ÅÅÅÅ", help="the year, e.g. 2025")
    p.add_argument("--marts", type=Path, default=d.marts)

    p = sub.add_parser("history", help="list the publications (date, run, code, data month, gate, copy)")
    p.add_argument("--marts", type=Path, default=d.marts)

    p = sub.add_parser("revisions", help="published cells that changed between two publications, and why")
    p.add_argument("--marts", type=Path, default=d.marts)
    p.add_argument("--from", dest="earlier", help="run id (its start), copy name or date ÅÅÅÅ-MM-DD; default: the one before --to")
    p.add_argument("--to", dest="later", help="as --from; default: the latest publication")
    p.add_argument("--alle", action="store_true", help="every changed cell, not the first 10 per indicator")
    p.add_argument("--sql", action="store_true", help="print the comparison as SQL for the DuckDB CLI instead")

    p = sub.add_parser("prune", help="delete dated copies beyond config/history.yml's count (never the latest or a board meeting's)")
    p.add_argument("--marts", type=Path, default=d.marts)
    p.add_argument("--keep", type=int, help="copies to keep (default: keep_copies in config/history.yml)")
    p.add_argument("--dry-run", action="store_true", help="only say what would be deleted")

    p = sub.add_parser("docs", help="write the data dictionary (dbt docs, offline) beside the report")
    p.add_argument("--warehouse", type=Path, default=d.warehouse)
    p.add_argument("--marts", type=Path, default=d.marts)

    p = sub.add_parser("dbt", help="any dbt command on the warehouse with the project's vars, "
                                   "e.g. 'helhedsplan dbt build --select +indicator_values'")
    p.add_argument("--warehouse", type=Path, default=d.warehouse)
    p.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="DBT-ARGUMENT",
                   help="what follows 'dbt' (--vars are merged with the catalogue's)")

    p = sub.add_parser("server", help="start the Prefect server for scheduled runs (127.0.0.1)")
    p.add_argument("--port", type=int, default=run_config()["server_port"])
    return parser


def _path_arguments(parser: argparse.ArgumentParser, d) -> None:
    parser.add_argument("--raw", type=Path, default=d.raw)
    parser.add_argument("--warehouse", type=Path, default=d.warehouse)
    parser.add_argument("--marts", type=Path, default=d.marts)


_STARTED = time.perf_counter()  # this process's start, for the time outside the run's steps
LOGGED = ("ingest", "build", "run", "gate", "serve", "status", "aarsrapport")
CLI_STARTED = "kommandolinjen (helhedsplan {})"


def main(argv: list[str] | None = None) -> int:
    global _STARTED
    _STARTED = time.perf_counter()
    quiet_third_parties()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    args = _parser().parse_args(argv)
    _resolve(args)
    log_path = None
    if args.command in LOGGED:
        if args.command != "status":
            import prefect  # noqa: F401 - Prefect sets up logging on import; ours is set up after it
        log_path = start_log(logs_dir(getattr(args, "marts", None) or default_paths().marts), args.command)
    try:
        return COMMANDS[args.command](args)
    except Exception as error:
        from pipelines.flows import GateFailed

        if isinstance(error, GateFailed):
            print(error.result.ingest.render())
            print(error.gate.summary)
            print("Kvalitetskontrollen fejlede: intet er offentliggjort. / Quality gate failed: nothing published.")
            return EXIT_GATE_FAILED
        logging.getLogger("traceback").error("helhedsplan %s failed", args.command, exc_info=error)
        where = f" (detaljer: {log_path})" if log_path else ""
        print(f"helhedsplan {args.command}: fejl: {one_line(error, getattr(args, 'warehouse', None))}{where}",
              file=sys.stderr)
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
    from pipelines.ops import runlock

    _require_raw(args.raw)
    with runlock.hold(args.warehouse, CLI_STARTED.format(args.command)):
        summary = ingest_flow(args.raw, args.warehouse)
    print(summary.render())
    return EXIT_OK


def _build(args) -> int:
    from pipelines.ops import runlock
    from pipelines.transform import build

    with runlock.hold(args.warehouse, CLI_STARTED.format(args.command)):
        _ingest(args)
        build(args.warehouse)
    print(f"dbt build færdig: {args.warehouse}")
    return EXIT_OK


def _run(args) -> int:
    from pipelines.flows import run_flow
    from pipelines.ops import freshness, progress, runlock
    from pipelines.ops.cleanup import clear_leftovers

    _require_raw(args.raw)
    watch = progress.use(progress.for_terminal())
    started_by = CLI_STARTED.format("run")
    runlock.refuse_if_running(args.warehouse)  # at once, before Prefect's start-up
    # after a killed run everything is done again: it may have published without its report
    force = args.force or runlock.interrupted(args.warehouse) is not None
    with runlock.hold(args.warehouse, started_by):  # clears a killed run's lock and server
        last = None if force else _nothing_new(args)
        if last is not None:  # no file the load log does not know: no need to start Prefect
            clear_leftovers(args.marts)
            print(freshness.nothing_new_message(last))
            return EXIT_OK
        result = run_flow(args.raw, args.warehouse, args.marts, force=force, started_by=started_by)
    print(result.ingest.render())
    if result.nothing_new:
        print(result.nothing_new)
        print(progress.summary(watch.timings, time.perf_counter() - _STARTED))
        return EXIT_OK
    print(result.gate.summary)
    print(f"Offentliggjort / published: {result.published}")
    print(f"Rapport / report: {result.report}")
    print(f"Datakatalog / data dictionary: {result.docs}")
    print(progress.summary(result.timings, time.perf_counter() - _STARTED))
    return EXIT_OK


def _nothing_new(args):
    """The last publication, when no file is new and the warehouse holds what it was made from."""
    import duckdb

    from pipelines.ops import arrival, freshness

    try:
        if arrival.unlogged_files(args.raw, args.warehouse):
            return None
        return freshness.nothing_new(args.warehouse, args.marts / "helhedsplan.duckdb")
    except duckdb.Error:  # held by another process, or no load log yet: the run will tell
        return None


def _gate(args) -> int:
    from pipelines.quality import run_gate

    gate = run_gate(args.warehouse, default_paths().quality_docs if args.marts is None else args.marts / "quality",
                    run_id="manual")
    print(gate.summary)
    return EXIT_OK if gate.passed else EXIT_GATE_FAILED


def _history(args) -> int:
    from pipelines.history import publications, render

    print(render(publications(args.marts)))
    return EXIT_OK


def _revisions(args) -> int:
    from pipelines import revisions

    rows = revisions._available(args.marts)
    later = revisions.pick(rows, args.later, -1)
    before_later = [row for row in rows if row["published_at"] < later["published_at"]]
    if args.earlier is None and not before_later:
        raise RuntimeError("der er ingen offentliggørelse før den valgte --to")
    earlier = revisions.pick(before_later if args.earlier is None else rows, args.earlier, -1)
    if args.sql:
        print(revisions.sql_for(earlier["copy"], later["copy"]))
        return EXIT_OK
    changes = revisions.compare(earlier["copy"], later["copy"])
    print(revisions.render(changes, earlier, later, limit=None if args.alle else 10))
    return EXIT_OK


def _prune(args) -> int:
    from pipelines import revisions

    config = revisions.history_config()
    keep = config["keep_copies"] if args.keep is None else args.keep
    doomed, kept = revisions.prune(args.marts, keep, config["board_meetings"], dry_run=args.dry_run)
    verb = "Ville slette" if args.dry_run else "Slettede"
    print(f"{verb} {len(doomed)} kopier (beholder de {keep} nyeste):")
    print("\n".join(f"  {path.name}" for path in doomed) or "  ingen")
    print("Altid beholdt:\n" + ("\n".join(f"  {line}" for line in kept) or "  ingen"))
    return EXIT_OK


def _dbt(args) -> int:
    from pipelines.transform import invoke

    return EXIT_OK if invoke(args.dbt_args, args.warehouse) else EXIT_ERROR


def _docs(args) -> int:
    from pipelines.docs_site import build_docs_site

    print(f"Datakatalog / data dictionary: {build_docs_site(args.warehouse, args.marts / 'docs')}")
    return EXIT_OK


def _report(args) -> int:
    from pipelines.report import build_pdf, build_report

    published = args.marts / "helhedsplan.duckdb"
    if not published.exists():
        raise RuntimeError(f"ingen offentliggjort fil i {published}; kør 'helhedsplan run' først")
    print(f"Rapport / report: {build_report(published, args.marts / 'report')}")
    if args.pdf:
        # beside report/, which every build replaces whole
        print(f"PDF: {build_pdf(published, args.marts / 'helhedsplan-tavlemappe.pdf')}")
    return EXIT_OK


def _aarsrapport(args) -> int:
    from pipelines.report.aarsrapport import build_aarsrapport, folder_name, pdf_name

    published = args.marts / "helhedsplan.duckdb"
    if not published.exists():
        raise RuntimeError(f"ingen offentliggjort fil i {published}; kør 'helhedsplan run' først")
    index = build_aarsrapport(published, args.aar, args.marts / folder_name(args.aar))
    print(f"Årsrapport {args.aar}: {index}")
    print(f"PDF: {index.parent / pdf_name(args.aar)}")
    return EXIT_OK


def _serve(args) -> int:
    from pipelines.ops.schedule import serve
    from pipelines.settings import Paths

    print(f"Serverer 'maanedlig-koersel' (cron {args.cron!r}, Europe/Copenhagen) og 'nye-filer' "
          f"(kigger efter nye filer hvert {args.poll_seconds:g}. sekund); stop med Ctrl+C.")
    serve(Paths(args.raw, args.warehouse, args.marts), args.cron, args.poll_seconds, args.port)
    return EXIT_OK


def _server(args) -> int:
    from pipelines.ops.schedule import run_server

    return run_server(args.port)


def _status(args) -> int:
    from pipelines.ops.status import status
    from pipelines.settings import Paths

    print(status(Paths(args.raw, args.warehouse, args.marts)))
    return EXIT_OK


def _require_raw(raw: Path) -> None:
    if not raw.is_dir():
        raise RuntimeError(f"mappen med leverancer findes ikke: {raw}")


COMMANDS = {
    "sample": _sample, "ingest": _ingest, "build": _build, "run": _run,
    "gate": _gate, "report": _report, "docs": _docs, "dbt": _dbt, "history": _history, "serve": _serve, "server": _server,
    "status": _status, "revisions": _revisions, "prune": _prune, "aarsrapport": _aarsrapport,
}

def console() -> None:
    """The console script: `main`, then nothing more on the terminal. At exit DuckDB's bindings
    may print a leak report (nanobind) after our last line; what matters is in the log file."""
    import os

    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    sys.exit(code)


if __name__ == "__main__":
    console()
