"""Clean, national-style deliveries for the benchmark: plain UTF-8 CSV, vectorised, cached.

`ensure(scale)` returns the folder of a scale's deliveries, generating them on the first call:
`<cache>/<key>/base/<source>/<source>_<YYYY-MM>.csv` holds `months` months (karakterer one file per
school year, `karakterer_<YYYY>-<YY>.csv`), `<cache>/<key>/extra/` the month after them (the
incremental run's new delivery). The key holds the scale, the seed and GENERATOR_VERSION, so a
change of the generator never reuses old files. The cache is `bench/.cache/` (ignored by git) or
`$HELHEDSPLAN_BENCH_CACHE`.

Unlike `pipelines.sample` (people, households and the contract's messy forms, at sample size),
this simulates only what the pipeline's cost depends on, for up to a million residents in seconds:
- `residents` flats, each with one occupant at a time; about 6 % of occupants move out a year and
  a new person moves in; areas of about 2,500 residents (at least 4), afdelinger of about 250.
- ages 0-95 at the start, newcomers younger; CPR numbers built from birth date and sex, valid
  under the contract (real date, century digit, parity), unique, synthetic. They are written to
  the delivery files only, never printed.
- beskaeftigelse for every resident aged 16-66, a status by age band that changes with 4 % a month;
  skole for pupils in 0.-10. klasse (no July), absence from a personal propensity; karakterer in
  June for 9th-graders; deltagelse: one weekly activity per 175 residents with a pool of 12
  regulars and 3 volunteers (flats, so the pool follows the occupants), unregistered guests,
  a partner on some sessions.
No bad rows, duplicates or corrections: the benchmark measures the clean path.
"""

from __future__ import annotations

import calendar
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

GENERATOR_VERSION = 6
BENCH_DIR = Path(__file__).resolve().parent
# one resident in COURSE_EVERY has a coordinated course (about 2 % at a time); how they end
COURSE_EVERY = 36
ENDINGS = ("maal_naaet", "delvist_naaet", "afbrudt", "flyttet")
SOURCES = ("beboere", "skole", "karakterer", "beskaeftigelse", "deltagelse", "forloeb")

LEAVE_PER_MONTH = 0.005  # about 6 % of occupants move out a year
STATUS_CHANGE_PER_MONTH = 0.04
RESIDENTS_PER_AREA = 2500
RESIDENTS_PER_AFDELING = 250
RESIDENTS_PER_ACTIVITY = 175
POOL_REGULARS, POOL_VOLUNTEERS = 12, 3
SCHOOL_DAYS = {1: 20, 2: 15, 3: 21, 4: 17, 5: 18, 6: 18, 8: 15, 9: 22, 10: 17, 11: 21, 12: 15}
DELAFTALER = ("U", "B", "S")  # the contract's letters for the three delaftaler
PARTNERS = ("Ungdommens Røde Kors", "FOF Viborg", "Jobcenter Viborg", "Houlkærskolen", "DGI")

# Age bands at the start (share, low, high) and of newcomers: social housing, plausible only.
START_AGES = ((0.27, 0, 17), (0.18, 18, 29), (0.25, 30, 49), (0.18, 50, 66), (0.12, 67, 95))
NEWCOMER_AGES = ((0.30, 0, 17), (0.35, 18, 29), (0.25, 30, 49), (0.08, 50, 66), (0.02, 67, 90))
# Status codes by age band 16-24, 25-59, 60-66 (shares per band sum to 1).
STATUSES = (
    "beskaeftiget", "selvstaendig", "fleksjob", "under_uddannelse", "dagpenge", "kontanthjaelp",
    "uddannelseshjaelp", "selvforsoergelsesydelse", "sygedagpenge", "ressourceforloeb",
    "jobafklaring", "ledighedsydelse", "foertidspension", "efterloen", "folkepension", "oevrige",
)
STATUS_SHARES = (
    (.30, .00, .01, .40, .01, .05, .12, .02, .02, .01, .00, .00, .01, .00, .00, .05),
    (.42, .03, .05, .04, .05, .11, .01, .04, .04, .03, .02, .01, .10, .00, .00, .05),
    (.35, .03, .06, .00, .05, .05, .00, .01, .04, .02, .02, .01, .22, .10, .00, .04),
)


@dataclass(frozen=True)
class Scale:
    name: str
    residents: int
    months: int = 60
    last_month: str = "2026-09"  # the extra (incremental) month is the one after
    seed: int = 2026

    @property
    def key(self) -> str:
        return (f"{self.name}-{self.residents}x{self.months}-to{self.last_month}"
                f"-seed{self.seed}-v{GENERATOR_VERSION}")


SCALES = {
    "sample": Scale("sample", 3_500),
    "100k": Scale("100k", 100_000),
    "1m": Scale("1m", 1_000_000),
}


def cache_dir() -> Path:
    return Path(os.environ.get("HELHEDSPLAN_BENCH_CACHE") or BENCH_DIR / ".cache").expanduser()


def ensure(scale: Scale) -> Path:
    """The cached deliveries of `scale` (generated now when missing); see the module docstring."""
    folder = cache_dir() / scale.key
    if (folder / "manifest.json").exists():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    os.chmod(partial, 0o700)  # the files hold (synthetic) CPR numbers: owner only
    started = time.perf_counter()
    rows = write_deliveries(partial, scale)
    manifest = {
        "scale": scale.name, "residents": scale.residents, "months": scale.months,
        "last_month": scale.last_month, "seed": scale.seed, "generator_version": GENERATOR_VERSION,
        "seconds": round(time.perf_counter() - started, 1), "rows": rows,
        "bytes": {part: _size(partial / part) for part in ("base", "extra")},
    }
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _month_index(label: str) -> int:
    year, month = label.split("-")
    return int(year) * 12 + int(month) - 1


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _draw_ages(rng: np.random.Generator, n: int, bands) -> np.ndarray:
    """Ages in days, drawn by band."""
    shares = np.array([b[0] for b in bands])
    band = rng.choice(len(bands), size=n, p=shares / shares.sum())
    low = np.array([b[1] for b in bands])[band]
    high = np.array([b[2] for b in bands])[band] + 1
    return ((low + rng.random(n) * (high - low)) * 365.25).astype(np.int64)


class Population:
    """Occupants of `residents` flats over `total` months (month 0 = the first month)."""

    def __init__(self, rng: np.random.Generator, residents: int, total: int, first: int):
        self.first, self.total = first, total
        n_areas = max(4, round(residents / RESIDENTS_PER_AREA))
        weights = rng.lognormal(0, 0.4, n_areas)
        self.n_areas = n_areas
        self.flat_area = np.sort(rng.choice(n_areas, size=residents, p=weights / weights.sum()))
        self.flat_afdeling = self.flat_area * 1000 + rng.integers(
            0, max(1, round(residents / n_areas / RESIDENTS_PER_AFDELING)), residents)
        flat, start, end = [], [], []
        current = np.arange(residents)
        moved_in = np.zeros(residents, dtype=np.int64)
        while current.size:  # each round: the next occupant of every flat still in the window
            leave = moved_in + rng.geometric(LEAVE_PER_MONTH, current.size)
            flat.append(current)
            start.append(moved_in)
            end.append(np.minimum(leave, total))
            keep = leave < total
            current, moved_in = current[keep], leave[keep]
        self.flat = np.concatenate(flat)
        self.start = np.concatenate(start)  # first month present
        self.end = np.concatenate(end)  # first month no longer present
        n = self.flat.size
        newcomer = self.start > 0
        age_days = np.where(newcomer, _draw_ages(rng, n, NEWCOMER_AGES), _draw_ages(rng, n, START_AGES))
        move_in_day = (pd.to_datetime([f"{_label(first + s)}-01" for s in range(total)])
                       .values.astype("datetime64[D]").astype(np.int64))[self.start]
        self.birth = (move_in_day - age_days).astype("datetime64[D]")
        self.male = rng.random(n) < 0.5
        self.area = self.flat_area[self.flat]
        self.afdeling = self.flat_afdeling[self.flat]
        self.absence = rng.beta(1.2, 18, n)  # personal absence propensity (share of school days)
        self.ability = rng.normal(6.0, 3.0, n)  # personal exam level (7-point scale)
        self.tenth_grade = rng.random(n) < 0.5
        self.cpr_date, self.cpr_serial = _cpr_parts(rng, self.birth, self.male)
        years = self.birth.astype("datetime64[Y]").astype(np.int64) + 1970
        self.birth_year = years
        self.birth_month = self.birth.astype("datetime64[M]").astype(np.int64) % 12 + 1

    def present(self, m: int) -> np.ndarray:
        return np.flatnonzero((self.start <= m) & (m < self.end))

    def age(self, m: int, who: np.ndarray) -> np.ndarray:
        """Years completed on the last day of month `m` (the contract's age)."""
        year, month = divmod(self.first + m, 12)
        return year - self.birth_year[who] - (self.birth_month[who] > month + 1)

    def occupant_of_flat(self, m: int) -> np.ndarray:
        who = self.present(m)
        occupant = np.full(self.flat_area.size, -1, dtype=np.int64)
        occupant[self.flat[who]] = who
        return occupant


def _cpr_parts(rng: np.random.Generator, birth: np.ndarray, male: np.ndarray):
    """DDMMYY and SSSS as integers: unique per person, century digit and parity per the contract."""
    days = birth.astype(np.int64)
    order = np.lexsort((rng.random(days.size), male, days))
    group = days[order] * 2 + male[order]
    first_of_group = np.r_[True, group[1:] != group[:-1]]
    starts = np.flatnonzero(first_of_group)
    rank = np.arange(days.size) - np.repeat(starts, np.diff(np.r_[starts, days.size]))
    k = np.empty_like(rank)
    k[order] = rank
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    # 7th digit: 0-3 for 1900-1999; 4, 9 (YY <= 36), then 5-8 (YY <= 57) for 2000-2057.
    digits_1900, digits_2000 = np.array([0, 1, 2, 3]), np.array([4, 9, 5, 6, 7, 8])
    slot, rest = divmod(k, 500)
    if (year < 1900).any() or (year > 2036).any():
        raise ValueError("birth years outside 1900-2036 are not generated")
    if (slot[year < 2000] >= digits_1900.size).any() or (slot[year >= 2000] >= digits_2000.size).any():
        raise ValueError("too many persons born on one day for unique CPR numbers")
    century_digit = np.where(year < 2000, digits_1900[np.minimum(slot, 3)], digits_2000[np.minimum(slot, 5)])
    middle = (rest // 5 + days * 7) % 100  # a bijection per day: unique, not sequential
    last = 2 * (rest % 5) + male
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    return day * 10000 + month * 100 + year % 100, century_digit * 1000 + middle * 10 + last


def _sql_list(values) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


class Writer:
    """One DuckDB connection formatting and writing every CSV file (`COPY ... TO`).

    Each file is one scan of a frame of integers (no join, so the rows keep the frame's order and
    the bytes are the same every time); CPR numbers, names and codes are formatted in SQL."""

    def __init__(self, pop: Population):
        self.pop = pop
        self.con = duckdb.connect()
        self.con.execute("set enable_progress_bar = false")
        self.con.execute("create macro cpr(d, s) as if(d < 0, null, printf('%06d-%04d', d, s))")
        self.con.execute("create macro area_name(a) as printf('Område %03d', a + 1)")

    def frame(self, pid: np.ndarray, **columns) -> pd.DataFrame:
        """`columns` plus the person's CPR parts, area and afdeling (pid -1: no person)."""
        known = pid >= 0
        safe = np.where(known, pid, 0)
        return pd.DataFrame({
            "cpr_date": np.where(known, self.pop.cpr_date[safe], -1),
            "cpr_serial": self.pop.cpr_serial[safe],
            "area": self.pop.area[safe],
            "afdeling": self.pop.afdeling[safe] % 1000 + 1,
            **columns,
        })

    def copy(self, frame: pd.DataFrame, select: str, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con.register("f", frame)
        self.con.execute(f"copy ({select} from f) to '{path}' (header, delimiter ',')")
        self.con.unregister("f")
        return len(frame)


def write_deliveries(out: Path, scale: Scale) -> dict:
    """Write base/ (scale.months months) and extra/ (the next month); rows per part and source."""
    rng = np.random.default_rng(scale.seed)
    first = _month_index(scale.last_month) - scale.months + 1
    total = scale.months + 1
    pop = Population(rng, scale.residents, total, first)
    writer = Writer(pop)
    pools = _activities(rng, pop)
    counts = {"base": dict.fromkeys(SOURCES, 0), "extra": dict.fromkeys(SOURCES, 0)}
    status = np.full(pop.flat.size, -1, dtype=np.int8)  # none yet: drawn when first needed
    for m in range(total):
        part = "base" if m < scale.months else "extra"
        folder, rows = out / part, counts[part]
        year, month0 = divmod(first + m, 12)
        label = _label(first + m)
        who = pop.present(m)
        age = pop.age(m, who)
        rows["beboere"] += writer.copy(
            writer.frame(who),
            f"select '{label}' as periode, cpr(cpr_date, cpr_serial) as cpr, "
            "area_name(area) as boligomraade, afdeling",
            folder / "beboere" / f"beboere_{label}.csv")
        status = _step_status(rng, pop, status, m)
        working_age = who[(age >= 16) & (age <= 66)]
        rows["beskaeftigelse"] += writer.copy(
            writer.frame(working_age, code=status[working_age]),
            f"select '{label}' as periode, cpr(cpr_date, cpr_serial) as cpr, "
            f"{_sql_list(STATUSES)}[code + 1] as status",
            folder / "beskaeftigelse" / f"beskaeftigelse_{label}.csv")
        if month0 + 1 in SCHOOL_DAYS:
            rows["skole"] += writer.copy(
                _pupils(rng, writer, m, who, month0 + 1),
                f"select '{label}' as periode, cpr(cpr_date, cpr_serial) as cpr, "
                "printf('Skole %03d', area + 1) as skole, klassetrin, skoledage, fravaersdage",
                folder / "skole" / f"skole_{label}.csv")
        if month0 + 1 == 6 and m < scale.months:
            rows["karakterer"] += writer.copy(
                _exams(rng, writer, m, who),
                f"select '{year - 1}/{year % 100:02d}' as skoleaar, cpr(cpr_date, cpr_serial) as cpr, "
                "if(matematik, 'matematik', 'dansk') as fag, karakter",
                folder / "karakterer" / f"karakterer_{year - 1}-{year % 100:02d}.csv")
        rows["deltagelse"] += writer.copy(
            _participation(rng, writer, pools, m, year, month0 + 1),
            f"select make_date({year}, {month0 + 1}, day) as dato, printf('A%05d', act + 1) as aktivitet_id, "
            f"printf('Aktivitet %d', act + 1) as aktivitet, {_sql_list(DELAFTALER)}[act % 3 + 1] as delaftale, "
            f"area_name(act_area) as boligomraade, if(partner < 0, null, {_sql_list(PARTNERS)}[partner + 1]) "
            "as partner, cpr(cpr_date, cpr_serial) as cpr, if(frivillig, 'frivillig', 'deltager') as rolle",
            folder / "deltagelse" / f"deltagelse_{label}.csv")
        rows["forloeb"] += writer.copy(
            _courses(writer, who, m),
            f"select '{label}' as periode, printf('F%09d', course) as forloeb_id, "
            "cpr(cpr_date, cpr_serial) as cpr, make_date(start // 12, start % 12 + 1, 1) as startdato, "
            f"if(ends, make_date({year}, {month0 + 1}, 15), null) as slutdato, "
            "if(actors = 1, 'jobcenter', 'jobcenter;skole') as aktoerer, "
            f"if(ends, {_sql_list(ENDINGS)}[ending + 1], null) as afslutning",
            folder / "forloeb" / f"forloeb_{label}.csv")
    write_areas(out, pop)
    return counts


def write_areas(out: Path, pop: Population) -> Path:
    """The generated areas and afdelinger as config/areas.yml lists the plan's (the gate's names check)."""
    lines = ["areas:"]
    for area in range(pop.n_areas):
        afdelinger = sorted({int(a) % 1000 + 1 for a in np.unique(pop.flat_afdeling[pop.flat_area == area])})
        lines.append(f"  Område {area + 1:03d}: [{', '.join(repr(str(a)) for a in afdelinger)}]")
    path = out / "areas.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _courses(writer: Writer, who: np.ndarray, m: int) -> pd.DataFrame:
    """Coordinated courses: one person in COURSE_EVERY has a course of 9 months in every 12 (the
    phase set by the person), ending in its ninth month with an ending cycling through ENDINGS."""
    holders = who[who % COURSE_EVERY == 0]
    phase = (m - holders // COURSE_EVERY % 12) % 12  # the person's own phase, spread over the year
    holders, phase = holders[phase < 9], phase[phase < 9]
    absolute = writer.pop.first + m
    return writer.frame(holders, course=holders * 16 + (absolute - phase) // 12 % 16, start=absolute - phase,
                        ends=phase == 8, actors=np.where(holders % 7 == 0, 1, 2),
                        ending=(holders // COURSE_EVERY) % len(ENDINGS))


def _age_band(age: np.ndarray) -> np.ndarray:
    return np.select([age <= 24, age <= 59], [0, 1], 2)


def _step_status(rng: np.random.Generator, pop: Population, status: np.ndarray, m: int) -> np.ndarray:
    """Statuses of month `m`: kept from last month, redrawn with STATUS_CHANGE_PER_MONTH or when the
    age band changes or the person has none yet."""
    who = pop.present(m)
    band = _age_band(pop.age(m, who))
    previous_band = _age_band(pop.age(max(m - 1, 0), who))
    redraw = (status[who] < 0) | (band != previous_band) | (rng.random(who.size) < STATUS_CHANGE_PER_MONTH)
    u = rng.random(who.size)
    new = status.copy()
    for b, shares in enumerate(STATUS_SHARES):
        pick = redraw & (band == b)
        cumulative = np.cumsum(shares)
        new[who[pick]] = np.minimum(np.searchsorted(cumulative / cumulative[-1], u[pick]), len(STATUSES) - 1)
    return new


def _klassetrin(pop: Population, m: int, who: np.ndarray) -> np.ndarray:
    year, month0 = divmod(pop.first + m, 12)
    school_year_start = year if month0 + 1 >= 8 else year - 1
    return school_year_start - pop.birth_year[who] - 6


def _pupils(rng, writer: Writer, m: int, who, month: int) -> pd.DataFrame:
    pop = writer.pop
    grade = _klassetrin(pop, m, who)
    pupil = ((grade >= 0) & (grade <= 9)) | ((grade == 10) & pop.tenth_grade[who])
    who, grade = who[pupil], grade[pupil]
    days = SCHOOL_DAYS[month]
    absent = np.round(2 * days * pop.absence[who] * rng.gamma(2.0, 0.5, who.size)) / 2
    return writer.frame(who, klassetrin=grade, skoledage=np.full(who.size, days),
                        fravaersdage=np.minimum(absent, days))


def _exams(rng, writer: Writer, m: int, who) -> pd.DataFrame:
    """dansk and matematik for each 9th-grader present in June (rows: pupil by pupil)."""
    ninth = np.repeat(who[_klassetrin(writer.pop, m, who) == 9], 2)
    grade = np.clip(writer.pop.ability[ninth] + rng.normal(0, 1.5, ninth.size), -3, 12)
    return writer.frame(ninth, matematik=np.arange(ninth.size) % 2 == 1, karakter=np.round(grade, 1))


def _activities(rng: np.random.Generator, pop: Population):
    """Activities per area (a weekday, a partner share) and their pools of flats, as flat arrays:
    the pool of activity `a` is members[start[a]:start[a] + size[a]], its first ones volunteers."""
    per_area = np.bincount(pop.flat_area, minlength=pop.n_areas)
    n_acts = np.maximum(1, np.round(per_area / RESIDENTS_PER_ACTIVITY)).astype(np.int64)
    act_area = np.repeat(np.arange(pop.n_areas), n_acts)
    size = np.minimum(per_area[act_area], POOL_REGULARS + POOL_VOLUNTEERS)
    first_flat = np.r_[0, np.cumsum(per_area)[:-1]]  # flats are sorted by area
    # members: distinct flats of the activity's area (random offsets without repetition)
    within = np.concatenate([rng.choice(per_area[a], size=k, replace=False) for a, k in zip(act_area, size)])
    members = np.repeat(first_flat[act_area], size) + within
    start = np.r_[0, np.cumsum(size)[:-1]]
    rank = np.arange(members.size) - np.repeat(start, size)
    volunteer = rank < np.minimum(POOL_VOLUNTEERS, np.maximum(size - 1, 0))[np.repeat(np.arange(size.size), size)]
    return {"area": act_area, "weekday": rng.integers(0, 5, act_area.size),
            "partner_share": rng.uniform(0.1, 0.5, act_area.size),
            "start": start, "size": size, "members": members, "volunteer": volunteer}


def _participation(rng, writer: Writer, pools: dict, m: int, year: int, month: int) -> pd.DataFrame:
    """One row per person and session, plus one per unregistered guest (pid -1)."""
    occupant = writer.pop.occupant_of_flat(m)
    n_days = calendar.monthrange(year, month)[1]
    weekday_of_day = np.array([calendar.weekday(year, month, d) for d in range(1, n_days + 1)])
    # sessions: every (activity, day of the month on its weekday)
    days_per_weekday = [np.flatnonzero(weekday_of_day == w) + 1 for w in range(5)]
    sessions_per_act = np.array([days_per_weekday[w].size for w in range(5)])[pools["weekday"]]
    session_act = np.repeat(np.arange(sessions_per_act.size), sessions_per_act)
    session_rank = np.arange(session_act.size) - np.repeat(np.r_[0, np.cumsum(sessions_per_act)[:-1]],
                                                            sessions_per_act)
    day_table = np.stack([np.r_[d, np.zeros(5 - d.size, dtype=np.int64)] for d in days_per_weekday])
    session_day = day_table[pools["weekday"][session_act], session_rank]
    # pool members per session, each attending with a probability
    size = pools["size"][session_act]
    row_session = np.repeat(np.arange(session_act.size), size)
    member = np.repeat(pools["start"][session_act], size) + (
        np.arange(row_session.size) - np.repeat(np.r_[0, np.cumsum(size)[:-1]], size))
    volunteer = pools["volunteer"][member]
    attend = rng.random(member.size) < np.where(volunteer, 0.8, 0.55)
    row_session, member, volunteer = row_session[attend], member[attend], volunteer[attend]
    guests = rng.poisson(1.5, session_act.size)
    guest_session = np.repeat(np.arange(session_act.size), guests)
    partner = np.where(rng.random(session_act.size) < pools["partner_share"][session_act],
                       rng.integers(0, len(PARTNERS), session_act.size), -1)
    session = np.r_[row_session, guest_session]
    pid = np.r_[occupant[pools["members"][member]], np.full(guest_session.size, -1)]
    frivillig = np.r_[volunteer, np.zeros(guest_session.size, dtype=bool)]
    order = np.lexsort((np.arange(session.size), session_act[session], session_day[session]))
    session = session[order]
    return writer.frame(pid[order], act=session_act[session], act_area=pools["area"][session_act[session]],
                        day=session_day[session], partner=partner[session], frivillig=frivillig[order])
