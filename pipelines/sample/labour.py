"""Labour-market status of synthetic residents for `pipelines.sample`: a sticky Markov chain.

Each month a person in status `s` leaves it with probability `LEAVE[s]` (short spells such as
sygedagpenge end fast, førtidspension almost never) and then draws a new status with weights
`W[age group, s] * exp(BETA[s] * z)`, where `z` is the person's fixed employability. The chain's
stationary shares given `z` are `W * exp(BETA z) / LEAVE`; `W` is calibrated so that the shares,
averaged over `z`, equal `TARGET` per age group. From January 2025 the weights of work and
education rise a little each month, and temporary benefits end a little sooner: the plan's effect.
"""

from __future__ import annotations

import numpy as np

from pipelines.catalogue import status_codes

CODES = tuple(status_codes())  # seeds/status_codes.csv
S = {code: i for i, code in enumerate(CODES)}
NONE = -1  # under 16: no status
PENSION_AGE = 67
AGE_GROUPS = (16, 18, 25, 30, 40, 50, 60, 65, PENSION_AGE)  # lower bounds; last is pension
# Monthly probability of leaving the status (spell length about 1 / LEAVE months).
LEAVE = {
    "beskaeftiget": 0.02,
    "selvstaendig": 0.012,
    "fleksjob": 0.01,
    "under_uddannelse": 0.025,
    "dagpenge": 0.15,
    "kontanthjaelp": 0.035,
    "uddannelseshjaelp": 0.05,
    "selvforsoergelsesydelse": 0.04,
    "sygedagpenge": 0.18,
    "ressourceforloeb": 0.04,
    "jobafklaring": 0.08,
    "ledighedsydelse": 0.12,
    "foertidspension": 0.001,
    "efterloen": 0.004,
    "folkepension": 0.0,
    "oevrige": 0.05,
}
# Education ends with age: leaving probability of under_uddannelse per age group.
LEAVE_EDUCATION = {16: 0.01, 18: 0.035, 25: 0.05, 30: 0.06, 40: 0.06, 50: 0.06, 60: 0.06, 65: 0.06}
WORK = tuple(c for c, row in status_codes().items() if row.is_work)
TEMP_BENEFIT = tuple(c for c, row in status_codes().items() if row.is_temp_benefit)
BETA = {
    **{c: 0.8 for c in WORK},
    "under_uddannelse": 0.4,
    **{c: -0.5 for c in TEMP_BENEFIT},
    "foertidspension": -0.8,
    "oevrige": -0.2,
}
# Target shares (percent) per age group, from social-housing areas' typical profile.
TARGET = {
    16: {"under_uddannelse": 84, "beskaeftiget": 5, "uddannelseshjaelp": 3, "oevrige": 8},
    18: {
        "under_uddannelse": 36,
        "beskaeftiget": 30,
        "selvstaendig": 0.5,
        "fleksjob": 1,
        "dagpenge": 1,
        "kontanthjaelp": 2,
        "uddannelseshjaelp": 13,
        "selvforsoergelsesydelse": 3,
        "sygedagpenge": 1,
        "ressourceforloeb": 1,
        "foertidspension": 2,
        "oevrige": 9.5,
    },
    25: {
        "beskaeftiget": 44,
        "selvstaendig": 1,
        "fleksjob": 2,
        "under_uddannelse": 13,
        "dagpenge": 3,
        "kontanthjaelp": 3,
        "uddannelseshjaelp": 10,
        "selvforsoergelsesydelse": 4,
        "sygedagpenge": 2,
        "ressourceforloeb": 2,
        "jobafklaring": 1,
        "ledighedsydelse": 0.5,
        "foertidspension": 4,
        "oevrige": 11.5,
    },
    30: {
        "beskaeftiget": 48,
        "selvstaendig": 2,
        "fleksjob": 3,
        "under_uddannelse": 4,
        "dagpenge": 4,
        "kontanthjaelp": 12,
        "selvforsoergelsesydelse": 5,
        "sygedagpenge": 3,
        "ressourceforloeb": 3,
        "jobafklaring": 2,
        "ledighedsydelse": 1,
        "foertidspension": 6,
        "oevrige": 8,
    },
    40: {
        "beskaeftiget": 47,
        "selvstaendig": 3,
        "fleksjob": 4,
        "under_uddannelse": 2,
        "dagpenge": 4,
        "kontanthjaelp": 11,
        "selvforsoergelsesydelse": 3,
        "sygedagpenge": 3,
        "ressourceforloeb": 3,
        "jobafklaring": 2,
        "ledighedsydelse": 1,
        "foertidspension": 11,
        "oevrige": 7,
    },
    50: {
        "beskaeftiget": 43,
        "selvstaendig": 3,
        "fleksjob": 5,
        "under_uddannelse": 0.5,
        "dagpenge": 4,
        "kontanthjaelp": 8,
        "selvforsoergelsesydelse": 2,
        "sygedagpenge": 4,
        "ressourceforloeb": 3,
        "jobafklaring": 2,
        "ledighedsydelse": 1,
        "foertidspension": 20,
        "oevrige": 5.5,
    },
    60: {
        "beskaeftiget": 31,
        "selvstaendig": 3,
        "fleksjob": 5,
        "dagpenge": 3,
        "kontanthjaelp": 5,
        "sygedagpenge": 3,
        "ressourceforloeb": 1,
        "jobafklaring": 1,
        "ledighedsydelse": 1,
        "foertidspension": 28,
        "efterloen": 13,
        "oevrige": 6,
    },
    65: {
        "beskaeftiget": 18,
        "selvstaendig": 3,
        "fleksjob": 4,
        "dagpenge": 1,
        "kontanthjaelp": 4,
        "sygedagpenge": 1,
        "foertidspension": 33,
        "efterloen": 27,
        "oevrige": 9,
    },
}
TREND_START = (2025, 1)
TREND_PER_YEAR = 0.30  # relative rise of the weights of work (education: a third of it) a year


def _leave_table() -> np.ndarray:
    """LEAVE[group, status], never 0 (the calibration divides by it)."""
    table = np.tile(np.maximum([LEAVE[c] for c in CODES], 1e-6), (len(AGE_GROUPS), 1))
    for g, low in enumerate(AGE_GROUPS[:-1]):
        table[g, S["under_uddannelse"]] = LEAVE_EDUCATION[low]
    return table


def _calibrated_weights() -> np.ndarray:
    """Redraw weights W[group, status] that make the stationary shares equal TARGET."""
    leave_table = _leave_table()
    beta = np.array([BETA.get(c, 0.0) for c in CODES])
    nodes, quad = np.polynomial.hermite_e.hermegauss(40)
    quad = quad / quad.sum()
    tilt = np.exp(np.outer(nodes, beta))  # nodes x states
    weights = np.zeros((len(AGE_GROUPS) - 1, len(CODES)))
    for g, low in enumerate(AGE_GROUPS[:-1]):
        leave = leave_table[g]
        target = np.array([TARGET[low].get(c, 0.0) for c in CODES])
        target = target / target.sum()
        w = np.where(target > 0, target * leave, 0.0)
        for _ in range(200):
            stationary = w * tilt / leave
            stationary /= stationary.sum(axis=1, keepdims=True)
            achieved = quad @ stationary
            w = np.where(target > 0, w * target / np.maximum(achieved, 1e-12), 0.0)
        weights[g] = w / w.sum()
    return weights


class LabourMarket:
    """Persistent status of every person, advanced one month at a time."""

    def __init__(self, rng: np.random.Generator, n_persons: int):
        assert set(LEAVE) == set(CODES), "LEAVE must cover seeds/status_codes.csv"
        self.rng = rng
        self.z = rng.standard_normal(n_persons).astype(np.float32)
        self.state = np.full(n_persons, NONE, dtype=np.int8)
        self.group = np.full(n_persons, -1, dtype=np.int8)
        self.weights = _calibrated_weights()
        self.leave = _leave_table()
        self.beta = np.array([BETA.get(c, 0.0) for c in CODES])
        self.work = np.array([c in WORK for c in CODES])
        self.edu = np.array([c == "under_uddannelse" for c in CODES])
        self.temp = np.array([c in TEMP_BENEFIT for c in CODES])

    def _weights(self, idx: np.ndarray, group: np.ndarray, trend: float, stationary: bool):
        w = self.weights[group] * np.exp(np.outer(self.z[idx], self.beta))
        w = w * np.where(self.work, trend, np.where(self.edu, 1 + (trend - 1) / 3, 1.0))
        if stationary:
            w = w / self.leave[group]
        return w / w.sum(axis=1, keepdims=True)

    def _sample(self, p: np.ndarray) -> np.ndarray:
        cum = np.cumsum(p, axis=1)
        u = self.rng.random(len(p)) * cum[:, -1]
        return np.minimum((cum < u[:, None]).sum(axis=1), len(CODES) - 1).astype(np.int8)

    def _draw(self, idx: np.ndarray, group: np.ndarray, trend: float, stationary: bool):
        return self._sample(self._weights(idx, group, trend, stationary))

    def _enter_group(self, idx: np.ndarray, old: np.ndarray, new: np.ndarray, trend: float):
        """Moving up an age group: keep the status with probability min(1, p_new / p_old),
        else draw from the shortfall max(0, p_new - p_old). If the status was distributed as
        the old group's stationary shares, it now is as the new group's, with as few changes
        as possible."""
        p_old = self._weights(idx, old, trend, stationary=True)
        p_new = self._weights(idx, new, trend, stationary=True)
        current = self.state[idx].astype(np.int64)
        rows = np.arange(len(idx))
        ratio = p_new[rows, current] / np.maximum(p_old[rows, current], 1e-12)
        move = self.rng.random(len(idx)) >= ratio
        if move.any():
            shortfall = np.maximum(p_new[move] - p_old[move], 0.0) + 1e-15
            self.state[idx[move]] = self._sample(shortfall)

    def step(self, age: np.ndarray, year: int, month: int, first: bool) -> np.ndarray:
        """Advance to the month where each person has `age`; returns the status array."""
        years_in = (year * 12 + month - (TREND_START[0] * 12 + TREND_START[1])) / 12
        trend = 1 + TREND_PER_YEAR * max(0.0, years_in)
        state = self.state
        group = np.searchsorted(AGE_GROUPS, age, side="right") - 1
        working_age = (age >= AGE_GROUPS[0]) & (age < PENSION_AGE)
        state[age < AGE_GROUPS[0]] = NONE
        state[age >= PENSION_AGE] = S["folkepension"]
        new = np.flatnonzero(working_age & ((state == NONE) | first))
        if len(new):  # turning 16 (or the first month): start in the stationary distribution
            state[new] = self._draw(new, group[new], trend, stationary=True)
        active = working_age.copy()
        active[new] = False
        older = np.flatnonzero(active & (group != self.group) & (self.group >= 0))
        if len(older):
            self._enter_group(older, self.group[older], group[older], trend)
        self.group = np.where(working_age, group, -1).astype(np.int8)
        idx = np.flatnonzero(active)
        leave = self.leave[group[idx], state[idx]]
        leave = np.where(self.temp[state[idx]], leave * trend, leave)  # more active efforts
        leaving = idx[self.rng.random(len(idx)) < leave]
        if len(leaving):
            state[leaving] = self._draw(leaving, group[leaving], trend, stationary=False)
        # uddannelseshjælp is for people under 30; efterløn needs age 60
        state[(state == S["uddannelseshjaelp"]) & (age >= 30)] = S["kontanthjaelp"]
        return state
