"""Turns the simulated month into the six sources' files, with the contract's defects on purpose.

Defects (each well under 5 % of a file): a few rows with an invalid CPR date, an unknown status
code, klassetrin 11, fravaersdage above skoledage, an unparseable number or date; exact duplicate
rows; one conflicting pair (one person, one month, two statuses); an identical copy of one
`beboere` file under another name; and a correction of one `beskaeftigelse` month that sorts after
the original and changes a few statuses. `forloeb` (from 40 rows a file, in turn by month): an
unknown actor code, a slutdato without afslutning, a startdato after the month, one course twice
with different actors (from 70 rows), an exact duplicate row.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.catalogue import course_codes, delaftaler, status_codes
from pipelines.sample.activities import TEMPLATES, Activities
from pipelines.sample.files import (
    EXTRA,
    Style,
    area_texts,
    cpr_values,
    date_texts,
    decimal_texts,
    int_texts,
    period_text,
    style_for,
    with_blank_lines,
    write_file,
)
from pipelines.sample.labour import CODES
from pipelines.sample.population import AFDELINGER, AREAS, Calendar, Persons
from pipelines.sample.school import school_list

# Status as the jobcentre's Danish export spells it (equal to the codes under the contract's
# normalisation: æ ø å, spaces, hyphens and case).
DANISH_STATUS = {
    "beskaeftiget": "Beskæftiget",
    "selvstaendig": "Selvstændig",
    "fleksjob": "Fleksjob",
    "under_uddannelse": "Under uddannelse",
    "dagpenge": "Dagpenge",
    "kontanthjaelp": "Kontanthjælp",
    "uddannelseshjaelp": "Uddannelseshjælp",
    "selvforsoergelsesydelse": "Selvforsørgelses- og hjemrejseydelse",
    "sygedagpenge": "Sygedagpenge",
    "ressourceforloeb": "Ressourceforløb",
    "jobafklaring": "Jobafklaring",
    "ledighedsydelse": "Ledighedsydelse",
    "foertidspension": "Førtidspension",
    "efterloen": "Efterløn",
    "folkepension": "Folkepension",
    "oevrige": "Øvrige",
}
UNKNOWN_STATUS = "arbejdsløs"
# What a late registration corrects a status to (in the correction and the conflicting pair).
CORRECTION = {
    "kontanthjaelp": "beskaeftiget",
    "dagpenge": "beskaeftiget",
    "sygedagpenge": "beskaeftiget",
    "beskaeftiget": "sygedagpenge",
    "oevrige": "kontanthjaelp",
}
MISSING_STATUS_SHARE = 0.005  # residents 16-66 the register misses in a month
STEP_TEXT = {-3.0: "-3", 0.0: "00", 2.0: "02", 4.0: "4", 7.0: "7", 10.0: "10", 12.0: "12"}


def _code_case(form: str, n: int, rng: np.random.Generator) -> list:
    """How each row writes its codes: lower, upper, title case, or a mix of them."""
    cases = {"lower": str.lower, "upper": str.upper, "title": str.capitalize}
    if form != "mixed":
        return [cases[form]] * n
    pick = rng.integers(0, 3, n)
    return [(str.lower, str.upper, str.capitalize)[k] for k in pick]


def _date_or_empty(dates: np.ndarray, form: str, plain: bool) -> np.ndarray:
    """Dates as text in the file's form; an empty date stays empty (None: DuckDB writes it so)."""
    out = np.full(len(dates), None if plain else "", dtype=object)
    has = np.array([d is not None for d in dates], dtype=bool)
    if has.any():
        out[has] = date_texts(np.asarray(dates, dtype=object)[has], form)
    return out


def _preferred(cal: Calendar, year: int, month: int, fallback: int) -> int:
    m = cal.index_of(year, month)
    return m if 0 <= m < cal.months else min(max(fallback, 0), cal.months - 1)


class Deliveries:
    def __init__(
        self, out: Path, persons: Persons, acts: Activities, cal: Calendar, seed: int, plain: bool
    ):
        self.out, self.p, self.acts, self.cal = out, persons, acts, cal
        self.seed, self.plain = seed, plain
        self.rng = np.random.default_rng([seed, 7])  # forms and defects
        self.gaps = np.random.default_rng([seed, 8])  # who is missing from the register
        self.course_rng = np.random.default_rng([seed, 9])  # forms and defects of forloeb
        self.area_names = np.array([a.name for a in AREAS], dtype=object)
        self.files: list[Path] = []
        self.rows: Counter[str] = Counter()
        self.copy_month = _preferred(cal, 2023, 5, cal.months // 2)
        self.correct_month = _preferred(cal, 2024, 3, cal.months // 2 + 1)
        self.conflict_month = _preferred(cal, 2022, 10, cal.months // 3)
        self.blank_done = False
        self.delaftale_name = {d.delaftale: d.name_da.lower() for d in delaftaler()}
        self.status_group = {code: row.status_group for code, row in status_codes().items()}

    # --- helpers --------------------------------------------------------------------------

    def _style(self, source: str, index: int) -> Style:
        return style_for(source, index, self.seed, self.plain)

    def _write(self, source: str, name: str, columns: dict, style: Style) -> Path:
        path = self.out / source / f"{name}{style.suffix}"
        self.rows[source] += write_file(path, columns, source, style)
        self.files.append(path)
        return path

    def _cpr(self, pid: np.ndarray, style: Style) -> np.ndarray:
        return cpr_values(self.p.cpr10, self.p.cpr11, pid, style.cpr, self.rng)

    def _bad_count(self, rows: int) -> int:
        return 0 if rows < 40 else min(3, max(1, rows // 150))

    def _invalid_cprs(self, n: int, style: Style) -> np.ndarray:
        """CPR numbers whose DDMMYY is no calendar date (e.g. 31 February)."""
        day_month = [(31, 2), (30, 2), (31, 4), (31, 6), (31, 9), (31, 11)]
        out = []
        for _ in range(n):
            dd, mm = day_month[self.rng.integers(len(day_month))]
            yy, tail = self.rng.integers(0, 100), self.rng.integers(0, 10000)
            digits = f"{dd:02d}{mm:02d}{yy:02d}{tail:04d}"
            if style.cpr == "number":
                out.append(int(digits))
            elif style.cpr == "plain":
                out.append(digits)
            else:
                out.append(f"{digits[:6]}-{digits[6:]}")
        return np.array(out, dtype=object)

    def _insert_rows(self, columns: dict, at: np.ndarray, new: dict) -> dict:
        """Insert rows `new` (same keys) before positions `at`."""
        order = np.argsort(
            np.concatenate([np.arange(len(next(iter(columns.values())))), at - 0.5]), kind="stable"
        )
        return {
            k: np.concatenate(
                [np.asarray(columns[k], dtype=object), np.asarray(new[k], dtype=object)]
            )[order]
            for k in columns
        }

    def _with_invalid_cpr(self, columns: dict, n: int, style: Style) -> dict:
        rows = len(columns["cpr"])
        src = self.rng.integers(0, rows, n)
        new = {k: np.asarray(v, dtype=object)[src] for k, v in columns.items()}
        new["cpr"] = self._invalid_cprs(n, style)
        return self._insert_rows(columns, self.rng.integers(0, rows, n), new)

    def _with_duplicates(self, columns: dict, n: int) -> dict:
        src = self.rng.integers(0, len(columns["cpr"]), n)
        new = {k: np.asarray(v, dtype=object)[src] for k, v in columns.items()}
        return self._insert_rows(columns, src + 1, new)

    def _set(self, columns: dict, key: str, value, n: int, where: np.ndarray | None = None):
        rows = len(columns[key]) if where is None else where
        idx = self.rng.choice(rows, size=n, replace=False)
        columns[key] = np.asarray(columns[key], dtype=object).copy()
        columns[key][idx] = value
        return idx

    # --- sources: each builds `cols` (COLUMNS of the source, plus EXTRA when the form has an
    # extra column), adds its defects, and writes the file ---------------------------------

    def beboere(self, m: int, present: np.ndarray, area: np.ndarray, afd: np.ndarray) -> None:
        style = self._style("beboere", m)
        year, month = self.cal.year(m), self.cal.month(m)
        pid = np.flatnonzero(present)
        afd_id = np.array([a[1] for a in AFDELINGER], dtype=object)[afd[pid]]
        cols = {
            "periode": np.full(len(pid), period_text(year, month, style.period), dtype=object),
            "cpr": self._cpr(pid, style),
            "boligomraade": area_texts(self.area_names[area[pid]], style.area, self.rng),
            "afdeling": afd_id.astype(int).astype(object) if style.fmt == "xlsx" else afd_id,
            "boligselskab": np.array([a[2] for a in AFDELINGER], dtype=object)[afd[pid]],
        }
        if style.extra:  # lease number
            lease = np.strings.zfill((pid % 997 + 1).astype(str), 4)
            cols[EXTRA] = np.strings.add(np.strings.add(afd_id.astype(str), "-"), lease)
            cols[EXTRA] = cols[EXTRA].astype(object)
        bad = self._bad_count(len(pid))
        if bad and m % 12 == 3:
            cols = self._with_invalid_cpr(cols, bad, style)
        if bad and m % 12 == 7:
            cols = self._with_duplicates(cols, 2)
        blank_from = min(4, self.cal.months - 1)  # one export with empty lines in it
        if not (self.blank_done or self.plain) and style.fmt == "csv" and m >= blank_from:
            style, self.blank_done = with_blank_lines(style), True
        path = self._write("beboere", f"beboere_{self.cal.label(m)}", cols, style)
        if m == self.copy_month:  # the same export delivered twice
            copy = path.with_name(f"beboere_{self.cal.label(m)}_kopi{style.suffix}")
            shutil.copyfile(path, copy)
            self.files.append(copy)
            self.rows["beboere"] += len(cols["cpr"])

    def beskaeftigelse(self, m: int, present: np.ndarray, age: np.ndarray, status: np.ndarray):
        style = self._style("beskaeftigelse", m)
        missing = (self.gaps.random(len(present)) < MISSING_STATUS_SHARE) & (age < 67)
        pid = np.flatnonzero(present & (status >= 0) & ~missing)
        codes = np.array(CODES, dtype=object)[status[pid]]
        cols = self._status_columns(m, pid, codes, style)
        bad = self._bad_count(len(pid))
        if bad and m % 12 == 5:
            self._set(cols, "status", UNKNOWN_STATUS, bad)
        if bad and m % 12 == 9:
            cols = self._with_invalid_cpr(cols, bad, style)
        fixable = np.flatnonzero(np.isin(codes, list(CORRECTION)))
        # one person reported with two statuses
        if m == self.conflict_month and bad and len(fixable):
            i = int(self.rng.choice(fixable))
            other = CORRECTION[codes[i]]
            twin = self._status_columns(m, pid[[i]], np.array([other], dtype=object), style)
            twin["cpr"] = np.asarray(cols["cpr"], dtype=object)[[i]]
            cols = self._insert_rows(cols, np.array([i + 1]), twin)
        self._write("beskaeftigelse", f"beskaeftigelse_{self.cal.label(m)}", cols, style)
        if m == self.correct_month and len(fixable):  # late registrations corrected
            n = min(max(3, len(pid) // 100), len(fixable))
            idx = self.rng.choice(fixable, size=n, replace=False)
            fixed = codes.copy()
            fixed[idx] = [CORRECTION[c] for c in codes[idx]]
            cols = self._status_columns(m, pid, fixed, style)
            name = f"beskaeftigelse_{self.cal.label(m)}_rettet"
            self._write("beskaeftigelse", name, cols, style)

    def _status_columns(self, m: int, pid: np.ndarray, codes: np.ndarray, style: Style) -> dict:
        uniq, inverse = np.unique(codes.astype(str), return_inverse=True)
        if style.status == "code":
            status = codes
        else:
            shown = [
                DANISH_STATUS[c].upper() if style.status == "upper" else DANISH_STATUS[c]
                for c in uniq
            ]
            status = np.array(shown, dtype=object)[inverse]
        year, month = self.cal.year(m), self.cal.month(m)
        cols = {
            "periode": np.full(len(pid), period_text(year, month, style.period), dtype=object),
            "cpr": self._cpr(pid, style),
            "status": status,
        }
        if style.extra:  # the status group, as the jobcentre's export adds it
            cols[EXTRA] = np.array([self.status_group[c] for c in uniq], dtype=object)[inverse]
        return cols

    def skole(self, m: int, frame: pd.DataFrame) -> None:
        style = self._style("skole", self._skole_index(m))
        year, month = self.cal.year(m), self.cal.month(m)
        pid = frame["pid"].to_numpy()
        grade = frame["klassetrin"].to_numpy()
        days = frame["skoledage"].to_numpy()
        absent = frame["fravaersdage"].to_numpy()
        xlsx = style.fmt == "xlsx"
        if xlsx:
            grade_v, days_v, absent_v = (v.astype(object) for v in (grade, days, absent))
        else:
            grade_v = int_texts(grade)
            if style.grade == "text":
                grade_v = np.strings.add(grade_v.astype(str), ". klasse").astype(object)
            days_v = int_texts(days)
            absent_v = decimal_texts(absent, style.decimal)
        cols = {
            "periode": np.full(len(pid), period_text(year, month, style.period), dtype=object),
            "cpr": self._cpr(pid, style),
            "skole": np.array(school_list(), dtype=object)[frame["school"].to_numpy()],
            "klassetrin": grade_v,
            "skoledage": days_v,
            "fravaersdage": absent_v,
        }
        if style.extra:  # the class, e.g. 3.B
            letters = np.array(["A", "B", "C"])[pid % 3]
            cols[EXTRA] = np.strings.add(np.strings.add(grade.astype(str), "."), letters)
            cols[EXTRA] = cols[EXTRA].astype(object)
        bad = self._bad_count(len(pid))
        if bad and m % 12 == 4:
            self._set(cols, "klassetrin", 11 if xlsx else "11", bad)
        elif bad and m % 12 == 8:
            idx = self._set(cols, "fravaersdage", None, bad)
            over = days[idx] + 3
            cols["fravaersdage"][idx] = over.astype(object) if xlsx else int_texts(over)
        elif bad and m % 12 == 10:
            self._set(cols, "fravaersdage", "ca. 2", bad)
        self._write("skole", f"skole_{self.cal.label(m)}", cols, style)

    def _skole_index(self, m: int) -> int:
        """Files so far (no July files), so the style cycle skips no form."""
        return sum(1 for i in range(m) if self.cal.month(i) != 7)

    def karakterer(self, year: int, frame: pd.DataFrame, index: int) -> None:
        style = self._style("karakterer", index)
        pid = frame["pid"].to_numpy()
        mark = frame["karakter"].to_numpy()
        fag = frame["fag"].to_numpy().astype(object)
        if style.fag != "lower":
            upper = style.fag == "upper"
            dansk, matematik = ("DANSK", "MATEMATIK") if upper else ("Dansk", "Matematik")
            fag = np.where(fag == "dansk", dansk, matematik).astype(object)
        if style.fmt == "xlsx":
            mark_v = mark.astype(object)
        else:
            mark_v = decimal_texts(mark, style.decimal)
            if style.karakter == "text":  # whole marks as on the 7-step scale: 02, 00, -3
                steps = np.array([STEP_TEXT.get(float(v), "") for v in mark], dtype=object)
                mark_v = np.where(steps != "", steps, mark_v)
        cols = {
            "skoleaar": np.full(len(pid), f"{year - 1}/{year % 100:02d}", dtype=object),
            "cpr": self._cpr(pid, style),
            "fag": fag,
            "karakter": mark_v,
        }
        if self._bad_count(len(pid)) and index % 3 == 1:
            self._set(cols, "karakter", "EB", 1)  # ej bedømt: not a number
        self._write("karakterer", f"karakterer_{year - 1}-{year % 100:02d}", cols, style)

    def deltagelse(self, m: int, frame: pd.DataFrame) -> None:
        style = self._style("deltagelse", m)
        act = frame["act"].to_numpy()
        tmpl = self.acts.template[act]
        if style.delaftale == "letter":
            shown = {d: d[0].upper() for d in self.delaftale_name}
        else:
            shown = self.delaftale_name
        delaftale = np.array([shown[t.delaftale] for t in TEMPLATES], dtype=object)[tmpl]
        partner = np.array([t.partner for t in TEMPLATES], dtype=object)[tmpl]
        has_partner = frame["partner"].to_numpy() & (partner != "")
        partner = np.where(has_partner, partner, None if self.plain else "").astype(object)
        cols = {
            "dato": date_texts(frame["dato"].to_numpy(), style.date),
            "aktivitet_id": np.array(self.acts.ids, dtype=object)[act],
            "aktivitet": np.array(self.acts.names, dtype=object)[act],
            "delaftale": delaftale,
            "boligomraade": area_texts(self.area_names[self.acts.area[act]], style.area, self.rng),
            "partner": partner,
            "cpr": self._cpr(frame["pid"].to_numpy(), style),
            "rolle": np.where(frame["frivillig"].to_numpy(), "frivillig", "deltager"),
        }
        cols["rolle"] = cols["rolle"].astype(object)
        if style.extra:  # a free-text remark, mostly empty
            note = self.rng.random(len(act)) < 0.05
            cols[EXTRA] = np.where(note, "ny deltager", "").astype(object)
        bad = self._bad_count(len(act))
        if bad and m % 12 == 6:  # a date that does not exist
            year = self.cal.year(m)
            self._set(cols, "dato", f"{year}-02-31" if style.date == "iso" else f"31.02.{year}", 1)
        registered = np.flatnonzero(frame["pid"].to_numpy() >= 0)
        if bad and m % 12 == 2 and len(registered):  # registered twice
            src = self.rng.choice(registered, size=min(2, len(registered)), replace=False)
            twins = {k: np.asarray(v, dtype=object)[src] for k, v in cols.items()}
            cols = self._insert_rows(cols, src + 1, twins)
        self._write("deltagelse", f"deltagelse_{self.cal.label(m)}", cols, style)

    def forloeb(self, m: int, frame: pd.DataFrame) -> None:
        """The case register's snapshot of month m (`courses.Courses.month_rows`). Its forms and
        defects draw from their own stream, so the other sources' bytes do not depend on it."""
        style = self._style("forloeb", m)
        rng, year, month = self.course_rng, self.cal.year(m), self.cal.month(m)
        n = len(frame)
        case = _code_case(style.codes, n, rng)
        actors = np.array(
            [style.actors.join(case[i](a) for a in acts) for i, acts in enumerate(frame["actors"])],
            dtype=object,
        )
        ending = np.array(
            [None if e is None else case[i](e) for i, e in enumerate(frame["ending"])],
            dtype=object,
        )
        start = np.array(frame["start"], dtype=object)
        end = np.array(frame["end"], dtype=object)
        cols = {
            "periode": np.full(n, period_text(year, month, style.period), dtype=object),
            "forloeb_id": np.array([f"F-{c + 1:06d}" for c in frame["course"]], dtype=object),
            "cpr": cpr_values(self.p.cpr10, self.p.cpr11, frame["pid"].to_numpy(), style.cpr, rng),
            "startdato": start.copy(),
            "slutdato": end.copy(),
            "aktoerer": actors,
            "afslutning": ending,
        }
        if style.extra:  # the coordinator's initials
            staff = np.array(["AKJ", "MHP", "SLN", "TBR"], dtype=object)
            cols[EXTRA] = staff[frame["course"].to_numpy() % len(staff)]
        bad = self._bad_count(n)
        first = dt.date(year, month, 1)
        open_rows = np.flatnonzero(np.array([e is None for e in end], dtype=bool))
        kind = m % 6
        if bad and kind == 0:  # an actor the register's code list does not have
            idx = rng.choice(n, size=bad, replace=False)
            cols["aktoerer"][idx] = [f"{a}{style.actors}familiebehandling" for a in actors[idx]]
        elif bad and kind == 2 and len(open_rows) >= bad:  # ended, but how is not filled in
            idx = rng.choice(open_rows, size=bad, replace=False)
            last = first + dt.timedelta(days=31)
            cols["slutdato"][idx] = last.replace(day=1) - dt.timedelta(days=1)
        elif bad and kind == 3 and len(open_rows) >= bad:  # registered ahead: starts next month
            idx = rng.choice(open_rows, size=bad, replace=False)
            later = (first + dt.timedelta(days=31)).replace(day=1)
            cols["startdato"][idx] = [
                later + dt.timedelta(days=int(d)) for d in rng.integers(0, 20, bad)
            ]
        elif kind == 4 and n >= 70:  # one course twice, the second row with another actor
            i = int(rng.integers(0, n))
            twin = {k: np.asarray(v, dtype=object)[[i]].copy() for k, v in cols.items()}
            others = [
                c.code for c in course_codes("aktoer") if c.code not in frame["actors"].iloc[i]
            ]
            twin["aktoerer"][0] = f"{twin['aktoerer'][0]}{style.actors}{rng.choice(others)}"
            cols = self._insert_rows(cols, np.array([i + 1]), twin)
        elif bad and kind == 5:  # the same row exported twice: counted once, not an error
            src = np.sort(rng.choice(n, size=min(2, n), replace=False))
            twins = {k: np.asarray(v, dtype=object)[src] for k, v in cols.items()}
            cols = self._insert_rows(cols, src + 1, twins)
        if style.fmt != "xlsx":
            for key in ("startdato", "slutdato"):
                cols[key] = _date_or_empty(cols[key], style.date, self.plain)
        self._write("forloeb", f"forloeb_{self.cal.label(m)}", cols, style)

    def summary(self) -> dict:
        return {
            "out": str(self.out),
            "mode": "plain" if self.plain else "messy",
            "files": len(self.files),
            "bytes": sum(f.stat().st_size for f in self.files),
            "rows": {
                s: int(self.rows[s])
                for s in (
                    "beboere",
                    "skole",
                    "karakterer",
                    "beskaeftigelse",
                    "deltagelse",
                    "forloeb",
                )
            },
        }
