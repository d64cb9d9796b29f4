"""A small synthetic published file (schema of `data/marts/helhedsplan.duckdb`) for tests and
screenshots when no real run is at hand. Made-up aggregates only; never used by the pipeline."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines import catalogue
from pipelines.settings import SEEDS_DIR

# Area → residents. Skovbrynet is small on purpose: its cells get suppressed.
AREAS = {"Houlkær": 2400, "Vestervang": 1500, "Ellekonebakken": 1100, "Skovbrynet": 180}
FIRST_MONTH = dt.date(2023, 1, 1)
LAST_MONTH = dt.date(2026, 10, 1)
K = catalogue.disclosure_k()


def _indicator_rows() -> list[dict[str, str]]:
    """The catalogue as the seed's text (this scaffolding predates the typed catalogue)."""
    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, tuple):
            return "|".join(value)
        return "" if value is None else str(value)
    return [{k: text(v) for k, v in asdict(row).items()} for row in catalogue.indicators()]

# indicator → (share of residents in the denominator, rate in 2023, change per year, area spread)
PROFILES = {
    "U_FRAVAER": (0.14, 0.072, -0.002, 0.010),
    "U_HOEJT_FRAVAER": (0.14, 0.21, -0.008, 0.03),
    "U_DANSK_MAT_02": (0.012, 0.80, 0.012, 0.04),
    "U_UNGE_I_UDD_JOB": (0.13, 0.78, 0.006, 0.04),
    "B_BESKAEFTIGELSE": (0.62, 0.44, 0.010, 0.05),
    "B_OFFENTLIG_FORSOERGELSE": (0.62, 0.36, -0.004, 0.04),
    "B_OVERGANG_JOB_UDD": (0.035, 0.09, 0.004, 0.02),
    "S_AKTIVE_FRIVILLIGE": (0.78, 0.045, 0.004, 0.01),
    "S_DELTAGELSE": (1.0, 0.11, 0.012, 0.03),
    "S_BROBYGNING": (0.02, 0.30, 0.030, 0.08),
}
SCHOOL = {"U_FRAVAER", "U_HOEJT_FRAVAER"}


def months() -> list[dt.date]:
    return list(pd.date_range(FIRST_MONTH, LAST_MONTH, freq="MS").date)


def _monthly_cells(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for ind in _indicator_rows():
        iid = ind["indicator_id"]
        if ind["grain"] != "month":
            continue
        share, rate0, slope, spread = PROFILES[iid]
        person_based = ind["person_based"] == "true"
        for a_no, (area, residents) in enumerate(AREAS.items()):
            area_rate = rate0 + spread * (a_no - 1.5) / 1.5
            for m in months():
                if iid in SCHOOL and m.month == 7:
                    # No school in July. A real file has empty cells there (0 persons, so
                    # suppressed); U_HOEJT_FRAVAER shows the other form a file may have: no rows.
                    if iid == "U_FRAVAER":
                        for sex in ("female", "male"):
                            rows.append((iid, m, area, sex, 0.0, 0.0, 0, 0))
                    continue
                years = (m - FIRST_MONTH).days / 365.25
                rate = float(np.clip(area_rate + slope * years + rng.normal(0, 0.01), 0.01, 0.97))
                sexes = ("female", "male") if person_based else ("all",)
                for sex in sexes:
                    den = residents * share * (0.5 if person_based else 1) * rng.uniform(0.93, 1.07)
                    den = max(round(den), 0)
                    if iid == "U_FRAVAER":  # days: pupils × school days
                        pupils = den
                        days = pupils * int(rng.integers(17, 22))
                        num = round(days * rate * rng.uniform(0.9, 1.1) * 2) / 2
                        rows.append((iid, m, area, sex, num, float(days), pupils, pupils))
                        continue
                    num = int(rng.binomial(den, rate)) if den else 0
                    rows.append((iid, m, area, sex, float(num), float(den), den, num))
    frame = pd.DataFrame(
        rows,
        columns=["indicator_id", "month", "area", "sex", "numerator", "denominator", "persons", "pin"],
    )
    return frame


def _yearly_exam_cells(rng: np.random.Generator) -> pd.DataFrame:
    share, rate0, slope, spread = PROFILES["U_DANSK_MAT_02"]
    rows = []
    for a_no, (area, residents) in enumerate(AREAS.items()):
        for year in range(2023, 2027):
            rate = rate0 + slope * (year - 2023) + spread * (a_no - 1.5) / 1.5
            for sex in ("female", "male"):
                den = round(residents * share * 0.5 * rng.uniform(0.8, 1.2))
                num = int(rng.binomial(den, min(rate, 0.97))) if den else 0
                rows.append(("U_DANSK_MAT_02", year, area, sex, float(num), float(den), den, num))
    return pd.DataFrame(
        rows,
        columns=["indicator_id", "year", "area", "sex", "numerator", "denominator", "persons", "pin"],
    )


def _add_totals(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Add sex `all` per area, then area `all` per sex (sums of the parts)."""
    sums = ["numerator", "denominator", "persons", "pin"]
    person = cells[cells["sex"] != "all"]
    by_sex = person.groupby(keys + ["area"], as_index=False)[sums].sum().assign(sex="all")
    cells = pd.concat([cells, by_sex], ignore_index=True)
    by_area = cells.groupby(keys + ["sex"], as_index=False)[sums].sum().assign(area="all")
    return pd.concat([cells, by_area], ignore_index=True)


def _periods(monthly: pd.DataFrame) -> pd.DataFrame:
    """Month, quarter and year cells; stock indicators take the last month of the period."""
    monthly = monthly.copy()
    monthly["month"] = pd.to_datetime(monthly["month"])
    frames = []
    m = monthly.assign(
        period_type="month",
        period=monthly["month"].dt.strftime("%Y-%m"),
        period_start=monthly["month"],
        is_complete=True,
    )
    frames.append(m)
    last = pd.Timestamp(LAST_MONTH)
    for ptype, freq in (("quarter", "QS"), ("year", "YS")):
        grouped = monthly.assign(start=monthly["month"].dt.to_period(freq[0]).dt.start_time)
        keys = ["indicator_id", "start", "area", "sex"]
        flows = grouped.groupby(keys, as_index=False).agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            persons=("persons", "max"),
            pin=("pin", "max"),
            n_months=("month", "nunique"),
            last_month=("month", "max"),
        )
        stock = grouped[grouped["indicator_id"] == "S_AKTIVE_FRIVILLIGE"]
        stock = stock.sort_values("month").groupby(keys, as_index=False).last()
        flows = flows.merge(
            stock[keys + ["numerator", "denominator", "persons", "pin"]],
            on=keys, how="left", suffixes=("", "_stock"),
        )
        for col in ("numerator", "denominator", "persons", "pin"):
            flows[col] = flows[f"{col}_stock"].combine_first(flows[col])
        # person counts over a period exceed any month's: a rough distinct count
        grow = 1.1 if ptype == "quarter" else 1.25
        flows["persons"] = (flows["persons"] * grow).round()
        flows["pin"] = (flows["pin"] * grow).round().clip(upper=flows["persons"])
        span = 3 if ptype == "quarter" else 12
        end = flows["start"] + pd.DateOffset(months=span - 1)
        flows["is_complete"] = end <= last
        if ptype == "quarter":
            label = flows["start"].dt.year.astype(str) + "-Q" + flows["start"].dt.quarter.astype(str)
        else:
            label = flows["start"].dt.year.astype(str)
        frames.append(flows.assign(period_type=ptype, period=label, period_start=flows["start"]))
    cols = ["indicator_id", "period_type", "period", "period_start", "area", "sex",
            "numerator", "denominator", "persons", "pin", "is_complete"]
    return pd.concat([f[cols] for f in frames], ignore_index=True)


def _suppress(cells: pd.DataFrame, person_based: dict[str, bool]) -> pd.DataFrame:
    """Primary and secondary disclosure control as the spec describes (k = 5)."""
    cells = cells.copy()
    pb = cells["indicator_id"].map(person_based)
    p, n = cells["persons"], cells["pin"]
    primary = (p < K) | ((n > 0) & (n < K)) | ((p - n > 0) & (p - n < K))
    counts_persons = {c["indicator_id"]: c["numerator_counts_persons"] == "true" for c in _indicator_rows()}
    primary = primary.where(cells["indicator_id"].map(counts_persons), p < K)
    cells["is_suppressed"] = primary & pb
    for _ in range(3):  # secondary: no group with exactly one hidden cell beside a shown total
        for keys, member in (
            (["indicator_id", "period_type", "period", "sex"], "area"),
            (["indicator_id", "period_type", "period", "area"], "sex"),
        ):
            sub = cells[pb]
            parts = sub[sub[member] != "all"]
            hidden = parts.groupby(keys)["is_suppressed"].sum()
            total = sub[sub[member] == "all"].set_index(keys)["is_suppressed"]
            total = total.reindex(hidden.index).fillna(True).astype(bool)
            bad = hidden[(hidden == 1) & ~total].reset_index()[keys]
            shown = parts[~parts["is_suppressed"]].reset_index().merge(bad, on=keys)
            first = shown.sort_values("persons").groupby(keys).head(1)["index"]
            cells.loc[first.to_numpy(), "is_suppressed"] = True
    hidden = cells["is_suppressed"]
    cells.loc[hidden, ["numerator", "denominator"]] = np.nan
    return cells


def _status(values: pd.DataFrame, unsuppressed: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    area_targets = pd.read_csv(SEEDS_DIR / "indicator_area_targets.csv")
    rows = []
    last = pd.Timestamp(LAST_MONTH)
    for ind in indicators.to_dict("records"):
        iid = ind["indicator_id"]
        cat = next(c for c in _indicator_rows() if c["indicator_id"] == iid)
        for area in ["all", *AREAS]:
            cells = unsuppressed[
                (unsuppressed["indicator_id"] == iid) & (unsuppressed["area"] == area)
                & (unsuppressed["sex"] == "all")
            ]
            if ind["grain"] == "year":
                latest = cells[cells["period_type"] == "year"].sort_values("period_start").iloc[-1]
                start = latest["period_start"]
                end = start + pd.DateOffset(years=1) - pd.Timedelta(days=1)
                num, den, persons = latest["numerator"], latest["denominator"], latest["persons"]
            else:
                window = cells[
                    (cells["period_type"] == "month")
                    & (cells["period_start"] > last - pd.DateOffset(months=12))
                ]
                start = last - pd.DateOffset(months=11)
                end = last + pd.offsets.MonthEnd(0)
                if ind["aggregation"] == "stock":
                    latest = window.sort_values("period_start").iloc[-1]
                    num, den = latest["numerator"], latest["denominator"]
                else:
                    num, den = window["numerator"].sum(), window["denominator"].sum()
                persons = window["persons"].max()
            value = num / den * 100 if den else None
            if ind["person_based"] and persons < 2 * K:
                value = None
            base_cells = values[
                (values["indicator_id"] == iid) & (values["area"] == area)
                & (values["sex"] == "all") & (values["period_type"] == "year")
                & (values["period"] == "2024")
            ]
            baseline = base_cells["value"].iloc[0] if len(base_cells) else None
            baseline = None if pd.isna(baseline) else float(baseline)
            kind, tval = cat["target_kind"], float(cat["target_value"])
            override = area_targets[(area_targets["indicator_id"] == iid) & (area_targets["area"] == area)]
            if len(override):
                kind, tval = override["target_kind"].iloc[0], float(override["target_value"].iloc[0])
            target = tval if kind == "level" else (None if baseline is None else baseline + tval)
            expected = None
            status = "no_data"
            if value is not None and baseline is not None and target is not None:
                t0, t1 = pd.Timestamp("2024-12-31"), pd.Timestamp("2029-12-31")
                share = (pd.Timestamp(end) - t0) / (t1 - t0)
                expected = baseline + (target - baseline) * share
                sign = 1 if ind["direction"] == "higher" else -1
                diff = (value - expected) * sign
                gap = abs(target - baseline)
                status = "on_track" if diff >= 0 else ("at_risk" if diff >= -0.1 * gap else "off_track")
            rows.append((iid, area, start.date(), pd.Timestamp(end).date(), value, baseline,
                         target, expected, status))
    return pd.DataFrame(rows, columns=["indicator_id", "area", "window_start", "window_end", "value",
                                       "baseline", "target", "expected", "status"])


def _indicators(values: pd.DataFrame) -> pd.DataFrame:
    names = {d["delaftale"]: d["name_da"] for d in [asdict(d) for d in catalogue.delaftaler()]}
    rows = []
    for cat in _indicator_rows():
        iid = cat["indicator_id"]
        base = values[
            (values["indicator_id"] == iid) & (values["area"] == "all") & (values["sex"] == "all")
            & (values["period_type"] == "year") & (values["period"] == "2024")
        ]["value"]
        baseline = float(base.iloc[0]) if len(base) and not pd.isna(base.iloc[0]) else None
        tval = float(cat["target_value"])
        if cat["target_kind"] == "level":
            target, rule = tval, f"{tval:g} % i {cat['target_year']}".replace(".", ",")
        else:
            target = None if baseline is None else baseline + tval
            unit = "procentpoint" if cat["unit_da"] == "procent" else cat["unit_da"]
            amount = f"{tval:+g}".replace(".", ",").replace("-", "−")
            rule = f"{amount} {unit} fra baseline"
        rows.append({
            "indicator_id": iid, "delaftale": cat["delaftale"],
            "delaftale_name_da": names[cat["delaftale"]], "name_da": cat["name_da"],
            "name_en": cat["name_en"], "description_da": cat["description_da"],
            "description_en": cat["description_en"], "unit_da": cat["unit_da"],
            "factor": float(cat["factor"]), "direction": cat["direction"],
            "aggregation": cat["aggregation"], "grain": cat["grain"],
            "person_based": cat["person_based"] == "true",
            "baseline_year": int(cat["baseline_year"]), "baseline": baseline, "target": target,
            "target_year": int(cat["target_year"]),
            "target_is_example": cat["target_is_example"] == "true", "target_rule_da": rule,
        })
    return pd.DataFrame(rows)


def _deliveries(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    special = {
        ("deltagelse", "2024-02"): "missing",
        ("beskaeftigelse", "2025-06"): "rejected",
        ("beboere", "2025-09"): "corrected",
        ("skole", "2024-11"): "corrected",
        ("beskaeftigelse", "2026-02"): "corrected",
    }
    for source in ("beboere", "skole", "beskaeftigelse", "deltagelse"):
        for m in months():
            period = m.strftime("%Y-%m")
            status = special.get((source, period), "received")
            if source == "skole" and m.month == 7:
                status = "not_expected"
            files = {"received": 1, "corrected": 2, "missing": 0, "not_expected": 0, "rejected": 1}[status]
            loaded = 0 if status in ("missing", "not_expected", "rejected") else int(rng.integers(300, 3200))
            quarantined = 0 if not loaded else int(rng.poisson(1.5))
            if (source, period) == ("beboere", "2025-09"):
                quarantined = 41
            rows.append((source, period, m, status, files, loaded, quarantined))
    for exam_year in range(2023, 2027):
        period = f"{exam_year - 1}/{str(exam_year)[-2:]}"
        rows.append(("karakterer", period, dt.date(exam_year, 6, 1), "received", 1,
                     int(rng.integers(60, 90)), int(rng.poisson(0.5))))
    return pd.DataFrame(rows, columns=["source", "period", "period_start", "status", "files",
                                       "rows_loaded", "rows_quarantined"])


def write_demo_published(path: Path, seed: int = 2029) -> Path:
    """Write a synthetic published file at `path` (replaced if it exists)."""
    rng = np.random.default_rng(seed)
    person_based = {c["indicator_id"]: c["person_based"] == "true" for c in _indicator_rows()}
    delaftale = {c["indicator_id"]: c["delaftale"] for c in _indicator_rows()}

    monthly = _add_totals(_monthly_cells(rng), ["indicator_id", "month"])
    # indicators that are not person-based (S_BROBYGNING) have sex `all` only
    monthly = monthly[monthly["indicator_id"].map(person_based) | (monthly["sex"] == "all")]
    monthly = monthly.drop_duplicates(["indicator_id", "month", "area", "sex"])
    cells = _periods(monthly)
    yearly = _add_totals(_yearly_exam_cells(rng), ["indicator_id", "year"])
    yearly = yearly.assign(
        period_type="year", period=yearly["year"].astype(str),
        period_start=pd.to_datetime(yearly["year"].astype(str) + "-01-01"), is_complete=True,
    ).drop(columns="year")
    cells = pd.concat([cells, yearly], ignore_index=True)
    cells["value"] = np.where(cells["denominator"] > 0, cells["numerator"] / cells["denominator"] * 100, np.nan)
    unsuppressed = cells.copy()
    cells = _suppress(cells, person_based)
    cells.loc[cells["is_suppressed"], "value"] = np.nan
    cells["delaftale"] = cells["indicator_id"].map(delaftale)
    values = cells[["indicator_id", "delaftale", "period_type", "period", "period_start", "area",
                    "sex", "numerator", "denominator", "value", "is_suppressed", "is_complete"]]
    indicators = _indicators(values)
    status = _status(values, unsuppressed, indicators)
    deliveries = _deliveries(rng)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.register("v", values)
        con.execute("""
            create table indicator_values as select
                indicator_id::varchar as indicator_id, delaftale::varchar as delaftale,
                period_type::varchar as period_type, period::varchar as period,
                period_start::date as period_start, area::varchar as area, sex::varchar as sex,
                numerator::double as numerator, denominator::double as denominator,
                value::double as value, is_suppressed::boolean as is_suppressed,
                is_complete::boolean as is_complete
            from v""")
        for d in [asdict(d) for d in catalogue.delaftaler()]:
            con.execute(
                f"create table mart_{d['delaftale']} as select * from indicator_values "
                "where delaftale = ?", [d["delaftale"]])
        con.register("i", indicators)
        con.execute("create table indicators as select * from i")
        con.register("s", status)
        con.execute("""create table indicator_status as select indicator_id, area,
            window_start::date as window_start, window_end::date as window_end,
            value::double as value, baseline::double as baseline, target::double as target,
            expected::double as expected, status from s""")
        con.register("d", deliveries)
        con.execute("""create table delivery_status as select source, period,
            period_start::date as period_start, status, files::integer as files,
            rows_loaded::bigint as rows_loaded, rows_quarantined::bigint as rows_quarantined from d""")
        # As pipelines/publish.py writes it.
        con.execute("""create table pipeline_runs (
            run_id varchar, started_at timestamp, published_at timestamp, code_version varchar,
            gate_passed boolean, gate_checks integer, gate_warnings integer, gate_summary varchar,
            gate_result varchar, published_copy varchar,
            source_files struct(source varchar, file_path varchar, sha256 varchar,
                size_bytes bigint, periods varchar[], rows_loaded integer, loaded_at timestamp)[])""")
        files = [
            {"source": src, "file_path": f"{src}/{src}_{m:%Y-%m}.csv",
             "sha256": hashlib.sha256(f"{src}{m}".encode()).hexdigest(), "size_bytes": 81234,
             "periods": [f"{m:%Y-%m}"], "rows_loaded": 1000,
             "loaded_at": dt.datetime(2026, 11, 3, 5, 11)}
            for src in ("beboere", "skole", "beskaeftigelse", "deltagelse") for m in months()[-3:]
        ]
        runs = [
            ("20261005T051000-3f9a", dt.datetime(2026, 10, 5, 5, 10), dt.datetime(2026, 10, 5, 5, 14),
             "a41c9e2", True, 42, 0, "Kvalitetskontrol bestået: 42 kontroller, ingen advarsler.",
             "{}", "helhedsplan_20261005T051400.duckdb", files[:4]),
            ("20261103T051000-8b2e", dt.datetime(2026, 11, 3, 5, 10), dt.datetime(2026, 11, 3, 5, 13),
             "c7d2f10", True, 42, 1, ("Kvalitetskontrol bestået: 42 kontroller, 1 advarsel "
                                      "(stort spring i S_DELTAGELSE, Skovbrynet)."), "{}",
             "helhedsplan_20261103T051300.duckdb", files),
        ]
        for run in runs:
            con.execute("insert into pipeline_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(run))
        con.execute("checkpoint")
    finally:
        con.close()
    return path
