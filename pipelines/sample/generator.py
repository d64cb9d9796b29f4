"""Deterministic synthetic deliveries of all six sources, in the data contract's messy forms.

`generate(out)` writes `out/<source>/<source>_<YYYY-MM>.csv|.xlsx` (karakterer one file per school
year, `karakterer_<YYYY>-<YY>`) and returns a summary. Same arguments, same bytes.

Assumptions (all synthetic; shares are plausible for Danish social housing, not measured):
- Areas: Houlkær 1,700, Ellekonebakken 900, Overlund 600, Kølvrå 300 residents at the default
  3,500 (scaled with `residents`), with afdelinger of BoligViborg and Boligselskabet Sct. Jørgen.
  School names are illustrative.
- Households: singles, single parents (mostly mothers), couples with and without children,
  seniors; about 6 % of households move out a year and new (younger) ones move into the vacated
  flats; a few move between the areas; young adults leave home; births (women 18-44) and deaths
  (Gompertz). A vacated flat goes to a household of its size, so the population stays near its
  size.
- Labour market (16-66): a sticky Markov chain per person (`labour`): spells of months to
  years, employment 16-64 about 45 %, kontanthjælp and førtidspension the large benefits, a fixed
  personal employability; folkepension from 67; about 0.5 % of 16-66-year-olds are missing from
  a month's register. From 2025 work and education slowly gain (the plan's effect).
- School (`school`): klassetrin from the birth year (start the year one turns 6, a few a year
  late, about half take a 10th year), 6 % in private schools (not in the data); real school days per
  month (no July rows, breaks, Easter); absence from a fixed propensity with a long right tail
  (chronic 15-40 % for a few), slowly falling from 2025. 9th-grade exams in June: averages of
  7-step marks; about 10-15 % get below 02 in dansk or matematik.
- Activities (`activities`): about one activity per 175 residents, weekly on a fixed day,
  pools of regulars, a stable small group of volunteers, unregistered guests, partners on some
  sessions; new activities and larger pools from 2025.
- Coordinated courses (`courses`, source `forloeb`): 2-3 % of residents are in a course at a
  time (residents 13-66; more often adults on long-term benefits, adults with a much-absent pupil
  at home, much-absent young people and residents about to move out); courses last 3-18 months (geometric-ish, drop-outs
  earlier), coordinate 1-4 actors (most 2-3, about 15 % one) and end with the goal reached
  (about 40 %), partly reached (25 %), dropped out (20 %) or `flyttet` when the resident moves
  out (in their last month in the area, about 12 %); ids `F-000123` are stable. From 2025 about
  15 % more courses start and more reach their goal. The register's monthly snapshot holds every course
  open at any time in the month; an end shows in its month's snapshot only.
- Files (`files`, `deliveries`): each source cycles through its export forms
  (encodings, delimiters, decimal commas, header spellings, CPR/period/date forms, xlsx with
  numeric CPR; forloeb also actor separators `,` `;` `|` and codes in mixed case), plus
  deliberate defects (at most 3 bad rows and under 3 % of a file): a few bad rows (forloeb: an
  unknown actor, an end without how it ended, a start after the month), duplicates, a
  conflicting pair (forloeb: one course twice with other actors), a copied and a corrected
  delivery. Each source's simulation and defects draw from their own random stream, so adding
  one source leaves the others' bytes as they were. Above `PLAIN_ABOVE`
  residents (or with `plain=True`) every file is plain UTF-8 CSV (`,`, ISO periods and dates,
  `DDMMYY-SSSS`, status codes) written by DuckDB, with the same kinds of defects; the simulated
  people and their states do not depend on the mode.
- CPR numbers are built at run time from birth date and sex: valid under the contract's rules
  (real date, century digit, parity = sex); the modulus-11 check is ignored, as the contract says.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from pipelines.sample.activities import Participation
from pipelines.sample.courses import Courses
from pipelines.sample.deliveries import Deliveries
from pipelines.sample.labour import LabourMarket
from pipelines.sample.population import Calendar, build_population
from pipelines.sample.school import Pupils, exam_rows, month_rows

PLAIN_ABOVE = 50_000


def _month(text: str) -> int:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def generate(
    out: Path,
    residents: int = 3500,
    start: str = "2020-01",
    end: str = "2026-10",
    seed: int = 2025,
    *,
    plain: bool | None = None,
) -> dict:
    """Write synthetic deliveries of every source under `out`; returns a summary.

    `plain` (default: residents above PLAIN_ABOVE) writes plain UTF-8 CSV only.
    """
    first, last = _month(start), _month(end)
    if last < first:
        raise ValueError(f"end {end} is before start {start}")
    if residents < 1:
        raise ValueError("residents must be at least 1")
    plain = residents > PLAIN_ABOVE if plain is None else plain
    cal = Calendar(first, last - first + 1)

    def rng(stream: int) -> np.random.Generator:
        return np.random.default_rng([seed, stream])

    persons = build_population(rng(1), cal, residents)
    labour = LabourMarket(rng(2), len(persons))
    pupils = Pupils.draw(rng(3), len(persons))
    school_rng = rng(4)
    activities = Participation(rng(5), persons, residents)
    courses = Courses(rng(6), persons, pupils, cal)
    files = Deliveries(Path(out), persons, activities.acts, cal, seed, plain)
    exams = 0
    for m in range(cal.months):
        year, month = cal.year(m), cal.month(m)
        present = persons.present(m)
        area, afd = persons.area_at(m), persons.afd_at(m)
        age = persons.age_at(cal.start_am + m)
        status = labour.step(age, year, month, first=m == 0)
        files.beboere(m, present, area, afd)
        files.beskaeftigelse(m, present, age, status)
        school = month_rows(school_rng, persons, pupils, present, m, cal)
        if school is not None:
            files.skole(m, school)
        if month == 6:
            files.karakterer(year, exam_rows(school_rng, persons, pupils, present, year), exams)
            exams += 1
        files.deltagelse(m, activities.month_rows(present, area, age, m, cal))
        files.forloeb(m, courses.month_rows(m, present, age, status))
    summary = files.summary()
    summary.update(
        months=cal.months,
        start=cal.label(0),
        end=cal.label(cal.months - 1),
        seed=seed,
        persons=len(persons) - int((persons.household < 0).sum()),
        residents_first_month=int(persons.present(0).sum()),
        residents_last_month=int(persons.present(cal.months - 1).sum()),
    )
    return summary
