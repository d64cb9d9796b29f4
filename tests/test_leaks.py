"""The leak scan: everything one analyst's run writes holds no CPR number, and the published side
no pseudonym either.

One fresh sample goes through the console script in its own process, the way an analyst runs it:
`helhedsplan run`, then `helhedsplan report --pdf` and `helhedsplan aarsrapport`. Prefect's home
(its SQLite database and logs), the temporary folder and the working directory all point into the
test's folder, so whatever the run writes lands in the scanned tree; files the run writes into the
project itself are scanned too. The test knows the sample's CPR numbers: it reads them from the
raw deliveries (every form of the data contract, invalid ones included) and keeps them in memory
only. Then it scans:

- every DuckDB file (warehouse, published file, history copies): every text column of every table
  (the warehouse's pseudonymised `person_id` columns excepted: they must be pseudonyms, 64 hex in
  `raw`, the 12-character key of macros/person_key.sql from staging on), numbers
  too where a column is numeric; DuckDB compresses its pages, so the file's bytes prove nothing;
- the published file and its history copies, the report, the PDFs, the quality gate's Data Docs,
  the data dictionary and the terminal: also for the sample's pseudonyms;
- every other file (dbt's target/ and logs, Prefect's database and logs, the run's own logs,
  quarantine, HTML, JSON, ...) as bytes, in ASCII, UTF-8 and UTF-16, and PDFs with their
  compressed streams inflated and their glyphs mapped back to text through the fonts' ToUnicode
  maps (Chromium writes text as glyph ids, never as ASCII).

A hit is a sample CPR in any accepted form (DDMMYY-SSSS, DDMMYYSSSS, 9 digits for a leading zero
lost) or any CPR-shaped token. Allowed: nothing.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.settings import PROJECT_ROOT

RESIDENTS, START, END, SEED = 300, "2024-01", "2025-06", 41
YEAR = 2024  # the yearly report's year
# A CPR number as a token of its own (tests/test_failure.py): hex pseudonyms may hold ten-digit
# runs between letters.
CPR_SHAPED = re.compile(r"(?<![0-9A-Za-z])[0-3]\d[01]\d{3}-?\d{4}(?![0-9A-Za-z])")
DIGIT_TOKENS = re.compile(r"(?<![0-9])(?:\d{6}-\d{4}|\d{9,10})(?![0-9])")
HEX_SHAPE = "[0-9a-f]{64}"  # a pseudonym as the raw tables hold it
KEY_SHAPE = "[0-9A-Za-z+/]{12}"  # from staging on: its first 72 bits in base64 (macros/person_key.sql)
HEX64 = re.compile(rf"(?<![0-9a-fA-F]){HEX_SHAPE}(?![0-9a-fA-F])")
KEY12 = re.compile(rf"(?<![0-9A-Za-z+/]){KEY_SHAPE}(?![0-9A-Za-z+/=])")
PSEUDONYM_COLUMN = "person_id"
PSEUDONYM_SHAPE = {"raw": HEX_SHAPE}  # the raw tables; every other schema: KEY_SHAPE
# The allow-list of CPR-shaped tokens: numeric literals of the JavaScript the report and the data
# dictionary ship unchanged (e.g. plotly.min.js's `-1473231341`, an MD5 round constant). A token
# is allowed only if the package's own copy of the file holds it; a sample CPR never is.
VENDORED = (
    Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js",
    Path(__import__("dbt.task.docs", fromlist=["x"]).__file__).parent / "index.html",
)


# ----------------------------------------------------------------------------- the run

def _console(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("helhedsplan")), *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=900,
                          check=False)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """sample → `helhedsplan run` → `report --pdf` → `aarsrapport`; (root, raw, terminal)."""
    from pipelines.sample import generate

    root = tmp_path_factory.mktemp("leaks")
    raw = root / "raw"
    generate(raw, residents=RESIDENTS, start=START, end=END, seed=SEED)
    for folder in ("work", "tmp"):
        (root / folder).mkdir()
    env = {**os.environ, "PREFECT_HOME": str(root / "prefect"), "TMPDIR": str(root / "tmp")}
    env.pop("PREFECT_API_URL", None)  # the run's own ephemeral server, its database in the tree
    paths = ["--warehouse", str(root / "warehouse.duckdb"), "--marts", str(root / "marts")]
    started = time.time()
    terminal, timings = [], {}
    for args in (["run", "--raw", str(raw), *paths], ["report", "--pdf", paths[2], paths[3]],
                 ["aarsrapport", "--aar", str(YEAR), paths[2], paths[3]]):
        begun = time.perf_counter()
        done = _console(*args, env=env, cwd=root / "work")
        timings[args[0]] = time.perf_counter() - begun
        assert done.returncode == 0, (args[0], done.stdout[-2000:], done.stderr[-2000:])
        terminal.append(done.stdout + done.stderr)
    print("leak-scan run timings (s):", {k: round(v, 1) for k, v in timings.items()})
    return root, raw, "\n".join(terminal), started


# ------------------------------------------------------------------- what the test knows

def _raw_frames(raw: Path):
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        if path.suffix.lower() == ".xlsx":
            yield path, pd.read_excel(path, dtype=str)
            continue
        text = path.read_bytes()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                decoded = text.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        header = decoded.splitlines()[0]
        sep = max((";", ",", "\t", "|"), key=header.count)
        from io import StringIO

        yield path, pd.read_csv(StringIO(decoded), sep=sep, dtype=str, keep_default_na=False)


def _normalised(value: str) -> str | None:
    text = str(value).strip().replace("-", "")
    text = text.removesuffix(".0")
    if not text.isdigit() or len(text) not in (9, 10):
        return None
    return text.zfill(10)


def cpr_forms(cprs: set[str]) -> set[str]:
    """Each 10-digit CPR in the contract's forms: DDMMYY-SSSS, DDMMYYSSSS and, for a leading
    zero, the 9 digits Excel leaves."""
    forms = set()
    for cpr in cprs:
        forms |= {cpr, f"{cpr[:6]}-{cpr[6:]}"}
        if cpr.startswith("0"):
            forms.add(cpr[1:])
    return forms


@pytest.fixture(scope="module")
def secrets(run):
    """(the sample's CPR numbers in every form, the warehouse's pseudonyms): in memory only."""
    root, raw, _, _ = run
    return read_secrets(root / "warehouse.duckdb", raw)


def read_secrets(warehouse: Path, raw: Path) -> tuple[set[str], set[str]]:
    cprs = set()
    for path, frame in _raw_frames(raw):
        columns = [c for c in frame.columns if str(c).strip().lower() == "cpr"]
        assert columns, path.name
        cprs |= {n for n in map(_normalised, frame[columns[0]]) if n}
    assert len(cprs) >= RESIDENTS * 0.9  # residents, movers-in and the invalid ones
    pseudonyms = set()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema, table in _person_tables(con):
            pseudonyms |= {r[0] for r in con.execute(
                f'select distinct {PSEUDONYM_COLUMN} from "{schema}"."{table}" '
                f"where {PSEUDONYM_COLUMN} is not null").fetchall()}
    assert len(pseudonyms) >= RESIDENTS * 0.9
    assert all(HEX64.fullmatch(p) or KEY12.fullmatch(p) for p in pseudonyms)
    assert any(HEX64.fullmatch(p) for p in pseudonyms) and any(KEY12.fullmatch(p) for p in pseudonyms)
    return cpr_forms(cprs), pseudonyms


def _person_tables(con) -> list[tuple[str, str]]:
    return con.execute("""select table_schema, table_name from information_schema.columns
        where column_name = ? and data_type = 'VARCHAR'""", [PSEUDONYM_COLUMN]).fetchall()


# ------------------------------------------------------------------------------ scanning

@functools.cache
def allowed_tokens() -> frozenset[str]:
    return frozenset(token for path in VENDORED
                     for token in CPR_SHAPED.findall(path.read_text(encoding="utf-8")))


def hits_in_text(text: str, cprs: set[str], pseudonyms: set[str] | None,
                 shaped: bool = True) -> list[str]:
    """What `text` gives away, masked (the report must not repeat a CPR number either): the
    sample's CPR numbers, CPR-shaped tokens (`shaped`: not in binary data, whose adjacent fields
    run together, e.g. SQLite's '13:29:06.922668' + '2026-12-03') and the pseudonyms."""
    found = []
    for token in DIGIT_TOKENS.findall(text):
        if token in cprs:
            found.append("sample CPR " + re.sub(r"\d", "#", token))
    for match in CPR_SHAPED.finditer(text) if shaped else ():
        if match.group() in allowed_tokens():
            continue
        found.append("CPR-shaped " + re.sub(r"\d", "#", match.group()) + " in …"
                     + re.sub(r"\d", "#", text[max(0, match.start() - 30):match.end() + 30]) + "…")
    if pseudonyms is not None:
        found += ["pseudonym " + p[:6] + "…" for p in HEX64.findall(text.lower()) if p in pseudonyms]
        found += ["pseudonym key " + p[:3] + "…" for p in KEY12.findall(text) if p in pseudonyms]
    return found


def is_binary(data: bytes) -> bool:
    return b"\x00" in data[:65536]


def _texts_of_bytes(data: bytes) -> list[str]:
    texts = [data.decode("latin-1")]  # ASCII and UTF-8 digits are the same bytes
    if data.count(b"\x00") > len(data) // 8:  # UTF-16 (e.g. a Windows log)
        texts += [data.decode("utf-16-le", "ignore"), data[1:].decode("utf-16-le", "ignore")]
    return texts


def pdf_texts(data: bytes) -> tuple[list[tuple[str, bool]], int]:
    """The PDF's text as (text, is binary): the raw bytes and every inflated FlateDecode stream
    (binary: ten-digit cross-reference offsets and coordinates are no text; they are searched for
    the sample's CPR numbers only), and the text its content streams draw:
    Chromium (Skia) writes glyph ids (`/F5 15 Tf … <0025> Tj`), read back through the font's
    ToUnicode map, one text block (BT … ET) a word run; and the number of streams."""
    objects: dict[bytes, bytes] = {}
    streams = []
    for match in re.finditer(rb"(\d+) 0 obj\s*<<(?:(?!endobj).)*?>>\s*stream\r?\n", data, re.DOTALL):
        end = data.find(b"endstream", match.end())
        if end < 0:
            continue
        body = data[match.end():end]
        try:
            body = zlib.decompressobj().decompress(body)
        except zlib.error:
            pass
        objects[match.group(1)] = body
        streams.append(body)
    maps = {number: _to_unicode(objects.get(cmap, b"")) for number, cmap in
            re.findall(rb"(\d+) 0 obj\s*<<[^>]*?/ToUnicode (\d+) 0 R", data)}
    fonts = {name: maps.get(number, {}) for name, number in
             re.findall(rb"/(F\d+) (\d+) 0 R", data)}
    # the streams as binary: a content stream's operands are coordinates (`.0123456789 l`)
    texts = [(data.decode("latin-1"), True)] + [(s.decode("latin-1"), True) for s in streams]
    operator = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\bET\b|\[([^\]]*)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj")
    for stream in streams:
        if b"BT" not in stream or is_binary(stream):
            continue
        blocks, block, cmap = [], [], {}
        for match in operator.finditer(stream):
            font, array, single = match.groups()
            if font is not None:
                cmap = fonts.get(font, {})
            elif array is None and single is None:  # ET: the block ends
                blocks.append("".join(block))
                block = []
            else:
                for glyphs in re.findall(rb"<([0-9A-Fa-f]+)>", array) if array else [single]:
                    width = max(map(len, cmap), default=4)
                    block += [cmap.get(glyphs[i:i + width].upper(), "?")
                              for i in range(0, len(glyphs), width)]
        texts.append((" ".join(blocks + ["".join(block)]), False))
    return texts, len(streams)


def _to_unicode(stream: bytes) -> dict[bytes, str]:
    """A ToUnicode CMap's bfchar and bfrange entries as {glyph hex (upper): text}."""
    if b"begincmap" not in stream:
        return {}
    cmap: dict[bytes, str] = {}

    def text(hex_: bytes) -> str:
        return bytes.fromhex(hex_.decode()).decode("utf-16-be", "ignore")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.DOTALL):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            cmap[src.upper()] = text(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.DOTALL):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>",
                                      block):
            width, start = len(lo), int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                cmap[f"{code:0{width}X}".encode()] = chr(start + offset)
    return cmap


def duckdb_hits(path: Path, cprs: set[str], pseudonyms: set[str] | None) -> list[str]:
    """Every text column of every table (a person column: pseudonyms only), numeric columns as
    numbers, of one DuckDB file."""
    numbers = {int(c) for c in cprs if "-" not in c}
    found = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute("""select table_schema, table_name, column_name, data_type
            from information_schema.columns""").fetchall()
        for schema, table, column, data_type in columns:
            where = f'"{schema}"."{table}"."{column}"'
            source = f'"{schema}"."{table}"'
            if column == PSEUDONYM_COLUMN and data_type == "VARCHAR" and pseudonyms is None:
                shape = PSEUDONYM_SHAPE.get(schema, KEY_SHAPE)
                bad = con.execute(f'select count(*) from {source} where "{column}" is not null '
                                  f"and not regexp_full_match(\"{column}\", ?)", [shape]
                                  ).fetchone()[0]
                if bad:
                    found.append(f"{where}: {bad} values that are no pseudonym")
                continue
            if data_type in ("BIGINT", "HUGEINT", "UBIGINT", "DOUBLE", "DECIMAL(18,3)"):
                values = {r[0] for r in con.execute(
                    f'select distinct "{column}" from {source} where "{column}" >= 10000000'
                ).fetchall()}
                if any(float(v).is_integer() and int(v) in numbers for v in values):
                    found.append(f"{where}: a sample CPR as a number")
                continue
            if data_type.startswith(("INTEGER", "SMALLINT", "TINYINT", "DATE", "TIMESTAMP",
                                     "BOOLEAN", "TIME", "INTERVAL", "FLOAT", "UUID")):
                continue
            values = con.execute(f'select distinct cast("{column}" as varchar) from {source} '
                                 f'where "{column}" is not null').fetchall()
            for (value,) in values:
                found += [f"{where}: {hit}" for hit in hits_in_text(value, cprs, pseudonyms)]
    return found


def sqlite_hits(path: Path, cprs: set[str]) -> list[str]:
    """Every value of every table of a SQLite file (Prefect's database) as text."""
    found = []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            for row in con.execute(f'select * from "{table}"'):
                for value in row:
                    if value is None:
                        continue
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    found += [f"{path.name}:{table}: {hit}"
                              for hit in hits_in_text(text, cprs, None)]
    finally:
        con.close()
    return found


def _is_published_side(path: Path, root: Path) -> bool:
    return path.is_relative_to(root / "marts")


# -------------------------------------------------------------------------------- tests

def written_files(root: Path, raw: Path, since: float) -> list[Path]:
    """Everything under the test's folder but the deliveries, and what the run wrote into the
    project since it started: files git does not track, outside .venv and caches, and not
    source (.py, .sql, .md: an engineer may be editing those while the test runs)."""
    ours = [p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(raw)]
    tracked = set(subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True,
                                 text=True, check=True).stdout.splitlines())
    skip = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache"}
    project = [p for p in PROJECT_ROOT.rglob("*") if p.is_file() and not skip & set(p.parts)
               and p.suffix not in (".py", ".sql", ".md")
               and str(p.relative_to(PROJECT_ROOT)) not in tracked
               and p.stat().st_mtime >= since]
    return ours + project


def test_the_run_wrote_what_the_scan_covers(run):
    """The scan is only as good as its tree: each place the issue names holds files."""
    root, _, terminal, _ = run
    marts = root / "marts"
    expected = {
        "published file": [marts / "helhedsplan.duckdb"],
        "history copies": list((marts / "history").glob("*.duckdb")),
        "report pages": list((marts / "report").rglob("*.html")),
        "board pack PDF": list(marts.glob("*.pdf")),
        "yearly report PDF": list(marts.rglob(f"aarsrapport-{YEAR}.pdf")),
        "GX Data Docs": list((marts / "quality").rglob("*.html")),
        "data dictionary": list((marts / "docs").rglob("*")),
        "dbt target/": list((root / "warehouse.dbt" / "target").rglob("*.json")),
        "dbt logs": list((root / "warehouse.dbt" / "logs").rglob("*.log")),
        "Prefect database": list((root / "prefect").rglob("*.db")),
        "the run's logs": list((root / "logs").glob("*.log")),
    }
    assert {name: len(files) for name, files in expected.items() if not files} == {}
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        quarantined = con.execute("select count(*) from raw.quarantine").fetchone()[0]
        invalid_cpr = con.execute("select count(*) from raw.quarantine "
                                  "where column_name = 'cpr'").fetchone()[0]
    assert quarantined > 0 and invalid_cpr > 0  # the sample's invalid CPR numbers reached it
    assert "Offentliggjort" in terminal


def scan(root: Path, raw: Path, terminal: str, since: float, cprs: set[str],
         pseudonyms: set[str]) -> tuple[list[str], dict]:
    """Every hit in the terminal's text and in the files the run wrote; and what was scanned."""
    found = [f"terminal: {hit}" for hit in hits_in_text(terminal, cprs, pseudonyms)]
    scanned = {"duckdb": 0, "sqlite": 0, "pdf": 0, "text": 0, "binary": 0,
               "pdf streams inflated": 0}
    for path in written_files(root, raw, since):
        name = str(path.relative_to(root) if path.is_relative_to(root) else path)
        published = _is_published_side(path, root)
        data = path.read_bytes()
        if data.startswith(b"SQLite format 3"):
            scanned["sqlite"] += 1
            found += sqlite_hits(path, cprs)
        elif path.suffix == ".duckdb" and len(data) > 0:
            scanned["duckdb"] += 1
            found += [f"{name}: {hit}" for hit in
                      duckdb_hits(path, cprs, pseudonyms if published else None)]
        if data.startswith(b"%PDF"):
            scanned["pdf"] += 1
            texts, streams = pdf_texts(data)
            scanned["pdf streams inflated"] += streams
        else:
            binary = is_binary(data)
            texts = [(text, binary) for text in _texts_of_bytes(data)]
            scanned["binary" if binary else "text"] += 1
        for text, binary in texts:
            found += [f"{name}: {hit}" for hit in hits_in_text(
                text, cprs, pseudonyms if published else None, shaped=not binary)]
    return sorted(set(found)), scanned


def test_nothing_the_run_wrote_holds_a_cpr_number(run, secrets):
    root, raw, terminal, started = run
    found, scanned = scan(root, raw, terminal, started, *secrets)
    print("leak scan:", scanned)
    assert scanned["duckdb"] >= 3 and scanned["sqlite"] >= 1 and scanned["pdf"] >= 2
    assert scanned["pdf streams inflated"] > 0  # Chromium compresses: the scan inflated them
    assert found == []


def key_hits(path: Path, key: str) -> list[str]:
    """Where the pseudonymisation key appears in one file: every text value of a DuckDB or SQLite
    file (their pages compress text), a PDF's drawn text, else the bytes in UTF-8 and UTF-16."""
    data = path.read_bytes()
    if path.suffix == ".duckdb" and data:
        with duckdb.connect(str(path), read_only=True) as con:
            columns = con.execute(
                "select database_name, schema_name, table_name, column_name from duckdb_columns() "
                "where data_type = 'VARCHAR' and not internal").fetchall()
            return [f"{path.name}:{t}.{c}" for d, sch, t, c in columns if con.execute(
                f'select count(*) from "{d}"."{sch}"."{t}" where contains("{c}", ?)', [key]).fetchone()[0]]
    if data.startswith(b"SQLite format 3"):
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
            return [f"{path.name}:{table}" for table in tables
                    if any(key in str(value) for row in con.execute(f'select * from "{table}"')
                           for value in row if value is not None)]
        finally:
            con.close()
    texts = [text for text, _ in pdf_texts(data)[0]] if data.startswith(b"%PDF") else _texts_of_bytes(data)
    return [path.name] if any(key in text for text in texts) else []


def test_the_pseudonymisation_key_is_nowhere_the_run_wrote(run):
    """Not in the warehouse, pipeline_runs, Prefect's database, the logs, dbt's files, the report,
    the PDFs or the terminal (the run took the key from the environment)."""
    root, raw, terminal, started = run
    key = os.environ["HELHEDSPLAN_PSEUDONYM_KEY"]
    assert key not in terminal
    files = written_files(root, raw, started)
    assert len(files) > 100
    assert [hit for path in files for hit in key_hits(path, key)] == []
    planted = root / "tmp" / "planted.log"  # the detector finds it where it is
    planted.write_text(f"key={key}", encoding="utf-16")
    assert key_hits(planted, key) == ["planted.log"]
    planted.unlink()


def test_the_scan_finds_what_it_looks_for(run, secrets, tmp_path):
    """The scanner itself: a CPR in each form, a pseudonym, a CPR-shaped token, in a text file,
    a DuckDB column, a SQLite row and a PDF's glyphs are all found."""
    cprs, pseudonyms = secrets
    cpr = next(c for c in cprs if len(c) == 10 and c.isdigit() and c.startswith("0"))
    for form in (cpr, f"{cpr[:6]}-{cpr[6:]}", cpr[1:]):
        assert hits_in_text(f"row 7: {form};", cprs, None)
    for shape in (HEX64, KEY12):  # a raw pseudonym and a staging key
        pseudonym = next(p for p in pseudonyms if shape.fullmatch(p))
        assert hits_in_text(f"id={pseudonym}", cprs, pseudonyms)
        assert not hits_in_text(f"id={pseudonym}", cprs, None)
    assert hits_in_text("at 311299-1234 ", set(), None)  # shaped, not the sample's
    assert not hits_in_text("2025-06-30T12:16:53 pid1472 a1012345678b", set(), None)

    db = tmp_path / "t.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table t (note varchar, n bigint)")
        con.execute("insert into t values ('x', ?), (?, 1)", [int(cpr), f"ok {cpr[:6]}-{cpr[6:]}"])
    assert len(duckdb_hits(db, cprs, None)) >= 2
    lite = tmp_path / "t.db"
    with sqlite3.connect(lite) as con:
        con.execute("create table log (message text)")
        con.execute("insert into log values (?)", [f"loaded {cpr}"])
    assert sqlite_hits(lite, cprs)

    # a PDF whose font F1 maps glyph 0x0011.. to the digits 0.. (bfrange), one glyph per Tj as
    # Chromium writes, its streams compressed
    cmap = b"begincmap\nbeginbfrange\n<0011> <001A> <0030>\nendbfrange\nendcmap"
    shown = b"".join(b"<%04X> Tj 5 0 Td " % (0x11 + int(d)) for d in cpr)
    content = zlib.compress(b"BT /F1 9 Tf " + shown + b"ET")
    pdf = (b"%PDF-1.4\n1 0 obj\n<</Filter /FlateDecode>>\nstream\n" + content
           + b"\nendstream\nendobj\n2 0 obj\n<</Filter /FlateDecode>>\nstream\n" + zlib.compress(cmap)
           + b"\nendstream\nendobj\n3 0 obj\n<</Type /Font /ToUnicode 2 0 R>>\nendobj\n"
           + b"4 0 obj\n<</Font <</F1 3 0 R>> >>\nendobj\n")
    texts, streams = pdf_texts(pdf)
    assert streams == 2 and any(hits_in_text(t, cprs, None) for t, _ in texts)
    assert cpr.encode() not in pdf
