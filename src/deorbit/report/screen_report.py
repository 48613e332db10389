"""The report of a ``deorbit screen --out`` folder: the objects that reenter within the
horizon, sorted by median date, and their windows on a timeline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from deorbit.report.page import Cell, Page, cards, esc, missing, table, utc, utc_text
from deorbit.report.provenance import inputs_html
from deorbit.report.results import ReportError, read_results_json
from deorbit.report.theme import LEVEL_COLOURS, style

SECTIONS = ("summary", "table", "timeline", "not-screened", "inputs")
"""Section ids of a screening report, in page order."""


def _name(row: dict) -> str:
    return str(row.get("name", "")).split(" (NORAD")[0]


def _timeline(page: Page, rows: list[dict]) -> str:
    dated = [r for r in rows if r.get("median")][:60]
    if not dated:
        return missing("no object reenters within the horizon")
    labels = [f"{_name(r)} ({r.get('norad_id')})" for r in dated]
    med = [pd.Timestamp(r["median"]) for r in dated]
    lo = [pd.Timestamp(r["p05"]) if r.get("p05") else m for r, m in zip(dated, med, strict=True)]
    hi = [pd.Timestamp(r["p95"]) if r.get("p95") else m for r, m in zip(dated, med, strict=True)]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            base=lo,
            x=[(h - low).total_seconds() * 1000 for h, low in zip(hi, lo, strict=True)],
            y=labels,
            orientation="h",
            name="5 % – 95 %",
            marker_color=LEVEL_COLOURS["WEAK"],
            opacity=0.45,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=med,
            y=labels,
            mode="markers",
            name="median",
            marker={"color": LEVEL_COLOURS["STRONG"], "size": 8},
            text=[f"P(within) {r.get('fraction_within_horizon', 0):.0%}" for r in dated],
            hovertemplate="%{y}<br>%{x|%Y-%m-%d %H:%M} UTC<br>%{text}<extra></extra>",
        )
    )
    style(fig, height=140 + 22 * len(dated))
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(type="date", title="120 km interface (UTC)")
    return page.figure(fig, "screen-timeline")


def write_screen_report(out_dir: Path) -> Path:
    """Build ``report.html`` in a ``deorbit screen --out`` folder (needs ``screen.json``)
    and return its path.

    Raises
    ------
    ReportError
        No readable ``screen.json`` in the folder.
    """
    out, path, data = read_results_json(out_dir, "screen.json", "screening")
    if not isinstance(data, dict) or not isinstance(data.get("reentries"), list):
        raise ReportError("expected a screening result (an object with a 'reentries' list)", path)
    rows = [r for r in data["reentries"] if isinstance(r, dict)]
    horizon = data.get("horizon_days")
    likely = [r for r in rows if r.get("median")]
    page = Page(
        title=f"Reentry screening of {data.get('catalog', 'a catalogue')}",
        subtitle=f"Objects reentering within {horizon:g} days"
        if isinstance(horizon, (int, float))
        else "Objects reentering within the horizon",
    )
    first = likely[0] if likely else None
    page.add(
        "summary",
        "Summary",
        cards(
            [
                (
                    "objects screened",
                    f"{data.get('objects', '-')}",
                    f"{data.get('ensemble_candidates', '-')} got an ensemble",
                    "#555555",
                ),
                (
                    "likely reentries",
                    f"{len(likely)}",
                    f"within {horizon:g} days" if isinstance(horizon, (int, float)) else "",
                    LEVEL_COLOURS["STRONG"],
                ),
                (
                    "next",
                    _name(first) if first else "none",
                    utc_text(first.get("median")) if first else "",
                    LEVEL_COLOURS["WEAK"],
                ),
            ]
        )
        + f'<p class="note">Space weather: {esc(data.get("weather"))}.</p>',
    )
    trs = [
        (
            str(r.get("norad_id")),
            _name(r),
            Cell(utc(r.get("median")) if r.get("median") else "after horizon"),
            Cell(utc(r.get("p05"))),
            Cell(utc(r.get("p95")) if r.get("p95") else "after horizon"),
            Cell(f"{r.get('fraction_within_horizon', 0):.0%}", True),
        )
        for r in rows
    ]
    page.add(
        "table",
        "Reentries, sorted by median date",
        table(
            ("NORAD", "name", "median (120 km)", "5 %", "95 %", "P(within)"),
            trs,
            css_id="screen-table",
        )
        if trs
        else missing("no reentry candidates"),
    )
    page.add("timeline", "Windows on a timeline", _timeline(page, rows))
    ns = [x for x in data.get("not_screened") or [] if isinstance(x, dict)]
    page.add(
        "not-screened",
        "Not screened",
        table(
            ("NORAD", "name", "reason"),
            [(str(x.get("norad_id")), x.get("name"), x.get("reason")) for x in ns],
        )
        if ns
        else '<p class="note">Every object was screened.</p>',
    )
    page.add(
        "inputs",
        "Inputs and versions",
        inputs_html(
            [
                ("results folder", str(out.resolve())),
                ("catalogue", str(data.get("catalog", "-"))),
                ("horizon (days)", str(horizon)),
                ("space weather", str(data.get("weather"))),
            ]
        ),
    )
    return page.write(out / "report.html")
