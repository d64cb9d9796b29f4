"""The data contract's row rules per source, as DuckDB SQL over an all-VARCHAR table.

Each column rule gives a parse expression (NULL when invalid) and a Danish reason when invalid.
Reasons name the column, never its value: a CPR number must not reach the quarantine.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from pipelines.catalogue import status_codes
from pipelines.settings import CONFIG_DIR


def _fold(expr: str) -> str:
    """Lower case, æ ø å as ae oe aa, only letters and digits: how codes are compared."""
    return (
        f"regexp_replace(replace(replace(replace(lower(trim({expr})), 'æ', 'ae'), 'ø', 'oe'), 'å', 'aa'),"
        " '[^a-z0-9]', '', 'g')"
    )


def fold(text: str) -> str:
    """Python twin of `_fold`, used to build the lookup tables it is compared with."""
    import re

    text = text.strip().lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]", "", text)


def status_lookup() -> dict[str, str]:
    lookup = {fold(code): code for code in status_codes()}
    lookup.update({fold(row["label_da"]): code for code, row in status_codes().items()})
    with open(CONFIG_DIR / "status_aliases.csv", encoding="utf-8", newline="") as handle:
        lookup.update({fold(row["alias"]): row["status"] for row in csv.DictReader(handle)})
    return lookup


DELAFTALE_LOOKUP = {
    "u": "uddannelse_og_livschancer",
    "uddannelseoglivschancer": "uddannelse_og_livschancer",
    "b": "beskaeftigelse",
    "beskaeftigelse": "beskaeftigelse",
    "s": "sammenhaengskraft_og_medborgerskab",
    "sammenhaengskraftogmedborgerskab": "sammenhaengskraft_og_medborgerskab",
}


def _text(col: str) -> str:
    return f"nullif(regexp_replace(trim({col}), '\\s+', ' ', 'g'), '')"


def _date(col: str) -> str:
    v = f"trim({col})"
    formats = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")
    tries = ", ".join(f"try_strptime({v}, '{f}')" for f in formats)
    return f"coalesce({tries})::date"


def _period(col: str) -> str:
    v = f"trim({col})"
    return (
        f"case when regexp_full_match({v}, '\\d{{4}}-\\d{{1,2}}') then try_strptime({v} || '-01', '%Y-%m-%d')::date"
        f" when regexp_full_match({v}, '\\d{{6}}') then try_strptime({v} || '01', '%Y%m%d')::date"
        f" else date_trunc('month', {_date(col)})::date end"
    )


def _number(col: str) -> str:
    return f"try_cast(replace(trim({col}), ',', '.') as double)"


def _integer(col: str) -> str:
    n = _number(col)
    return f"case when {n} = floor({n}) then {n}::integer end"


# CPR: DDMMYY-SSSS, DDMMYYSSSS or 9 digits (leading zero lost); century from the 7th digit.
def _cpr10(col: str) -> str:
    v = f"regexp_replace(trim({col}), '\\s', '', 'g')"
    return (
        f"case when regexp_full_match({v}, '\\d{{6}}-\\d{{4}}') then replace({v}, '-', '')"
        f" when regexp_full_match({v}, '\\d{{10}}') then {v}"
        f" when regexp_full_match({v}, '\\d{{9}}') then '0' || {v} end"
    )


def cpr_birth_date(cpr10: str) -> str:
    yy = f"substr({cpr10}, 5, 2)::integer"
    d7 = f"substr({cpr10}, 7, 1)::integer"
    year = (
        f"case when {d7} <= 3 then 1900 + {yy}"
        f" when {d7} in (4, 9) then case when {yy} <= 36 then 2000 else 1900 end + {yy}"
        f" else case when {yy} <= 57 then 2000 else 1800 end + {yy} end"
    )
    return (
        f"try_strptime(lpad(({year})::varchar, 4, '0') || substr({cpr10}, 3, 2) || substr({cpr10}, 1, 2),"
        " '%Y%m%d')::date"
    )


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = True
    extra: dict = field(default_factory=dict, hash=False)


SOURCES: dict[str, list[Column]] = {
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
}

# Keys whose rows must agree within a delivery (data contract, "Bad input").
CONFLICT_KEYS = {
    "beboere": ("period_start", "cpr10"),
    "beskaeftigelse": ("period_start", "cpr10"),
    "karakterer": ("skoleaar", "cpr10", "fag"),
}


def _in_lookup(folded: str, lookup: dict[str, str]) -> str:
    cases = " ".join(f"when '{k}' then '{v}'" for k, v in sorted(lookup.items()))
    return f"case {folded} {cases} end"


def parse_sql(column: Column, present: bool) -> tuple[str, str, str]:
    """(parsed value, invalid condition, Danish reason) for one column."""
    c = '"' + column.name + '"' if present else "null::varchar"
    raw_missing = f"nullif(trim({c}), '') is null"
    kind = column.kind
    if kind == "text":
        return _text(c), "false", "ugyldig tekst"
    if kind == "area":
        words = f"string_split(lower({_text(c)}), ' ')"
        title = f"array_to_string(list_transform({words}, lambda w: upper(w[1]) || w[2:]), ' ')"
        return title, "false", "ugyldig tekst"
    if kind == "period":
        return _period(c), f"{_period(c)} is null", "ugyldig periode (forventet ÅÅÅÅ-MM, ÅÅÅÅMM eller en dato)"
    if kind == "date":
        return _date(c), f"{_date(c)} is null", "ugyldig dato"
    if kind == "cpr":
        cpr10 = _cpr10(c)
        invalid = f"{cpr10} is null or {cpr_birth_date(cpr10)} is null"
        return cpr10, invalid, "ugyldigt CPR-nummer (format eller fødselsdato)"
    if kind == "positive_int":
        v = _integer(c)
        return v, f"coalesce({v} <= 0, true)", "skal være et helt tal over 0"
    if kind == "nonneg_decimal":
        v = _number(c)
        return v, f"coalesce({v} < 0, true)", "skal være et tal ≥ 0"
    if kind == "grade":
        v = _number(c)
        return v, f"coalesce({v} not between -3 and 12, true)", "skal være en karakter mellem -3 og 12"
    if kind == "klassetrin":
        text = f"lower(trim({c}))"
        digits = f"regexp_extract({text}, '^(\\d+)\\s*\\.?\\s*(klasse|kl\\.?)?$', 1)"
        zero = f"{text} in ('bh', 'bh.', 'bh. klasse', 'bhkl', 'børnehaveklasse', 'boernehaveklasse')"
        v = f"case when {zero} then 0 else try_cast(nullif({digits}, '') as integer) end"
        return v, f"coalesce({v} not between 0 and 10, true)", "klassetrin skal være 0–10"
    if kind == "school_year":
        v = f"regexp_replace(trim({c}), '\\s', '', 'g')"
        start = f"try_cast(regexp_extract({v}, '^(\\d{{4}})[/-](\\d{{2}}|\\d{{4}})$', 1) as integer)"
        end = f"try_cast(regexp_extract({v}, '^(\\d{{4}})[/-](\\d{{2}}|\\d{{4}})$', 2) as integer)"
        ok = f"({end} = ({start} + 1) % 100 or {end} = {start} + 1)"
        parsed = f"case when {ok} then {start}::varchar || '/' || lpad((({start} + 1) % 100)::varchar, 2, '0') end"
        return parsed, f"{parsed} is null", "ugyldigt skoleår (forventet ÅÅÅÅ/ÅÅ, fx 2024/25)"
    if kind == "choice":
        values = column.extra["values"]
        v = f"lower(trim({c}))"
        listed = ", ".join(f"'{x}'" for x in values)
        return v, f"{v} not in ({listed})", "skal være en af: " + ", ".join(values)
    if kind == "status":
        v = _in_lookup(_fold(c), status_lookup())
        return v, f"{v} is null", "ukendt statuskode"
    if kind == "delaftale":
        v = _in_lookup(_fold(c), DELAFTALE_LOOKUP)
        return v, f"{v} is null", "ukendt delaftale"
    raise ValueError(f"unknown column kind {kind}")


def validated_select(source: str, present: set[str]) -> str:
    """SELECT over table `src` giving parsed columns plus `_column` and `_reason` of the first problem."""
    parsed, checks = [], []
    for column in SOURCES[source]:
        is_present = column.name in present
        expr, invalid, reason = parse_sql(column, is_present)
        name = "cpr10" if column.kind == "cpr" else column.name
        parsed.append(f"{expr} as {name}")
        raw = f'"{column.name}"' if is_present else "null::varchar"
        missing = f"nullif(trim({raw}), '') is null"
        if column.required:
            checks.append((f"{missing}", column.name, "mangler (påkrævet)"))
        checks.append((f"not ({missing}) and ({invalid})", column.name, reason))
    cases = " ".join(f"when {cond} then '{col}'" for cond, col, _ in checks)
    reasons = " ".join(f"when {cond} then '{col}: {reason}'" for cond, col, reason in checks)
    return (
        f"select source_row, {', '.join(parsed)}, case {cases} end as _column, "
        f"case {reasons} end as _reason from src"
    )
