"""The synthetic delivery generator: deterministic, contract-shaped, messy on purpose, scalable.

The files are read back with a small reader written here from the data contract (not with the
generator's code): encodings, delimiters, header spellings, CPR/period/date forms.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipelines.sample import generate

SOURCES = ("beboere", "skole", "karakterer", "beskaeftigelse", "deltagelse", "forloeb")
CODES = {
    "beskaeftiget",
    "selvstaendig",
    "fleksjob",
    "under_uddannelse",
    "dagpenge",
    "kontanthjaelp",
    "uddannelseshjaelp",
    "selvforsoergelsesydelse",
    "sygedagpenge",
    "ressourceforloeb",
    "jobafklaring",
    "ledighedsydelse",
    "foertidspension",
    "efterloen",
    "folkepension",
    "oevrige",
}
WORK = {"beskaeftiget", "selvstaendig", "fleksjob"}
REQUIRED = {
    "beboere": {"periode", "cpr", "boligomraade", "afdeling"},
    "skole": {"periode", "cpr", "skole", "klassetrin", "skoledage", "fravaersdage"},
    "karakterer": {"skoleaar", "cpr", "fag", "karakter"},
    "beskaeftigelse": {"periode", "cpr", "status"},
    "deltagelse": {"dato", "aktivitet_id", "aktivitet", "delaftale", "boligomraade", "rolle"},
    "forloeb": {"periode", "forloeb_id", "cpr", "startdato", "aktoerer"},
}


# --- a reader written from the data contract -----------------------------------------------


def _fold(text: str) -> str:
    return text.strip().lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")


def decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def read(path: Path) -> tuple[pd.DataFrame, dict]:
    """All cells as read (str for text files, Python values for xlsx), headers folded."""
    if path.suffix == ".xlsx":
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        info = {"format": "xlsx", "delimiter": None}
    else:
        text, encoding = decode(path.read_bytes())
        lines = [line for line in text.splitlines() if line.strip()]
        header = lines[0]
        delimiter = max([";", ",", "\t"], key=header.count)
        rows = list(csv.reader(lines, delimiter=delimiter))
        info = {
            "format": "csv",
            "encoding": encoding,
            "delimiter": delimiter,
            "blank_lines": len(lines) != len(text.splitlines()),
        }
    rows[1:] = [r + [None] * (len(rows[0]) - len(r)) for r in rows[1:]]  # empty last cells
    frame = pd.DataFrame(rows[1:], columns=[_fold(str(h)) for h in rows[0]], dtype=object)
    return frame, info


def norm_cpr(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
        return None
    text = str(value).strip().replace("-", "")
    return text.zfill(10) if re.fullmatch(r"\d{9}", text) else text


def cpr_birth(cpr: str | None) -> dt.date | None:
    """Birth date under the contract's century rule, None when not a valid CPR."""
    if cpr is None or not re.fullmatch(r"\d{10}", cpr):
        return None
    dd, mm, yy, d7 = int(cpr[:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if d7 <= 3:
        year = 1900 + yy
    elif d7 in (4, 9):
        year = 2000 + yy if yy <= 36 else 1900 + yy
    else:
        year = 2000 + yy if yy <= 57 else 1800 + yy
    try:
        return dt.date(year, mm, dd)
    except ValueError:
        return None


def date_of(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def period_of(value) -> str | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value).strip()
    for pattern, order in (
        (r"(\d{4})-(\d{2})", "ym"),
        (r"(\d{4})(\d{2})", "ym"),
        (r"(\d{4})-(\d{2})-(\d{2})", "ymd"),
        (r"(\d{2})[-./](\d{2})[-./](\d{4})", "dmy"),
    ):
        match = re.fullmatch(pattern, text)
        if match:
            parts = [int(g) for g in match.groups()]
            year, month = (parts[0], parts[1]) if order != "dmy" else (parts[2], parts[1])
            if order != "ym":
                day = parts[2] if order == "ymd" else parts[0]
                try:
                    dt.date(year, month, day)
                except ValueError:
                    return None
            return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    return None


def number(value) -> float | None:
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def status_code(value) -> str | None:
    text = _fold(str(value))
    if text == "selvforsoergelses- og hjemrejseydelse":
        return "selvforsoergelsesydelse"
    text = re.sub(r"[\s-]+", "_", text)
    return text if text in CODES else None


def grade(value) -> int | None:
    match = re.fullmatch(r"(\d+)(\. klasse)?", str(value).strip())
    return int(match.group(1)) if match else None


def row_ok(source: str, row: dict) -> bool:
    """The contract's row rules (the ones the generator breaks on purpose)."""
    cpr = norm_cpr(row.get("cpr"))
    if (source != "deltagelse" or cpr is not None) and cpr_birth(cpr) is None:
        return False  # deltagelse alone may leave cpr empty
    if source == "beskaeftigelse":
        return status_code(row["status"]) is not None and period_of(row["periode"]) is not None
    if source == "skole":
        days, absent, k = (
            number(row["skoledage"]),
            number(row["fravaersdage"]),
            grade(row["klassetrin"]),
        )
        return (
            days is not None
            and absent is not None
            and k is not None
            and 0 <= k <= 10
            and days > 0
            and 0 <= absent <= days
        )
    if source == "karakterer":
        mark = number(row["karakter"])
        return mark is not None and -3 <= mark <= 12 and _fold(row["fag"]) in ("dansk", "matematik")
    if source == "deltagelse":
        return date_of(row["dato"]) is not None and row["rolle"] in ("deltager", "frivillig")
    if source == "forloeb":  # the rest of its rules: tests/test_sample_forloeb.py
        return period_of(row["periode"]) is not None and date_of(row["startdato"]) is not None
    return period_of(row["periode"]) is not None


def load(out: Path, source: str) -> list[tuple[Path, pd.DataFrame, dict]]:
    return [(path, *read(path)) for path in sorted((out / source).iterdir())]


def valid_rows(out: Path, source: str, skip_copies: bool = True) -> pd.DataFrame:
    """Rows passing the rules, from the latest file of each period (corrections win)."""
    frames = {}
    for path, frame, _ in load(out, source):
        if skip_copies and path.stem.endswith("_kopi"):
            continue
        ok = [row_ok(source, row) for row in frame.to_dict("records")]
        frame = frame[ok].copy()
        key = (
            "skoleaar"
            if source == "karakterer"
            else "dato"
            if source == "deltagelse"
            else ("periode")
        )
        if source == "karakterer":
            frame["period"] = frame[key].astype(str)
        else:
            frame["period"] = frame[key].map(period_of)
        for period, part in frame.groupby("period"):
            frames[period] = part
    return pd.concat(frames.values(), ignore_index=True)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(out, residents=300, start="2024-01", end="2024-12", seed=7)


@pytest.fixture(scope="module")
def bigger(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("bigger")
    return out, generate(out, residents=3000, start="2024-01", end="2024-12", seed=11)


def _all_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


# --- tests ----------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(small, tmp_path):
    out, _ = small
    again = tmp_path / "again"
    generate(again, residents=300, start="2024-01", end="2024-12", seed=7)
    assert _all_files(again) == _all_files(out)
    other = tmp_path / "other"
    generate(other, residents=300, start="2024-01", end="2024-12", seed=8)
    assert _all_files(other) != _all_files(out)
    plain = [tmp_path / "plain1", tmp_path / "plain2"]
    for folder in plain:
        generate(folder, residents=2000, start="2024-05", end="2024-06", seed=7, plain=True)
    assert _all_files(plain[0]) == _all_files(plain[1])


def test_every_source_is_delivered_with_its_required_columns(small):
    out, summary = small
    for source in SOURCES:
        files = load(out, source)
        assert files, source
        for path, frame, _ in files:
            assert REQUIRED[source] <= set(frame.columns), path.name
        assert summary["rows"][source] > 0
    months = {p.name[len("beboere_") : len("beboere_") + 7] for p, _, _ in load(out, "beboere")}
    assert months == {f"2024-{m:02d}" for m in range(1, 13)}
    assert next(p.name for p, _, _ in load(out, "karakterer")).startswith("karakterer_2023-24")
    assert summary["files"] == sum(1 for p in out.rglob("*") if p.is_file())


def test_the_contracts_messy_forms_occur(small):
    out, _ = small
    infos = [(path, frame, info) for s in SOURCES for path, frame, info in load(out, s)]
    encodings = {info.get("encoding") for _, _, info in infos}
    assert {"utf-8", "utf-8-sig", "cp1252"} <= encodings
    cp1252 = [p for p, _, i in infos if i.get("encoding") == "cp1252"]
    assert any(re.search(rb"[\xe6\xf8\xe5\xc6\xd8\xc5]", p.read_bytes()) for p in cp1252)
    assert {";", ",", "\t"} <= {info["delimiter"] for _, _, info in infos}
    assert any(info["blank_lines"] for _, _, info in infos if info["format"] == "csv")
    # xlsx with CPR stored as a number, some with the leading zero lost
    numeric_cprs = [
        c
        for p, f, i in infos
        if i["format"] == "xlsx" and "cpr" in f
        for c in f["cpr"]
        if isinstance(c, int)
    ]
    assert numeric_cprs and any(len(str(c)) == 9 for c in numeric_cprs)
    assert any(p.parent.name == "karakterer" and p.suffix == ".xlsx" for p, _, _ in infos)
    # real date cells in a deltagelse workbook
    assert any(
        isinstance(v, dt.datetime)
        for p, f, i in infos
        if i["format"] == "xlsx" and p.parent.name == "deltagelse"
        for v in f["dato"]
    )
    # decimal commas, klassetrin as text, odd headers, period and CPR forms
    skole = [(f, i) for p, f, i in infos if p.parent.name == "skole" and i["format"] == "csv"]
    assert any(f["fravaersdage"].str.contains(",").any() for f, _ in skole)
    assert any(f["klassetrin"].str.endswith(". klasse").any() for f, _ in skole)
    raw_headers = {
        line
        for p, _, i in infos
        if i["format"] == "csv"
        for line in [decode(p.read_bytes())[0].splitlines()[0]]
    }
    assert any("Boligområde" in h for h in raw_headers)
    assert any("Fraværsdage" in h for h in raw_headers)
    assert any(" PERIODE " in h for h in raw_headers)
    periods = {str(v) for p, f, i in infos if "periode" in f for v in f["periode"].head(1)}
    assert any(re.fullmatch(r"\d{4}-\d{2}", v) for v in periods)
    assert any(re.fullmatch(r"\d{6}", v) for v in periods)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{2}-\d{2}-\d{4}", v) for v in periods)
    cprs = [
        str(c)
        for _, f, i in infos
        if i["format"] == "csv" and "cpr" in f
        for c in f["cpr"].head(20)
    ]
    assert any(re.fullmatch(r"\d{6}-\d{4}", c) for c in cprs)
    assert any(re.fullmatch(r"\d{10}", c) for c in cprs)
    dates = {
        str(v)
        for p, f, i in infos
        if p.parent.name == "deltagelse" and i["format"] == "csv"
        for v in f["dato"].head(1)
    }
    for pattern in (
        r"\d{4}-\d{2}-\d{2}",
        r"\d{2}-\d{2}-\d{4}",
        r"\d{2}\.\d{2}\.\d{4}",
        r"\d{2}/\d{2}/\d{4}",
    ):
        assert any(re.fullmatch(pattern, d) for d in dates), pattern
    statuses = {v for _, f, _ in load(out, "beskaeftigelse") for v in f["status"]}
    assert {"Førtidspension", "Kontanthjælp", "FØRTIDSPENSION"} <= statuses
    assert any("hjemrejseydelse" in s.lower() for s in statuses)
    areas = {
        v for s in ("beboere", "deltagelse") for _, f, _ in load(out, s) for v in f["boligomraade"]
    }
    assert any(v != v.strip() for v in areas) and "OVERLUND" in {v.strip() for v in areas}
    optional = {"boligselskab", "partner", "cpr", "slutdato", "afslutning"}
    extra_columns = {
        c
        for s in SOURCES
        for _, f, _ in load(out, s)
        for c in set(f.columns) - REQUIRED[s] - optional
    }
    assert len(extra_columns) >= 2


def test_bad_rows_exist_but_stay_well_under_five_percent_of_any_file(small):
    out, _ = small
    bad_total = {}
    for source in SOURCES:
        bad_total[source] = 0
        for path, frame, _ in load(out, source):
            bad = sum(not row_ok(source, row) for row in frame.to_dict("records"))
            assert bad <= 0.03 * len(frame), path.name
            bad_total[source] += bad
    assert all(bad_total[s] > 0 for s in ("beboere", "skole", "beskaeftigelse", "deltagelse"))


def test_copies_corrections_duplicates_and_one_conflict(small):
    out, _ = small
    beboere = out / "beboere"
    copies = list(beboere.glob("*_kopi.*"))
    assert len(copies) == 1
    original = copies[0].with_name(copies[0].name.replace("_kopi", ""))
    assert copies[0].read_bytes() == original.read_bytes() and original.name < copies[0].name
    corrected = list((out / "beskaeftigelse").glob("*_rettet.*"))
    assert len(corrected) == 1
    first = corrected[0].with_name(corrected[0].name.replace("_rettet", ""))
    assert first.name < corrected[0].name
    a, b = read(first)[0], read(corrected[0])[0]
    valid_a = a[[row_ok("beskaeftigelse", r) for r in a.to_dict("records")]]
    merged = valid_a.merge(b, on="cpr", suffixes=("_old", "_new"))
    changed = (merged["status_old"] != merged["status_new"]).sum()
    assert 0 < changed < 0.1 * len(b) and len(merged) >= 0.9 * len(b)
    conflicts = 0
    for _, frame, _ in load(out, "beskaeftigelse"):
        keys = frame.assign(cpr=frame["cpr"].map(norm_cpr))
        per_person = keys.groupby(["periode", "cpr"])["status"].nunique()
        conflicts += int((per_person > 1).sum())
    assert conflicts == 1
    assert any(frame.duplicated().any() for _, frame, _ in load(out, "beboere"))


def test_no_school_in_july_and_exams_in_june(small):
    out, _ = small
    names = [p.name for p, _, _ in load(out, "skole")]
    assert len(names) == 11 and not any("2024-07" in n for n in names)
    rows = valid_rows(out, "skole")
    assert "2024-07" not in set(rows["period"])
    assert set(rows["period"]) == {f"2024-{m:02d}" for m in range(1, 13) if m != 7}
    grades = valid_rows(out, "karakterer")
    assert set(grades["skoleaar"]) == {"2023/24"}


def test_cpr_numbers_are_valid_and_residents_plausible(bigger):
    out, _summary = bigger
    beboere = valid_rows(out, "beboere")
    months = beboere.groupby("period")["cpr"].nunique()
    assert len(months) == 12 and months.between(2700, 3300).all()
    births = beboere["cpr"].map(lambda c: cpr_birth(norm_cpr(c)))
    assert births.notna().all()
    last_day = beboere["period"].map(
        lambda p: dt.date(int(p[:4]), int(p[5:]), calendar.monthrange(int(p[:4]), int(p[5:]))[1])
    )
    age = [(d - b).days / 365.25 for d, b in zip(last_day, births)]
    age = pd.Series(age)
    assert age.min() >= 0 and age.max() < 106
    assert 0.2 < (age < 16).mean() < 0.4  # many children
    assert 0.05 < (age >= 67).mean() < 0.2
    sexes = beboere["cpr"].map(lambda c: int(norm_cpr(c)[-1]) % 2).mean()
    assert 0.4 < sexes < 0.6
    # people move in and out
    first = set(beboere.loc[beboere["period"] == "2024-01", "cpr"].map(norm_cpr))
    last = set(beboere.loc[beboere["period"] == "2024-12", "cpr"].map(norm_cpr))
    assert 0.01 < len(first - last) / len(first) < 0.15
    assert 0.01 < len(last - first) / len(last) < 0.15
    areas = beboere.assign(area=beboere["boligomraade"].map(lambda a: " ".join(a.split()).lower()))
    sizes = areas[areas["period"] == "2024-06"]["area"].value_counts()
    assert list(sizes.index) == ["houlkær", "ellekonebakken", "overlund", "kølvrå"]


def test_employment_benefits_and_school_are_realistic(bigger):
    out, _ = bigger
    beboere = valid_rows(out, "beboere")
    jobs = valid_rows(out, "beskaeftigelse")
    beboere["cpr10"] = beboere["cpr"].map(norm_cpr)
    jobs["cpr10"] = jobs["cpr"].map(norm_cpr)
    jobs["code"] = jobs["status"].map(status_code)
    jobs = jobs.drop_duplicates(["period", "cpr10"], keep=False)
    panel = (
        beboere[["period", "cpr10"]]
        .drop_duplicates()
        .merge(jobs[["period", "cpr10", "code"]], on=["period", "cpr10"], how="left")
    )
    birth = panel["cpr10"].map(cpr_birth)
    year = panel["period"].str[:4].astype(int)
    month = panel["period"].str[5:].astype(int)
    age = year - birth.map(lambda b: b.year) - (birth.map(lambda b: b.month) > month)
    working_age = panel[(age >= 16) & (age <= 64)]
    employment = working_age["code"].isin(WORK).mean()
    assert 0.40 <= employment <= 0.52
    shares = working_age["code"].value_counts(normalize=True)
    assert shares["kontanthjaelp"] > shares["dagpenge"]
    assert shares["foertidspension"] > shares["sygedagpenge"]
    assert shares["foertidspension"] > 0.04 and shares["kontanthjaelp"] > 0.04
    assert 0.8 < working_age["code"].notna().mean() <= 1.0  # the register covers nearly all
    assert (panel.loc[age >= 67, "code"].dropna() == "folkepension").mean() > 0.95
    # statuses are sticky: few people change in a month
    wide = working_age.pivot_table(index="cpr10", columns="period", values="code", aggfunc="first")
    changes = wide.ne(wide.shift(axis=1)) & wide.notna() & wide.shift(axis=1).notna()
    per_month = changes.iloc[:, 1:].sum().sum() / wide.iloc[:, 1:].notna().sum().sum()
    assert 0.01 < per_month < 0.08
    # school absence: most pupils low, a long right tail
    skole = valid_rows(out, "skole")
    skole["cpr10"] = skole["cpr"].map(norm_cpr)
    days = skole.assign(d=skole["skoledage"].map(number), a=skole["fravaersdage"].map(number))
    per_pupil = days.groupby("cpr10")[["d", "a"]].sum()
    rate = per_pupil["a"] / per_pupil["d"]
    assert 0.015 < rate.median() < 0.06
    assert 0.02 < (rate > 0.15).mean() < 0.15
    assert rate.max() > 0.25
    # 9th-grade exams: most get at least 02 in both subjects
    grades = valid_rows(out, "karakterer")
    grades["cpr10"] = grades["cpr"].map(norm_cpr)
    marks = grades.assign(fag=grades["fag"].map(_fold), k=grades["karakter"].map(number))
    wide = marks.pivot_table(index="cpr10", columns="fag", values="k", aggfunc="first")
    passed = ((wide["dansk"] >= 2) & (wide["matematik"] >= 2)).mean()
    assert len(wide) > 15 and 0.75 < passed < 0.97


def test_activities_have_sessions_volunteers_guests_and_partners(bigger):
    out, _ = bigger
    rows = valid_rows(out, "deltagelse")
    dates = rows["dato"].map(date_of)
    sessions = rows.assign(d=dates.astype(str)).groupby(["aktivitet_id", "d"])
    assert sessions.ngroups > 100
    assert rows["cpr"].map(norm_cpr).isna().any()  # unregistered participants
    volunteers = rows.loc[rows["rolle"] == "frivillig", "cpr"].map(norm_cpr).nunique()
    participants = rows.loc[rows["rolle"] == "deltager", "cpr"].map(norm_cpr).nunique()
    assert 5 < volunteers < participants / 3
    partner = rows["partner"].fillna("").astype(str).str.strip() != ""
    with_partner = partner.groupby([rows["aktivitet_id"], dates.astype(str)]).any().mean()
    assert 0.2 < with_partner < 0.8
    delaftaler = {_fold(str(v)) for v in rows["delaftale"]}
    assert {"u", "b", "s"} <= delaftaler or len(delaftaler) >= 3
    assert max(d.weekday() for d in dates) <= 5  # nothing on Sundays


def test_scale_path_writes_plain_utf8_csv(tmp_path):
    out = tmp_path / "scale"
    summary = generate(out, residents=20_000, start="2025-05", end="2025-07", seed=3, plain=True)
    assert summary["mode"] == "plain"
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".csv" for p in files)
    for source in SOURCES:
        assert (out / source).is_dir(), source
    for path in files:
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8")
        header = text.split("\n", 1)[0]
        assert ";" not in header and "\t" not in header
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        assert REQUIRED[path.parent.name] <= set(frame.columns)
    beboere = pd.read_csv(out / "beboere" / "beboere_2025-06.csv", dtype=str)
    assert beboere["periode"].eq("2025-06").all()
    assert 19_000 < len(beboere) < 21_000
    assert beboere["cpr"].str.fullmatch(r"\d{6}-\d{4}").mean() > 0.99
    assert not (out / "skole" / "skole_2025-07.csv").exists()
    assert summary["rows"]["beboere"] >= 3 * 19_000
