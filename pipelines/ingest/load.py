"""Loads the delivery files of one source into the warehouse, applying every rule of the data contract."""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.ingest import reader
from pipelines.ingest.discovery import (
    arriving_message,
    settle_seconds,
    settled,
    snapshot,
    source_files,
)
from pipelines.ingest.pseudonym import Pseudonymizer, load_key
from pipelines.ingest.rules import (
    COLUMNS,
    CONFLICTS,
    cpr_birth_date,
    decimal_mark,
    validated_select,
)
from pipelines.ingest.warehouse import RAW_TABLES, attach, check_key
from pipelines.ops import pause

log = logging.getLogger("helhedsplan.ingest")
WH = "wh"
_PERIOD_HINT = re.compile(r"(\d{4})[-_]?(\d{2})(?!\d)")
_KEY_NAMES = {"period_start": "måned", "cpr10": "person", "skoleaar": "skoleår", "fag": "fag", "forloeb_id": "forløb"}


@dataclass
class FileOutcome:
    source: str
    file_path: str
    outcome: str  # loaded | duplicate | rejected | unchanged | arriving (not logged: tried next run)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_aliased: int = 0  # rows whose status was read through a configured alias
    periods: tuple[str, ...] = ()
    message: str = ""
    load_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class IngestError(RuntimeError):
    """An unexpected failure while loading a file; the message never quotes a value."""


@contextmanager
def open_warehouse(warehouse: Path, pseudonymizer: Pseudonymizer) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection (raw CPR numbers never touch the warehouse file) with the warehouse
    attached as `wh`, after checking the pseudonym key."""
    with tempfile.TemporaryDirectory(prefix="helhedsplan-ingest-") as spill:
        # DuckDB spills large intermediate results to disk: to a private folder deleted afterwards,
        # not to `.tmp` in the working directory
        con = duckdb.connect(config={"temp_directory": spill})
        try:
            attach(con, warehouse, WH)
            check_key(con, pseudonymizer.fingerprint, warehouse, WH)
            yield con
        finally:
            con.close()


class Loader:
    """One ingest session on an open warehouse: the connection, the raw folder, the pseudonymizer
    and the run id, held once, so each step takes only what differs per file. `ingest_all` (the
    one entry point of flows, tests and the benchmark) opens it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, raw_dir: Path, pseudonymizer: Pseudonymizer, run_id: str):
        self.con = con
        self.raw_dir = raw_dir
        self.pseudonymizer = pseudonymizer
        self.run_id = run_id

    @classmethod
    @contextmanager
    def open(cls, warehouse: Path, raw_dir: Path, run_id: str, pseudonymizer: Pseudonymizer | None = None) -> Iterator[Loader]:
        pseudonymizer = pseudonymizer or Pseudonymizer(load_key())
        with open_warehouse(warehouse, pseudonymizer) as con:
            yield cls(con, raw_dir, pseudonymizer, run_id)

    def load_source(self, source: str, on_file=None) -> list[FileOutcome]:
        """Every new or changed file of `source` that has finished arriving, in ascending path
        order; `on_file(outcome, seconds)` is told about each file as it is done (progress)."""
        outcomes = []
        for path in source_files(self.raw_dir, source):
            started = time.perf_counter()
            outcomes.append(self.load_file(source, path))
            if on_file is not None:
                on_file(outcomes[-1], time.perf_counter() - started)
        return outcomes

    def load_file(self, source: str, path: Path) -> FileOutcome:
        """Load one file of `source` (or log why not): loaded, duplicate, rejected, unchanged or arriving."""
        rel = path.relative_to(self.raw_dir).as_posix()
        settle = settle_seconds()
        if not settled(path, settle):
            return FileOutcome(source, rel, "arriving", message=arriving_message(rel, settle))
        before = snapshot(path)
        info, data = reader.file_info(path)
        if snapshot(path) != before:  # grew while it was read
            return FileOutcome(source, rel, "arriving", message=arriving_message(rel, settle))
        seen = self.con.execute(
            f"select file_path, outcome, loaded_at from {WH}.raw.load_log where sha256 = ? order by load_id",
            [info.sha256],
        ).fetchall()
        if any(p == rel for p, _, _ in seen):
            return FileOutcome(source, rel, "unchanged")
        earlier = [(p, when) for p, outcome, when in seen if outcome == "loaded"]
        if earlier:
            first, when = earlier[0]
            message = f"samme indhold som {first} (indlæst {when:%Y-%m-%d %H:%M}); springes over"
            outcome = FileOutcome(source, rel, "duplicate", message=message)
            self._log_load(outcome, info, "", None)
            return outcome
        try:
            result = reader.read_into(self.con, info, data, "src")
            _check_columns(source, result.columns)
        except reader.UnreadableFile as error:
            outcome = FileOutcome(source, rel, "rejected", message=f"{rel}: {error}")
            self._log_load(outcome, info, "", _period_hint(path.name))
            log.error("Afvist fil / rejected file: %s", outcome.message)
            return outcome
        try:
            outcome = self._load_rows(source, rel, result)
            self._commit(source, outcome, info, result.file_format)
        except duckdb.Error as error:
            # DuckDB messages can quote values: keep the kind of error and mask every digit
            masked = re.sub(r"\d", "#", str(error).splitlines()[0])
            raise IngestError(f"{rel}: uventet fejl / unexpected error {type(error).__name__}: {masked}") from None
        return outcome

    def _load_rows(self, source: str, rel: str, result: reader.ReadResult) -> FileOutcome:
        present = set(result.columns)
        # without a decimal in the file, a ','-delimited export is read with decimal point; ';', tab
        # and .xlsx (whose number cells the reader writes with a comma) with decimal comma
        mark = decimal_mark(self.con, source, present, default="." if result.delimiter == "," else ",")
        self.con.execute(f"create or replace temp table parsed as {validated_select(source, present, mark)}")
        if source == "karakterer":
            period = "skoleaar as period, make_date(substr(skoleaar, 1, 4)::integer + 1, 6, 1) as period_start"
        else:
            date_col = "dato" if source == "deltagelse" else "periode"
            period = f"strftime({date_col}, '%Y-%m') as period, date_trunc('month', {date_col})::date as period_start"
        self.con.execute(f"create or replace temp table parsed as select *, {period} from parsed")
        self.con.execute(
            "create or replace temp table passed as"
            " select * exclude (_column, _reason, _aliased) from parsed where _reason is null"
        )
        value_cols = [c for c in _columns(self.con, "passed") if c != "source_row"]
        bad = ["select source_row, period, _column as column_name, _reason as reason from parsed where _reason is not null"]

        conflict = CONFLICTS.get(source)
        same_row = value_cols
        if conflict:
            # among the rows that pass the row rules, a key whose rows differ is a conflict: all its rows go
            keys = ", ".join(conflict.key)
            compared = conflict.compared or [
                c for c in value_cols if c not in conflict.key and c not in ("period", "period_start")
            ]
            differs = ", ".join(
                f"case when count(distinct coalesce({c}::varchar, '')) > 1 then '{c}' end" for c in compared
            )
            self.con.execute(
                f"""create or replace temp table conflict_keys as select * from (
                    select {keys}, list_filter([{differs}], lambda c: c is not null) as differs
                    from passed group by {keys}) where len(differs) > 0"""
            )
            names = [_KEY_NAMES[k] for k in conflict.key]
            what = ", ".join(names[:-1]) + " og " + names[-1]
            self.con.execute(
                f"""create or replace temp table conflicts as
                select source_row, period, differs[1] as column_name,
                    'konflikt: rækker for samme {what} med forskellig ' || array_to_string(differs, ', ') as reason
                from passed join conflict_keys using ({keys})"""
            )
            bad.append("select * from conflicts")
            self.con.execute(f"create or replace temp table passed as select passed.* from passed anti join conflict_keys using ({keys})")
            if conflict.compared:  # rows of a key that agree on the compared columns are one row
                same_row = list(conflict.key)

        # duplicates collapse to their first row (not unregistered participants: each is another person)
        keep_all = "cpr10 is null" if source == "deltagelse" else "false"
        self.con.execute(
            f"""create or replace temp table good as
            select * from passed
            where source_row in (select min(source_row) from passed group by {', '.join(same_row)})
                or {keep_all}"""
        )
        self.con.execute(f"create or replace temp table bad as {' union all '.join(bad)}")
        duplicates = self.con.execute("select (select count(*) from passed) - (select count(*) from good)").fetchall()[0][0]

        self._pseudonymise()
        counts = self.con.execute(
            "select (select count(*) from good), (select count(*) from bad),"
            " (select count(*) from parsed where _aliased)"
        ).fetchall()[0]
        # a file holds a period only through rows that are loaded (data contract): a month whose rows
        # are all quarantined keeps its earlier delivery
        periods = self.con.execute("select distinct period from good order by 1").fetchall()
        return FileOutcome(
            source, rel, "loaded", rows_read=result.rows_read, rows_loaded=counts[0], rows_quarantined=counts[1],
            rows_duplicate=duplicates, rows_aliased=counts[2], periods=tuple(p for (p,) in periods),
        )

    def _pseudonymise(self) -> None:
        # The session's pseudonyms live in a temp table of the in-memory connection (never the
        # warehouse file): only CPR numbers not seen before in this run go through Python's HMAC.
        self.con.execute("create temp table if not exists pseudonyms (cpr10 varchar, person_id varchar)")
        cprs = [c for (c,) in self.con.execute(
            "select distinct cpr10 from good anti join pseudonyms using (cpr10) where cpr10 is not null"
        ).fetchall()]
        if cprs:
            mapping = pd.DataFrame({"cpr10": cprs, "person_id": self.pseudonymizer.pseudonyms(cprs)})
            self.con.register("_mapping", mapping)
            self.con.execute("insert into pseudonyms select cpr10, person_id from _mapping")
            self.con.unregister("_mapping")
        self.con.execute(
            f"""create or replace temp table good as
            select good.* exclude (cpr10), m.person_id,
                {cpr_birth_date('good.cpr10')} as birth_date,
                case when good.cpr10 is null then null
                     when substr(good.cpr10, 10, 1)::integer % 2 = 1 then 'male' else 'female' end as sex
            from good left join pseudonyms m using (cpr10)"""
        )

    def _commit(self, source: str, outcome: FileOutcome, info, file_format: str) -> None:
        """Replace the file's periods, add its rows, quarantine and logs: all or nothing."""
        target = f"{WH}.raw.{source}"
        columns = [c.split()[0] for c in RAW_TABLES[source].split(", ")]
        period_filter = "skoleaar" if source == "karakterer" else "strftime(period_start, '%Y-%m')"
        self.con.execute("begin transaction")
        try:
            load_id = self._log_load(outcome, info, file_format, None)
            computed = {"load_id": str(load_id), "exam_year": "substr(skoleaar, 1, 4)::integer + 1"}
            select = ", ".join(f"{computed[c]} as {c}" if c in computed else c for c in columns)
            periods = list(outcome.periods)
            now = dt.datetime.now()
            self.con.execute(
                f"""insert into {WH}.raw.period_log
                select ?, p.period, p.period_start, {load_id}, count(g.source_row), any_value(cur.replaced), ?
                from (select period, min(period_start) as period_start from good group by period) p
                left join good g on g.period = p.period
                left join (select period, max(load_id) as replaced from {WH}.raw.period_log
                           where source = ? group by period) cur on cur.period = p.period
                group by p.period, p.period_start""",
                [source, now, source],
            )
            self.con.execute(f"delete from {target} where list_contains(?, {period_filter})", [periods])
            pause.at("ingest-commit")  # the file's log rows in, its old periods' rows out, no new rows yet
            self.con.execute(f"insert into {target} ({', '.join(columns)}) select {select} from good")
            self.con.execute(
                f"""insert into {WH}.raw.quarantine
                select {load_id}, ?, ?, source_row, period, column_name, reason, ? from bad""",
                [source, outcome.file_path, now],
            )
            self.con.execute("commit")
        except Exception:
            self.con.execute("rollback")
            raise
        outcome.load_id = load_id

    def _log_load(self, outcome: FileOutcome, info, file_format: str, period_hint: str | None) -> int:
        load_id = self.con.execute(f"select coalesce(max(load_id), 0) + 1 from {WH}.raw.load_log").fetchall()[0][0]
        self.con.execute(
            f"insert into {WH}.raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id, self.run_id, outcome.source, outcome.file_path, info.sha256, info.size_bytes, file_format,
                outcome.outcome, outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined,
                outcome.rows_duplicate, list(outcome.periods), period_hint, outcome.message or None,
                dt.datetime.now(), outcome.rows_aliased,
            ],
        )
        return load_id


def _check_columns(source: str, found: list[str]) -> None:
    required = [c.name for c in COLUMNS[source] if c.required]
    missing = [c for c in required if c not in found]
    if not missing:
        return
    if len(missing) == len(required):
        # likely no header at all: the first line is data, so its values are not repeated here
        raise reader.UnreadableFile(
            f"ingen kendt kolonneoverskrift i første linje; mangler kolonne(r): {', '.join(missing)}"
        )
    shown = ["(skjult)" if len(re.sub(r"\D", "", name)) >= 6 else name for name in found]
    raise reader.UnreadableFile(f"mangler kolonne(r): {', '.join(missing)} (fundet: {', '.join(shown)})")


def _period_hint(name: str) -> str | None:
    match = _PERIOD_HINT.search(name)
    return f"{match.group(1)}-{match.group(2)}" if match else None


def _columns(con, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {table}").fetchall()]
