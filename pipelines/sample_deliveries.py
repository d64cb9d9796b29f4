"""Turns the simulated month into the five sources' files, with the contract's defects on purpose.

Defects (each well under 5 % of a file): a few rows with an invalid CPR date, an unknown status
code, klassetrin 11, fravaersdage above skoledage, an unparseable number or date; exact duplicate
rows; one conflicting pair (one person, one month, two statuses); an identical copy of one
`beboere` file under another name; and a correction of one `beskaeftigelse` month that sorts after
the original and changes a few statuses.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.catalogue import delaftaler, status_codes
from pipelines.sample_activities import TEMPLATES, Activities
from pipelines.sample_files import (
    Style, area_texts, cpr_values, date_texts, decimal_texts, int_texts, period_text,
    style_for, with_blank_lines, write_file,
)
from pipelines.sample_labour import CODES
from pipelines.sample_population import AFDELINGER, AREAS, Calendar, Persons
from pipelines.sample_school import school_list

# Status as the jobcentre's Danish export spells it (equal to the codes under the contract's
# normalisation: æ ø å, spaces, hyphens and case).
DANISH_STATUS = {
    "beskaeftiget": "Beskæftiget", "selvstaendig": "Selvstændig", "fleksjob": "Fleksjob",
    "under_uddannelse": "Under uddannelse", "dagpenge": "Dagpenge",
    "kontanthjaelp": "Kontanthjælp", "uddannelseshjaelp": "Uddannelseshjælp",
    "selvforsoergelsesydelse": "Selvforsørgelses- og hjemrejseydelse",
    "sygedagpenge": "Sygedagpenge", "ressourceforloeb": "Ressourceforløb",
    "jobafklaring": "Jobafklaring", "ledighedsydelse": "Ledighedsydelse",
    "foertidspension": "Førtidspension", "efterloen": "Efterløn", "folkepension": "Folkepension",
    "oevrige": "Øvrige",
}
UNKNOWN_STATUS = "arbejdsløs"
MISSING_STATUS_SHARE = 0.005  # residents 16-66 the register misses in a month
STEP_TEXT = {-3.0: "-3", 0.0: "00", 2.0: "02", 4.0: "4", 7.0: "7", 10.0: "10", 12.0: "12"}


def _preferred(cal: Calendar, year: int, month: int, fallback: int) -> int:
    m = cal.index_of(year, month)
    return m if 0 <= m < cal.months else min(max(fallback, 0), cal.months - 1)


class Deliveries:
    def __init__(self, out: Path, persons: Persons, acts: Activities, cal: Calendar, seed: int,
                 plain: bool):
        self.out, self.p, self.acts, self.cal = out, persons, acts, cal
        self.seed, self.plain = seed, plain
        self.rng = np.random.default_rng([seed, 7])  # forms and defects, not the simulation
        self.files: list[Path] = []
        self.rows: Counter[str] = Counter()
        self.copy_month = _preferred(cal, 2023, 5, cal.months // 2)
        self.correct_month = _preferred(cal, 2024, 3, cal.months // 2 + 1)
        self.conflict_month = _preferred(cal, 2022, 10, cal.months // 3)
        self.blank_done = False
        self.delaftale_name = {d["delaftale"]: d["name_da"].lower() for d in delaftaler()}
        self.status_group = {code: row["status_group"] for code, row in status_codes().items()}

    # --- helpers --------------------------------------------------------------------------

    def _style(self, source: str, index: int) -> Style:
        return style_for(source, index, self.seed, self.plain)

    def _write(self, source: str, name: str, columns: dict, style: Style, extra=None) -> Path:
        path = self.out / source / f"{name}{style.suffix}"
        self.rows[source] += write_file(path, columns, source, style, extra)
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
            out.append(int(digits) if style.cpr == "number" else
                       digits if style.cpr == "plain" else f"{digits[:6]}-{digits[6:]}")
        return np.array(out, dtype=object)

    def _insert_rows(self, columns: dict, at: np.ndarray, new: dict) -> dict:
        """Insert rows `new` (same keys) before positions `at`."""
        order = np.argsort(np.concatenate([np.arange(len(next(iter(columns.values())))),
                                           at - 0.5]), kind="stable")
        return {k: np.concatenate([np.asarray(columns[k], dtype=object),
                                   np.asarray(new[k], dtype=object)])[order] for k in columns}

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

    # --- sources --------------------------------------------------------------------------

    def beboere(self, m: int, present: np.ndarray, area: np.ndarray, afd: np.ndarray) -> None:
        style = self._style("beboere", m)
        year, month = self.cal.year(m), self.cal.month(m)
        pid = np.flatnonzero(present)
        afd_id = np.array([a[1] for a in AFDELINGER], dtype=object)[afd[pid]]
        company = np.array([a[2] for a in AFDELINGER], dtype=object)[afd[pid]]
        cols = {
            "periode": np.full(len(pid), period_text(year, month, style.period), dtype=object),
            "cpr": self._cpr(pid, style),
            "boligomraade": area_texts(np.array([a.name for a in AREAS], dtype=object)[area[pid]],
                                       style.area, self.rng),
            "afdeling": np.array([int(a) for a in afd_id], dtype=object)
            if style.fmt == "xlsx" else afd_id,
            "boligselskab": company,
        }
        extra = None
        if style.extra and len(pid):
            extra = np.strings.add(np.strings.add(afd_id.astype(str), "-"),
                                   np.strings.zfill((pid % 997 + 1).astype(str), 4)).astype(object)
        bad = self._bad_count(len(pid))
        if bad and m % 12 == 3:
            cols = self._with_invalid_cpr({**cols, **({"_x": extra} if extra is not None else {})},
                                          bad, style)
            extra = cols.pop("_x", None)
        if bad and m % 12 == 7:
            cols = self._with_duplicates({**cols, **({"_x": extra} if extra is not None else {})},
                                         2)
            extra = cols.pop("_x", None)
        if not self.blank_done and style.fmt == "csv" and not self.plain and m >= min(
                4, self.cal.months - 1):
            style, self.blank_done = with_blank_lines(style), True
        path = self._write("beboere", f"beboere_{self.cal.label(m)}", cols, style, extra)
        if m == self.copy_month:  # the same export delivered twice
            copy = path.with_name(f"beboere_{self.cal.label(m)}_kopi{style.suffix}")
            shutil.copyfile(path, copy)
            self.files.append(copy)
            self.rows["beboere"] += len(cols["cpr"])

    def beskaeftigelse(self, m: int, present: np.ndarray, age: np.ndarray,
                       status: np.ndarray) -> None:
        style = self._style("beskaeftigelse", m)
        listed = present & (status >= 0)
        missing = (self.rng.random(len(listed)) < MISSING_STATUS_SHARE) & (age < 67)
        pid = np.flatnonzero(listed & ~missing)
        codes = np.array(CODES, dtype=object)[status[pid]]
        cols = self._status_columns(m, pid, codes, style)
        extra = None
        if style.extra:
            extra = np.array([self.status_group[c] for c in CODES], dtype=object)[status[pid]]
        bad = self._bad_count(len(pid))
        if bad and m % 12 == 5:
            self._set(cols, "status", UNKNOWN_STATUS, bad)
        if bad and m % 12 == 9:
            packed = {**cols, **({"_x": extra} if extra is not None else {})}
            cols = self._with_invalid_cpr(packed, bad, style)
            extra = cols.pop("_x", None)
        if m == self.conflict_month and len(pid):  # one person reported with two statuses
            i = int(self.rng.integers(len(pid)))
            other = "sygedagpenge" if codes[i] == "beskaeftiget" else "beskaeftiget"
            new = {k: np.asarray(v, dtype=object)[[i]] for k, v in cols.items()}
            new["status"] = self._status_columns(m, pid[[i]], np.array([other], dtype=object),
                                                 style)["status"]
            packed = {**cols, **({"_x": extra} if extra is not None else {})}
            if extra is not None:
                new["_x"] = extra[[i]]
            cols = self._insert_rows(packed, np.array([i + 1]), new)
            extra = cols.pop("_x", None)
        self._write("beskaeftigelse", f"beskaeftigelse_{self.cal.label(m)}", cols, style, extra)
        if m == self.correct_month and len(pid):  # late registrations corrected
            n = max(3, len(pid) // 100)
            idx = self.rng.choice(len(pid), size=min(n, len(pid)), replace=False)
            fixed = codes.copy()
            fixed[idx] = np.where(fixed[idx] == "beskaeftiget", "sygedagpenge", "beskaeftiget")
            cols = self._status_columns(m, pid, fixed, style)
            extra = None if extra is None else np.array(
                [self.status_group[c] for c in fixed], dtype=object)
            self._write("beskaeftigelse", f"beskaeftigelse_{self.cal.label(m)}_rettet", cols,
                        style, extra)

    def _status_columns(self, m: int, pid: np.ndarray, codes: np.ndarray, style: Style) -> dict:
        if style.status == "code":
            status = codes
        else:
            table = {c: DANISH_STATUS[c].upper() if style.status == "upper" else DANISH_STATUS[c]
                     for c in CODES}
            uniq, inverse = np.unique(codes.astype(str), return_inverse=True)
            status = np.array([table[c] for c in uniq], dtype=object)[inverse]
        year, month = self.cal.year(m), self.cal.month(m)
        return {"periode": np.full(len(pid), period_text(year, month, style.period), dtype=object),
                "cpr": self._cpr(pid, style), "status": status}

    def skole(self, m: int, frame: pd.DataFrame) -> None:
        style = self._style("skole", self._skole_index(m))
        year, month = self.cal.year(m), self.cal.month(m)
        pid = frame["pid"].to_numpy()
        grade = frame["klassetrin"].to_numpy()
        days = frame["skoledage"].to_numpy()
        absent = frame["fravaersdage"].to_numpy()
        xlsx = style.fmt == "xlsx"
        if xlsx:
            grade_v, days_v, absent_v = (grade.astype(object), days.astype(object),
                                         absent.astype(object))
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
            "klassetrin": grade_v, "skoledage": days_v, "fravaersdage": absent_v,
        }
        extra = None
        if style.extra:
            letters = np.array(["A", "B", "C"], dtype=object)[pid % 3]
            extra = np.strings.add(np.strings.add(int_texts(grade).astype(str), "."),
                                   letters.astype(str)).astype(object)
        bad = self._bad_count(len(pid))
        k = m % 12
        if bad and k in (4, 8, 10):
            packed = {**cols, **({"_x": extra} if extra is not None else {})}
            if k == 4:
                self._set(packed, "klassetrin", 11 if xlsx else "11", bad)
            elif k == 8:
                idx = self._set(packed, "fravaersdage", None, bad)
                over = days[idx] + 3
                packed["fravaersdage"][idx] = over.astype(object) if xlsx else int_texts(over)
            else:
                self._set(packed, "fravaersdage", "ca. 2", bad)
            cols = packed
            extra = cols.pop("_x", None)
        self._write("skole", f"skole_{self.cal.label(m)}", cols, style, extra)

    def _skole_index(self, m: int) -> int:
        """Files so far (no July files), so the style cycle skips no form."""
        return sum(1 for i in range(m) if self.cal.month(i) != 7)

    def karakterer(self, year: int, frame: pd.DataFrame, index: int) -> None:
        style = self._style("karakterer", index)
        pid = frame["pid"].to_numpy()
        mark = frame["karakter"].to_numpy()
        fag = frame["fag"].to_numpy().astype(object)
        if style.fag == "title":
            fag = np.where(fag == "dansk", "Dansk", "Matematik").astype(object)
        elif style.fag == "upper":
            fag = np.where(fag == "dansk", "DANSK", "MATEMATIK").astype(object)
        if style.fmt == "xlsx":
            mark_v = mark.astype(object)
        else:
            mark_v = decimal_texts(mark, style.decimal)
            if style.karakter == "text":
                steps = np.array([STEP_TEXT.get(float(v)) for v in mark], dtype=object)
                mark_v = np.where(steps != None, steps, mark_v)  # noqa: E711
        cols = {"skoleaar": np.full(len(pid), f"{year - 1}/{year % 100:02d}", dtype=object),
                "cpr": self._cpr(pid, style), "fag": fag, "karakter": mark_v}
        bad = self._bad_count(len(pid))
        if bad and index % 3 == 1:
            self._set(cols, "karakter", "EB", 1)  # ej bedømt: not a number
        self._write("karakterer", f"karakterer_{year - 1}-{year % 100:02d}", cols, style)

    def deltagelse(self, m: int, frame: pd.DataFrame) -> None:
        style = self._style("deltagelse", m)
        act = frame["act"].to_numpy()
        tmpl = self.acts.template[act]
        delaftale = np.array([t.delaftale for t in TEMPLATES], dtype=object)[tmpl]
        if style.delaftale == "letter":
            shown = {d: d[0].upper() for d in self.delaftale_name}
        else:
            shown = self.delaftale_name
        partner = np.array([t.partner for t in TEMPLATES], dtype=object)[tmpl]
        partner = np.where(frame["partner"].to_numpy() & (partner != ""), partner, None)
        if not self.plain:
            partner = np.where(partner == None, "", partner)  # noqa: E711
        cols = {
            "dato": date_texts(frame["dato"].to_numpy(), style.date),
            "aktivitet_id": np.array(self.acts.ids, dtype=object)[act],
            "aktivitet": np.array(self.acts.names, dtype=object)[act],
            "delaftale": np.array([shown[d] for d in delaftale], dtype=object),
            "boligomraade": area_texts(
                np.array([a.name for a in AREAS], dtype=object)[self.acts.area[act]], style.area,
                self.rng),
            "partner": partner.astype(object),
            "cpr": self._cpr(frame["pid"].to_numpy(), style),
            "rolle": np.where(frame["frivillig"].to_numpy(), "frivillig", "deltager")
            .astype(object),
        }
        extra = None
        if style.extra:
            extra = np.where(self.rng.random(len(act)) < 0.05, "ny deltager", "").astype(object)
        rows = len(act)
        registered = np.flatnonzero(frame["pid"].to_numpy() >= 0)
        bad = self._bad_count(rows)
        packed = {**cols, **({"_x": extra} if extra is not None else {})}
        if bad and m % 12 == 6:
            year = self.cal.year(m)
            self._set(packed, "dato", f"31.02.{year}" if style.date != "iso" else f"{year}-02-31",
                      1)
        if bad and m % 12 == 2 and len(registered):  # registered twice
            src = self.rng.choice(registered, size=min(2, len(registered)), replace=False)
            new = {k: np.asarray(v, dtype=object)[src] for k, v in packed.items()}
            packed = self._insert_rows(packed, src + 1, new)
        extra = packed.pop("_x", None)
        self._write("deltagelse", f"deltagelse_{self.cal.label(m)}", packed, style, extra)

    def summary(self) -> dict:
        return {
            "out": str(self.out),
            "mode": "plain" if self.plain else "messy",
            "files": len(self.files),
            "bytes": sum(f.stat().st_size for f in self.files),
            "rows": {s: int(self.rows[s]) for s in
                     ("beboere", "skole", "karakterer", "beskaeftigelse", "deltagelse")},
        }
