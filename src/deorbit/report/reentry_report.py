"""The report of a ``deorbit reentry --out`` results folder: the window (median, 5-95 %), the
ensemble's interface times, the ground track over the window and the fitted drag scale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from deorbit.report import maps
from deorbit.report.page import Cell, Page, cards, esc, fmt, missing, table, utc, utc_text
from deorbit.report.provenance import inputs_html
from deorbit.report.results import ReportError, read_geojson, read_results_json
from deorbit.report.theme import LEVEL_COLOURS, style

SECTIONS = ("summary", "window", "map", "fit", "inputs")
"""Section ids of a reentry report, in page order."""

MEDIAN_COLOUR = LEVEL_COLOURS["STRONG"]
BAND_COLOUR = LEVEL_COLOURS["WEAK"]


def _summary(page: Page, r: dict) -> None:
    hours = r.get("window_hours")
    days = r.get("remaining_days")
    items = [
        (
            "median interface (120 km)",
            utc_text(r.get("median")),
            f"{days:.2f} days after {str(r.get('as_of', ''))[:10]}"
            if isinstance(days, (int, float))
            else "",
            MEDIAN_COLOUR,
        ),
        (
            "5 % – 95 % window",
            f"{hours:.1f} h" if isinstance(hours, (int, float)) else "open",
            f"{utc_text(r.get('p05'))} to "
            + (
                utc_text(r.get("p95"))
                if r.get("p95")
                else f"after {utc_text(r.get('horizon_end'))} (the horizon)"
            ),
            BAND_COLOUR,
        ),
    ]
    imp = r.get("expected_impact")
    if isinstance(imp, dict):
        items.append(
            (
                "expected impact (median)",
                f"{imp.get('lat_deg', 0):+.1f}°, {imp.get('lon_deg', 0):+.1f}°",
                utc_text(imp.get("time")),
                "#555555",
            )
        )
    rows = [
        ("object", r.get("object")),
        ("NORAD", str(r.get("norad_id"))),
        ("prediction as of", Cell(utc(r.get("as_of")))),
        ("mean altitude at the last set (km)", r.get("mean_altitude_km")),
        ("space weather", r.get("weather")),
        ("method", r.get("method")),
        ("ensemble", f"{r.get('samples')} samples, seed {r.get('seed')}"),
    ]
    page.add("summary", "Summary", cards(items) + table(("", ""), rows, css_id="reentry-facts"))


def _window(page: Page, r: dict) -> None:
    times = r.get("sample_times")
    lines = [
        ("5 %", r.get("p05"), BAND_COLOUR),
        ("median", r.get("median"), MEDIAN_COLOUR),
        ("95 %", r.get("p95"), BAND_COLOUR),
    ]
    body = ""
    if isinstance(times, list) and times:
        t = pd.to_datetime(pd.Series(times), utc=True, errors="coerce").dropna().sort_values()
        fig = go.Figure()
        fig.add_trace(
            go.Histogram(
                x=t,
                name="ensemble samples",
                marker_color="#9fb7cc",
                nbinsx=min(60, max(10, len(t) // 4)),
            )
        )
        # over the whole ensemble: a sample that stays up (null) counts as later than all
        cdf = np.arange(1, len(t) + 1) / len(times)
        fig.add_trace(
            go.Scatter(
                x=t,
                y=cdf,
                yaxis="y2",
                mode="lines",
                line_shape="hv",
                name="cumulative fraction",
                line={"color": "#222"},
            )
        )
        fig.update_layout(
            yaxis2={
                "overlaying": "y",
                "side": "right",
                "range": [0, 1.02],
                "title": "cumulative fraction",
                "tickformat": ".0%",
                "dtick": 0.25,
                "showgrid": False,
            }
        )
        up = len(times) - len(t)
        body_note = f"{len(times)} ensemble samples" + (
            f", {up} not down within the prediction horizon." if up else "."
        )
    else:
        quantiles = [pd.Timestamp(x) for _, x, _ in lines if x]
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=quantiles,
                y=[0] * len(quantiles),
                mode="markers",
                marker={"size": 12, "color": "#222"},
                name="window",
            )
        )
        body_note = "The sample times are not in reentry.json (only the quantiles)."
    for label, when, colour in lines:
        if when:
            fig.add_vline(
                x=pd.Timestamp(when).value / 1e6,
                line_color=colour,
                line_dash="solid" if label == "median" else "dash",
                annotation_text=label,
            )
    style(fig, height=380)
    fig.update_xaxes(title="120 km interface time (UTC)")
    fig.update_yaxes(title="samples")
    body += page.figure(fig, "window")
    body += (
        f'<p class="note">{esc(body_note)} Lines: 5 %, median and 95 % of the interface time.</p>'
    )
    pts = r.get("window_points") or {}
    if pts:
        body += table(
            ("point", "time", "latitude (deg)", "longitude (deg)"),
            [
                (k, Cell(utc(v.get("time"))), v.get("lat_deg"), v.get("lon_deg"))
                for k, v in pts.items()
                if isinstance(v, dict)
            ],
        )
    page.add("window", "Reentry window", body)


def _map(page: Page, gj: dict | None) -> None:
    if gj is None:
        page.add("map", "Ground track over the window", missing("reentry.geojson is absent"))
        return
    fig = maps.world_map()
    px, py, names = [], [], []
    for feat in gj.get("features", []):
        geom = feat.get("geometry") or {}
        props = feat.get("properties") or {}
        if geom.get("type") in ("LineString", "MultiLineString"):
            name = str(props.get("name", "track"))
            maps.add_line_geometry(fig, geom, name, BAND_COLOUR, width=1.5)
        elif geom.get("type") == "Point":
            px.append(geom["coordinates"][0])
            py.append(geom["coordinates"][1])
            names.append(f"{props.get('name', '')} {str(props.get('time', ''))[:16]}")
    maps.add_points(fig, px, py, "window points", MEDIAN_COLOUR, text=names, size=10)
    page.add(
        "map",
        "Ground track over the window",
        page.figure(fig, "map-window")
        + '<p class="note">The object can come down anywhere along this track between '
        "the 5 % and 95 % times.</p>",
    )


def _fit(page: Page, r: dict) -> None:
    fit = r.get("fit")
    if not isinstance(fit, dict):
        page.add("fit", "Fitted drag", missing("no drag fit in reentry.json"))
        return
    rows = [
        ("drag scale k", Cell(f"{fmt(fit.get('k'), 3)} ± {fmt(fit.get('sigma_k'), 3)}", True)),
        ("ballistic coefficient (kg/m²)", fit.get("ballistic_coefficient_kg_m2")),
        ("rms of the fit (m)", fit.get("rms_m")),
        ("element sets used", fit.get("sets_used")),
        ("first / last set used", Cell(f"{utc(fit.get('first'))} / {utc(fit.get('last'))}")),
    ]
    body = table(("", ""), rows, css_id="fit-table")
    rejected = fit.get("rejected") or []
    if rejected:
        body += "<h3>Rejected element sets</h3>" + table(
            ("set", "reason"), [(x.get("set"), x.get("reason")) for x in rejected]
        )
    else:
        body += '<p class="note">No element set was rejected.</p>'
    page.add("fit", "Fitted drag", body)


def write_reentry_report(out_dir: Path) -> Path:
    """Build ``report.html`` in a ``deorbit reentry --out`` folder (needs ``reentry.json``;
    ``reentry.geojson`` optional) and return its path.

    Raises
    ------
    ReportError
        No readable ``reentry.json`` in the folder.
    """
    out, path, r = read_results_json(out_dir, "reentry.json", "reentry")
    if not isinstance(r, dict) or "median" not in r:
        raise ReportError("expected a reentry prediction (an object with 'median')", path)
    page = Page(
        title=f"Reentry of {r.get('object', 'object')}",
        subtitle=f"Prediction as of {utc_text(r.get('as_of'))} UTC · 120 km interface",
    )
    _summary(page, r)
    _window(page, r)
    _map(page, read_geojson(out / "reentry.geojson"))
    _fit(page, r)
    inputs = [
        ("results folder", str(out.resolve())),
        ("object", str(r.get("object"))),
        ("as of", str(r.get("as_of"))),
        ("seed", str(r.get("seed"))),
    ]
    page.add("inputs", "Inputs and versions", inputs_html(inputs))
    return page.write(out / "report.html")
