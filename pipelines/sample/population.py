"""Synthetic residents for `pipelines.sample`: areas, households, moves, births, deaths, CPRs.

Everything is drawn up front as per-person arrays (no loop per person or per month): a person is
resident in months `in_m <= m < out_m` (indices into the generated calendar), in `area1`/`afd1`
before `chg_m` and in `area2`/`afd2` from it (one move between areas at most).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Household types: (name, share among the first households, monthly hazard of moving out).
HOUSEHOLD_TYPES = (
    ("single", 0.36, 0.008),
    ("single_parent", 0.19, 0.005),
    ("couple", 0.08, 0.006),
    ("couple_kids", 0.13, 0.004),
    ("senior_single", 0.18, 0.002),
    ("senior_couple", 0.06, 0.002),
)
# A vacated flat is let to a household that fits it: small (1 person), medium (2), large (3+).
# Shares of the types above among newcomers, per flat size; newcomers are younger.
NEWCOMERS = np.array(
    [
        [0.85, 0.00, 0.00, 0.00, 0.15, 0.00],
        [0.10, 0.45, 0.33, 0.00, 0.00, 0.12],
        [0.00, 0.45, 0.00, 0.55, 0.00, 0.00],
    ]
)
AREA_MOVE_HAZARD = 0.0006  # households moving to another of the plan's areas, per month
LEAVE_HOME_HAZARD = 0.012  # children aged 18+ leaving their parents' home, per month
STAY_IN_PLAN_SHARE = 0.3  # of those, the share who get their own flat in one of the areas
OWN_FLAT_HAZARD = 0.01
BIRTH_RATE = 0.0055  # per woman-month aged 18-44
OUTSIDER_SHARE = 0.03  # non-residents who take part in activities (other parts of town)
NEVER = np.iinfo(np.int32).max // 2
FEMALE, MALE = 0, 1
HEAD, PARTNER, CHILD = 0, 1, 2


@dataclass(frozen=True)
class Area:
    name: str
    code: str
    school: str
    weight: int  # residents at the default size (3,500 in total)
    afdelinger: tuple[tuple[str, str], ...]  # (afdeling id, boligselskab)


AREAS = (
    Area(
        "Houlkær",
        "HOU",
        "Houlkærskolen",
        1700,
        (
            ("11", "BoligViborg"),
            ("12", "BoligViborg"),
            ("13", "BoligViborg"),
            ("14", "BoligViborg"),
        ),
    ),
    Area(
        "Ellekonebakken",
        "ELL",
        "Vestervangskolen",
        900,
        (
            ("501", "Boligselskabet Sct. Jørgen"),
            ("502", "Boligselskabet Sct. Jørgen"),
            ("503", "Boligselskabet Sct. Jørgen"),
        ),
    ),
    Area(
        "Overlund",
        "OVE",
        "Overlund Skole",
        600,
        (("31", "BoligViborg"), ("520", "Boligselskabet Sct. Jørgen")),
    ),
    Area("Kølvrå", "KOE", "Kølvrå Skole", 300, (("61", "BoligViborg"),)),
)
AFDELINGER = tuple(
    (area_index, afd, company)
    for area_index, area in enumerate(AREAS)
    for afd, company in area.afdelinger
)
AFD_AREA = np.array([a for a, _, _ in AFDELINGER], dtype=np.int8)


@dataclass(frozen=True)
class Calendar:
    """The generated months; `am` is an absolute month index (year * 12 + month - 1)."""

    start_am: int
    months: int

    @property
    def am(self) -> np.ndarray:
        return self.start_am + np.arange(self.months)

    def year(self, m: int) -> int:
        return (self.start_am + m) // 12

    def month(self, m: int) -> int:
        return (self.start_am + m) % 12 + 1

    def label(self, m: int) -> str:
        return f"{self.year(m):04d}-{self.month(m):02d}"

    def index_of(self, year: int, month: int) -> int:
        return year * 12 + month - 1 - self.start_am


@dataclass
class Persons:
    birth_am: np.ndarray  # absolute month of birth
    birth_day: np.ndarray
    sex: np.ndarray
    role: np.ndarray
    household: np.ndarray
    in_m: np.ndarray
    out_m: np.ndarray
    chg_m: np.ndarray
    area1: np.ndarray
    afd1: np.ndarray
    area2: np.ndarray
    afd2: np.ndarray
    cpr10: np.ndarray | None = None  # object array 'DDMMYYSSSS'
    cpr11: np.ndarray | None = None  # object array 'DDMMYY-SSSS'

    def __len__(self) -> int:
        return len(self.birth_am)

    def present(self, m: int) -> np.ndarray:
        return (self.in_m <= m) & (m < self.out_m)

    def area_at(self, m: int) -> np.ndarray:
        return np.where(m >= self.chg_m, self.area2, self.area1)

    def afd_at(self, m: int) -> np.ndarray:
        return np.where(m >= self.chg_m, self.afd2, self.afd1)

    def age_at(self, am: int) -> np.ndarray:
        """Completed years on the last day of absolute month `am`."""
        return (am - self.birth_am) // 12


def area_sizes(residents: int) -> np.ndarray:
    """Split the residents over the areas by their default weights (largest remainder)."""
    weights = np.array([a.weight for a in AREAS], dtype=float)
    exact = residents * weights / weights.sum()
    sizes = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - sizes), kind="stable")
    sizes[order[: residents - sizes.sum()]] += 1
    return sizes


def _draw_afd(rng: np.random.Generator, areas: np.ndarray) -> np.ndarray:
    """A random afdeling of each area (afdelinger of an area equally likely)."""
    out = np.empty(len(areas), dtype=np.int16)
    for a in range(len(AREAS)):
        idx = np.flatnonzero(areas == a)
        choices = np.flatnonzero(AFD_AREA == a)
        out[idx] = rng.choice(choices, size=len(idx))
    return out


def _geometric(rng: np.random.Generator, p, size) -> np.ndarray:
    return rng.geometric(p, size=size).astype(np.int64)


def _households(rng: np.random.Generator, flat: np.ndarray | None, n: int):
    """Households for `n` flats of size class `flat` (None: the first households): type, flat
    size class, and members (household index, role, sex, age at the reference month)."""
    initial = flat is None
    if initial:
        shares = np.array([t[1] for t in HOUSEHOLD_TYPES])
        kind = rng.choice(len(HOUSEHOLD_TYPES), size=n, p=shares / shares.sum())
    else:
        cum = NEWCOMERS.cumsum(axis=1)[flat]
        kind = (cum < rng.random(n)[:, None] * cum[:, -1:]).sum(axis=1)
    names = [t[0] for t in HOUSEHOLD_TYPES]
    is_kind = {name: kind == i for i, name in enumerate(names)}

    head_age = np.empty(n)
    mix = rng.random(n)
    young = rng.uniform(18, 30, n)
    head_age[:] = np.where(
        mix < 0.32, young, np.where(mix < 0.75, rng.uniform(30, 55, n), rng.uniform(55, 67, n))
    )
    sp = is_kind["single_parent"]
    head_age[sp] = np.minimum(21 + rng.gamma(4, 4.0, sp.sum()), 58)
    ck = is_kind["couple_kids"]
    head_age[ck] = np.minimum(26 + rng.gamma(4, 3.8, ck.sum()), 62)
    cp = is_kind["couple"]
    head_age[cp] = rng.uniform(21, 67, cp.sum())
    ss = is_kind["senior_single"]
    head_age[ss] = np.minimum(62 + rng.exponential(10, ss.sum()), 99)
    sc = is_kind["senior_couple"]
    head_age[sc] = np.minimum(65 + rng.exponential(7, sc.sum()), 95)
    if not initial:  # newcomers are younger
        head_age = np.where(
            head_age < 67, np.maximum(18, head_age - rng.uniform(0, 6, n)), head_age
        )
    head_age = np.floor(head_age).astype(np.int64)

    head_sex = (rng.random(n) < 0.55).astype(np.int8)
    head_sex[sp] = (rng.random(sp.sum()) < 0.12).astype(np.int8)
    head_sex[ss] = (rng.random(ss.sum()) < 0.38).astype(np.int8)
    couple = couple_mask(is_kind)
    head_sex[couple] = (rng.random(couple.sum()) < 0.93).astype(np.int8)

    partner_age = np.clip(head_age - np.round(rng.normal(2.5, 3, n)).astype(np.int64), 18, 99)
    mother_age = np.where(ck, partner_age, head_age)
    n_kids = np.zeros(n, dtype=np.int64)
    n_kids[sp] = 1 + rng.binomial(3, 0.36, sp.sum())
    if not initial:  # single parents in a medium flat have one child, in a large one more
        n_kids[sp] = np.where(flat[sp] == 1, 1, 2 + rng.binomial(2, 0.3, sp.sum()))
    n_kids[ck] = 1 + rng.binomial(4, 0.38, ck.sum())
    size = 1 + couple_mask(is_kind) + n_kids
    flat = np.minimum(size, 3) - 1 if initial else flat

    members_hh = [np.arange(n), np.flatnonzero(couple)]
    members_role = [np.full(n, HEAD), np.full(couple.sum(), PARTNER)]
    members_sex = [head_sex, 1 - head_sex[couple]]
    members_age = [head_age, partner_age[couple]]
    kid_hh = np.repeat(np.arange(n), n_kids)
    max_kid_age = np.clip(mother_age[kid_hh] - 19, 0, 22)
    kid_age = np.floor(rng.random(len(kid_hh)) ** 0.75 * (max_kid_age + 1)).astype(np.int64)
    members_hh.append(kid_hh)
    members_role.append(np.full(len(kid_hh), CHILD))
    members_sex.append((rng.random(len(kid_hh)) < 0.51).astype(np.int8))
    members_age.append(kid_age)

    hh = np.concatenate(members_hh)
    order = np.argsort(hh, kind="stable")
    return (
        kind,
        flat,
        hh[order],
        np.concatenate(members_role)[order].astype(np.int8),
        np.concatenate(members_sex)[order].astype(np.int8),
        np.concatenate(members_age)[order],
    )


def couple_mask(is_kind: dict[str, np.ndarray]) -> np.ndarray:
    return is_kind["couple"] | is_kind["couple_kids"] | is_kind["senior_couple"]


def _death_month(rng: np.random.Generator, age: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Gompertz mortality (about 5 % a year at 80), drawn in closed form from age at `start`."""
    alpha, beta = -11.0, 0.1
    hazard0 = np.exp(alpha + beta * (age + 0.5))
    years = np.log1p(beta * rng.exponential(1.0, len(age)) / hazard0) / beta
    months = np.minimum(years * 12, NEVER - 1).astype(np.int64)
    return np.where(age >= 50, start + months, NEVER)


def _birth_am(rng: np.random.Generator, ref_am: np.ndarray, age: np.ndarray) -> np.ndarray:
    return ref_am - 12 * age - rng.integers(0, 12, len(age))


def build_population(rng: np.random.Generator, cal: Calendar, residents: int) -> Persons:
    """All residents of the whole period plus outsiders who only take part in activities."""
    sizes = area_sizes(residents)
    batches: list[dict[str, np.ndarray]] = []
    # Initial households, then chains of replacement households in the vacated dwellings.
    hh_area = np.repeat(np.arange(len(AREAS)), (sizes / 1.5).astype(np.int64) + 20)
    hh_in = np.zeros(len(hh_area), dtype=np.int64)
    hh_flat = None
    next_hh = 0
    while len(hh_area):
        initial = hh_flat is None
        kind, hh_flat, hh, role, sex, age = _households(rng, hh_flat, len(hh_area))
        if initial:  # keep whole households until each area has its size
            counts = np.bincount(hh, minlength=len(hh_area))
            cum = np.zeros(len(hh_area), dtype=np.int64)
            for a in range(len(AREAS)):
                idx = np.flatnonzero(hh_area == a)
                cum[idx] = np.cumsum(counts[idx])
            keep_hh = cum - counts < sizes[hh_area]
            keep_hh &= sizes[hh_area] > 0
            keep = keep_hh[hh]
            remap = np.cumsum(keep_hh) - 1
            kind, hh_area, hh_in = kind[keep_hh], hh_area[keep_hh], hh_in[keep_hh]
            hh_flat = hh_flat[keep_hh]
            hh, role, sex, age = remap[hh[keep]], role[keep], sex[keep], age[keep]
        n = len(hh_area)
        hh_afd = _draw_afd(rng, hh_area)
        hazard = np.array([t[2] for t in HOUSEHOLD_TYPES])[kind]
        tenancy_end = hh_in + _geometric(rng, hazard, n)
        area_move = hh_in + _geometric(rng, AREA_MOVE_HAZARD, n)
        ref_am = cal.start_am + hh_in[hh]
        birth_am = _birth_am(rng, ref_am, age)

        m_in = hh_in[hh]
        out = np.minimum(tenancy_end[hh], _death_month(rng, age, m_in))
        # children aged 18+ leave home; some get their own flat in one of the areas
        month18 = np.maximum(birth_am + 18 * 12 - cal.start_am, m_in)
        leave = np.where(
            role == CHILD, month18 + _geometric(rng, LEAVE_HOME_HAZARD, len(hh)), NEVER
        )
        leaves = leave < out
        stays = leaves & (rng.random(len(hh)) < STAY_IN_PLAN_SHARE)
        own_out = leave + _geometric(rng, OWN_FLAT_HAZARD, len(hh))
        chg = np.full(len(hh), NEVER, dtype=np.int64)
        area1 = hh_area[hh].astype(np.int8)
        area2 = area1.copy()
        chg[stays] = leave[stays]
        area2[stays] = rng.choice(len(AREAS), size=stays.sum(), p=sizes / sizes.sum())
        out = np.where(stays, own_out, np.where(leaves, leave, out))
        # whole household moves to another area (members still living there at that time)
        new_area = _other_area(rng, hh_area, sizes)
        moved = (area_move[hh] < out) & (area_move[hh] < chg) & (new_area[hh] != hh_area[hh])
        chg[moved] = area_move[hh][moved]
        area2[moved] = new_area[hh][moved]
        afd1 = hh_afd[hh]
        afd2 = np.where(area2 == area1, afd1, _draw_afd(rng, area2))
        afd2 = np.where(stays & (rng.random(len(hh)) < 0.5), _draw_afd(rng, area2), afd2)

        batches.append(
            {
                "birth_am": birth_am,
                "sex": sex,
                "role": role,
                "household": hh + next_hh,
                "in_m": m_in,
                "out_m": out,
                "chg_m": chg,
                "area1": area1,
                "afd1": afd1,
                "area2": area2,
                "afd2": afd2,
            }
        )
        # the dwelling is vacant when the last member who lived there has gone; a household
        # that moved within the plan, or a young person in an own flat, leaves a second one
        starts = _starts(hh, n)
        vacancy = np.maximum.reduceat(np.minimum(chg, out), starts)
        moved_hh = np.maximum.reduceat(moved.astype(np.int8), starts).astype(bool)
        second = np.maximum.reduceat(np.where(moved, out, -1), starts)
        vac_at = np.concatenate([vacancy, second[moved_hh], out[stays]])
        vac_area = np.concatenate([hh_area, new_area[moved_hh], area2[stays]])
        vac_flat = np.concatenate([hh_flat, hh_flat[moved_hh], np.zeros(stays.sum(), np.int64)])
        next_in = vac_at + rng.choice([0, 1, 1, 2], size=len(vac_at))
        again = next_in < cal.months
        # ... and took a dwelling that would otherwise have been let to newcomers
        moved_in_time = moved_hh & (area_move < cal.months)
        taken = int(moved_in_time.sum() + (stays & (leave < cal.months)).sum())
        again[rng.permutation(np.flatnonzero(again))[:taken]] = False
        next_hh += n
        hh_area, hh_in, hh_flat = vac_area[again], next_in[again], vac_flat[again]

    cols = {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}
    cols = _add_births(rng, cal, cols)
    cols = _add_outsiders(rng, cal, cols, max(20, int(residents * OUTSIDER_SHARE)))
    days = _days_in_month(cols["birth_am"])
    birth_day = (1 + np.floor(rng.random(len(days)) * days)).astype(np.int8)
    persons = Persons(
        birth_am=cols["birth_am"].astype(np.int32),
        birth_day=birth_day,
        sex=cols["sex"].astype(np.int8),
        role=cols["role"].astype(np.int8),
        household=cols["household"].astype(np.int64),
        in_m=np.minimum(cols["in_m"], NEVER).astype(np.int32),
        out_m=np.minimum(cols["out_m"], NEVER).astype(np.int32),
        chg_m=np.minimum(cols["chg_m"], NEVER).astype(np.int32),
        area1=cols["area1"].astype(np.int8),
        afd1=cols["afd1"].astype(np.int16),
        area2=cols["area2"].astype(np.int8),
        afd2=cols["afd2"].astype(np.int16),
    )
    persons.cpr10, persons.cpr11 = cpr_numbers(rng, persons)
    return persons


def _other_area(rng: np.random.Generator, area: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Another area, in proportion to the areas' sizes (own area if there is no other)."""
    weights = np.tile(sizes.astype(float), (len(area), 1))
    weights[np.arange(len(area)), area] = 0.0
    cum = weights.cumsum(axis=1)
    pick = (cum < rng.random(len(area))[:, None] * cum[:, -1:]).sum(axis=1)
    return np.where(cum[:, -1] > 0, np.minimum(pick, len(sizes) - 1), area)


def _starts(hh: np.ndarray, n: int) -> np.ndarray:
    """Index of each household's first member (members are sorted by household, none empty)."""
    return np.searchsorted(hh, np.arange(n))


def _add_births(rng: np.random.Generator, cal: Calendar, c: dict) -> dict:
    """Babies of women aged 18-44 while resident; they live with their mother."""
    women = np.flatnonzero(c["sex"] == FEMALE)
    lo = np.maximum(c["in_m"][women], c["birth_am"][women] + 18 * 12 - cal.start_am)
    hi = np.minimum(
        np.minimum(c["out_m"][women], cal.months), c["birth_am"][women] + 45 * 12 - cal.start_am
    )
    span = np.maximum(hi - lo, 0)
    n_babies = np.minimum(rng.poisson(BIRTH_RATE * span), 3)
    mother = np.repeat(women, n_babies)
    born = np.repeat(lo, n_babies) + np.floor(
        rng.random(len(mother)) * np.repeat(span, n_babies)
    ).astype(np.int64)
    after_move = born >= c["chg_m"][mother]
    baby = {
        "birth_am": cal.start_am + born,
        "sex": (rng.random(len(mother)) < 0.51).astype(np.int8),
        "role": np.full(len(mother), CHILD, dtype=np.int8),
        "household": c["household"][mother],
        "in_m": born,
        "out_m": c["out_m"][mother],
        "chg_m": np.where(after_move, NEVER, c["chg_m"][mother]),
        "area1": np.where(after_move, c["area2"][mother], c["area1"][mother]),
        "afd1": np.where(after_move, c["afd2"][mother], c["afd1"][mother]),
        "area2": c["area2"][mother],
        "afd2": c["afd2"][mother],
    }
    return {k: np.concatenate([c[k], baby[k]]) for k in c}


def _add_outsiders(rng: np.random.Generator, cal: Calendar, c: dict, n: int) -> dict:
    """People from elsewhere in town: never resident, sometimes at the plan's activities."""
    child = rng.random(n) < 0.25
    age = np.where(child, rng.integers(6, 16, n), rng.integers(18, 76, n))
    mid = cal.start_am + cal.months // 2
    outsider = {
        "birth_am": _birth_am(rng, np.full(n, mid), age),
        "sex": (rng.random(n) < 0.45).astype(np.int8),
        "role": np.where(child, CHILD, HEAD).astype(np.int8),
        "household": np.full(n, -1),
        "in_m": np.full(n, NEVER),
        "out_m": np.full(n, NEVER),
        "chg_m": np.full(n, NEVER),
        "area1": rng.integers(0, len(AREAS), n).astype(np.int8),
        "afd1": np.zeros(n, dtype=np.int16),
        "area2": np.zeros(n, dtype=np.int8),
        "afd2": np.zeros(n, dtype=np.int16),
    }
    outsider["area2"] = outsider["area1"]
    return {k: np.concatenate([c[k], outsider[k]]) for k in c}


def _days_in_month(am: np.ndarray) -> np.ndarray:
    starts = np.array(am - 1970 * 12, dtype="datetime64[M]")
    return ((starts + 1).astype("datetime64[D]") - starts.astype("datetime64[D]")).astype(int)


def cpr_numbers(rng: np.random.Generator, p: Persons) -> tuple[np.ndarray, np.ndarray]:
    """Unique, contract-valid fake CPR numbers: real birth date, century digit, sex parity."""
    year = p.birth_am // 12
    month = p.birth_am % 12 + 1
    modern = year >= 2000
    # Serial space per (birth date, sex): 7th digit x 2 middle digits x 5 last digits (parity =
    # sex). Born 1937-1999 may also have 7th digit 4 or 9 (century rule): a few get one.
    alt = (~modern) & (year % 100 >= 37) & (rng.random(len(p)) < 0.03)
    low = np.where(alt, 2000, 0)
    width = np.where(modern, 3000, np.where(alt, 1000, 2000))
    serial = low + np.floor(rng.random(len(p)) * width).astype(np.int64)
    day_key = (year.astype(np.int64) * 12 + month) * 32 + p.birth_day
    for _ in range(100):
        key = (day_key * 2 + p.sex) * 4000 + serial
        _, first = np.unique(key, return_index=True)
        dup = np.ones(len(p), dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        serial[dup] = low[dup] + np.floor(rng.random(dup.sum()) * width[dup]).astype(np.int64)
    else:  # pragma: no cover - capacity is far above any realistic size
        raise RuntimeError("could not draw unique CPR numbers")
    d7 = serial // 500
    d7 = np.where(modern, 4 + d7, np.where(d7 == 5, 9, d7))
    middle = (serial // 5) % 100
    last = 2 * (serial % 5) + p.sex
    left = (p.birth_day.astype(np.int64) * 100 + month) * 100 + year % 100
    right = (d7 * 100 + middle) * 10 + last
    left_s = np.strings.zfill(left.astype(str), 6)
    right_s = np.strings.zfill(right.astype(str), 4)
    cpr10 = np.strings.add(left_s, right_s).astype(object)
    cpr11 = np.strings.add(np.strings.add(left_s, "-"), right_s).astype(object)
    return cpr10, cpr11
