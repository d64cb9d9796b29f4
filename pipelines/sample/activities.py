"""The plan's activities and who takes part, for `pipelines.sample`.

Each activity is held weekly (some every other week or monthly) on a fixed weekday in one area and
belongs to one delaftale. It has a pool of regular participants (residents of the right age, mostly
from its own area, a few from other areas or from outside the plan's areas) who each come with their
own probability, some volunteers (a small, stable group of adults), and unregistered guests.
An external partner takes part in some sessions. From 2025 new activities start and pools grow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.sample.population import AREAS, Calendar, Persons, area_sizes

RESIDENTS_PER_ACTIVITY = 175
POOL_CHURN = 0.06  # regular participants who stop (and are replaced) each month
FROM_OUTSIDE, FROM_OTHER_AREA = 0.07, 0.05
VOLUNTEER_SHARE = 0.035  # adults who would volunteer
PLAN_START = (2025, 1)


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    delaftale: str  # code of seeds/delaftaler.csv
    ages: tuple[int, int]
    weekday: int  # 0 = Monday
    every: int  # 1 weekly, 2 every other week, 4 first of the month
    pool: int
    volunteers: int
    attend: float
    guests: float  # unregistered participants per session (mean)
    partner: str
    partner_share: float
    school_break: bool = False  # closed in school holidays
    female_only: bool = False
    since: tuple[int, int] | None = None


U, B, S = "uddannelse_og_livschancer", "beskaeftigelse", "sammenhaengskraft_og_medborgerskab"
# In the order an area gets them (small areas only have the first few).
TEMPLATES = (
    Template(
        "LEK",
        "Lektiecafé",
        U,
        (6, 16),
        0,
        1,
        14,
        3,
        0.6,
        0.4,
        "Ungdommens Røde Kors",
        0.8,
        school_break=True,
    ),
    Template("FAE", "Fællesspisning", S, (0, 95), 3, 2, 30, 3, 0.5, 4.0, "", 0.0),
    Template("JOB", "Jobcafé", B, (18, 64), 1, 1, 10, 1, 0.5, 0.3, "Jobcenter Viborg", 0.5),
    Template(
        "MOR",
        "Mødregruppe",
        U,
        (18, 45),
        2,
        1,
        8,
        1,
        0.6,
        0.5,
        "Sundhedsplejen",
        0.3,
        female_only=True,
    ),
    Template("SEN", "Seniorklub", S, (60, 95), 4, 1, 12, 2, 0.7, 0.5, "Ældre Sagen", 0.2),
    Template("UNG", "Ungeklub", S, (13, 19), 4, 1, 15, 2, 0.5, 1.0, "SSP Viborg", 0.3),
    Template(
        "FRI",
        "Fritidsjobindsats",
        B,
        (13, 17),
        0,
        1,
        10,
        1,
        0.5,
        0.2,
        "Viborg Ungdomsskole",
        0.6,
        since=(2025, 3),
    ),
    Template(
        "IDR",
        "Motion i gården",
        S,
        (8, 60),
        5,
        1,
        15,
        2,
        0.5,
        1.5,
        "DGI Midtjylland",
        0.4,
        since=(2025, 5),
    ),
    Template(
        "FOR",
        "Forældrecafé",
        U,
        (25, 55),
        3,
        2,
        10,
        1,
        0.5,
        0.5,
        "",
        0.7,
        school_break=True,
        since=(2021, 8),
    ),
    Template(
        "GAE",
        "Gældsrådgivning",
        B,
        (25, 66),
        1,
        4,
        6,
        1,
        0.6,
        0.2,
        "Kirkens Korshær",
        0.9,
        since=(2025, 9),
    ),
)


@dataclass
class Activities:
    template: np.ndarray
    area: np.ndarray
    ids: list[str]
    names: list[str]
    weekday: np.ndarray
    parity: np.ndarray
    since_am: np.ndarray

    @classmethod
    def plan(cls, residents: int) -> Activities:
        rows = []
        for a, (area, size) in enumerate(zip(AREAS, area_sizes(residents))):
            if size == 0:
                continue
            n = max(3, round(size / RESIDENTS_PER_ACTIVITY))
            for i in range(n):
                t, copy = i % len(TEMPLATES), i // len(TEMPLATES)
                tmpl = TEMPLATES[t]
                suffix = f" {copy + 1}" if copy else ""
                since = tmpl.since or (1900, 1)
                rows.append(
                    (
                        t,
                        a,
                        f"{area.code}-{tmpl.code}{copy + 1}",
                        f"{tmpl.name} {area.name}{suffix}",
                        (tmpl.weekday + copy) % 6,
                        copy % 2,
                        since[0] * 12 + since[1] - 1,
                    )
                )
        cols = list(zip(*rows))
        return cls(
            template=np.array(cols[0]),
            area=np.array(cols[1]),
            ids=list(cols[2]),
            names=list(cols[3]),
            weekday=np.array(cols[4]),
            parity=np.array(cols[5]),
            since_am=np.array(cols[6]),
        )

    def __len__(self) -> int:
        return len(self.template)


def _tvec(attr: str) -> np.ndarray:
    return np.array([getattr(t, attr) for t in TEMPLATES])


def _closed(date: dt.date) -> tuple[bool, bool]:
    """(closed for everyone, closed in school holidays) on that day."""
    christmas = (date.month == 12 and date.day >= 22) or (date.month == 1 and date.day <= 1)
    week = date.isocalendar().week
    school_holiday = date.month == 7 or week in (7, 42) or christmas
    return christmas, school_holiday


class Participation:
    """Pools of participants and volunteers, kept from month to month."""

    def __init__(self, rng: np.random.Generator, persons: Persons, residents: int):
        self.rng = rng
        self.p = persons
        self.acts = Activities.plan(residents)
        n_act = len(self.acts)
        self.pool_max = int(_tvec("pool").max() * 1.3) + 1
        self.members = np.full((n_act, self.pool_max), -1, dtype=np.int64)
        self.propensity = rng.uniform(0.4, 1.0, (n_act, self.pool_max)).astype(np.float32)
        self.vol_max = int(_tvec("volunteers").max()) + 1
        self.volunteers = np.full((n_act, self.vol_max), -1, dtype=np.int64)
        n = len(persons)
        self.willing = rng.random(n) < VOLUNTEER_SHARE
        # a third of the willing only start when the new plan asks them (2025-2026)
        plan_am = PLAN_START[0] * 12 + PLAN_START[1] - 1
        self.willing_from = np.where(
            rng.random(n) < 0.33, plan_am + rng.integers(0, 24, n), 0
        ).astype(np.int32)
        self.outsiders = np.flatnonzero(persons.household < 0)

    def _candidates(
        self, present: np.ndarray, area: np.ndarray, age: np.ndarray, t: int, a: int | None
    ) -> np.ndarray:
        tmpl = TEMPLATES[t]
        ok = present & (age >= tmpl.ages[0]) & (age <= tmpl.ages[1])
        if a is not None:
            ok &= area == a
        if tmpl.female_only:
            ok &= self.p.sex == 0
        return np.flatnonzero(ok)

    def _refill(self, present, area, age, am: int, growth: float) -> None:
        acts, rng = self.acts, self.rng
        pool_size = np.round(_tvec("pool")[acts.template] * growth).astype(int)
        vol_size = _tvec("volunteers")[acts.template] + (growth > 1.1)
        member_ok = np.where(self.members >= 0, True, False)
        safe = np.maximum(self.members, 0)
        lo = _tvec("ages")[acts.template][:, 0][:, None]
        hi = _tvec("ages")[acts.template][:, 1][:, None]
        outsider = self.p.household[safe] < 0
        member_ok &= (present[safe] | outsider) & (age[safe] >= lo) & (age[safe] <= hi)
        member_ok &= rng.random(self.members.shape) >= POOL_CHURN
        member_ok &= np.arange(self.pool_max) < pool_size[:, None]
        self.members[~member_ok] = -1
        vsafe = np.maximum(self.volunteers, 0)
        vol_ok = (self.volunteers >= 0) & present[vsafe] & (age[vsafe] >= 18)
        vol_ok &= rng.random(self.volunteers.shape) >= 0.01
        self.volunteers[~vol_ok] = -1

        everyone = present | (self.p.household < 0)
        for t in range(len(TEMPLATES)):
            for a in range(len(AREAS)):
                rows = np.flatnonzero((acts.template == t) & (acts.area == a))
                if not len(rows):
                    continue
                empty = (self.members[rows] < 0) & (
                    np.arange(self.pool_max) < pool_size[rows, None]
                )
                r, c = np.nonzero(empty)
                if len(r):
                    own = self._candidates(present, area, age, t, a)
                    anywhere = self._candidates(everyone, area, age, t, None)
                    source = rng.random(len(r))
                    pick = np.full(len(r), -1, dtype=np.int64)
                    use_any = source < FROM_OUTSIDE + FROM_OTHER_AREA
                    if len(own):
                        pick[~use_any] = own[rng.integers(0, len(own), (~use_any).sum())]
                    if len(anywhere):
                        pick[use_any] = anywhere[rng.integers(0, len(anywhere), use_any.sum())]
                    self.members[rows[r], c] = pick
                    self.propensity[rows[r], c] = rng.uniform(0.4, 1.0, len(r))
                vempty = (self.volunteers[rows] < 0) & (
                    np.arange(self.vol_max) < vol_size[rows, None]
                )
                r, c = np.nonzero(vempty)
                if len(r):
                    willing = self.willing & (self.willing_from <= am)
                    adults = present & willing & (age >= 18) & (age <= 80)
                    cand = np.flatnonzero(adults & (area == a))
                    if not len(cand):
                        cand = np.flatnonzero(adults)
                    if len(cand):
                        self.volunteers[rows[r], c] = cand[rng.integers(0, len(cand), len(r))]

    def month_rows(
        self, present: np.ndarray, area: np.ndarray, age: np.ndarray, m: int, cal: Calendar
    ) -> pd.DataFrame:
        """Rows of the month: dato, act (index), pid (-1 unregistered), frivillig, partner."""
        year, month = cal.year(m), cal.month(m)
        am = cal.start_am + m
        plan_years = (am - (PLAN_START[0] * 12 + PLAN_START[1] - 1)) / 12
        growth = 1 + 0.12 * min(max(plan_years, 0.0), 2.5)
        self._refill(present, area, age, am, growth)
        acts, rng = self.acts, self.rng
        first = dt.date(year, month, 1)
        days = [
            first + dt.timedelta(days=d)
            for d in range(31)
            if (first + dt.timedelta(days=d)).month == month
        ]
        active = acts.since_am <= am
        every = _tvec("every")[acts.template]
        school = _tvec("school_break")[acts.template]
        s_act, s_day = [], []
        for day in days:
            all_closed, holiday = _closed(day)
            if all_closed:
                continue
            week = day.isocalendar().week
            on = active & (acts.weekday == day.weekday()) & ~(school & holiday)
            on &= np.where(
                every == 2, week % 2 == acts.parity, np.where(every == 4, day.day <= 7, True)
            )
            idx = np.flatnonzero(on)
            s_act.append(idx)
            s_day.append(np.full(len(idx), day.toordinal()))
        if not s_act:
            return _empty()
        s_act = np.concatenate(s_act)
        s_day = np.concatenate(s_day)
        held = rng.random(len(s_act)) >= 0.04  # a few sessions are cancelled
        s_act, s_day = s_act[held], s_day[held]
        order = np.lexsort((s_act, s_day))
        s_act, s_day = s_act[order], s_day[order]
        tmpl = acts.template[s_act]
        # the partner comes on a fixed rotation (e.g. every other week), not at random
        share = _tvec("partner_share")[tmpl]
        phase = (s_act * 0.618034) % 1.0
        week = s_day // 7
        partner = np.floor((week + 1) * share + phase) - np.floor(week * share + phase) >= 1

        members = self.members[s_act]
        come = (members >= 0) & (
            rng.random(members.shape) < self.propensity[s_act] * _tvec("attend")[tmpl][:, None]
        )
        vols = self.volunteers[s_act]
        helps = (vols >= 0) & (rng.random(vols.shape) < 0.85)
        guests = rng.poisson(_tvec("guests")[tmpl])
        ps, pj = np.nonzero(come)
        vs, vj = np.nonzero(helps)
        gs = np.repeat(np.arange(len(s_act)), guests)
        session = np.concatenate([vs, ps, gs])
        frame = pd.DataFrame(
            {
                "session": session,
                "pid": np.concatenate([vols[vs, vj], members[ps, pj], np.full(len(gs), -1)]),
                "frivillig": np.concatenate(
                    [np.ones(len(vs), bool), np.zeros(len(ps) + len(gs), bool)]
                ),
            }
        )
        # a volunteer who also appears as a participant is registered once, as volunteer
        registered = frame["pid"] >= 0
        dup = frame[registered].duplicated(["session", "pid"])
        frame = frame.drop(frame[registered].index[dup.to_numpy()])
        frame = frame.sort_values(["session"], kind="stable")
        sess = frame["session"].to_numpy()
        return pd.DataFrame(
            {
                "dato": np.array([dt.date.fromordinal(int(d)) for d in s_day])[sess]
                if len(sess)
                else np.array([], dtype=object),
                "act": s_act[sess],
                "pid": frame["pid"].to_numpy(),
                "frivillig": frame["frivillig"].to_numpy(),
                "partner": partner[sess],
            }
        )


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dato": np.array([], dtype=object),
            "act": np.array([], dtype=np.int64),
            "pid": np.array([], dtype=np.int64),
            "frivillig": np.array([], dtype=bool),
            "partner": np.array([], dtype=bool),
        }
    )
