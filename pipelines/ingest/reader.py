"""Reads one delivery file, whatever its form, into an all-VARCHAR DuckDB table with spreadsheet row numbers.

Raw files are only read, never changed. Windows-1252 text that DuckDB cannot decode offline is
transcoded into a temporary UTF-8 copy, which is deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

TEXT_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx"}
DELIMITERS = (";", "\t", ",")
_BLANK_LINE = re.compile(rb"(^|\n)[ \t\r]*(\n|$)")


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


def file_info(path: Path) -> tuple[FileInfo, bytes]:
    data = path.read_bytes()
    return FileInfo(path, hashlib.sha256(data).hexdigest(), len(data)), data


def normalise_header(name: object) -> str:
    """Case-insensitive, trimmed, æ ø å equal to ae oe aa, other punctuation as `_`."""
    text = str(name).replace("\ufeff", "").strip().lower()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def read_into(con: duckdb.DuckDBPyConnection, info: FileInfo, data: bytes, table: str) -> ReadResult:
    """Create `table` (source_row INTEGER, <normalised columns> VARCHAR) from the file; blank rows dropped."""
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
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Bytes 0x80-0x9F are printable only in Windows-1252 (e.g. '–', '€'); otherwise Latin-1 is identical.
    return "cp1252" if any(0x80 <= b <= 0x9F for b in set(data)) else "latin-1"


def _detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties go to ';' (listed first), the Danish default
    if counts[best] == 0:
        raise UnreadableFile("ingen kolonneoverskrift med ; , eller tabulator i første linje")
    return best


def _line_numbers(text: str) -> list[int] | None:
    """Physical line number of each non-blank line, when blank lines shift the row numbering."""
    lines = text.splitlines()
    if all(line.strip() for line in lines):
        return None
    return [i + 1 for i, line in enumerate(lines) if line.strip()]


def _read_text(con, path: Path, data: bytes, table: str) -> ReadResult:
    if not data.strip():
        raise UnreadableFile("filen er tom")
    encoding = _detect_encoding(data)
    text = data.decode(encoding)
    lines = text.splitlines()
    leading_blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    first = lines[leading_blank] if leading_blank < len(lines) else ""
    delimiter = _detect_delimiter(first)
    line_numbers = _line_numbers(text) if _BLANK_LINE.search(data) else None

    duck_encoding = {"utf-8-sig": "utf-8", "cp1252": "utf-8"}.get(encoding, encoding)
    with tempfile.TemporaryDirectory(prefix="helhedsplan-") as tmp:
        source = path
        if encoding == "cp1252":
            source = Path(tmp) / "transcoded.csv"
            source.write_text(text, encoding="utf-8")
        try:
            con.execute(
                f"""create or replace temp table _file as
                select * from read_csv(?, delim = ?, header = true, all_varchar = true,
                    encoding = ?, quote = '"', escape = '"', null_padding = true,
                    auto_detect = false, skip = ?, columns = ?)""",
                [str(source), delimiter, duck_encoding, leading_blank,
                 _header_columns(first, delimiter)],
            )
        except duckdb.Error as error:
            # DuckDB's message can quote the offending line (maybe a CPR number): keep only its line.
            line = re.search(r"[Ll]ine:? (\d+)", str(error))
            where = f" (omkring linje {line.group(1)})" if line else ""
            raise UnreadableFile(f"filen kunne ikke læses som afgrænset tekst{where}") from None
    file_format = f"{path.suffix.lower().lstrip('.')};{encoding};{'tab' if delimiter == chr(9) else delimiter}"
    return _finish(con, table, line_numbers, file_format)


def _header_columns(first_line: str, delimiter: str) -> dict[str, str]:
    import csv

    names = next(csv.reader([first_line], delimiter=delimiter))
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
    return str(value)


def _read_excel(con, path: Path, table: str) -> ReadResult:
    try:
        frame = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise UnreadableFile(f"Excel-filen kunne ikke åbnes ({type(error).__name__})") from None
    frame = frame.map(_excel_text)
    if frame.empty:
        raise UnreadableFile("Excel-arket er tomt")
    header = frame.iloc[0].tolist()
    names: list[str] = []
    for i, name in enumerate(header):
        key = normalise_header(name) if name is not None else f"unnamed_{i + 1}"
        while key in names:
            key += "_dup"
        names.append(key)
    body = frame.iloc[1:].copy()
    body.columns = names
    body.insert(0, "_excel_row", range(2, len(body) + 2))  # pandas index 0 = sheet row 1
    con.register("_excel_frame", body)
    con.execute("create or replace temp table _file as select * from _excel_frame")
    con.unregister("_excel_frame")
    return _finish(con, table, None, "xlsx", excel=True)


def _finish(con, table: str, line_numbers: list[int] | None, file_format: str, excel=False) -> ReadResult:
    columns = [c for c in _columns(con, "_file") if c != "_excel_row"]
    not_blank = " or ".join(f"nullif(trim({_q(c)}), '') is not null" for c in columns)
    join = ""
    if excel:
        row_expr = "_excel_row"
    elif line_numbers is not None:
        # the n-th non-blank line (1 = header) is data row rowid + 2
        con.execute(
            "create or replace temp table _lines as "
            "select unnest(?::integer[]) as line, unnest(range(1, ? + 1)) as idx",
            [line_numbers, len(line_numbers)],
        )
        join, row_expr = "left join _lines on _lines.idx = _file.rowid + 2", "_lines.line"
    else:
        row_expr = "_file.rowid + 2"
    select = ", ".join("_file." + _q(c) for c in columns)
    con.execute(
        f"create or replace temp table {table} as "
        f"select ({row_expr})::integer as source_row, {select} from _file {join} "
        f"where {not_blank} order by source_row"
    )
    con.execute("drop table if exists _file; drop table if exists _lines")
    rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    return ReadResult(columns=columns, file_format=file_format, rows_read=rows)


def _columns(con, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {table}").fetchall()]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
