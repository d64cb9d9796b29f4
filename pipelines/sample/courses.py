"""Coordinated courses (`forloeb`) of synthetic residents for `pipelines.sample`.

A resident aged 13-66 without an open course starts one with a small monthly hazard: higher for
adults on long-term benefits, for adults whose household has a pupil with much absence, for
young people (13-17) with much absence themselves and for residents who will move out within a
year; from 2025 (the plan) a little higher. A
course is planned when it starts: its length (geometric-ish, 3-18 months), its actors (1-4, most
often 2-3, drawn by the resident's profile: jobcentre for adults, school for young people, ...)
and how it ends (goal reached, partly reached, dropped out; drop-outs end early, and from 2025
more goals are reached). A resident who moves out (or dies) ends an open course with `flyttet`
in the last month they live in the area; one course at a time per resident.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from pipelines.catalogue import course_codes, status_codes
from pipelines.sample.labour import CODES
from pipelines.sample.population import Calendar, Persons
from pipelines.sample.school import Pupils

AGES = (13, 66)
ADULT_FROM = 18
START_HAZARD = 0.0027  # per month, residents 13-66 without an open course
LONG_TERM_BENEFIT = (
    "kontanthjaelp",
    "uddannelseshjaelp",
    "selvforsoergelsesydelse",
    "ressourceforloeb",
    "jobafklaring",
    "foertidspension",
)
BENEFIT_FACTOR = 4.0
ABSENT_PUPIL = 0.12  # absence propensity that worries the school
ABSENT_FAMILY_FACTOR = 2.5  # adults in a household with such a pupil
ABSENT_YOUNG_FACTOR = 4.0
# Households that are about to move (eviction, debt, a breakdown) need a course more often.
LEAVING_MONTHS, LEAVING_FACTOR = 12, 4.0
PLAN_AM = 2025 * 12  # January 2025
PLAN_FACTOR = 1.15
LENGTH_P, LENGTH_MIN, LENGTH_MAX = 0.15, 3, 18  # months: LENGTH_MIN - 1 + geometric, capped
ACTOR_COUNTS = (0.15, 0.42, 0.31, 0.12)  # 1, 2, 3, 4 actors
# How a course ends when the resident stays: before the plan, and ending from 2025.
ENDINGS = ("maal_naaet", "delvist_naaet", "afbrudt")
ENDING_SHARES = (0.38, 0.26, 0.21)
ENDING_SHARES_PLAN = (0.46, 0.25, 0.14)
MOVED = "flyttet"
# Weight of each actor code (seeds/course_codes.csv) in a course of an adult / a young person.
ADULT_ACTORS = {
    "jobcenter": 10,
    "skole": 0.4,
    "sundhed": 5,
    "socialforvaltning": 7,
    "psykiatri": 3,
    "misbrug": 2,
    "boligorganisation": 4,
    "politi": 0.6,
    "civilsamfund": 2,
    "andet": 1,
}
YOUNG_ACTORS = {
    "jobcenter": 1,
    "skole": 10,
    "sundhed": 3,
    "socialforvaltning": 7,
    "psykiatri": 3,
    "misbrug": 1,
    "boligorganisation": 0.6,
    "politi": 2.5,
    "civilsamfund": 3,
    "andet": 1,
}
SCHOOL_FOR_FAMILY = 6.0  # an adult's course with the school when a pupil at home is absent
JOBCENTER_ON_BENEFIT = 2.0


def _check_codes() -> tuple[str, ...]:
    actors = tuple(c.code for c in course_codes("aktoer"))
    endings = {c.code for c in course_codes("afslutning")}
    assert set(ADULT_ACTORS) == set(YOUNG_ACTORS) == set(actors), "actors of course_codes.csv"
    assert set(ENDINGS) | {MOVED} == endings, "endings of course_codes.csv"
    assert set(LONG_TERM_BENEFIT) <= set(status_codes()), "codes of status_codes.csv"
    return actors


class Courses:
    """All courses so far (arrays in the order they started: index i is course `F-{i+1:06d}`)."""

    def __init__(self, rng: np.random.Generator, persons: Persons, pupils: Pupils, cal: Calendar):
        self.actor_codes = _check_codes()
        self.rng, self.p, self.pupils, self.cal = rng, persons, pupils, cal
        self.open = np.full(len(persons), -1, dtype=np.int64)  # a person's open course
        self.pid = np.zeros(0, dtype=np.int64)
        self.start = np.zeros(0, dtype=np.int64)  # date ordinal
        self.start_m = np.zeros(0, dtype=np.int64)
        self.end = np.zeros(0, dtype=np.int64)
        self.end_m = np.zeros(0, dtype=np.int64)
        self.ending = np.zeros(0, dtype=object)
        self.actors: list[tuple[str, ...]] = []
        self.benefit = np.isin(np.array(CODES), LONG_TERM_BENEFIT)

    def __len__(self) -> int:
        return len(self.pid)

    def _days(self, m: np.ndarray) -> np.ndarray:
        """Days in month index m (may lie before the calendar)."""
        am = self.cal.start_am + m
        starts = np.array(am - 1970 * 12, dtype="datetime64[M]")
        return ((starts + 1).astype("datetime64[D]") - starts.astype("datetime64[D]")).astype(int)

    def _ordinal(self, m: np.ndarray, day: np.ndarray) -> np.ndarray:
        am = self.cal.start_am + m
        first = np.array(am - 1970 * 12, dtype="datetime64[M]").astype("datetime64[D]")
        epoch = dt.date(1970, 1, 1).toordinal()
        return first.astype(np.int64) + epoch + day - 1

    def _profile(self, m: int, present: np.ndarray, age: np.ndarray, status: np.ndarray):
        """Each person's hazard factor, and flags: adult, on long-term benefit, absent pupil at
        home (adults) or own absence (young people)."""
        p = self.p
        adult = (age >= ADULT_FROM) & (age <= AGES[1])
        young = (age >= AGES[0]) & (age < ADULT_FROM)
        benefit = adult & (status >= 0) & self.benefit[np.maximum(status, 0)]
        absent = self.pupils.absence >= ABSENT_PUPIL
        pupil = present & (age >= 6) & (age <= 16) & absent & (p.household >= 0)
        worried = np.zeros(int(p.household.max()) + 2, dtype=bool)
        worried[p.household[pupil]] = True
        family = adult & worried[np.maximum(p.household, 0)] & (p.household >= 0)
        own = young & absent
        factor = np.where(adult | young, 1.0, 0.0)
        factor = factor * np.where(benefit, BENEFIT_FACTOR, 1.0)
        factor = factor * np.where(family, ABSENT_FAMILY_FACTOR, 1.0)
        factor = factor * np.where(own, ABSENT_YOUNG_FACTOR, 1.0)
        leaving = p.out_m.astype(np.int64) - m <= LEAVING_MONTHS
        factor = factor * np.where(leaving, LEAVING_FACTOR, 1.0)
        return factor, adult, benefit, family

    def _start(self, m: int, who: np.ndarray, adult, benefit, family, first: bool) -> None:
        rng, p, n = self.rng, self.p, len(who)
        if not n:
            return
        length = np.minimum(LENGTH_MIN - 1 + rng.geometric(LENGTH_P, n), LENGTH_MAX)
        # how it ends, by the era of its planned end (a course of the stock: about half way)
        plan_end = self.cal.start_am + m + np.where(first, length // 2, length - 1) >= PLAN_AM
        u = rng.random(n)
        ending = np.empty(n, dtype=object)
        for shares, era in ((ENDING_SHARES, ~plan_end), (ENDING_SHARES_PLAN, plan_end)):
            cum = np.cumsum(shares) / sum(shares)
            ending[era] = np.array(ENDINGS, dtype=object)[np.searchsorted(cum, u[era])]
        dropped = ending == "afbrudt"
        early = np.ceil(length * rng.uniform(0.15, 0.7, n)).astype(np.int64)
        length = np.where(dropped, np.maximum(early, 1), length)
        # the first month: courses already open, started up to their length ago
        back = np.floor(rng.random(n) * length).astype(np.int64) if first else np.zeros(n, int)
        start_m = m - back
        start_day = 1 + np.floor(rng.random(n) * self._days(start_m)).astype(np.int64)
        end_m = start_m + length - 1
        last = p.out_m[who].astype(np.int64) - 1  # the last month the resident lives here
        moves = last <= end_m
        end_m = np.where(moves, last, end_m)
        ending[moves] = MOVED
        end_day = 1 + np.floor(rng.random(n) * self._days(end_m)).astype(np.int64)
        same = end_m == start_m
        end_day = np.where(same, np.maximum(end_day, start_day), end_day)
        actors = self._actors(who, adult, benefit, family)

        first_id = len(self)
        self.pid = np.concatenate([self.pid, who])
        self.start = np.concatenate([self.start, self._ordinal(start_m, start_day)])
        self.start_m = np.concatenate([self.start_m, start_m])
        self.end = np.concatenate([self.end, self._ordinal(end_m, end_day)])
        self.end_m = np.concatenate([self.end_m, end_m])
        self.ending = np.concatenate([self.ending, ending])
        self.actors.extend(actors)
        self.open[who] = first_id + np.arange(n)

    def _actors(self, who, adult, benefit, family) -> list[tuple[str, ...]]:
        """1-4 distinct actors per course, weighted by profile (Gumbel top-k: without
        replacement, in order of importance)."""
        rng, n = self.rng, len(who)
        codes = self.actor_codes
        w_adult = np.array([ADULT_ACTORS[c] for c in codes], dtype=float)
        w_young = np.array([YOUNG_ACTORS[c] for c in codes], dtype=float)
        weights = np.where(adult[who][:, None], w_adult, w_young)
        weights[:, codes.index("skole")] = np.where(
            family[who], SCHOOL_FOR_FAMILY, weights[:, codes.index("skole")]
        )
        weights[:, codes.index("jobcenter")] *= np.where(benefit[who], JOBCENTER_ON_BENEFIT, 1.0)
        keys = np.log(weights) - np.log(-np.log(rng.random((n, len(codes)))))
        order = np.argsort(-keys, axis=1)
        count = 1 + np.searchsorted(np.cumsum(ACTOR_COUNTS), rng.random(n) * sum(ACTOR_COUNTS))
        count = np.minimum(count, len(ACTOR_COUNTS))
        return [tuple(codes[j] for j in order[i, : count[i]]) for i in range(n)]

    def month_rows(
        self, m: int, present: np.ndarray, age: np.ndarray, status: np.ndarray
    ) -> pd.DataFrame:
        """The register's snapshot of month m: every course open at any time in the month, with
        its end only once it ended (in m). Columns: course, pid, start, end, ending, actors."""
        factor, adult, benefit, family = self._profile(m, present, age, status)
        has = np.flatnonzero(self.open >= 0)
        self.open[has[self.end_m[self.open[has]] < m]] = -1
        am = self.cal.start_am + m
        hazard = START_HAZARD * factor * (PLAN_FACTOR if am >= PLAN_AM else 1.0)
        # not in the last month a resident lives here (a course needs time to be set up)
        can = present & (self.open < 0) & (factor > 0) & (self.p.out_m > m + 1)
        if m == 0:
            mean_length = 6.0
            who = np.flatnonzero(can & (self.rng.random(len(can)) < hazard * mean_length))
            self._start(m, who, adult, benefit, family, first=True)
            can &= self.open < 0
        who = np.flatnonzero(can & (self.rng.random(len(can)) < hazard))
        self._start(m, who, adult, benefit, family, first=False)

        idx = np.flatnonzero((self.start_m <= m) & (self.end_m >= m))
        ends = self.end_m[idx] == m
        return pd.DataFrame(
            {
                "course": idx,
                "pid": self.pid[idx],
                "start": pd.Series(
                    [dt.date.fromordinal(int(d)) for d in self.start[idx]], dtype=object
                ),
                "end": pd.Series(
                    [
                        dt.date.fromordinal(int(d)) if e else None
                        for d, e in zip(self.end[idx], ends)
                    ],
                    dtype=object,
                ),
                "ending": pd.Series(np.where(ends, self.ending[idx], None), dtype=object),
                "actors": [self.actors[i] for i in idx],
            }
        )
