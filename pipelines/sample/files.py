"""File forms of the synthetic deliveries for `pipelines.sample`: how each supplier writes.

A `Style` is one export form (encoding, delimiter, decimal mark, header spelling, period/date/CPR
forms, ...). In the messy mode each source cycles through its styles, so any half year holds every
form; in the plain mode (large runs) every file is plain UTF-8 CSV written by DuckDB.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import numpy as np
import pandas as pd

FIXED_TIME = dt.datetime(2020, 1, 1, 0, 0, 0)
EXTRA = "_extra"  # key of the extra column's values (its header is the style's `extra`)

COLUMNS = {
    "beboere": ("periode", "cpr", "boligomraade", "afdeling", "boligselskab"),
    "skole": ("periode", "cpr", "skole", "klassetrin", "skoledage", "fravaersdage"),
    "karakterer": ("skoleaar", "cpr", "fag", "karakter"),
    "beskaeftigelse": ("periode", "cpr", "status"),
    "deltagelse": (
        "dato",
        "aktivitet_id",
        "aktivitet",
        "delaftale",
        "boligomraade",
        "partner",
        "cpr",
        "rolle",
    ),
    "forloeb": (
        "periode",
        "forloeb_id",
        "cpr",
        "startdato",
        "slutdato",
        "aktoerer",
        "afslutning",
    ),
}


@dataclass(frozen=True)
class Style:
    fmt: str = "csv"  # csv | xlsx
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1252
    sep: str = ","
    decimal: str = "."
    newline: str = "\n"
    headers: tuple[str | None, ...] | None = None  # per column of COLUMNS; None drops it
    period: str = "ym"  # ym | yyyymm | first_iso | last_dmy
    cpr: str = "dash"  # dash | plain | mixed | number (xlsx: leading zero lost)
    area: str = "clean"  # clean | messy (odd case and whitespace)
    status: str = "code"  # code | danish | upper
    grade: str = "int"  # int | text ("3. klasse")
    date: str = "iso"  # iso | dmy | dmy_dot | dmy_slash | cell (xlsx date cells)
    delaftale: str = "name"  # name | letter
    fag: str = "lower"  # lower | title | upper
    karakter: str = "number"  # number | text (7-step marks written "02", "00", "-3")
    actors: str = ","  # separator of the actor codes in `aktoerer`: "," ";" "|" ", "
    codes: str = "lower"  # case of actor and ending codes: lower | upper | title | mixed
    extra: str | None = None  # an extra column the pipeline must ignore
    blank_lines: bool = False

    @property
    def suffix(self) -> str:
        return ".xlsx" if self.fmt == "xlsx" else ".csv"


PLAIN = Style()
_FORLOEB_DK = ("Periode", "Forløb_ID", "CPR", "Startdato", "Slutdato", "Aktører", "Afslutning")
_DK = ("Periode", "CPR", "Boligområde", "Afdeling", "Boligselskab")
STYLES = {
    "beboere": (
        Style(encoding="cp1252", sep=";", newline="\r\n", headers=_DK, area="messy"),
        Style(
            encoding="utf-8-sig",
            sep=";",
            period="yyyymm",
            cpr="plain",
            extra="Lejemål",
            headers=(" PERIODE ", "Cpr", "BOLIGOMRÅDE", "AFDELING", None),
        ),
        Style(sep=",", period="first_iso"),
        Style(
            sep="\t",
            cpr="plain",
            area="messy",
            headers=("periode", "CPR", "Boligomraade", "afdeling", "boligselskab"),
        ),
        Style(fmt="xlsx", headers=_DK, cpr="number"),
        Style(encoding="cp1252", sep=";", newline="\r\n", headers=_DK, period="last_dmy"),
    ),
    "skole": (
        Style(
            encoding="cp1252",
            sep=";",
            newline="\r\n",
            decimal=",",
            grade="text",
            headers=("Periode", "CPR", "Skole", "Klassetrin", "Skoledage", "Fraværsdage"),
        ),
        Style(sep=",", period="yyyymm", cpr="plain", extra="Klasse"),
        Style(
            encoding="utf-8-sig",
            sep="\t",
            decimal=",",
            period="first_iso",
            headers=("PERIODE", "CPR", "SKOLE", "KLASSETRIN", "SKOLEDAGE", "FRAVÆRSDAGE"),
        ),
        Style(
            sep=";",
            decimal=",",
            cpr="mixed",
            headers=(" Periode", "Cpr", "Skole", "Klassetrin", "Skoledage", "Fraværsdage "),
        ),
        Style(
            fmt="xlsx",
            cpr="number",
            headers=("Periode", "CPR", "Skole", "Klassetrin", "Skoledage", "Fraværsdage"),
        ),
    ),
    "beskaeftigelse": (
        Style(sep=";", period="yyyymm", cpr="plain", headers=("Periode", "CPR", "Status")),
        Style(
            encoding="cp1252",
            sep=";",
            newline="\r\n",
            status="danish",
            extra="Ydelsesgruppe",
            headers=(" PERIODE ", "CPR", "STATUS"),
        ),
        Style(encoding="utf-8-sig", sep=",", status="upper"),
        Style(
            sep="\t",
            period="first_iso",
            cpr="plain",
            status="danish",
            headers=("Periode", "Cpr", "Status"),
        ),
    ),
    "deltagelse": (
        Style(
            fmt="xlsx",
            date="cell",
            cpr="mixed",
            headers=(
                "Dato",
                "Aktivitet_id",
                "Aktivitet",
                "Delaftale",
                "Boligområde",
                "Partner",
                "CPR",
                "Rolle",
            ),
        ),
        Style(sep=";", date="dmy_dot", delaftale="letter", cpr="mixed", area="messy"),
        Style(
            encoding="cp1252",
            sep=";",
            newline="\r\n",
            date="dmy",
            extra="Bemærkning",
            headers=(
                "Dato",
                "Aktivitet_ID",
                "Aktivitet",
                "Delaftale",
                "Boligområde",
                "Partner",
                "CPR",
                "Rolle",
            ),
        ),
        Style(encoding="utf-8-sig", sep=",", date="iso"),
        Style(sep="\t", date="dmy_slash", delaftale="letter", cpr="plain"),
    ),
    "karakterer": (
        Style(fmt="xlsx", cpr="number", fag="title", headers=("Skoleår", "CPR", "Fag", "Karakter")),
        Style(
            encoding="cp1252",
            sep=";",
            newline="\r\n",
            decimal=",",
            fag="upper",
            karakter="text",
            headers=("Skoleår", "Cpr", "Fag", "Karakter"),
        ),
        Style(fmt="xlsx", cpr="number", fag="title", headers=("SKOLEÅR", "CPR", "Fag", "Karakter")),
    ),
    "forloeb": (
        Style(
            encoding="cp1252",
            sep=";",
            newline="\r\n",
            date="dmy",
            actors=";",  # inside a ";"-delimited file: the writer quotes the field
            codes="title",
            headers=_FORLOEB_DK,
        ),
        Style(
            encoding="utf-8-sig",
            sep=",",
            period="yyyymm",
            cpr="plain",
            actors="|",
            codes="upper",
            extra="Koordinator",
            headers=(
                "PERIODE",
                "FORLØB_ID",
                "CPR",
                "STARTDATO",
                "SLUTDATO",
                "AKTØRER",
                "AFSLUTNING",
            ),
        ),
        Style(fmt="xlsx", date="cell", cpr="number", actors=", ", headers=_FORLOEB_DK),
        Style(sep="\t", period="first_iso", date="dmy_dot", codes="mixed"),
        Style(
            sep=";",
            period="last_dmy",
            date="dmy_slash",
            cpr="mixed",
            actors=";",
            codes="mixed",
            headers=(
                " Periode",
                "Forloeb_id",
                "Cpr",
                "Startdato",
                "Slutdato",
                "Aktoerer",
                "Afslutning ",
            ),
        ),
    ),
}


def style_for(source: str, index: int, seed: int, plain: bool) -> Style:
    """The form of a source's `index`-th file: every len(styles) files hold each form once."""
    if plain:
        return PLAIN
    styles = STYLES[source]
    cycle, pos = divmod(index, len(styles))
    if source == "karakterer":
        return styles[pos]
    perm = np.random.default_rng([seed, cycle, len(source)]).permutation(len(styles))
    return styles[perm[pos]]


def with_blank_lines(style: Style) -> Style:
    return replace(style, blank_lines=True)


# --- formatting of values -------------------------------------------------------------------


def period_text(year: int, month: int, form: str) -> str:
    if form == "yyyymm":
        return f"{year:04d}{month:02d}"
    if form == "first_iso":
        return f"{year:04d}-{month:02d}-01"
    if form == "last_dmy":
        last = (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).day
        return f"{last:02d}-{month:02d}-{year:04d}"
    return f"{year:04d}-{month:02d}"


def date_texts(dates: np.ndarray, form: str) -> np.ndarray:
    """dates: object array of datetime.date."""
    if form == "cell":
        return dates
    pattern = {
        "iso": "%Y-%m-%d",
        "dmy": "%d-%m-%Y",
        "dmy_dot": "%d.%m.%Y",
        "dmy_slash": "%d/%m/%Y",
    }[form]
    uniq, inverse = np.unique(dates, return_inverse=True)
    return np.array([d.strftime(pattern) for d in uniq], dtype=object)[inverse]


def decimal_texts(values: np.ndarray, decimal: str, places: int = 1) -> np.ndarray:
    """Decimal numbers as text: whole numbers without decimals, else `places` decimals."""
    uniq, inverse = np.unique(np.round(values, places), return_inverse=True)
    texts = [f"{v:.0f}" if float(v).is_integer() else f"{v:.{places}f}" for v in uniq]
    if decimal == ",":
        texts = [t.replace(".", ",") for t in texts]
    return np.array(texts, dtype=object)[inverse] if len(values) else np.array([], dtype=object)


def cpr_values(
    cpr10: np.ndarray, cpr11: np.ndarray, pid: np.ndarray, form: str, rng: np.random.Generator
) -> np.ndarray:
    """CPR numbers of persons `pid` (-1: none) in a file's form."""
    safe = np.maximum(pid, 0)
    if form == "number":
        values = np.array([int(c) for c in cpr10[safe]], dtype=object)
    elif form == "plain":
        values = cpr10[safe]
    elif form == "mixed":
        values = np.where(rng.random(len(pid)) < 0.7, cpr11[safe], cpr10[safe])
    else:
        values = cpr11[safe]
    values = values.astype(object)
    values[pid < 0] = None
    return values


def area_texts(names: np.ndarray, form: str, rng: np.random.Generator) -> np.ndarray:
    """Area names; the messy form writes some in odd case with stray whitespace."""
    names = names.astype(object)
    if form != "messy" or not len(names):
        return names
    variant = rng.integers(0, 8, len(names))
    out = names.copy()
    for v, fn in (
        (1, lambda s: s.lower() + " "),
        (2, str.upper),
        (3, lambda s: " " + s),
        (4, lambda s: s + "  "),
    ):
        hit = variant == v
        uniq, inverse = np.unique(names[hit], return_inverse=True)
        out[hit] = np.array([fn(s) for s in uniq], dtype=object)[inverse]
    return out


def int_texts(values: np.ndarray) -> np.ndarray:
    uniq, inverse = np.unique(values, return_inverse=True)
    return np.array([str(int(v)) for v in uniq], dtype=object)[inverse]


# --- writing --------------------------------------------------------------------------------


def write_file(path: Path, columns: dict[str, np.ndarray], source: str, style: Style) -> int:
    """Write one delivery; returns its data rows. `columns` is keyed by COLUMNS[source] (and
    EXTRA for the style's extra column)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    headers = style.headers or COLUMNS[source]
    keep = [(name, header) for name, header in zip(COLUMNS[source], headers) if header]
    data = [columns[name] for name, _ in keep]
    header_row = [header for _, header in keep]
    if style.extra and EXTRA in columns:
        data.append(columns[EXTRA])
        header_row.append(style.extra)
    rows = len(data[0]) if data else 0
    if style.fmt == "xlsx":
        path.write_bytes(_xlsx_bytes(header_row, data))
    elif style is PLAIN:
        _duckdb_csv(path, header_row, data)
    else:
        path.write_bytes(_csv_bytes(header_row, data, style))
    return rows


def _csv_bytes(header: list[str], data: list[np.ndarray], style: Style) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=style.sep, lineterminator=style.newline)
    writer.writerow(header)
    writer.writerows(zip(*[["" if v is None else v for v in col] for col in data]))
    text = buf.getvalue()
    if style.blank_lines:  # an export with empty lines in it and at its end
        lines = text.split(style.newline)
        for at in range(len(lines) - 1, 1, -97):
            lines.insert(at, "")
        text = style.newline.join(lines) + style.newline * 2
    return text.encode(style.encoding)


@functools.cache
def _duckdb() -> duckdb.DuckDBPyConnection:
    """One in-memory connection for all plain files (opening one costs about 0.1 s)."""
    return duckdb.connect()


def _duckdb_csv(path: Path, header: list[str], data: list[np.ndarray]) -> None:
    # object columns stay object: pandas would otherwise inspect every value to infer "str"
    frame = pd.DataFrame(
        {h: pd.Series(col, dtype=col.dtype, copy=False) for h, col in zip(header, data)}, copy=False
    )
    con = _duckdb()
    con.register("frame", frame)
    try:
        con.execute(f"COPY frame TO '{path.as_posix()}' (HEADER, DELIMITER ',')")
    finally:
        con.unregister("frame")


_NS = "http://schemas.openxmlformats.org"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_REL = f"{_NS}/officeDocument/2006/relationships"
_XLSX_PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_NS}/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{_NS}/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/></Relationships>'
    ),
    "docProps/core.xml": (
        f'<cp:coreProperties xmlns:cp="{_NS}/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>Viborg Kommune'
        '</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z'
        '</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z'
        "</dcterms:modified></cp:coreProperties>"
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_NS}/spreadsheetml/2006/main" xmlns:r="{_REL}">'
        '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_NS}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_NS}/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd-mm-yyyy"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="2">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _xlsx_cells(values: list, column: str) -> list[str]:
    """One column's cells (without the row number, added by the caller as `{}`)."""
    out = []
    for v in values:
        if v is None:
            out.append("")
        elif isinstance(v, str):
            space = ' xml:space="preserve"' if v != v.strip() else ""
            out.append(f'<c r="{column}{{0}}" t="inlineStr"><is><t{space}>{escape(v)}</t></is></c>')
        elif isinstance(v, dt.date):
            out.append(f'<c r="{column}{{0}}" s="1"><v>{(v - _EXCEL_EPOCH).days}</v></c>')
        else:
            out.append(f'<c r="{column}{{0}}"><v>{v!r}</v></c>')
    return out


def _xlsx_bytes(header: list[str], data: list[np.ndarray]) -> bytes:
    """A minimal workbook (one sheet, inline strings), written directly: fast and byte-stable."""
    letters = [chr(ord("A") + i) for i in range(len(header))]
    columns = [
        _xlsx_cells(
            list(header[i : i + 1]) + [v.item() if isinstance(v, np.generic) else v for v in col],
            letters[i],
        )
        for i, col in enumerate(data)
    ]
    rows = [
        f'<row r="{r + 1}">' + "".join(cells).replace("{0}", str(r + 1)) + "</row>"
        for r, cells in enumerate(zip(*columns))
    ]
    sheet = (
        f'<worksheet xmlns="{_NS}/spreadsheetml/2006/main"><sheetData>'
        + "".join(rows)
        + "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        parts = {**_XLSX_PARTS, "xl/worksheets/sheet1.xml": sheet}
        for name in (
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/core.xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        ):
            entry = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, (_XML + parts[name]).encode("utf-8"))
    return out.getvalue()
