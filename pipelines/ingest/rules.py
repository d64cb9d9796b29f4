"""The data contract's row rules per source, as DuckDB SQL over an all-VARCHAR table.

Each column rule gives a parse expression (NULL when invalid) and a Danish reason when invalid.
Reasons name the column, never its value: a CPR number must not reach the quarantine.
Parsing never raises (only try_ casts): a DuckDB error message could quote a value.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.catalogue import course_codes, delaftaler, ingest_config, status_codes
from pipelines.settings import CONFIG_DIR

# any run of whitespace, incl. the no-break spaces Excel cells often hold
_WS = "[\\s\\p{Z}]+"
ROW_COLUMN = "(række)"  # quarantine column_name for a problem of the whole row


def _clean(expr: str) -> str:
    """Trimmed, inner whitespace collapsed to one space; '' when only whitespace."""
    return f"trim(regexp_replace({expr}, '{_WS}', ' ', 'g'))"


def _fold(expr: str) -> str:
    """Lower case, æ ø å as ae oe aa, only letters and digits: how codes are compared."""
    return (
        f"regexp_replace(replace(replace(replace(lower({expr}), 'æ', 'ae'), 'ø', 'oe'), 'å', 'aa'),"
        " '[^a-z0-9]', '', 'g')"
    )


def fold(text: str) -> str:
    """Python twin of `_fold`, used to build the lookup tables it is compared with."""
    text = text.strip().lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]", "", text)


def status_aliases_file() -> Path:
    """Extra spellings of status codes an analyst configured (`alias,status`); empty by default."""
    return Path(os.environ.get("HELHEDSPLAN_STATUS_ALIASES") or CONFIG_DIR / "status_aliases.csv")


def status_lookup() -> dict[str, str]:
    """The contract's spellings: the code itself and its Danish spelling (folded, so æ ø å, spaces,
    hyphens and case do not matter; seeds/status_codes.csv `spelling_da`)."""
    lookup = {fold(code): code for code in status_codes()}
    lookup.update({fold(row.spelling_da): code for code, row in status_codes().items() if row.spelling_da})
    return lookup


def status_alias_lookup() -> dict[str, str]:
    """Configured aliases beyond the contract (counted per file in raw.load_log.rows_aliased)."""
    contract = status_lookup()
    with open(status_aliases_file(), encoding="utf-8", newline="") as handle:
        aliases = {fold(row["alias"]): row["status"].strip() for row in csv.DictReader(handle)}
    unknown = sorted({code for code in aliases.values() if code not in status_codes()})
    if unknown:
        raise ValueError(f"{status_aliases_file()}: ukendt statuskode i aliaslisten: {', '.join(unknown)}")
    return {alias: code for alias, code in aliases.items() if alias not in contract}


def delaftale_lookup() -> dict[str, str]:
    """Code, Danish name, or the code's first letter (`U`, `B`, `S`) → code (seeds/delaftaler.csv)."""
    lookup: dict[str, str] = {}
    for row in delaftaler():
        code = row.delaftale
        lookup.update({fold(code): code, fold(row.name_da): code, code[0]: code})
    return lookup


def _text(col: str) -> str:
    return f"nullif({_clean(col)}, '')"


def _too_long() -> str:
    return f"length({{v}}) > {int(ingest_config()['max_text_chars'])}"


def _too_long_reason() -> str:
    return f"teksten er længere end {int(ingest_config()['max_text_chars'])} tegn"


_ISO_DATE = "\\d{4}-\\d{1,2}-\\d{1,2}"
_DMY_DATE = "\\d{1,2}[-./]\\d{1,2}[-./]\\d{4}"


def _date(col: str) -> str:
    # only the contract's forms, with a four-digit year: '5.3.24' would be a guess at the century
    v = _clean(col)
    dmy = ", ".join(f"try_strptime({v}, '{f}')" for f in ("%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"))
    return (
        f"(case when regexp_full_match({v}, '{_ISO_DATE}') then try_strptime({v}, '%Y-%m-%d')"
        f" when regexp_full_match({v}, '{_DMY_DATE}') then coalesce({dmy}) end)::date"
    )


def _period(col: str) -> str:
    v = _clean(col)
    return (
        f"case when regexp_full_match({v}, '\\d{{4}}-\\d{{1,2}}') then try_strptime({v} || '-01', '%Y-%m-%d')::date"
        f" when regexp_full_match({v}, '\\d{{6}}') then try_strptime({v} || '01', '%Y%m%d')::date"
        f" else date_trunc('month', {_date(col)})::date end"
    )


def _number(col: str, mark: str) -> str:
    """A plain decimal in the file's decimal mark (`,` or `.`); the other mark groups thousands
    (`1.234,5` in a decimal-comma file). '1e3', 'nan', 'inf' and a misplaced mark are not numbers."""
    group = "." if mark == "," else ","
    v = f"replace({_clean(col)}, '−', '-')"
    g, m = re.escape(group), re.escape(mark)
    pattern = f"[+-]?((\\d{{1,3}}({g}\\d{{3}})+|\\d+)({m}\\d*)?|{m}\\d+)"
    plain = f"replace(replace({v}, '{group}', ''), '{mark}', '.')"
    return f"case when regexp_full_match({v}, '{pattern}') then try_cast({plain} as double) end"


def _integer(col: str, mark: str) -> str:
    """A whole number: digits, optionally grouped in thousands by the mark that is not the file's
    decimal mark. A decimal mark makes it invalid (an integer field with a fraction is a bad row)."""
    group = "." if mark == "," else ","
    v = f"replace({_clean(col)}, '−', '-')"
    pattern = f"[+-]?(\\d{{1,3}}({re.escape(group)}\\d{{3}})+|\\d+)"
    return (
        f"case when regexp_full_match({v}, '{pattern}')"
        f" then try_cast(replace({v}, '{group}', '') as integer) end"
    )


# CPR: DDMMYY-SSSS, DDMMYYSSSS or 9 digits (leading zero lost); century from the 7th digit.
def _cpr10(col: str) -> str:
    v = f"regexp_replace({col}, '{_WS}', '', 'g')"
    return (
        f"case when regexp_full_match({v}, '\\d{{6}}-\\d{{4}}') then replace({v}, '-', '')"
        f" when regexp_full_match({v}, '\\d{{10}}') then {v}"
        f" when regexp_full_match({v}, '\\d{{9}}') then '0' || {v} end"
    )


def cpr_birth_date(cpr10: str) -> str:
    """Birth date of a normalised CPR (NULL when DDMMYY is no date in the rule's century)."""
    yy = f"substr({cpr10}, 5, 2)::integer"
    d7 = f"substr({cpr10}, 7, 1)::integer"
    year = (
        f"case when {d7} <= 3 then 1900 + {yy}"
        f" when {d7} in (4, 9) then case when {yy} <= 36 then 2000 else 1900 end + {yy}"
        f" else case when {yy} <= 57 then 2000 else 1800 end + {yy} end"
    )
    return (
        f"try_strptime(({year})::varchar || substr({cpr10}, 3, 2) || substr({cpr10}, 1, 2),"
        " '%Y%m%d')::date"
    )


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = True
    extra: dict = field(default_factory=dict, hash=False)


COLUMNS: dict[str, list[Column]] = {
    "beboere": [
        Column("periode", "period"),
        Column("cpr", "cpr"),
        Column("boligomraade", "area"),
        Column("afdeling", "text"),
        Column("boligselskab", "text", required=False),
    ],
    "skole": [
        Column("periode", "period"),
        Column("cpr", "cpr"),
        Column("skole", "text"),
        Column("klassetrin", "klassetrin"),
        Column("skoledage", "positive_int"),
        Column("fravaersdage", "nonneg_decimal"),
    ],
    "karakterer": [
        Column("skoleaar", "school_year"),
        Column("cpr", "cpr"),
        Column("fag", "choice", extra={"values": ("dansk", "matematik")}),
        Column("karakter", "grade"),
    ],
    "beskaeftigelse": [
        Column("periode", "period"),
        Column("cpr", "cpr"),
        Column("status", "status"),
    ],
    "deltagelse": [
        Column("dato", "date"),
        Column("aktivitet_id", "text"),
        Column("aktivitet", "text"),
        Column("delaftale", "delaftale"),
        Column("boligomraade", "area"),
        Column("partner", "text", required=False),
        Column("cpr", "cpr", required=False),
        Column("rolle", "choice", extra={"values": ("deltager", "frivillig")}),
    ],
    "forloeb": [
        Column("periode", "period"),
        Column("forloeb_id", "text"),
        Column("cpr", "cpr"),
        Column("startdato", "date"),
        Column("slutdato", "date", required=False),
        Column("aktoerer", "actors"),
        Column("afslutning", "ending", required=False),
    ],
}

# Rules across columns of one row, checked once each column is valid: (condition on parsed values
# `v_<column>`, column named in the quarantine, Danish reason).
ROW_RULES: dict[str, list[tuple[str, str, str]]] = {
    "skole": [("v_fravaersdage > v_skoledage", "fravaersdage", "større end skoledage")],
    "forloeb": [
        ("v_startdato > last_day(v_periode)", "startdato", "efter periodens sidste dag"),
        ("v_slutdato < v_startdato", "slutdato", "før startdato"),
        # a course closed before the snapshot month is not in that snapshot
        ("v_slutdato < v_periode", "slutdato",
         "før periodens første dag: forløbet er ikke i denne opgørelse (uden for perioden)"),
        ("v_slutdato is not null and v_afslutning is null", "afslutning", "påkrævet, når slutdato er udfyldt"),
        ("v_slutdato is null and v_afslutning is not null", "afslutning", "skal være tom, når slutdato er tom"),
    ],
}

@dataclass(frozen=True)
class Conflict:
    """Rows of one delivery with the same `key` must agree on `compared` (None: on every column);
    rows that agree there but differ elsewhere are one row: the first in file order is kept."""
    key: tuple[str, ...]
    compared: tuple[str, ...] | None = None


# Data contract, "Bad input": only the named column makes a conflict.
CONFLICTS = {
    "beboere": Conflict(("period_start", "cpr10"), ("boligomraade",)),
    "beskaeftigelse": Conflict(("period_start", "cpr10")),
    "karakterer": Conflict(("skoleaar", "cpr10", "fag")),
    "forloeb": Conflict(("period_start", "forloeb_id")),
}


def ending_lookup() -> dict[str, str]:
    """How a course ended: the code or its Danish label (folded) → code (seeds/course_codes.csv)."""
    lookup: dict[str, str] = {}
    for row in course_codes("afslutning"):
        lookup.update({fold(row.label_da): row.code, fold(row.code): row.code})
    return lookup


_LIST_SEPARATORS = "[,;|]"


def _actors(col: str) -> str:
    """The actor codes of a course as a sorted set: split on `,` `;` `|`, folded, empty parts left out."""
    parts = f"regexp_split_to_array({col}, '{_LIST_SEPARATORS}')"
    folded = f"list_transform({parts}, lambda x: {_fold('x')})"
    return f"list_sort(list_distinct(list_filter({folded}, lambda x: x <> '')))"


def _in_lookup(folded: str, lookup: dict[str, str]) -> str:
    cases = " ".join(f"when '{k}' then '{v}'" for k, v in sorted(lookup.items()))
    return f"case {folded} {cases} end"


def parse_sql(column: Column, raw: str, mark: str = ",") -> tuple[str, str, str]:
    """(parsed value from `raw`, invalid condition on the parsed value `{v}`, Danish reason);
    `mark` is the file's decimal mark."""
    c = raw
    kind = column.kind
    if kind == "text":
        return _text(c), _too_long(), _too_long_reason()
    if kind == "area":
        words = f"string_split(lower({_text(c)}), ' ')"
        title = f"array_to_string(list_transform({words}, lambda w: upper(w[1]) || w[2:]), ' ')"
        return title, _too_long(), _too_long_reason()
    if kind == "period":
        return _period(c), "{v} is null", "ugyldig periode (forventet ÅÅÅÅ-MM, ÅÅÅÅMM eller en dato)"
    if kind == "date":
        return _date(c), "{v} is null", "ugyldig dato (forventet ÅÅÅÅ-MM-DD, DD-MM-ÅÅÅÅ, DD.MM.ÅÅÅÅ eller DD/MM/ÅÅÅÅ)"
    if kind == "cpr":
        cpr10 = _cpr10(c)
        return cpr10, f"{{v}} is null or {cpr_birth_date('{v}')} is null", "ugyldigt CPR-nummer (format eller fødselsdato)"
    if kind == "positive_int":
        return _integer(c, mark), "coalesce({v} <= 0, true)", "skal være et helt tal over 0"
    if kind == "nonneg_decimal":
        return _number(c, mark), "coalesce({v} < 0, true)", "skal være et tal ≥ 0"
    if kind == "grade":
        return _number(c, mark), "coalesce({v} not between -3 and 12, true)", "skal være en karakter mellem -3 og 12"
    if kind == "klassetrin":
        text = f"lower({_clean(c)})"
        digits = f"regexp_extract({text}, '^(\\d+)\\s*\\.?\\s*(klasse|kl\\.?)?$', 1)"
        zero = f"{text} in ('bh', 'bh.', 'bh. klasse', 'bhkl', 'børnehaveklasse', 'boernehaveklasse')"
        v = f"case when {zero} then 0 else try_cast(nullif({digits}, '') as integer) end"
        return v, "coalesce({v} not between 0 and 10, true)", "klassetrin skal være 0–10"
    if kind == "school_year":
        v = f"regexp_replace({c}, '{_WS}', '', 'g')"
        pattern = "^(\\d{4})[/-](\\d{2}|\\d{4})$"
        start = f"try_cast(regexp_extract({v}, '{pattern}', 1) as integer)"
        end = f"try_cast(regexp_extract({v}, '{pattern}', 2) as integer)"
        ok = f"({end} = ({start} + 1) % 100 or {end} = {start} + 1)"
        parsed = f"case when {ok} then {start}::varchar || '/' || lpad((({start} + 1) % 100)::varchar, 2, '0') end"
        return parsed, "{v} is null", "ugyldigt skoleår (forventet ÅÅÅÅ/ÅÅ, fx 2024/25)"
    if kind == "choice":
        values = column.extra["values"]
        listed = ", ".join(f"'{x}'" for x in values)
        return f"lower({_clean(c)})", f"{{v}} not in ({listed})", "skal være en af: " + ", ".join(values)
    if kind == "status":
        lookup = status_lookup() | status_alias_lookup()
        return _in_lookup(_fold(c), lookup), "{v} is null", "ukendt statuskode"
    if kind == "delaftale":
        return _in_lookup(_fold(c), delaftale_lookup()), "{v} is null", "ukendt delaftale"
    if kind == "actors":
        codes = [row.code for row in course_codes("aktoer")]
        listed = ", ".join(f"'{x}'" for x in codes)
        unknown = f"len(list_filter({{v}}, lambda x: not list_contains([{listed}], x))) > 0"
        return _actors(c), unknown, "ukendt aktørkode (tilladt: " + ", ".join(codes) + ")"
    if kind == "ending":
        codes = [row.code for row in course_codes("afslutning")]
        return _in_lookup(_fold(c), ending_lookup()), "{v} is null", "skal være en af: " + ", ".join(codes)
    raise ValueError(f"unknown column kind {kind}")


_DECIMAL_KINDS = ("nonneg_decimal", "grade")


def decimal_mark(con, source: str, present: set[str], default: str) -> str:
    """The file's decimal mark: `,` when a decimal column of `src` holds a comma, else `.` when one
    holds a point, else `default` (from the delimiter: `;` and tab exports are Danish, decimal comma)."""
    columns = [c.name for c in COLUMNS[source] if c.kind in _DECIMAL_KINDS and c.name in present]
    if not columns:
        return default
    values = " or ".join(f'contains("{c}", \'{{mark}}\')' for c in columns)
    comma, point = con.execute(
        f"select coalesce(bool_or({values.format(mark=',')}), false),"
        f" coalesce(bool_or({values.format(mark='.')}), false) from src"
    ).fetchone()
    return "," if comma else "." if point else default


# Free text a spreadsheet would run as a formula when an evaluator exports a table to CSV:
# a leading = + @, or - before more text (a lone '-' for "none" is plain text). Tabs and line
# breaks at the start are trimmed already.
FREE_TEXT_KINDS = ("text", "area")
FORMULA_REASON = "begynder med =, +, - eller @ og ville blive en formel i et regneark"


def _formula_like(value: str) -> str:
    return f"regexp_matches({value}, '^([=+@]|-.)')"


def _missing(column: Column, raw: str) -> str:
    """Whether the field is empty; a list of codes is empty when it holds only separators."""
    if column.kind == "actors":
        return f"coalesce(regexp_replace({raw}, '[\\s\\p{{Z}},;|]+', '', 'g') = '', true)"
    return f"coalesce({_clean(raw)} = '', true)"


def validated_select(source: str, present: set[str], mark: str = ",") -> str:
    """SELECT over table `src` (source_row, _extra_fields, the file's columns) giving the parsed
    columns plus `_column` and `_reason` of the row's first problem (NULL when the row is valid) and
    `_aliased` (a status code read through a configured alias). `mark`: the file's decimal mark."""
    inner, outer, checks = [], [], []
    aliased = "false"
    for column in COLUMNS[source]:
        raw = f'"{column.name}"' if column.name in present else "null::varchar"
        expr, invalid, reason = parse_sql(column, raw, mark)
        value, missing = f"v_{column.name}", f"m_{column.name}"
        inner += [f"{expr} as {value}", f"{_missing(column, raw)} as {missing}"]
        outer.append(f"{value} as {'cpr10' if column.kind == 'cpr' else column.name}")
        if column.required:
            checks.append((missing, f"{column.name}: mangler (påkrævet)"))
        checks.append((f"not {missing} and ({invalid.replace('{v}', value)})", f"{column.name}: {reason}"))
        if column.kind in FREE_TEXT_KINDS:
            checks.append((f"not {missing} and {_formula_like(value)}", f"{column.name}: {FORMULA_REASON}"))
        if column.kind == "status" and (aliases := status_alias_lookup()):
            listed = ", ".join(f"'{alias}'" for alias in sorted(aliases))
            inner.append(f"{_fold(raw)} in ({listed}) as _aliased")
            aliased = "_aliased"
    checks.insert(0, ("_extra_fields", f"{ROW_COLUMN}: rækken har flere felter end overskriften"))
    checks += [(cond, f"{col}: {reason}") for cond, col, reason in ROW_RULES.get(source, [])]
    reasons = " ".join(f"when {cond} then '{reason}'" for cond, reason in checks)
    return (
        f"select source_row, {', '.join(outer)}, split_part(_reason, ':', 1) as _column, _reason,"
        f" coalesce({aliased}, false) as _aliased"
        f" from (select *, case {reasons} end as _reason"
        f" from (select source_row, _extra_fields, {', '.join(inner)} from src))"
    )
