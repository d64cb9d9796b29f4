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

from pipelines.report import figures
from pipelines.report import format as fmt
from pipelines.report.data import Delaftale, Indicator, Published

TEMPLATES = Path(__file__).parent / "templates"


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
    env.globals.update(status=fmt.STATUS, status_order=fmt.STATUS_ORDER)
    return env


# --- shared context ----------------------------------------------------------------------

def _published_at(run: dict | None) -> object:
    if not run:
        return None
    for key in ("published_at", "finished_at", "started_at"):
        value = run.get(key)
        if value is not None and not fmt.is_missing(value):
            return pd.Timestamp(value).to_pydatetime()
    return None


def gate_text(run: dict | None) -> str:
    if not run or "gate_passed" not in run or fmt.is_missing(run["gate_passed"]):
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
        "published": fmt.datetime_text(_published_at(run)),
        "run_id": str(run.get("run_id", "ukendt")) if run else "ukendt",
        "code_version": short_version(str(run.get("code_version") or "")) if run else "",
        "gate": gate_text(run),
        "built": fmt.datetime_text(built),
    }


def _status_row(status: pd.DataFrame, indicator_id: str, area: str) -> dict | None:
    rows = status[(status["indicator_id"] == indicator_id) & (status["area"] == area)]
    return None if rows.empty else rows.iloc[0].to_dict()


def indicator_row(published: Published, ind: Indicator, area: str = "all") -> dict:
    """One line of a status table: value, baseline, target, change, status, as Danish text."""
    row = _status_row(published.status, ind.indicator_id, area) or {}
    value = None if fmt.is_missing(row.get("value")) else float(row["value"])
    baseline = row.get("baseline")
    target = row.get("target")
    if area == "all":  # the catalogue's all/all baseline and target when status lacks them
        baseline = ind.baseline if fmt.is_missing(baseline) else baseline
        target = ind.target if fmt.is_missing(target) else target
    baseline = None if fmt.is_missing(baseline) else float(baseline)
    target = None if fmt.is_missing(target) else float(target)
    delta = None if value is None or baseline is None else value - baseline
    code = str(row.get("status") or "no_data")
    if code not in fmt.STATUS:
        code = "no_data"
    return {
        "indicator": ind,
        "area": area,
        "label": fmt.AREA_ALL_LABEL if area == "all" else area,
        "status": code,
        "value": value,
        "value_text": fmt.value_text(value, ind.unit_da),
        "window_text": fmt.window_text(row.get("window_start"), row.get("window_end"), ind.grain),
        "baseline_text": fmt.value_text(baseline, ind.unit_da),
        "target_text": fmt.value_text(target, ind.unit_da),
        "change_text": fmt.change_text(delta, ind.unit_da),
        "change": fmt.change_direction(delta, ind.direction),
        "better_text": "Højere er bedre" if ind.direction == "higher" else "Lavere er bedre",
    }


def _common(published: Published, meta: dict, page_id: str, title: str) -> dict:
    first = published.indicators[0] if published.indicators else None
    return {
        "page_id": page_id,
        "title": title,
        "delaftaler": published.delaftaler,
        "meta": meta,
        "baseline_year": first.baseline_year if first else 2024,
        "target_year": first.target_year if first else 2029,
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
        "area_rows": [indicator_row(published, ind, "all")]
        + [indicator_row(published, ind, area) for area in published.areas
           if _status_row(published.status, iid, area) is not None],
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
                "rows_loaded": "Rækker indlæst", "size_bytes": "Bytes"}


def render_datastatus(env: jinja2.Environment, published: Published, meta: dict) -> str:
    heatmap = figures.delivery_heatmap(published)
    quarantine = figures.quarantine_figure(published)
    run = published.latest_run
    passed = None if not run or fmt.is_missing(run.get("gate_passed")) else bool(run["gate_passed"])
    gate = {
        "css": "unknown" if passed is None else ("passed" if passed else "failed"),
        "symbol": "–" if passed is None else ("✓" if passed else "✗"),
        "text": {None: "Ukendt: den offentliggjorte database har intet resultat",
                 True: "Bestået: tallene er kontrolleret og offentliggjort",
                 False: "Ikke bestået"}[passed],
        "started": fmt.datetime_text(pd.Timestamp(run["started_at"]).to_pydatetime())
        if run and not fmt.is_missing(run.get("started_at")) else "–",
        "summary": _summary_text(run),
        "checks": _checks_text(run),
    }
    deliveries = published.deliveries
    missing_rows = []
    for row in deliveries.to_dict("records"):
        key = figures.delivery_status_label(row)
        if key in ("missing", "rejected"):
            period = (f"skoleåret {row['period']}" if row["source"] == "karakterer"
                      else fmt.month_text(str(row["period"])))
            missing_rows.append({"source": figures.SOURCE_LABELS.get(row["source"], row["source"]),
                                 "period": period, "label": figures.DELIVERY[key][3]})
    files = published.run_files
    columns = [c for c in FILE_COLUMNS if c in files.columns]
    file_rows = [[_cell(r[c]) for c in columns] for r in files.to_dict("records")]
    file_sources = []
    if "source" in files.columns and not files.empty:
        for source, group in files.groupby("source", sort=False):
            file_sources.append({
                "source": figures.SOURCE_LABELS.get(source, source),
                "files": fmt.integer(len(group)),
                "rows": fmt.integer(group["rows_loaded"].sum()) if "rows_loaded" in group else "–",
                "latest": max(group["file_path"]),
            })
    runs = []
    for r in published.runs.head(10).to_dict("records"):
        runs.append({"run_id": r.get("run_id", "–"), "published": fmt.datetime_text(_published_at(r)),
                     "code_version": short_version(str(r.get("code_version") or "–")),
                     "gate": gate_text(r)})
    return env.get_template("datastatus.html").render(
        **_common(published, meta, "datastatus", "Datastatus"),
        gate=gate,
        delivery_charts=[Chart("fig-leverancer", "Leverancer pr. kilde og måned", heatmap)],
        quarantine_charts=[Chart("fig-karantaene", "Rækker i karantæne pr. måned og kilde", quarantine)],
        quarantine_total=fmt.integer(deliveries["rows_quarantined"].fillna(0).sum()
                                     if "rows_quarantined" in deliveries else 0),
        missing_rows=missing_rows,
        files=file_rows,
        file_sources=file_sources,
        file_headers=[FILE_COLUMNS[c] for c in columns],
        runs=runs,
        charts=True,
    )


def _cell(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt.integer(value)
    return "" if fmt.is_missing(value) else str(value)


def _checks_text(run: dict | None) -> str:
    if not run or fmt.is_missing(run.get("gate_checks")):
        return ""
    checks = int(run["gate_checks"])
    text = f"{fmt.integer(checks)} {'kontrol' if checks == 1 else 'kontroller'}"
    if not fmt.is_missing(run.get("gate_warnings")):
        warnings = int(run["gate_warnings"])
        text += f", {fmt.integer(warnings)} {'advarsel' if warnings == 1 else 'advarsler'}"
    return text


def _summary_text(run: dict | None) -> str:
    if not run:
        return ""
    for key in ("gate_summary", "gate_message", "summary"):
        value = run.get(key)
        if value is None or (not isinstance(value, (str, dict, list)) and fmt.is_missing(value)):
            continue
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return value
        if isinstance(value, dict):
            return "; ".join(f"{k}: {_cell(v)}" for k, v in value.items())
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        return str(value)
    return ""
