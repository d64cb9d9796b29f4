"""Plotly figures of the report. Every figure is Danish, uses `separators=",."`, shows a suppressed
cell as a gap (None, never 0) and marks where cells were hidden because of too few persons."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go

from pipelines import danish
from pipelines.catalogue import source_names, sources
from pipelines.report import format as fmt
from pipelines.report.data import Annotation, Indicator, Published, annotations_for, cells

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif'
INK = "#222222"
GRID = "#e6e6e6"
MONTHLY = "#9ec3e6"
ROLLING = "#0072b2"
PATH = "#555555"
TARGET = "#000000"
ALL_COLOUR = "#000000"
# Okabe-Ito colours with distinct markers (and short dashes), so series part in black-and-white
# print too. No long dashes: their breaks would read like the gaps of hidden cells.
AREA_STYLES = [
    ("#e69f00", "solid", "square"),
    ("#56b4e9", "dash", "diamond"),
    ("#009e73", "dot", "triangle-up"),
    ("#cc79a7", "solid", "cross"),
    ("#d55e00", "dash", "triangle-down"),
    ("#0072b2", "dot", "star"),
]
SEX_STYLES = {
    "all": (ALL_COLOUR, "solid", "circle"),
    "female": ("#d55e00", "dash", "square"),
    "male": ("#0072b2", "dot", "diamond"),
}
HIDDEN_NAME = "Skjult: for få personer"
HIDDEN_NOTE = "× nederst: tal skjult, fordi de bygger på for få personer"


def _date(value: pd.Timestamp | dt.date) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _num(value: float | None) -> float | None:
    """JSON-safe number: NaN/NA become None, so Plotly draws a gap."""
    return None if danish.is_missing(value) else float(value)


def base_layout(height: int = 360, **extra) -> dict:
    layout = {
        "template": "none",  # our own styling; keeps Plotly's default theme out of every page
        "separators": ",.",
        "font": {"family": FONT, "size": 13, "color": INK},
        "height": height,
        "margin": {"l": 64, "r": 24, "t": 44, "b": 40},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "closest",
        "hoverlabel": {"font": {"family": FONT}},
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.14, "yanchor": "top",
                   "font": {"size": 12}},
        "xaxis": {"type": "date", "showgrid": False, "linecolor": "#999", "ticks": "outside",
                  "tickcolor": "#999", "tickangle": 0},
        "yaxis": {"gridcolor": GRID, "zeroline": False, "linecolor": "#999", "tickformat": ",.1~f"},
        # The hidden-cell marks sit on an invisible axis at the bottom of the plot area.
        "yaxis2": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
    }
    layout.update(extra)
    return layout


def _xaxis(**extra) -> dict:
    axis = {"type": "date", "showgrid": False, "linecolor": "#999", "ticks": "outside",
            "tickcolor": "#999", "tickangle": 0}
    axis.update(extra)
    return axis


def month_ticks(first: pd.Timestamp, last: pd.Timestamp, step: int = 12, years_only: bool = False):
    """Tick positions and Danish labels: `jan. 2024` each January (just the year when the axis
    spans more than four years: the labels would collide in a half-width chart)."""
    years_only = years_only or (last - first).days > 4 * 366
    vals, text = [], []
    for tick in pd.date_range(pd.Timestamp(first.year, 1, 1), last, freq=f"{step}MS"):
        if tick < first - pd.DateOffset(months=1):
            continue
        vals.append(_date(tick))
        text.append(str(tick.year) if years_only else fmt.month_text(tick.date(), short=True))
    return vals, text


QUARTER_MINOR = {"ticks": "outside", "dtick": "M3", "tick0": "2000-01-01", "ticklen": 4,
                 "tickcolor": "#bbb"}


def _yaxis(ind: Indicator) -> dict:
    axis = {"gridcolor": GRID, "zeroline": False, "linecolor": "#999", "tickformat": ",.1~f",
            "title": {"text": ind.unit_da, "font": {"size": 12}}}
    if fmt.is_percent(ind.unit_da):
        axis.update(ticksuffix=" %", title={"text": ""})
    return axis


def _hover_value(ind: Indicator) -> str:
    return "%{y:,.1f}" + fmt.unit_suffix(ind.unit_da)


def _annotation_marks(notes: list[Annotation], first: pd.Timestamp, last: pd.Timestamp,
                      with_area: bool = True, wrap: int | None = None,
                      ) -> tuple[list[dict], list[dict], int]:
    """Dated vertical markers, with the analysts' text above the plot (never over the data).
    Returns shapes, labels and the top margin the labels need."""
    shapes, labels = [], []
    shown = [n for n in notes if first <= pd.Timestamp(n.date) <= last
             and (with_area or n.area == "all")]
    span = (last - first) / pd.Timedelta(days=1)
    lines_needed = 1
    for i, note in enumerate(shown):
        x = _date(note.date)
        area = "" if note.area == "all" else f"{note.area}: "
        right_half = (pd.Timestamp(note.date) - first) / pd.Timedelta(days=1) > 0.5 * span
        day = f"{note.date.day}. {fmt.month_text(note.date, short=True)}"
        text = f"{day}: {area}{note.note_da}"
        if wrap:
            text = _wrap(text, wrap)
        lines = text.count("<br>") + 1
        lines_needed = max(lines_needed, lines + (i % 2))
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x,
                       "y0": 0, "y1": 1, "line": {"color": "#6a3d9a", "width": 1.5, "dash": "dot"}})
        labels.append({
            "x": x, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom",
            "yshift": 2 + 14 * (i % 2) * lines, "xanchor": "right" if right_half else "left",
            "align": "right" if right_half else "left",
            "showarrow": False, "text": text, "font": {"size": 11, "color": "#4b2c6f"},
        })
    return shapes, labels, 24 + 14 * lines_needed


def _hidden_trace(hidden: dict[str, list[str]], labels: dict[str, str],
                  period: str = "M1") -> go.Scatter | None:
    """One × per period where some series is hidden (suppressed), with who in the hover."""
    if not hidden:
        return None
    xs = sorted(hidden)
    return go.Scatter(
        x=xs, y=[0.025] * len(xs), yaxis="y2", mode="markers", name=HIDDEN_NAME,
        xperiod=period, xperiodalignment="middle",
        marker={"symbol": "x-thin", "size": 9, "line": {"width": 2, "color": "#666"}, "color": "#666"},
        customdata=[[labels.get(x, x), ", ".join(hidden[x])] for x in xs],
        hovertemplate="%{customdata[0]}<br>Skjult (for få personer): %{customdata[1]}<extra></extra>",
        meta={"role": "hidden"},
    )


MAX_HIDDEN_IN_WINDOW = 2


def rolling_12(monthly: pd.DataFrame, months: pd.DatetimeIndex, factor: float,
               ) -> tuple[list[float | None], list[str]]:
    """12-month value at each month: Σ numerator / Σ denominator of the 12 months ending there,
    from the published monthly counts, and a note per point naming left-out months.

    Needs 12 months of history. Suppressed months have no published counts: they are left out
    (at most two in a window, else no value — a gap). In practice these are months with (almost)
    no one in the population, such as July for the school indicators, so the sum equals the
    published 12-month status value. Months without any row add nothing either."""
    frame = monthly.set_index("period_start").reindex(months)
    num = frame["numerator"].fillna(0.0)
    den = frame["denominator"].fillna(0.0)
    hidden = frame["is_suppressed"].astype("boolean").fillna(False).astype(bool)
    values: list[float | None] = []
    notes: list[str] = []
    for i in range(len(months)):
        window = slice(max(i - 11, 0), i + 1)
        left_out = [fmt.month_text(m.date(), short=True) for m in months[window][hidden.iloc[window]]]
        total_den = den.iloc[window].sum()
        if i < 11 or len(left_out) > MAX_HIDDEN_IN_WINDOW or not total_den:
            values.append(None)
            notes.append("")
            continue
        values.append(float(num.iloc[window].sum() / total_den * factor))
        notes.append(f" (uden {', '.join(left_out)}: skjult)" if left_out else "")
    return values, notes


def _month_range(published: Published, ind: Indicator) -> pd.DatetimeIndex:
    months = published.values.loc[published.values["period_type"] == "month", "period_start"]
    return pd.date_range(months.min(), months.max(), freq="MS")


def _baseline_target_traces(ind: Indicator) -> list[go.Scatter]:
    """Baseline over its year, the straight path to the target, and the target point."""
    traces = []
    b, t = ind.baseline, ind.target
    base_start = pd.Timestamp(ind.baseline_year, 1, 1)
    base_end = pd.Timestamp(ind.baseline_year + 1, 1, 1)  # = end of the baseline year
    target_end = pd.Timestamp(ind.target_year + 1, 1, 1)
    suffix = fmt.unit_suffix(ind.unit_da)
    if b is not None:
        traces.append(go.Scatter(
            x=[_date(base_start), _date(base_end)], y=[b, b], mode="lines",
            name=f"Baseline {ind.baseline_year}: {fmt.value_text(b, ind.unit_da)}",
            line={"color": PATH, "width": 2.5, "dash": "dash"},
            hovertemplate=f"Baseline {ind.baseline_year}: %{{y:,.1f}}{suffix}<extra></extra>",
            meta={"role": "baseline"},
        ))
    if b is not None and t is not None:
        traces.append(go.Scatter(
            x=[_date(base_end), _date(target_end)], y=[b, t], mode="lines",
            name=f"Sti mod målet ({ind.baseline_year}–{ind.target_year})",
            line={"color": PATH, "width": 1.5, "dash": "dot"},
            hovertemplate=f"Sti mod målet: %{{y:,.1f}}{suffix}<extra></extra>",
            meta={"role": "path"},
        ))
    if t is not None:
        example = " (eksempel)" if ind.target_is_example else ""
        traces.append(go.Scatter(
            x=[_date(target_end)], y=[t], mode="markers+text",
            name=f"Mål {ind.target_year}: {fmt.value_text(t, ind.unit_da)}{example}",
            marker={"symbol": "diamond", "size": 12, "color": TARGET},
            text=[f"Mål {ind.target_year}"], textposition="top left",
            textfont={"size": 11},
            hovertemplate=f"Mål {ind.target_year}{example}: %{{y:,.1f}}{suffix}<extra></extra>",
            meta={"role": "target"},
        ))
    return traces


def trend_figure(published: Published, ind: Indicator) -> go.Figure:
    """The plan as a whole (area and sex `all`) over time, with baseline, path and target."""
    traces: list[go.BaseTraceType] = []
    hidden: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    target_end = pd.Timestamp(ind.target_year + 1, 1, 1)
    no_data: list[pd.Timestamp] = []
    if ind.is_yearly:
        yearly = cells(published.values, ind.indicator_id, "year", "all", "all")
        first = yearly["period_start"].min()
        x = [_date(s) for s in yearly["period_start"]]
        y = [_num(v) for v in yearly["value"]]
        names = [fmt.school_year_text(p) for p in yearly["period"]]
        traces.append(go.Bar(
            x=x, y=y, name="Skoleår (prøver i juni)", marker={"color": ROLLING},
            xperiod="M12", xperiodalignment="middle", width=1000 * 3600 * 24 * 200,
            text=[fmt.value_text(v, ind.unit_da) if v is not None else "" for v in y],
            textposition="inside", insidetextanchor="end", textfont={"color": "#ffffff"},
            customdata=names, hovertemplate="%{customdata}<br>" + _hover_value(ind) + "<extra></extra>",
            meta={"indicator_id": ind.indicator_id, "area": "all", "sex": "all",
                  "period_type": "year", "role": "values"},
        ))
        for s, p, sup in zip(yearly["period_start"], yearly["period"], yearly["is_suppressed"]):
            labels[_date(s)] = fmt.school_year_text(p)
            if sup:
                hidden.setdefault(_date(s), []).append(fmt.AREA_ALL_LABEL)
    else:
        months = _month_range(published, ind)
        first = months.min()
        monthly = cells(published.values, ind.indicator_id, "month", "all", "all")
        frame = monthly.set_index("period_start").reindex(months)
        x = [_date(m) for m in months]
        month_names = [fmt.month_text(m.date()) for m in months]
        labels = dict(zip(x, month_names))
        suppressed = frame["is_suppressed"].astype("boolean").fillna(False)
        for xi, sup in zip(x, suppressed):
            if sup:
                hidden.setdefault(xi, []).append(fmt.AREA_ALL_LABEL)
        no_data = [m for m, sup, v in zip(months, suppressed, frame["value"])
                   if not sup and danish.is_missing(v)]
        if not ind.is_stock:
            traces.append(go.Scatter(
                x=x, y=[_num(v) for v in frame["value"]], mode="lines+markers", name="Månedstal",
                line={"color": MONTHLY, "width": 1}, marker={"size": 4, "color": MONTHLY},
                connectgaps=False, xperiod="M1", xperiodalignment="middle",
                customdata=month_names,
                hovertemplate="%{customdata}<br>Månedstal: " + _hover_value(ind) + "<extra></extra>",
                meta={"indicator_id": ind.indicator_id, "area": "all", "sex": "all",
                      "period_type": "month", "role": "values"},
            ))
            rolling, left_out = rolling_12(monthly, months, ind.factor)
            windows = [f"{fmt.month_text((m - pd.DateOffset(months=11)).date(), True)}–"
                       f"{fmt.month_text(m.date(), True)}{note}" for m, note in zip(months, left_out)]
            traces.append(go.Scatter(
                x=x, y=rolling, mode="lines", name="Seneste 12 måneder (rullende)",
                line={"color": ROLLING, "width": 3}, connectgaps=False,
                xperiod="M1", xperiodalignment="end", customdata=windows,
                hovertemplate="12 måneder %{customdata}<br>" + _hover_value(ind) + "<extra></extra>",
                meta={"indicator_id": ind.indicator_id, "area": "all", "sex": "all",
                      "period_type": "rolling12", "role": "rolling"},
            ))
        else:
            traces.append(go.Scatter(
                x=x, y=[_num(v) for v in frame["value"]], mode="lines+markers",
                name="Seneste 12 måneder (opgjort hver måned)",
                line={"color": ROLLING, "width": 3}, marker={"size": 4}, connectgaps=False,
                xperiod="M1", xperiodalignment="end", customdata=month_names,
                hovertemplate="12 måneder til og med %{customdata}<br>" + _hover_value(ind)
                + "<extra></extra>",
                meta={"indicator_id": ind.indicator_id, "area": "all", "sex": "all",
                      "period_type": "month", "role": "values"},
            ))
    traces.extend(_baseline_target_traces(ind))
    hidden_trace = _hidden_trace(hidden, labels, "M12" if ind.is_yearly else "M1")
    if hidden_trace:
        traces.append(hidden_trace)
    x_first = first - pd.DateOffset(months=2)
    x_last = target_end + pd.DateOffset(months=4)
    tickvals, ticktext = month_ticks(first, target_end, 12, years_only=True)
    shapes, notes, top = _annotation_marks(annotations_for(published, ind.indicator_id),
                                           x_first, x_last)
    # The plan period in light shading: where the path to the target runs.
    shapes.insert(0, {"type": "rect", "xref": "x", "yref": "paper",
                      "x0": _date(pd.Timestamp(ind.baseline_year + 1, 1, 1)), "x1": _date(target_end),
                      "y0": 0, "y1": 1, "fillcolor": "#f3f6fa", "line": {"width": 0},
                      "layer": "below"})
    layout = base_layout(
        height=420,
        xaxis=_xaxis(range=[_date(x_first), _date(x_last)], tickvals=tickvals, ticktext=ticktext),
        yaxis=_yaxis(ind), shapes=shapes, annotations=notes,
        bargap=0.3, margin={"l": 64, "r": 24, "t": max(top, 44), "b": 40},
        # months without a number that were not suppressed, for the note under the chart
        meta={"no_data": [fmt.month_text(m.date()) for m in no_data]},
    )
    return go.Figure(data=traces, layout=layout)


def _series_traces(
    published: Published, ind: Indicator, period_type: str, series: list[tuple[str, str, str, tuple]],
    bars: bool,
) -> tuple[list, dict[str, list[str]], dict[str, str], pd.Timestamp, pd.Timestamp]:
    """One trace per (area, sex) series; suppressed cells become None and are listed as hidden."""
    traces, hidden, labels = [], {}, {}
    frame = cells(published.values, ind.indicator_id, period_type)
    # each period's first row in frame order names it (one pass, not a mask per period)
    named = frame.drop_duplicates("period_start").sort_values("period_start", kind="stable")
    starts = list(named["period_start"])
    first, last = pd.Timestamp(starts[0]), pd.Timestamp(starts[-1])
    x = [_date(s) for s in starts]
    for start, period in zip(starts, named["period"]):
        labels[_date(start)] = fmt.period_text(period_type, period, ind.grain)
    for index, (name, area, sex, (colour, dash, symbol)) in enumerate(series):
        part = frame[(frame["area"] == area) & (frame["sex"] == sex)].set_index("period_start")
        if part.empty:
            continue
        part = part.reindex(pd.DatetimeIndex(starts))
        y = [_num(v) for v in part["value"]]
        complete = part["is_complete"].astype("boolean").fillna(True).tolist()
        custom = [[labels[xi], "" if c else " (ufuldstændigt: måneder mangler)"]
                  for xi, c in zip(x, complete)]
        for xi, sup in zip(x, part["is_suppressed"].astype("boolean").fillna(False)):
            if sup:
                hidden.setdefault(xi, []).append(name)
        meta = {"indicator_id": ind.indicator_id, "area": area, "sex": sex,
                "period_type": period_type, "role": "values"}
        hover = f"<b>{name}</b><br>%{{customdata[0]}}%{{customdata[1]}}<br>{_hover_value(ind)}<extra></extra>"
        if bars:
            traces.append(go.Bar(
                x=x, y=y, name=name,
                marker={"color": colour, "pattern": {
                    "shape": _PATTERNS[index % len(_PATTERNS)], "fillmode": "overlay",
                    "fgcolor": "#000000", "fgopacity": 0.35, "size": 6}},
                xperiod="M12", xperiodalignment="middle",
                customdata=custom, hovertemplate=hover, meta=meta,
            ))
        else:
            is_all = area == "all" and sex == "all"
            traces.append(go.Scatter(
                x=x, y=y, name=name, mode="lines+markers", connectgaps=False,
                line={"color": colour, "width": 3 if is_all else 2, "dash": dash},
                marker={"symbol": [symbol if c else f"{symbol}-open" for c in complete],
                        "size": 7, "color": colour},
                xperiod="M3", xperiodalignment="middle",
                customdata=custom, hovertemplate=hover, meta=meta,
            ))
    return traces, hidden, labels, first, last


_PATTERNS = ("", "/", ".", "x", "\\", "+", "-")  # bar fills, one per series


def _comparison_figure(published: Published, ind: Indicator, series, with_area_notes: bool) -> go.Figure:
    period_type = "year" if ind.is_yearly else "quarter"
    traces, hidden, labels, first, last = _series_traces(
        published, ind, period_type, series, bars=ind.is_yearly)
    hidden_trace = _hidden_trace(hidden, labels, "M12" if ind.is_yearly else "M3")
    if hidden_trace:
        traces.append(hidden_trace)
    span = 12 if ind.is_yearly else 3
    x_first = first - pd.DateOffset(months=span)
    x_last = last + pd.DateOffset(months=span)
    if ind.is_yearly:
        tickvals = [_date(pd.Timestamp(y, 7, 1)) for y in range(first.year, last.year + 1)]
        ticktext = [fmt.school_year_text(y).replace("skoleåret ", "") for y in range(first.year, last.year + 1)]
    else:
        tickvals, ticktext = month_ticks(first, last + pd.DateOffset(months=2))
    notes = annotations_for(published, ind.indicator_id)
    shapes, labels_, top = _annotation_marks(notes, x_first, x_last, with_area=with_area_notes,
                                             wrap=34)
    layout = base_layout(
        height=380,
        xaxis=_xaxis(range=[_date(x_first), _date(x_last)], tickvals=tickvals, ticktext=ticktext,
                     minor=None if ind.is_yearly else QUARTER_MINOR),
        yaxis=_yaxis(ind), shapes=shapes, annotations=labels_, barmode="group", bargap=0.25,
        margin={"l": 64, "r": 24, "t": max(top, 44), "b": 40},
    )
    return go.Figure(data=traces, layout=layout)


def area_figure(published: Published, ind: Indicator) -> go.Figure:
    """Housing areas side by side, quarterly (yearly for exam results), sex `all`."""
    series = [(fmt.AREA_ALL_LABEL, "all", "all", (ALL_COLOUR, "solid", "circle"))]
    for i, area in enumerate(published.areas):
        series.append((area, area, "all", AREA_STYLES[i % len(AREA_STYLES)]))
    return _comparison_figure(published, ind, series, with_area_notes=True)


def sex_figure(published: Published, ind: Indicator) -> go.Figure | None:
    """Women and men in the plan as a whole; None for indicators not counted by person."""
    if not ind.person_based:
        return None
    series = [(fmt.SEX_LABELS[s], "all", s, SEX_STYLES[s]) for s in ("all", "female", "male")]
    return _comparison_figure(published, ind, series, with_area_notes=False)


def department_key(afdeling: str) -> str:
    """The `area` under which a department's cells sit in department_figure's frame."""
    return f"afdeling:{afdeling}"


def department_figure(published: Published, ind: Indicator, area: str, afdeling: str) -> go.Figure:
    """One afdeling beside its area, quarterly (yearly for exam results): hidden cells are gaps
    with a ×, as on the delaftale pages."""
    period_type = "year" if ind.is_yearly else "quarter"
    own = published.rows("departments", indicator_id=ind.indicator_id, area=area,
                         afdeling=afdeling, period_type=period_type)
    frame = pd.concat([
        published.rows("values", indicator_id=ind.indicator_id, period_type=period_type,
                       area=area, sex="all").sort_values("period_start"),
        own.drop(columns="afdeling").assign(area=department_key(afdeling)),
    ], ignore_index=True)
    series = [(f"Afdeling {afdeling}", department_key(afdeling), "all", AREA_STYLES[0]),
              (f"{area} (hele området)", area, "all", (ALL_COLOUR, "dot", "square"))]
    return _comparison_figure(replace(published, values=frame), ind, series, with_area_notes=True)


# --- data status -------------------------------------------------------------------------

def source_label(source: str) -> str:
    """The source's Danish label (seeds/sources.csv)."""
    return sources()[source].label_da


def delivery_period_text(row: dict) -> str:
    """A delivery_status period as the board reads it: a month, or a school year."""
    if sources()[row["source"]].grain == "school_year":
        return f"skoleåret {row['period']}"
    return fmt.month_text(str(row["period"]))

DELIVERY = {  # code, colour, symbol in the cell, label
    "received": (0, "#009e73", "✓", "modtaget"),
    "corrected": (1, "#56b4e9", "2", "rettet (leveret igen)"),
    "missing": (2, "#f0e442", "–", "mangler"),
    "rejected": (3, "#d55e00", "✗", "afvist"),
    "not_expected": (4, "#f2f2f2", "", "ikke forventet (sommerferie)"),
}


def delivery_heatmap(published: Published) -> go.Figure:
    deliveries = published.deliveries.copy()
    deliveries["period_start"] = pd.to_datetime(deliveries["period_start"])
    deliveries["month"] = deliveries["period_start"].dt.to_period("M").dt.start_time
    months = pd.date_range(deliveries["month"].min(), deliveries["month"].max(), freq="MS")
    shown = [s for s in source_names() if s in set(deliveries["source"])]
    z, text, custom = [], [], []
    for source in shown:
        rows = {r["month"]: r for r in deliveries[deliveries["source"] == source].to_dict("records")}
        z_row, t_row, c_row = [], [], []
        for m in months:
            row = rows.get(m)
            if row is None:
                z_row.append(None), t_row.append(""), c_row.append("")
                continue
            code, _, symbol, label = DELIVERY[row["status"]]  # dbt decides, incl. not_expected
            detail = (f"{source_label(source)} · {delivery_period_text(row)}<br><b>{label}</b>"
                      f"<br>filer: {danish.integer(row['files'])}"
                      f" · rækker indlæst: {danish.integer(row['rows_loaded'])}"
                      f" · i karantæne: {danish.integer(row['rows_quarantined'])}")
            z_row.append(code), t_row.append(symbol), c_row.append(detail)
        z.append(z_row), text.append(t_row), custom.append(c_row)
    n = len(DELIVERY) - 1
    scale = []
    for code, colour, _, _ in sorted(DELIVERY.values()):
        scale += [[max(code - 0.5, 0) / n, colour], [min(code + 0.5, n) / n, colour]]
    x = [_date(m) for m in months]
    traces = [go.Heatmap(
        x=x, y=[source_label(s) for s in shown], z=z, text=text,
        texttemplate="%{text}", textfont={"size": 11, "color": "#000000"},
        customdata=custom, hovertemplate="%{customdata}<extra></extra>",
        zmin=0, zmax=n, colorscale=scale, showscale=False, xgap=2, ygap=2,
        xperiod="M1", xperiodalignment="middle", hoverongaps=False,
        meta={"role": "deliveries"},
    )]
    for code, colour, symbol, label in sorted(DELIVERY.values()):
        traces.append(go.Scatter(
            x=[None], y=[None], mode="markers", name=f"{symbol} {label}".strip(),
            marker={"symbol": "square", "size": 13, "color": colour,
                    "line": {"color": "#777", "width": 1}},
            hoverinfo="skip",
        ))
    tickvals, ticktext = month_ticks(months.min(), months.max())
    layout = base_layout(
        height=120 + 42 * len(shown),
        xaxis=_xaxis(tickvals=tickvals, ticktext=ticktext, minor=QUARTER_MINOR),
        yaxis={"autorange": "reversed", "showgrid": False, "ticks": ""},
        margin={"l": 120, "r": 16, "t": 16, "b": 40},
        legend={"orientation": "h", "x": 0, "y": -0.25, "yanchor": "top"},
    )
    layout.pop("yaxis2")
    return go.Figure(data=traces, layout=layout)


def quarantine_figure(published: Published) -> go.Figure:
    deliveries = published.deliveries.copy()
    deliveries["period_start"] = pd.to_datetime(deliveries["period_start"])
    deliveries["month"] = deliveries["period_start"].dt.to_period("M").dt.start_time
    months = pd.date_range(deliveries["month"].min(), deliveries["month"].max(), freq="MS")
    traces = []
    palette = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9"]
    shown = [s for s in source_names() if s in set(deliveries["source"])]
    for i, source in enumerate(shown):
        per_month = (deliveries[deliveries["source"] == source]
                     .groupby("month")["rows_quarantined"].sum().reindex(months).fillna(0))
        traces.append(go.Bar(
            x=[_date(m) for m in months], y=[float(v) for v in per_month],
            name=source_label(source), marker={"color": palette[i % len(palette)]},
            customdata=[fmt.month_text(m.date()) for m in months],
            hovertemplate=f"{source_label(source)} · %{{customdata}}<br>"
                          "%{y:,.0f} rækker i karantæne<extra></extra>",
            xperiod="M1", xperiodalignment="middle",
            meta={"source": source, "role": "quarantine"},
        ))
    tickvals, ticktext = month_ticks(months.min(), months.max())
    layout = base_layout(
        height=320, barmode="stack", bargap=0.15,
        xaxis=_xaxis(tickvals=tickvals, ticktext=ticktext, minor=QUARTER_MINOR),
        yaxis={"gridcolor": GRID, "zeroline": True, "zerolinecolor": "#999", "tickformat": ",.0f",
               "title": {"text": "rækker i karantæne", "font": {"size": 12}}, "rangemode": "tozero"},
    )
    layout.pop("yaxis2")
    return go.Figure(data=traces, layout=layout)


def figure_json(fig: go.Figure) -> dict:
    """The figure as plain JSON data (NaN → null), as the pages embed it."""
    raw = fig.to_plotly_json()
    return _clean(raw)


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "tolist"):
        return _clean(value.tolist())
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    return value


# --- overview -----------------------------------------------------------------------------

STATUS_MARKERS = {"on_track": "circle", "at_risk": "diamond", "off_track": "x", "no_data": "circle-open"}


def _wrap(text: str, width: int = 40) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def progress(value: float | None, baseline: float | None, target: float | None) -> float | None:
    """How far along the way from baseline to target, in percent (negative: moved away)."""
    if danish.is_missing(value) or danish.is_missing(baseline) or danish.is_missing(target):
        return None
    if target == baseline:
        return None
    return (value - baseline) / (target - baseline) * 100


def progress_figure(published: Published) -> go.Figure:
    """Every indicator on one line: how far it has come from baseline (0 %) to target (100 %)."""
    status = published.status[published.status["area"] == "all"].set_index("indicator_id")
    rows, expected = [], []
    for ind in published.indicators:
        row = status.loc[ind.indicator_id]
        value, baseline, target = (_num(row[k]) for k in ("value", "baseline", "target"))
        rows.append((ind, value, baseline, target, str(row["status"]),
                     progress(value, baseline, target)))
        # where the straight line from baseline to target stands at the window's end (dbt)
        expected.append(progress(_num(row["expected"]), baseline, target))
    labels = [_wrap(ind.name_da) for ind, *_ in rows]
    traces = []
    for code in fmt.STATUS_ORDER:
        meta = fmt.STATUS[code]
        picked = [(label, r) for label, r in zip(labels, rows) if r[4] == code and r[5] is not None]
        if not picked:
            continue
        traces.append(go.Scatter(
            x=[r[5] for _, r in picked], y=[label for label, _ in picked], mode="markers",
            name=f"{meta['symbol']} {meta['label']}",
            marker={"symbol": STATUS_MARKERS[code], "size": 15, "color": meta["colour"],
                    "line": {"color": "#000000", "width": 1.5}},
            customdata=[[r[0].name_da, fmt.value_text(r[1], r[0].unit_da),
                         fmt.value_text(r[2], r[0].unit_da), fmt.value_text(r[3], r[0].unit_da),
                         danish.number(r[5], 0) + " %"]
                        for _, r in picked],
            hovertemplate=("<b>%{customdata[0]}</b><br>Seneste 12 mdr.: %{customdata[1]}"
                           "<br>Baseline: %{customdata[2]} · Mål: %{customdata[3]}"
                           "<br>Af vejen til målet: %{customdata[4]}<extra>" + meta["label"]
                           + "</extra>"),
            meta={"role": "progress", "status": code},
        ))
    # Keep every indicator on the axis, also those without a point.
    traces.append(go.Scatter(x=[None] * len(labels), y=labels, mode="markers", showlegend=False,
                             hoverinfo="skip", meta={"role": "axis"}))
    marks = [(label, e) for label, e in zip(labels, expected) if e is not None]
    if marks:
        traces.append(go.Scatter(
            x=[e for _, e in marks], y=[label for label, _ in marks], mode="markers",
            name="Forventet nu: den lige vej mod målet",
            marker={"symbol": "line-ns-open", "size": 26, "color": ROLLING,
                    "line": {"color": ROLLING, "width": 3}},
            customdata=[danish.number(e, 0) + " %" for _, e in marks],
            hovertemplate="Forventet nu: %{customdata} af vejen<extra></extra>",
            meta={"role": "expected"},
        ))
    values = [r[5] for r in rows if r[5] is not None] + [e for _, e in marks]
    lo = min([-40.0, *(v - 15 for v in values)])
    hi = max([125.0, *(v + 15 for v in values)])
    shapes = [
        {"type": "line", "x0": 0, "x1": 0, "yref": "paper", "y0": 0, "y1": 1,
         "line": {"color": PATH, "width": 2, "dash": "dash"}},
        {"type": "line", "x0": 100, "x1": 100, "yref": "paper", "y0": 0, "y1": 1,
         "line": {"color": TARGET, "width": 2}},
    ]
    years = published.plan_years
    notes = [
        {"x": 0, "y": 1, "yref": "paper", "yanchor": "bottom", "showarrow": False,
         "text": f"Baseline {years[0]}" if years else "Baseline", "font": {"size": 11}},
        {"x": 100, "y": 1, "yref": "paper", "yanchor": "bottom", "showarrow": False,
         "text": f"Mål {years[1]}" if years else "Mål", "font": {"size": 11}},
    ]
    for label, r in zip(labels, rows):
        if r[5] is None:
            notes.append({"x": lo, "y": label, "xanchor": "left", "xshift": 8, "showarrow": False,
                          "text": "– ingen data (for få personer eller mangler)",
                          "font": {"size": 12, "color": "#555"}})
    layout = base_layout(
        height=90 + 46 * len(rows),
        xaxis={"range": [lo, hi], "ticksuffix": " %", "tickformat": ",.0f", "gridcolor": GRID,
               "zeroline": False},
        yaxis={"autorange": "reversed", "showgrid": True, "gridcolor": "#f2f2f2",
               "categoryorder": "array", "categoryarray": labels, "tickfont": {"size": 12}},
        margin={"l": 300, "r": 24, "t": 30, "b": 70},
        shapes=shapes, annotations=notes,
        legend={"orientation": "h", "x": 0, "y": -36 / (46 * max(len(rows), 1)), "yanchor": "top"},
    )
    layout.pop("yaxis2")
    return go.Figure(data=traces, layout=layout)


# --- participants and non-participants ------------------------------------------------------

PARTICIPATION_LABELS = {"deltager": "Deltagere", "ikke_deltager": "Ikke-deltagere"}
PARTICIPATION_STYLES = {"deltager": ("#0072b2", "circle"), "ikke_deltager": ("#e69f00", "diamond")}


def participant_figure(published: Published, ind: Indicator, area: str = "all") -> go.Figure:
    """participant_outcomes of one indicator and area by year: a bar per group and year (the
    year's value), a mark for the same persons' value the year before; a hidden row is a gap
    with a × at the bottom (never 0)."""
    rows = published.participants
    rows = rows[(rows["indicator_id"] == ind.indicator_id) & (rows["area"] == area)]
    years = sorted(int(y) for y in rows["year"].unique())
    x = [str(y) for y in years]
    traces: list = []
    hidden: dict[str, list[str]] = {}
    suffix = fmt.unit_suffix(ind.unit_da)
    for participation, label in PARTICIPATION_LABELS.items():
        group = rows[rows["participation"] == participation].set_index("year")
        colour, symbol = PARTICIPATION_STYLES[participation]
        now, before = [], []
        for year in years:
            row = group.loc[year] if year in group.index else None
            if row is None or bool(row["is_suppressed"]):
                hidden.setdefault(str(year), []).append(label)
                now.append(None)
                before.append(None)
            else:
                now.append(_num(row["value"]))
                before.append(_num(row["value_before"]))
        traces.append(go.Bar(
            x=x, y=now, name=f"{label}, året", marker={"color": colour}, offsetgroup=participation,
            hovertemplate=f"{label} %{{x}}: %{{y:,.1f}}{suffix}<extra></extra>",
            meta={"participation": participation, "role": "value"}))
        traces.append(go.Scatter(
            x=x, y=before, name=f"{label}, samme personer året før", mode="markers",
            offsetgroup=participation,
            marker={"symbol": symbol + "-open", "size": 11, "color": INK, "line": {"width": 2}},
            hovertemplate=(f"{label} %{{x}}, samme personer året før: "
                           f"%{{y:,.1f}}{suffix}<extra></extra>"),
            meta={"participation": participation, "role": "before"}))
    if hidden:
        xs = [year for year in x if year in hidden]
        traces.append(go.Scatter(
            x=xs, y=[0.025] * len(xs), yaxis="y2", mode="markers", name=HIDDEN_NAME,
            marker={"symbol": "x-thin", "size": 9, "line": {"width": 2, "color": "#666"},
                    "color": "#666"},
            customdata=[[year, ", ".join(hidden[year])] for year in xs],
            hovertemplate="%{customdata[0]}<br>Skjult (for få personer): "
                          "%{customdata[1]}<extra></extra>",
            meta={"role": "hidden"}))
    layout = base_layout(
        height=360, barmode="group", bargap=0.3, scattermode="group",
        xaxis={"type": "category", "showgrid": False, "linecolor": "#999", "ticks": "outside",
               "tickcolor": "#999"},
        yaxis=_yaxis(ind),
    )
    return go.Figure(data=traces, layout=layout)
