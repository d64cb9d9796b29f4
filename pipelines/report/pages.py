"""The report's pages: context for each template, rendered with Jinja2 (autoescaped)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go

from pipelines import catalogue, danish
from pipelines.report import figures
from pipelines.report import format as fmt
from pipelines.report.data import Delaftale, Indicator, Published, danish_sort_key

TEMPLATES = Path(__file__).parent / "templates"
PARTICIPANTS_PAGE = "deltagere.html"
HIDDEN_TEXT = "skjult"


@dataclass
class Chart:
    id: str
    title: str
    figure: go.Figure
    notes: list[str] = field(default_factory=list)
    wide: bool = True

    @property
    def height(self) -> int:
        return int(self.figure.layout.height or 360)

    @property
    def json(self) -> str:
        data = figures.figure_json(self.figure)
        text = json.dumps({"data": data["data"], "layout": data["layout"]},
                          ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        # Inside <script>: never let the data close the tag.
        return text.replace("</", "<\\/")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(status=fmt.STATUS, status_order=fmt.STATUS_ORDER,
                       area_page=area_page, department_page=department_page)
    return env


# --- shared context ----------------------------------------------------------------------

def _moment(value: object) -> dt.datetime | None:
    return None if danish.is_missing(value) else pd.Timestamp(value).to_pydatetime()


def gate_text(run: dict | None) -> str:
    if not run or danish.is_missing(run["gate_passed"]):
        return "ukendt"
    return "bestået" if bool(run["gate_passed"]) else "ikke bestået"


def short_version(version: str) -> str:
    """A git commit as its first 10 characters (`298e0dcb2d-dirty`); other versions as they are."""
    match = re.fullmatch(r"([0-9a-f]{40})(-dirty)?", version)
    return match.group(1)[:10] + (match.group(2) or "") if match else version


def run_meta(published: Published, built: dt.datetime) -> dict:
    run = published.latest_run
    return {
        "data_through": fmt.month_text(published.data_through) if published.data_through else "–",
        "published": fmt.datetime_text(_moment(run["published_at"])) if run else "–",
        "run_id": str(run["run_id"]) if run else "ukendt",
        "code_version": short_version(str(run["code_version"] or "")) if run else "",
        "gate": gate_text(run),
        "built": fmt.datetime_text(built),
    }


def _status_rows(status: pd.DataFrame, indicator_id: str) -> list[dict]:
    """indicator_status of one indicator: area `all` first, then the areas in Danish order."""
    rows = status[status["indicator_id"] == indicator_id].to_dict("records")
    return sorted(rows, key=lambda r: (r["area"] != "all", danish_sort_key(r["area"])))


def _number(value: object) -> float | None:
    return None if danish.is_missing(value) else float(value)


def indicator_row(published: Published, ind: Indicator, area: str = "all") -> dict:
    """One line of a status table from indicator_status: value, baseline, target, change, status."""
    row = next(r for r in _status_rows(published.status, ind.indicator_id) if r["area"] == area)
    value, baseline, target = (_number(row[k]) for k in ("value", "baseline", "target"))
    delta = None if value is None or baseline is None else value - baseline
    code = row["status"]
    return {
        "indicator": ind,
        "area": area,
        "label": fmt.AREA_ALL_LABEL if area == "all" else area,
        "page": None if area == "all" else area_page(area),
        "status": code,
        "value": value,
        "value_text": fmt.value_text(value, ind.unit_da),
        "window_text": fmt.window_text(row["window_start"], row["window_end"], ind.grain),
        "baseline_text": fmt.value_text(baseline, ind.unit_da),
        "target_text": fmt.value_text(target, ind.unit_da),
        "change_text": fmt.change_text(delta, ind.unit_da),
        "change": fmt.change_direction(delta, ind.direction),
        "better_text": "Højere er bedre" if ind.direction == "higher" else "Lavere er bedre",
    }


def plan_context(published: Published) -> dict:
    """The plan's years from the published catalogue, and its name: the plan runs from the year
    after the baseline to the target year (`Helhedsplan 2025–2029`)."""
    years = published.plan_years
    if years is None:  # indicators with different years: headings without a year
        return {"baseline_year": None, "target_year": None, "plan_period": None}
    baseline_year, target_year = years
    return {"baseline_year": baseline_year, "target_year": target_year,
            "plan_period": f"{baseline_year + 1}–{target_year}"}


def _common(published: Published, meta: dict, page_id: str, title: str) -> dict:
    return {
        "page_id": page_id,
        "title": title,
        "delaftaler": published.delaftaler,
        "participants_page": PARTICIPANTS_PAGE if published.participant_indicators else None,
        "meta": meta,
        **plan_context(published),
    }


# --- notes under charts --------------------------------------------------------------------

UNITS = {"måneder": "måned", "kvartaler": "kvartal", "skoleår": "skoleår"}


def hidden_notes(fig: go.Figure, unit: str) -> list[str]:
    """Say where and why a chart has gaps: cells hidden because too few persons are behind them."""
    for trace in fig.data:
        if (trace.meta or {}).get("role") == "hidden":
            counts: dict[str, int] = {}
            for _, who in trace.customdata:
                for name in who.split(", "):
                    counts[name] = counts.get(name, 0) + 1
            listed = ", ".join(f"{name} ({n} {unit if n != 1 else UNITS.get(unit, unit)})"
                               for name, n in counts.items())
            return [(
                "<strong>Huller i kurverne: for få personer.</strong> Tal, der bygger på for få "
                "personer, er skjult, så ingen kan genkendes — de er ikke nul. "
                f"Et × nederst markerer perioden. Skjult: {fmt_escape(listed)}."
            )]
    return []


def fmt_escape(text: str) -> str:
    return str(jinja2.utils.markupsafe.escape(text))


def no_data_notes(fig: go.Figure) -> list[str]:
    months = (fig.layout.meta or {}).get("no_data") if fig.layout.meta else None
    if not months:
        return []
    return [(f"Ingen tal for {fmt_escape(', '.join(months))}: der er ingen data for de måneder "
             "(fx skolernes sommerferie i juli). Også de står som huller.")]


def _incomplete_note(fig: go.Figure) -> list[str]:
    for trace in fig.data:
        symbols = getattr(getattr(trace, "marker", None), "symbol", None)
        if isinstance(symbols, (list, tuple)) and any(str(s).endswith("-open") for s in symbols):
            return ["Åbne punkter: en periode, hvor måneder mangler (fx det igangværende kvartal)."]
    return []


def _reading(ind: Indicator) -> str:
    if ind.is_yearly:
        return ("Opgøres én gang om året ud fra 9.-klasseprøverne i juni. Søjlerne er skoleår; "
                "den stiplede linje er baseline, den prikkede den lige vej mod målet.")
    if ind.is_stock:
        return ("Tallet opgøres hver måned og dækker allerede de seneste 12 måneder. Den stiplede "
                "linje er baseline, den prikkede den lige vej mod målet; det skraverede felt er "
                "planperioden.")
    return ("Den tynde linje er hver måned. Den tykke linje er de seneste 12 måneder samlet "
            "(tæller og nævner lagt sammen) — det tal, status bygger på. Den stiplede linje er "
            "baseline, den prikkede den lige vej mod målet; det skraverede felt er planperioden.")


# --- pages -------------------------------------------------------------------------------

def render_index(env: jinja2.Environment, published: Published, meta: dict) -> str:
    groups = []
    counts = dict.fromkeys(fmt.STATUS_ORDER, 0)
    for delaftale in published.delaftaler:
        rows = [indicator_row(published, ind) for ind in delaftale.indicators]
        for row in rows:
            counts[row["status"]] += 1
        groups.append({"delaftale": delaftale, "rows": rows})
    charts = [Chart("fig-fremskridt", "Fremskridt mod målet, seneste 12 måneder",
                    figures.progress_figure(published))]
    return env.get_template("index.html").render(
        **_common(published, meta, "index", "Overblik"),
        groups=groups,
        counts=counts,
        charts=charts,
        any_example=any(ind.target_is_example for ind in published.indicators),
        areas=[{"name": a, "page": area_page(a), "afdelinger": published.afdelinger(a)}
               for a in published.areas],
    )


def indicator_section(published: Published, ind: Indicator) -> dict:
    iid = ind.indicator_id
    trend = figures.trend_figure(published, ind)
    unit_period = "skoleår" if ind.is_yearly else "kvartaler"
    trend_title = ("Udvikling for hele helhedsplanen, pr. skoleår" if ind.is_yearly
                   else "Udvikling for hele helhedsplanen, måned for måned")
    areas_fig = figures.area_figure(published, ind)
    sexes_fig = figures.sex_figure(published, ind)
    per = "pr. skoleår" if ind.is_yearly else "pr. kvartal"
    section = {
        "row": indicator_row(published, ind),
        "trend": Chart(f"fig-{iid}-trend", trend_title, trend,
                       hidden_notes(trend, "skoleår" if ind.is_yearly else "måneder")
                       + no_data_notes(trend)),
        "reading": _reading(ind),
        "areas": Chart(f"fig-{iid}-omraader", f"Boligområder, {per}", areas_fig,
                       hidden_notes(areas_fig, unit_period) + _incomplete_note(areas_fig), wide=False),
        "sexes": None,
        "no_sex_text": "",
        "area_rows": [indicator_row(published, ind, r["area"])
                      for r in _status_rows(published.status, iid)],
    }
    if sexes_fig is not None:
        section["sexes"] = Chart(f"fig-{iid}-koen", f"Kvinder og mænd, {per}", sexes_fig,
                                 hidden_notes(sexes_fig, unit_period) + _incomplete_note(sexes_fig),
                                 wide=False)
    else:
        section["no_sex_text"] = (
            "Opgøres ikke på køn: indikatoren tæller aktivitetsgange, ikke personer, "
            "så der er ingen opdeling på kvinder og mænd.")
    return section


def render_delaftale(env: jinja2.Environment, published: Published, meta: dict,
                     delaftale: Delaftale) -> str:
    sections = [indicator_section(published, ind) for ind in delaftale.indicators]
    return env.get_template("delaftale.html").render(
        **_common(published, meta, delaftale.delaftale, delaftale.name_da),
        delaftale=delaftale,
        sections=sections,
        charts=True,
    )


FILE_COLUMNS = {"file_path": "Fil", "sha256": "SHA-256", "source": "Kilde",
                "rows_loaded": "Rækker indlæst", "size_bytes": "Bytes"}  # of source_files


def render_datastatus(env: jinja2.Environment, published: Published, meta: dict) -> str:
    heatmap = figures.delivery_heatmap(published)
    quarantine = figures.quarantine_figure(published)
    run = published.latest_run
    passed = None if not run or danish.is_missing(run["gate_passed"]) else bool(run["gate_passed"])
    gate = {
        "css": "unknown" if passed is None else ("passed" if passed else "failed"),
        "symbol": "–" if passed is None else ("✓" if passed else "✗"),
        "text": {None: "Ukendt: den offentliggjorte database har intet resultat",
                 True: "Bestået: tallene er kontrolleret og offentliggjort",
                 False: "Ikke bestået"}[passed],
        "started": fmt.datetime_text(_moment(run["started_at"])) if run else "–",
        "summary": summary_text(run),
        "checks": _checks_text(run),
    }
    deliveries = published.deliveries
    missing_rows = []
    for row in deliveries.to_dict("records"):
        if row["status"] in ("missing", "rejected"):
            missing_rows.append({"source": figures.source_label(row["source"]),
                                 "period": figures.delivery_period_text(row),
                                 "label": figures.DELIVERY[row["status"]][3]})
    files = published.run_files
    columns = list(FILE_COLUMNS)
    file_rows = [[_cell(r[c]) for c in columns] for r in files.to_dict("records")]
    file_sources = []
    for source, group in files.groupby("source", sort=False):
        file_sources.append({
            "source": figures.source_label(source),
            "files": danish.integer(len(group)),
            "rows": danish.integer(group["rows_loaded"].sum()),
            "latest": max(group["file_path"]),
        })
    runs = []
    for r in published.runs.head(10).to_dict("records"):
        runs.append({"run_id": r["run_id"], "published": fmt.datetime_text(_moment(r["published_at"])),
                     "code_version": short_version(str(r["code_version"] or "–")),
                     "gate": gate_text(r)})
    return env.get_template("datastatus.html").render(
        **_common(published, meta, "datastatus", "Datastatus"),
        gate=gate,
        delivery_charts=[Chart("fig-leverancer", "Leverancer pr. kilde og måned", heatmap)],
        quarantine_charts=[Chart("fig-karantaene", "Rækker i karantæne pr. måned og kilde", quarantine)],
        quarantine_total=danish.integer(deliveries["rows_quarantined"].sum()),
        missing_rows=missing_rows,
        files=file_rows,
        file_sources=file_sources,
        file_headers=[FILE_COLUMNS[c] for c in columns],
        runs=runs,
        charts=True,
    )


def _cell(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return danish.integer(value)
    return "" if danish.is_missing(value) else str(value)


def _checks_text(run: dict | None) -> str:
    if not run or danish.is_missing(run["gate_checks"]):
        return ""
    checks = int(run["gate_checks"])
    text = f"{danish.integer(checks)} {'kontrol' if checks == 1 else 'kontroller'}"
    if not danish.is_missing(run["gate_warnings"]):
        warnings = int(run["gate_warnings"])
        text += f", {danish.integer(warnings)} {'advarsel' if warnings == 1 else 'advarsler'}"
    return text


def summary_text(run: dict | None) -> str:
    """The gate's summary as the analyst saw it (pipeline_runs.gate_summary)."""
    return "" if not run or danish.is_missing(run["gate_summary"]) else str(run["gate_summary"])


# --- areas and departments (afdelinger) ---------------------------------------------------

def slug(text: str) -> str:
    """A file-name part of an area or afdeling: `Kølvrå` -> `koelvraa`."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def area_page(area: str) -> str:
    return f"omraade-{slug(area)}.html"


def department_page(area: str, afdeling: str) -> str:
    return f"afdeling-{slug(area)}-{slug(afdeling)}.html"


HIDDEN_TITLE = "Skjult for at beskytte enkeltpersoner: tallet bygger på for få personer"


def _figure_cell(row: dict | None, ind: Indicator) -> dict:
    """One figure of a table: its text, or `skjult` for a suppressed cell (never 0)."""
    if row is None:
        return {"text": "–", "hidden": False, "title": "Ingen tal for perioden"}
    if bool(row["is_suppressed"]):
        return {"text": HIDDEN_TEXT, "hidden": True, "title": HIDDEN_TITLE}
    value = _number(row["value"])
    return {"text": fmt.value_text(value, ind.unit_da), "hidden": False,
            "title": "" if value is not None else "Ingen personer i perioden"}


def _keyed(frame: pd.DataFrame) -> dict[tuple, dict]:
    return {(r["period_type"], r["period"]): r for r in frame.to_dict("records")}


def department_rows(published: Published, ind: Indicator, area: str, afdeling: str,
                    quarters: int = 8) -> list[dict]:
    """The afdeling's years (all) and latest quarters beside the area's, newest first."""
    own = published.rows("departments", indicator_id=ind.indicator_id, area=area, afdeling=afdeling)
    area_cells = published.rows("values", indicator_id=ind.indicator_id, area=area, sex="all")
    mine, theirs = _keyed(own), _keyed(area_cells)
    rows = []
    for period_type, limit in (("year", None), ("quarter", quarters)):
        part = own[own["period_type"] == period_type].sort_values("period_start", ascending=False)
        for record in part.head(limit).to_dict("records") if limit else part.to_dict("records"):
            key = (period_type, record["period"])
            rows.append({
                "period_type": period_type,
                "period": record["period"],
                "label": fmt.period_text(period_type, record["period"], ind.grain),
                "incomplete": not bool(record["is_complete"]),
                "afdeling": _figure_cell(mine.get(key), ind),
                "area": _figure_cell(theirs.get(key), ind),
            })
    return rows


def _department_indicators(published: Published) -> list[Indicator]:
    return [ind for ind in published.indicators
            if not published.rows("departments", indicator_id=ind.indicator_id).empty]


def _latest_year(published: Published, ind: Indicator, area: str) -> str | None:
    years = published.rows("departments", indicator_id=ind.indicator_id, area=area, period_type="year")
    complete = years[years["is_complete"].astype(bool)]
    chosen = complete if not complete.empty else years
    return None if chosen.empty else str(chosen["period"].max())


def render_area(env: jinja2.Environment, published: Published, meta: dict, area: str) -> str:
    """An area's page: its afdelinger (links to their pages) and each indicator's latest year for
    the area and every afdeling."""
    afdelinger = published.afdelinger(area)
    rows = []
    for ind in _department_indicators(published):
        year = _latest_year(published, ind, area)
        if year is None:
            continue
        own = published.rows("departments", indicator_id=ind.indicator_id, area=area,
                             period_type="year", period=year)
        by_afdeling = {r["afdeling"]: r for r in own.to_dict("records")}
        area_cell = _keyed(published.rows("values", indicator_id=ind.indicator_id, area=area,
                                          sex="all")).get(("year", year))
        rows.append({
            "indicator": ind,
            "period": fmt.period_text("year", year, ind.grain),
            "area": _figure_cell(area_cell, ind),
            "afdelinger": [_figure_cell(by_afdeling.get(a), ind) for a in afdelinger],
        })
    return env.get_template("area.html").render(
        **_common(published, meta, f"omraade-{slug(area)}", f"Boligområde {area}"),
        area=area,
        afdelinger=[{"name": a, "page": department_page(area, a)} for a in afdelinger],
        rows=rows,
        charts=False,
    )


def render_department(env: jinja2.Environment, published: Published, meta: dict, area: str,
                      afdeling: str) -> str:
    """An afdeling's page for its board: per indicator a chart and the year and quarter figures
    beside the area's, hidden cells shown as hidden."""
    sections = []
    for ind in _department_indicators(published):
        fig = figures.department_figure(published, ind, area, afdeling)
        unit = "skoleår" if ind.is_yearly else "kvartaler"
        per = "pr. skoleår" if ind.is_yearly else "pr. kvartal"
        rows = department_rows(published, ind, area, afdeling)
        sections.append({
            "indicator": ind,
            "better_text": "Højere er bedre" if ind.direction == "higher" else "Lavere er bedre",
            "chart": Chart(f"fig-{ind.indicator_id}-afdeling",
                           f"Afdeling {afdeling} og {area}, {per}", fig,
                           hidden_notes(fig, unit) + _incomplete_note(fig)),
            "rows": rows,
            "hidden": sum(r["afdeling"]["hidden"] for r in rows),
        })
    return env.get_template("afdeling.html").render(
        **_common(published, meta, f"afdeling-{slug(area)}-{slug(afdeling)}",
                  f"Afdeling {afdeling}, {area}"),
        area=area,
        afdeling=afdeling,
        area_href=area_page(area),
        sections=sections,
        k=catalogue.disclosure_k(),
        charts=True,
    )


# --- participants and non-participants -----------------------------------------------------

CAVEAT = ("Beskrivelse, ikke en effektmåling: deltagelse er frivillig, så grupperne er "
          "forskellige fra starten.")


def _figure_text(row: dict | None, column: str, unit_da: str) -> str:
    if row is None or bool(row["is_suppressed"]):
        return HIDDEN_TEXT
    return fmt.value_text(_number(row[column]), unit_da)


def _count_text(row: dict | None, numerator: str, denominator: str) -> str:
    if row is None or bool(row["is_suppressed"]):
        return HIDDEN_TEXT
    return f"{danish.compact(row[numerator])} af {danish.compact(row[denominator])}"


def participant_rows(published: Published, ind: Indicator, year: int) -> list[dict]:
    """The table of one indicator and year: per area (`all` first, then the areas in Danish
    order) and group, the value the year before (same persons), the year's value and the change;
    a hidden row says `skjult` in every figure."""
    rows = published.participants
    rows = rows[(rows["indicator_id"] == ind.indicator_id) & (rows["year"] == year)]
    by_key = {(r["area"], r["participation"]): r for r in rows.to_dict("records")}
    areas = sorted({area for area, _ in by_key},
                   key=lambda a: (a != "all", danish_sort_key(a)))
    table = []
    for area in areas:
        for participation, label in figures.PARTICIPATION_LABELS.items():
            row = by_key.get((area, participation))
            hidden = row is None or bool(row["is_suppressed"])
            delta = None if hidden else (
                None if danish.is_missing(row["value"]) or danish.is_missing(row["value_before"])
                else float(row["value"]) - float(row["value_before"]))
            table.append({
                "area": area,
                "area_label": fmt.AREA_ALL_LABEL if area == "all" else area,
                "participation": participation,
                "label": label,
                "hidden": hidden,
                "before_text": _figure_text(row, "value_before", ind.unit_da),
                "value_text": _figure_text(row, "value", ind.unit_da),
                "before_counts": _count_text(row, "numerator_before", "denominator_before"),
                "counts": _count_text(row, "numerator", "denominator"),
                "change_text": HIDDEN_TEXT if hidden else fmt.change_text(delta, ind.unit_da),
                "change": fmt.change_direction(delta, ind.direction),
            })
    return table


def render_participants(env: jinja2.Environment, published: Published, meta: dict) -> str:
    sections = []
    for ind in published.participant_indicators:
        rows = published.participants
        years = sorted(int(y) for y in rows.loc[rows["indicator_id"] == ind.indicator_id, "year"]
                       .unique())
        latest = years[-1]
        fig = figures.participant_figure(published, ind)
        notes = hidden_participant_notes(fig)
        sections.append({
            "indicator": ind,
            "year": latest,
            "chart": Chart(f"fig-{ind.indicator_id}-deltagere",
                           "Hele helhedsplanen, år for år", fig, notes),
            "rows": participant_rows(published, ind, latest),
            "better_text": "Højere er bedre" if ind.direction == "higher" else "Lavere er bedre",
        })
    return env.get_template("participants.html").render(
        **_common(published, meta, "deltagere", "Deltagere og ikke-deltagere"),
        caveat=CAVEAT,
        sections=sections,
        charts=True,
    )


def hidden_participant_notes(fig: go.Figure) -> list[str]:
    for trace in fig.data:
        if (trace.meta or {}).get("role") == "hidden":
            listed = "; ".join(f"{year}: {who}" for year, who in trace.customdata)
            return [(
                "<strong>Skjult: for få personer.</strong> En gruppe, der bygger på for få "
                "personer i året eller året før, vises ikke (heller ikke den anden gruppe, "
                "når den sammen med helhedsplanens tal ville afsløre den). Et × nederst markerer "
                f"året. Skjult: {fmt_escape(listed)}."
            )]
    return []
