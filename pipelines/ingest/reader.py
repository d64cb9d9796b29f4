"""Reads one delivery file, whatever its form, into an all-VARCHAR DuckDB table with spreadsheet row numbers.

Raw files are only read, never changed. Windows-1252, Latin-1 and UTF-16 text (DuckDB cannot decode
them offline), and
text with empty lines (which DuckDB would skip, shifting row numbers), is read from a temporary
UTF-8 copy, deleted afterwards. Row numbers are as a spreadsheet shows them: header = 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.catalogue import ingest_config

TEXT_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx"}
DELIMITERS = (";", "\t", ",")
_EMPTY_LINE = re.compile(r"\n\r?\n")
OVERFLOW = "_overflow"  # a header name never starts with '_' once normalised


class UnreadableFile(Exception):
    """The file cannot be read at all; the message is safe to log (it never holds cell values)."""


@dataclass
class FileInfo:
    path: Path
    sha256: str
    size_bytes: int


@dataclass
class ReadResult:
    columns: list[str]  # normalised header names, in file order
    file_format: str  # e.g. "csv;utf-8-sig;;" or "xlsx"
    rows_read: int
    delimiter: str | None = None  # None for .xlsx


def file_info(path: Path) -> tuple[FileInfo, bytes]:
    data = path.read_bytes()
    return FileInfo(path, hashlib.sha256(data).hexdigest(), len(data)), data


def normalise_header(name: object) -> str:
    """Case-insensitive, trimmed, æ ø å equal to ae oe aa, other punctuation as `_`."""
    text = unicodedata.normalize("NFC", str(name).replace("\ufeff", "")).strip().lower()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def read_into(con: duckdb.DuckDBPyConnection, info: FileInfo, data: bytes, table: str) -> ReadResult:
    """Create `table` (source_row INTEGER, _extra_fields BOOLEAN, <normalised columns> VARCHAR) from
    the file; blank rows dropped."""
    suffix = info.path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _read_text(con, info.path, data, table)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(con, info.path, table)
    raise UnreadableFile(
        f"ukendt filtype '{info.path.suffix}': kun .csv, .txt og .xlsx kan indlæses"
    )


def _detect_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # Excel's "Unicode text" export (tab-delimited .txt)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Bytes 0x80-0x9F are printable only in Windows-1252 (e.g. '–', '€'); otherwise Latin-1 is identical.
    # Five of them (0x81, 0x8D, 0x8F, 0x90, 0x9D) are undefined in Windows-1252: then it is Latin-1.
    if any(0x80 <= b <= 0x9F for b in set(data)):
        try:
            data.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return "latin-1"


def _detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    # ties go to ';' (listed first), the Danish default; a line without any is one column
    return max(DELIMITERS, key=lambda d: counts[d])


def _fill_empty_lines(text: str, delimiter: str) -> str:
    """Empty lines as a line of one delimiter: DuckDB skips empty lines, which would shift row numbers;
    a delimiter-only row is kept (and dropped later as blank)."""
    return re.sub(r"(?m)^(?=\r?$)", delimiter, text.rstrip("\r\n")) + "\n"


def _read_text(con, path: Path, data: bytes, table: str) -> ReadResult:
    if not data.strip():
        raise UnreadableFile("filen er tom")
    limits = ingest_config()
    encoding = _detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFile(f"filen kunne ikke læses som {encoding}-tekst") from None
    leading_blank, first = _first_line(text)
    if len(first) > limits["max_header_chars"]:
        raise UnreadableFile(
            f"første linje har {len(first):,} tegn og er ikke en kolonneoverskrift "
            f"(grænse {limits['max_header_chars']:,} tegn)".replace(",", ".")
        )
    delimiter = _detect_delimiter(first)
    columns = _header_columns(first, delimiter)
    _check_width(len(columns), limits)
    columns[OVERFLOW] = "VARCHAR"  # catches a row with more fields than the header
    body = text.rstrip("\r\n")
    has_empty_lines = _EMPTY_LINE.search(body) is not None or text.startswith(("\n", "\r"))

    with tempfile.TemporaryDirectory(prefix="helhedsplan-") as tmp:
        source = path
        # DuckDB decodes neither Windows-1252 offline nor Latin-1 with bytes 0x80-0x9F: Python does
        if encoding not in ("utf-8", "utf-8-sig") or has_empty_lines:
            source = Path(tmp) / "transcoded.csv"
            source.write_text(_fill_empty_lines(text, delimiter) if has_empty_lines else text, encoding="utf-8")
        # without quotes every line is one record and the fast parallel reader is used; its rows are
        # counted against the file's lines below, because it skips a line over max_line_size silently
        parallel = '"' not in body
        try:
            con.execute(
                f"""create or replace temp table _file as
                select * from read_csv(?, delim = ?, header = true, all_varchar = true,
                    encoding = ?, quote = '"', escape = '"', null_padding = true, strict_mode = false,
                    parallel = {parallel}, auto_detect = false, skip = ?, columns = ?,
                    max_line_size = ?)""",
                [str(source), delimiter, "utf-8", leading_blank, columns,
                 max(_DUCKDB_LINE_SIZE, min(limits["max_line_bytes"], len(data) + 2))],
            )
        except duckdb.Error as error:
            # DuckDB's message can quote the offending line (maybe a CPR number): keep only its line.
            line = re.search(r"[Ll]ine:? (\d+)", str(error))
            where = f" (omkring linje {line.group(1)})" if line else ""
            long = _first_long_line(body, limits["max_line_bytes"])
            if long:
                where = f": linje {long} er længere end grænsen på {limits['max_line_bytes'] // 2**20} MB"
            raise UnreadableFile(f"filen kunne ikke læses som afgrænset tekst{where}") from None
    _check_every_line_read(con, body, leading_blank, delimiter, limits["max_line_bytes"])
    file_format = f"{path.suffix.lower().lstrip('.')};{encoding};{'tab' if delimiter == chr(9) else delimiter}"
    result = _finish(con, table, f"_file.rowid + {leading_blank + 2}", file_format)
    result.delimiter = delimiter
    return result


_DUCKDB_LINE_SIZE = 2_097_152  # read_csv's default max_line_size
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _first_line(text: str) -> tuple[int, str]:
    """(number of blank lines before the first non-blank line, that line)."""
    position, blank = 0, 0
    while True:
        match = _NEWLINE.search(text, position)
        end = match.start() if match else len(text)
        line = text[position:end]
        if line.strip() or not match:
            return blank, line
        position, blank = match.end(), blank + 1


def _physical_lines(body: str) -> int:
    return body.count("\n") + body.count("\r") - body.count("\r\n") + 1


def _first_long_line(body: str, limit: int) -> int | None:
    """The line number (1 = first line) of the first line over `limit` bytes, if any."""
    for number, match in enumerate(re.finditer(r"[^\r\n]*", body), start=1):
        if len(match.group().encode("utf-8")) > limit:
            return (body.count("\n", 0, match.start()) + 1) if "\r" not in body else number
    return None


def _check_every_line_read(con, body: str, leading_blank: int, delimiter: str, limit: int) -> None:
    """Every data line of the file must be a row of `_file`: a line is never dropped unseen."""
    if '"' in body:  # quoted fields may hold newlines: count records as a CSV parser does
        previous = csv.field_size_limit()
        csv.field_size_limit(2**31 - 1)
        try:
            expected = sum(1 for _ in csv.reader(io.StringIO(body), delimiter=delimiter)) - leading_blank - 1
        except csv.Error:
            expected = None
        finally:
            csv.field_size_limit(previous)
    else:
        expected = _physical_lines(body) - leading_blank - 1
    got = con.execute("select count(*) from _file").fetchone()[0]
    if expected is not None and got == expected:
        return
    long = _first_long_line(body, limit)
    reason = f"linje {long} er længere end grænsen på {limit // 2**20} MB" if long else "ukendt årsag"
    raise UnreadableFile(f"kun {got} af {expected} datalinjer kunne læses ({reason})")


def _header_columns(first_line: str, delimiter: str) -> dict[str, str]:
    try:
        names = next(csv.reader([first_line], delimiter=delimiter))
    except csv.Error:
        raise UnreadableFile("første linje kunne ikke læses som kolonneoverskrift") from None
    columns: dict[str, str] = {}
    for i, name in enumerate(names):
        key = normalise_header(name) or f"unnamed_{i + 1}"
        while key in columns:
            key += "_dup"
        columns[key] = "VARCHAR"
    return columns


def _excel_text(value: object) -> str | None:
    """Cell → text as a CSV export would show it (CPR numbers stored as numbers keep their digits)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):  # a number cell: written with a decimal comma, as Danish Excel shows it
        return repr(value).replace(".", ",")
    return str(value)


def _check_width(columns: int, limits: dict) -> None:
    if columns > int(limits["max_columns"]):
        raise UnreadableFile(
            f"første linje har {columns:,} kolonner (grænse {int(limits['max_columns'])})".replace(",", ".")
        )


def _check_workbook(path: Path, limits: dict) -> None:
    """Refuse a workbook before openpyxl unpacks it: a zip bomb, macros, or values fetched from
    another file. The zip directory's sizes bind: zipfile stops reading a part at its stated size."""
    try:
        with zipfile.ZipFile(path) as workbook:
            parts = workbook.infolist()
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile("Excel-filen kunne ikke åbnes (ikke en gyldig .xlsx-fil)") from None
    unpacked, limit = sum(part.file_size for part in parts), int(limits["max_xlsx_unpacked_bytes"])
    if unpacked > limit:
        raise UnreadableFile(
            f"Excel-filen fylder {unpacked / 2**20:,.0f} MB udpakket (grænse {limit / 2**20:,.0f} MB) og "
            "læses ikke".replace(",", ".")
        )
    names = [part.filename.lower() for part in parts]
    if any(name.endswith("vbaproject.bin") for name in names):
        raise UnreadableFile("Excel-filen indeholder makroer; gem den som almindelig .xlsx uden makroer")
    if any(name.startswith("xl/externallinks/") for name in names):
        raise UnreadableFile("Excel-filen henter værdier fra en anden fil (eksterne links); "
                             "gem den med værdierne i stedet for links")


def _read_excel(con, path: Path, table: str) -> ReadResult:
    limits = ingest_config()
    _check_workbook(path, limits)
    try:
        frame = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        raise UnreadableFile(f"Excel-filen kunne ikke åbnes ({type(error).__name__})") from None
    frame = frame.map(_excel_text)
    if frame.empty:
        raise UnreadableFile("Excel-arket er tomt")
    header = frame.iloc[0].tolist()
    _check_width(len(header), limits)
    names: list[str] = []
    for i, name in enumerate(header):
        key = (normalise_header(name) if name is not None else "") or f"unnamed_{i + 1}"
        while key in names:
            key += "_dup"
        names.append(key)
    body = frame.iloc[1:].copy()
    body.columns = names
    body.insert(0, "_excel_row", range(2, len(body) + 2))  # pandas index 0 = sheet row 1
    con.register("_excel_frame", body)
    con.execute("create or replace temp table _file as select * from _excel_frame")
    con.unregister("_excel_frame")
    return _finish(con, table, "_excel_row", "xlsx")


def _finish(con, table: str, row_expr: str, file_format: str) -> ReadResult:
    """`table` = source_row, _extra_fields, the file's columns; rows without any value dropped."""
    helper = {"_excel_row", OVERFLOW}
    columns = [c for c in _columns(con, "_file") if c not in helper]
    # one pattern over the row's text: blank when no field holds anything but whitespace
    not_blank = f"regexp_matches(concat_ws('', {', '.join(_q(c) for c in columns)}), '[^\\s\\p{{Z}}]')"
    extra = f"{OVERFLOW} is not null" if OVERFLOW in _columns(con, "_file") else "false"
    select = ", ".join(_q(c) for c in columns)
    con.execute(
        f"create or replace temp table {table} as "
        f"select ({row_expr})::integer as source_row, {extra} as _extra_fields, {select} from _file "
        f"where coalesce({not_blank}, false) or {extra} order by source_row"
    )
    con.execute("drop table if exists _file")
    rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    return ReadResult(columns=columns, file_format=file_format, rows_read=rows)


def _columns(con, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {table}").fetchall()]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
