"""School attendance and 9th-grade exams of synthetic pupils for `pipelines.sample`.

Children start børnehaveklasse (klassetrin 0) in August of the year they turn 6 (a few a year
later); about half take a 10th year. Each pupil has a fixed absence propensity: most 2-6 %, some
moderate, a few chronic (15-40 %); monthly absence varies around it with the season. Exam grades
follow a fixed ability (lower with high absence) on the 7-step scale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.sample.population import AREAS, Calendar, Persons

TENTH_GRADE_SCHOOL = "10. klasse Viborg"
OTHER_SCHOOL = "Sct. Hans Skole"
STEPS = np.array([-3.0, 0.0, 2.0, 4.0, 7.0, 10.0, 12.0])
SEASON = {
    1: 1.15,
    2: 1.2,
    3: 1.05,
    4: 1.0,
    5: 0.95,
    6: 0.9,
    8: 0.8,
    9: 0.9,
    10: 1.0,
    11: 1.05,
    12: 1.1,
}
EXAM_PARTS = {"dansk": 4, "matematik": 3}  # graded parts averaged into the subject's mark
TREND_START = (2025, 1)


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def _week_days(year: int, week: int) -> list[dt.date]:
    return [dt.date.fromisocalendar(year, week, d) for d in range(1, 6)]


def school_days(year: int, month: int) -> int:
    """School days of a Danish folkeskole in the month (0 in July)."""
    if month == 7:
        return 0
    easter = _easter(year)
    free = [easter + dt.timedelta(days=d) for d in (-6, -5, -4, -3, -2, 1, 39, 40, 50)]
    if year <= 2023:
        free.append(easter + dt.timedelta(days=26))  # store bededag, abolished from 2024
    free += _week_days(year, 42) + _week_days(year, 7)  # autumn and winter breaks
    free += [dt.date(year, 6, 5), dt.date(year, 1, 1), dt.date(year, 1, 2)]
    first = dt.date(year, month, 1)
    end = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date() + dt.timedelta(days=1)
    if month == 8:  # the school year starts on the Monday on or after 8 August
        first = dt.date(year, 8, 8) + dt.timedelta(days=(7 - dt.date(year, 8, 8).weekday()) % 7)
    if month == 6:  # ... and ends on the last Friday on or before 26 June
        last = dt.date(year, 6, 26)
        end = last - dt.timedelta(days=(last.weekday() - 4) % 7) + dt.timedelta(days=1)
    if month == 12:  # Christmas break from 21 December
        end = dt.date(year, 12, 21)
    days = np.busday_count(first, end, holidays=[d for d in free if first <= d < end])
    return int(days)


@dataclass
class Pupils:
    """Fixed school traits of every person (most never go to school in the period)."""

    delay: np.ndarray  # 1: started a year late
    tenth: np.ndarray  # takes a 10th year
    kind: np.ndarray  # 0 the area's school, 1 another municipal school, 2 private (not in data)
    absence: np.ndarray  # propensity, share of days
    ability: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, n: int) -> Pupils:
        mix = rng.random(n)
        absence = np.where(
            mix < 0.80,
            rng.lognormal(np.log(0.035), 0.45, n),
            np.where(mix < 0.93, rng.lognormal(np.log(0.09), 0.3, n), rng.uniform(0.15, 0.40, n)),
        )
        score = (np.log(absence) - np.log(0.045)) / 0.7
        ability = -0.45 * score + rng.normal(0, 0.85, n)
        return cls(
            delay=(rng.random(n) < 0.04).astype(np.int8),
            tenth=rng.random(n) < 0.45,
            kind=rng.choice(3, size=n, p=[0.86, 0.08, 0.06]).astype(np.int8),
            absence=np.minimum(absence, 0.5).astype(np.float32),
            ability=ability.astype(np.float32),
        )


def klassetrin(p: Persons, pupils: Pupils, year: int, month: int) -> np.ndarray:
    school_year = year if month >= 8 else year - 1
    return school_year - p.birth_am // 12 - 6 - pupils.delay


def _trend(year: int, month: int, per_year: float) -> float:
    years = (year * 12 + month - (TREND_START[0] * 12 + TREND_START[1])) / 12
    return 1 + per_year * max(0.0, years)


def school_names(persons_area: np.ndarray, kind: np.ndarray, grade: np.ndarray) -> np.ndarray:
    """Index into `school_list()` of each pupil's school."""
    return np.where(
        grade == 10, len(AREAS) + 1, np.where(kind == 1, len(AREAS), persons_area)
    ).astype(np.int8)


def school_list() -> list[str]:
    return [a.school for a in AREAS] + [OTHER_SCHOOL, TENTH_GRADE_SCHOOL]


def month_rows(
    rng: np.random.Generator, p: Persons, pupils: Pupils, present: np.ndarray, m: int, cal: Calendar
) -> pd.DataFrame | None:
    """Pupils' rows of a month: pid, school, klassetrin, skoledage, fravaersdage."""
    year, month = cal.year(m), cal.month(m)
    days = school_days(year, month)
    if days == 0:
        return None
    grade = klassetrin(p, pupils, year, month)
    is_pupil = (
        present
        & (pupils.kind != 2)
        & (((grade >= 0) & (grade <= 9)) | ((grade == 10) & pupils.tenth))
    )
    pid = np.flatnonzero(is_pupil)
    grade = grade[pid]
    older = np.where(grade >= 7, 1.25, 1.0)
    rate = pupils.absence[pid] * SEASON[month] * older * _trend(year, month, -0.05)
    rate = np.minimum(rate * rng.gamma(2.0, 0.5, len(pid)), 1.0)
    absent = np.minimum(np.round(days * rate * 2) / 2, days)
    school = school_names(p.area1[pid], pupils.kind[pid], grade)
    school_new = school_names(p.area2[pid], pupils.kind[pid], grade)
    frame = pd.DataFrame(
        {
            "pid": pid,
            "school": np.where(p.chg_m[pid] <= m, school_new, school),
            "klassetrin": grade,
            "skoledage": days,
            "fravaersdage": absent,
        }
    )
    # moved to another area's school during the month: a row for each school
    split = (p.chg_m[pid] == m) & (school != school_new) & (days > 1)
    if split.any():
        first = frame[split].copy()
        first_days = rng.integers(1, days, split.sum())
        first_absent = np.minimum(np.floor(absent[split] * first_days / days * 2) / 2, first_days)
        first["school"] = school[split]
        first["skoledage"] = first_days
        first["fravaersdage"] = first_absent
        frame.loc[split, "skoledage"] = days - first_days
        frame.loc[split, "fravaersdage"] = np.minimum(
            absent[split] - first_absent, days - first_days
        )
        frame = pd.concat([first, frame]).sort_index(kind="stable").reset_index(drop=True)
    return frame


def exam_rows(
    rng: np.random.Generator, p: Persons, pupils: Pupils, present: np.ndarray, year: int
) -> pd.DataFrame:
    """9th-grade exam marks in June of `year` (school year `year-1/yy`): pid, fag, karakter."""
    grade = klassetrin(p, pupils, year, 6)
    pid = np.flatnonzero(present & (pupils.kind != 2) & (grade == 9))
    lift = 0.3 * (_trend(year, 6, 1.0) - 1)
    frames = []
    for fag, parts in EXAM_PARTS.items():
        latent = (
            5.9 + lift + 2.6 * (0.8 * pupils.ability[pid] + 0.6 * rng.standard_normal(len(pid)))
        )
        marks = latent[:, None] + rng.normal(0, 1.8, (len(pid), parts))
        nearest = STEPS[np.abs(marks[..., None] - STEPS).argmin(axis=-1)]
        mean = np.round(nearest.mean(axis=1) + 1e-9, 1)
        sat = rng.random(len(pid)) > 0.015  # a few miss a subject (ill on the day)
        frames.append(pd.DataFrame({"pid": pid[sat], "fag": fag, "karakter": mean[sat]}))
    return pd.concat(frames).sort_values(["pid", "fag"], kind="stable").reset_index(drop=True)
