"""The report of a ``deorbit plan`` results folder: milestones, descent, traffic, budgets,
maps of the final phase, casualty risk, compliance, failure cases, inputs and versions.

Every part is drawn from the files that are present; a part whose files are absent says
"Not computed". Units on the page are km, m/s, kg, days and degrees (the files' own units).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from deorbit.errors import DeorbitError
from deorbit.report import maps
from deorbit.report.page import (
    Cell,
    Page,
    cards,
    esc,
    fmt,
    label,
    missing,
    table,
    utc,
    utc_text,
    verdict,
)
from deorbit.report.provenance import inputs_html
from deorbit.report.results import (
    ReportError,
    read_csv,
    read_geojson,
    read_json,
    read_parquet,
    read_results_json,
    reading_error,
    require_columns,
)
from deorbit.report.theme import ZONE, level_colour, style

SECTIONS = (
    "summary",
    "milestones",
    "descent",
    "traffic",
    "budgets",
    "maps",
    "final-phase",
    "compliance",
    "failures",
    "inputs",
)
"""Section ids of a plan report, in page order."""


def _levels(summary: dict, path: Path) -> list[dict]:
    levels = summary.get("levels")
    if not isinstance(levels, list) or not all(
        isinstance(x, dict) and "level" in x for x in levels
    ):
        raise ReportError("'levels' must be a list of objects with a 'level' name", path)
    return levels


def _summary_section(page: Page, summary: dict, levels: list[dict]) -> None:
    items = []
    for k, lv in enumerate(levels):
        name = str(lv["level"])
        burn = (lv.get("milestones") or {}).get("final burn")
        years = lv.get("descent_years")
        ok = lv.get("feasible")
        small = f"descent {years:.2f} years" if isinstance(years, (int, float)) else "descent -"
        if ok is False:
            small += " · NOT FEASIBLE"
        items.append((f"{name}: final burn", utc_text(burn), small, level_colour(name, k)))
    pub = summary.get("published") or {}
    body = cards(items)
    if pub.get("descent_years") or pub.get("reentry"):
        body += (
            f'<p class="note">Published reference: descent about {esc(pub.get("descent_years"))} '
            f"years ({esc(pub.get('descent_source'))}); reentry {utc(pub.get('reentry'))} "
            f"({esc(pub.get('reentry_source'))}).</p>"
        )
    cols = ["milestone"] + [str(lv["level"]) for lv in levels]
    names: list[str] = []
    for lv in levels:
        for n in lv.get("milestones") or {}:
            if n not in names:
                names.append(n)
    rows = []
    for n in names:
        row: list[object] = [n]
        for lv in levels:
            t = (lv.get("milestones") or {}).get(n)
            alt = (lv.get("milestone_altitudes_km") or {}).get(n)
            text = utc(t) + (f" <small>({alt:.0f} km)</small>" if alt is not None else "")
            row.append(Cell(text, True))
        rows.append(row)
    rows.append(["descent, years"] + [lv.get("descent_years") for lv in levels])
    rows.append(["effective perigee, km"] + [lv.get("effective_perigee_km") for lv in levels])
    rows.append(["feasible"] + [Cell(verdict(lv.get("feasible")), True) for lv in levels])
    body += table(cols, rows, css_id="milestone-table")
    for lv in levels:
        for note in lv.get("notes") or []:
            body += f'<p class="note"><b>{esc(lv["level"])}:</b> {esc(note)}</p>'
    page.add("summary", "Summary", body)


def _milestone_section(page: Page, levels: list[dict], timeline: pd.DataFrame | None) -> None:
    fig = go.Figure()
    order: list[str] = []
    for k, lv in enumerate(levels):
        name = str(lv["level"])
        ms = lv.get("milestones") or {}
        alts = lv.get("milestone_altitudes_km") or {}
        xs = [t for t in ms.values() if t]
        ys = [n for n, t in ms.items() if t]
        order += [n for n in ys if n not in order]
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(t) for t in xs],
                y=ys,
                mode="markers+lines",
                name=name,
                line={"color": level_colour(name, k), "width": 1, "dash": "dot"},
                marker={"size": 11, "color": level_colour(name, k)},
                text=[f"{alts[n]:.0f} km" if alts.get(n) is not None else "" for n in ys],
                hovertemplate="%{y}<br>%{x|%Y-%m-%d %H:%M} UTC<br>%{text}<extra>"
                + name
                + "</extra>",
            )
        )
    if timeline is not None and {"kind", "level", "utc", "delta_v_m_s"} <= set(timeline.columns):
        burns = timeline[timeline["kind"] == "burn"]
        for k, lv in enumerate(levels):
            b = burns[burns["level"] == lv["level"]]
            if b.empty:
                continue
            fig.add_trace(
                go.Scatter(
                    x=pd.to_datetime(b["utc"]),
                    y=["burns"] * len(b),
                    mode="markers",
                    name=f"{lv['level']} burns",
                    showlegend=False,
                    marker={
                        "symbol": "line-ns-open",
                        "size": 14,
                        "color": level_colour(str(lv["level"]), k),
                    },
                    text=[
                        f"{n}: {dv:.2f} m/s ({v})"
                        for n, dv, v in zip(b["name"], b["delta_v_m_s"], b["vehicle"], strict=True)
                    ],
                    hovertemplate="%{text}<br>%{x|%Y-%m-%d}<extra></extra>",
                )
            )
        if not burns.empty:
            order.append("burns")
    style(fig, height=120 + 38 * max(len(order), 3))
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], title=None)
    fig.update_xaxes(title="UTC")
    body = page.figure(fig, "milestones")
    body += (
        '<p class="note">Each marker is a milestone under one solar scenario; the '
        "bottom row marks every burn (reboosts, lowering, final sequence).</p>"
    )
    page.add("milestones", "Milestones under each solar scenario", body)


def _descent_section(page: Page, traj: pd.DataFrame | None, path: Path, levels: list[dict]) -> None:
    if traj is None:
        page.add("descent", "Altitude and decay rate", missing("trajectory.parquet is absent"))
        return
    require_columns(traj, ("level", "utc", "mean_altitude_km"), path)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.62, 0.38]
    )
    # the summary's levels first, then any other level the trajectory holds
    names = dict.fromkeys([str(lv["level"]) for lv in levels] + list(traj["level"]))
    curves = (  # column, legend text, subplot row, line style
        ("mean_altitude_km", "mean altitude", 1, {"width": 2}),
        ("lowest_altitude_km", "lowest", 1, {"width": 1, "dash": "dot"}),
        ("decay_rate_m_per_day", "decay rate", 2, {"width": 1.5}),
    )
    for k, name in enumerate(names):
        d = traj[traj["level"] == name]
        if d.empty:
            continue
        t = pd.to_datetime(d["utc"], utc=True)
        for col, text, row, line in curves:
            if col in d:
                fig.add_trace(
                    go.Scatter(
                        x=t,
                        y=d[col],
                        name=f"{name} {text}",
                        legendgroup=name,
                        showlegend=row == 1,
                        line={"color": level_colour(name, k), **line},
                    ),
                    row,
                    1,
                )
    style(fig, height=560)
    fig.update_yaxes(title="altitude (km)", row=1, col=1)
    fig.update_yaxes(title="decay (m/day)", type="log", dtick=1, row=2, col=1)
    fig.update_xaxes(title="UTC", row=2, col=1)
    body = page.figure(fig, "descent")
    body += (
        '<p class="note">Solid: mean altitude above the equatorial radius; dotted: lowest '
        "(perigee) altitude; bottom: decay rate of the mean altitude outside burns "
        "(log scale).</p>"
    )
    page.add("descent", "Altitude and decay rate", body)


def _traffic_section(page: Page, out: Path, levels: list[dict]) -> None:
    sched_path = out / "traffic_schedule.csv"
    # the Gantt chart draws the crew from the schedule; crew_aboard.csv alone is the fallback
    crew = None if sched_path.is_file() else read_csv(out / "crew_aboard.csv")
    parts = []
    if sched_path.is_file():
        from deorbit.traffic.gantt import gantt_figure
        from deorbit.traffic.schedule_io import read_schedule

        try:
            schedule = read_schedule(sched_path)
        except DeorbitError as exc:
            raise reading_error(exc, sched_path, "cannot read the traffic schedule") from None
        fig = gantt_figure(schedule)
        style(fig, height=720)
        fig.update_layout(title=None, margin={"t": 30})
        fig.update_layout(legend={"y": -0.12, "yanchor": "top"})
        for k, lv in enumerate(levels):
            t = (lv.get("milestones") or {}).get("last crew leaves")
            if t:
                fig.add_vline(
                    x=pd.Timestamp(t).value / 1e6,
                    line_dash="dash",
                    line_color=level_colour(str(lv["level"]), k),
                    annotation_text=f"last crew leaves ({lv['level']})",
                    annotation_font_size=11,
                )
        n_gen = sum(f.status == "generated" for f in schedule.flights)
        parts.append(page.figure(fig, "traffic-gantt"))
        parts.append(
            f'<p class="note">{len(schedule.flights)} flights: {len(schedule.flights) - n_gen} '
            f"from the record and manifest, {n_gen} generated to the last crew's departure "
            f"({esc(schedule.name)}). Bottom panel: crew aboard per segment (US = USOS, "
            "RU = Russian segment).</p>"
        )
    elif crew is not None:
        require_columns(crew, ("time", "US", "RU"), out / "crew_aboard.csv")
        fig = go.Figure()
        for col, colour, label in (("US", "#1f77b4", "USOS"), ("RU", "#d62728", "ROS")):
            fig.add_trace(
                go.Scatter(
                    x=pd.to_datetime(crew["time"], utc=True),
                    y=crew[col],
                    mode="lines",
                    line_shape="hv",
                    name=f"crew aboard {label}",
                    line={"color": colour},
                )
            )
        style(fig, height=320)
        fig.update_yaxes(title="crew")
        parts.append(page.figure(fig, "crew-aboard"))
    if not parts:
        parts.append(missing("traffic_schedule.csv and crew_aboard.csv are absent"))
    page.add("traffic", "Station traffic and crew aboard", "".join(parts))


_VEHICLE_COLS = (
    ("burns", "burns"),
    ("delta_v_m_s", "Δv (m/s)"),
    ("propellant_used_kg", "propellant used (kg)"),
    ("propellant_budget_kg", "budget (kg)"),
    ("propellant_remaining_kg", "remaining (kg)"),
    ("margin_kg", "margin over reserve (kg)"),
    ("shortfall_kg", "shortfall (kg)"),
)


def _budget_section(page: Page, levels: list[dict]) -> None:
    rows = []
    fig = go.Figure()
    budgets = {}  # vehicle -> propellant budget (kg), the last level's where they differ
    for k, lv in enumerate(levels):
        name = str(lv["level"])
        accounts = [a for a in lv.get("vehicles") or [] if isinstance(a, dict)]
        for a in accounts:
            if a.get("propellant_budget_kg") is not None:
                budgets[a.get("vehicle")] = a["propellant_budget_kg"]
            short = a.get("shortfall_kg") or 0.0
            rows.append(
                [
                    Cell(
                        f'<span class="swatch" style="--c:{level_colour(name, k)}"></span>'
                        f"{esc(name)}"
                    ),
                    str(a.get("vehicle", "?")),
                ]
                + [a.get(key) for key, _ in _VEHICLE_COLS[:-1]]
                + [
                    Cell(fmt(short), True)
                    if not short
                    else Cell(f'<span class="fail">{fmt(short)}</span>', True)
                ]
            )
        if accounts:
            fig.add_trace(
                go.Bar(
                    x=[a.get("vehicle") for a in accounts],
                    y=[a.get("propellant_used_kg") for a in accounts],
                    name=f"{name} used",
                    marker_color=level_colour(name, k),
                    text=[f"{a.get('delta_v_m_s', 0):.1f} m/s" for a in accounts],
                    textposition="outside",
                    hovertemplate="%{x}: %{y:,.0f} kg (%{text})<extra>" + name + "</extra>",
                )
            )
    if not rows:
        page.add("budgets", "Δv and propellant budgets", missing("no vehicle accounts"))
        return
    fig.add_trace(
        go.Scatter(
            x=list(budgets),
            y=list(budgets.values()),
            mode="markers",
            name="budget",
            marker={"symbol": "line-ew-open", "size": 60, "color": "#222", "line": {"width": 2}},
            hovertemplate="%{x} budget: %{y:,.0f} kg<extra></extra>",
        )
    )
    style(fig, height=380)
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="propellant (kg)")
    body = table(
        ["level", "vehicle"] + [label for _, label in _VEHICLE_COLS], rows, css_id="budget-table"
    )
    body += page.figure(fig, "budgets")
    body += (
        '<p class="note">Bars: propellant used over the whole descent; black bars: the '
        "vehicle's budget; labels: total Δv.</p>"
    )
    page.add("budgets", "Δv and propellant budgets", body)


def _final_track_from_oem(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Longitudes and latitudes (deg) of an OEM's ground track; None when the file is absent
    or holds fewer than two states."""
    from deorbit.core.geodesy import ecef_to_geodetic
    from deorbit.formats.oem import read_oem_fixed

    if not path.is_file():
        return None
    try:
        times, r_fixed, _meta = read_oem_fixed(path)
    except (DeorbitError, ValueError, OSError) as exc:
        raise reading_error(exc, path, "cannot read the OEM") from None
    if len(times) < 2:
        return None
    lat, lon, _alt = ecef_to_geodetic(r_fixed)
    return np.degrees(lon), np.degrees(lat)


def _maps_section(page: Page, out: Path, levels: list[dict], finals: dict) -> None:
    world = maps.world_map()
    close = maps.world_map(height=560)
    focus: list[float] = []
    shown = []
    for k, lv in enumerate(levels):
        name = str(lv["level"])
        low = name.lower()
        c = level_colour(name, k)
        fp = read_geojson(out / f"footprint_{low}.geojson")
        mc = read_geojson(out / f"montecarlo_{low}.geojson")
        # without a footprint, the final arc's ground track (the OEM read once for both maps)
        track = _final_track_from_oem(out / f"final_{low}.oem") if fp is None else None
        for fig in (world, close):
            if fp is not None:
                drawn = maps.add_footprint(fig, fp, name, c)
            elif track is not None:
                maps.add_track(fig, track[0], track[1], f"{name} final arc (OEM)", c)
            if mc is not None:
                maps.add_envelope(fig, mc, name, c)
        if fp is not None:
            focus += drawn
        elif track is not None:
            focus += [v for p in zip(track[0][-20:], track[1][-20:], strict=True) for v in p]
        drew = fp is not None or track is not None or mc is not None
        zone = (finals.get(name) or {}).get("zone")
        if fp is None and isinstance(zone, dict) and zone.get("aim_lon_deg") is not None:
            for fig in (world, close):
                maps.add_points(
                    fig,
                    [zone["aim_lon_deg"]],
                    [zone["aim_lat_deg"]],
                    f"aim point ({zone.get('name', 'zone')})",
                    ZONE,
                    size=11,
                    symbol="x",
                )
            focus += [zone["aim_lon_deg"], zone["aim_lat_deg"]]
        if drew:
            shown.append(name)
    if not shown:
        page.add(
            "maps",
            "Final phase on the map",
            missing("no final arcs, footprints or Monte Carlo envelopes in this folder"),
        )
        return
    body = page.figure(world, "map-world")
    ranges = maps.focus(focus, pad_deg=10.0)
    if ranges is not None:
        close.update_xaxes(range=ranges[0], dtick=10)
        close.update_yaxes(range=ranges[1], dtick=10)
        body += "<h3>Close-up of the target area</h3>" + page.figure(close, "map-zone")
    body += (
        '<p class="note">Land: Natural Earth 1:110m. Final ground tracks, the target zone '
        "(dashed), the footprint of the surviving pieces and the Monte Carlo envelope "
        "(dotted) per solar scenario. Drag to zoom, double-click to reset.</p>"
    )
    page.add("maps", "Final phase on the map", body)


def _scalar_rows(data: dict, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += _scalar_rows(value, f"{prefix}{key}.")
        elif isinstance(value, (str, int, float, bool)) or value is None:
            out.append((f"{prefix}{key}", value))
        elif isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
            out.append((f"{prefix}{key}", ", ".join(f"{v:g}" for v in value)))
    return out


def _final_section(page: Page, levels: list[dict], finals: dict) -> None:
    names = [str(lv["level"]) for lv in levels]
    per_level: dict[str, dict[str, object]] = {}
    for lv in levels:
        data: dict[str, object] = {}
        if isinstance(lv.get("final_phase"), dict):
            data.update(dict(_scalar_rows(lv["final_phase"])))
        fin = finals.get(str(lv["level"]))
        if isinstance(fin, dict):
            data.update(
                dict(
                    _scalar_rows(
                        {k: v for k, v in fin.items() if k not in ("compliance", "failures")}
                    )
                )
            )
        per_level[str(lv["level"])] = data
    keys: list[str] = []
    for d in per_level.values():
        keys += [k for k in d if k not in keys]
    if not keys:
        page.add(
            "final-phase",
            "Final burn, footprint and casualty risk",
            missing("no final-phase results (final_<level>.json) in this folder"),
        )
        return

    def rows_for(selected: list[str], strip: str = "") -> list[list[object]]:
        rows = []
        for key in selected:
            shown = key[len(strip) :] if strip and key.startswith(strip) else key
            row: list[object] = [".".join(label(k) for k in shown.split("."))]
            for n in names:
                v = per_level[n].get(key)
                if isinstance(v, str) and len(v) >= 16 and v[4:5] == "-" and "T" in v:
                    row.append(Cell(utc(v), True))
                elif isinstance(v, float) and "casualty" in key:
                    row.append(Cell(f"{v:.2e}", True))
                else:
                    row.append(Cell(fmt(v), True))
            rows.append(row)
        return rows

    head = [k for k in keys if not k.startswith(("montecarlo.", "zone.")) and k != "level"]
    mc = [k for k in keys if k.startswith("montecarlo.") and ".dispersions." not in k]
    disp = [k for k in keys if k.startswith("montecarlo.dispersions.")]
    zone = [k for k in keys if k.startswith("zone.")]
    body = table(["quantity", *names], rows_for(head + zone), css_id="final-table")
    burn_rows = []
    for n in names:
        fin = finals.get(n)
        for b in fin.get("burns", []) if isinstance(fin, dict) else []:
            burn_rows.append(
                [
                    n,
                    b.get("name", ""),
                    b.get("vehicle", ""),
                    Cell(utc(b["start_utc"]) if b.get("start_utc") else "", True),
                    Cell(fmt(b.get("duration_s")), True),
                    Cell(fmt(b.get("delta_v_m_s")), True),
                    Cell(fmt(b.get("propellant_kg")), True),
                    Cell(fmt(b.get("perigee_after_km")), True),
                ]
            )
    if burn_rows:
        body += "<h3>Final-sequence burns</h3>" + table(
            [
                "level",
                "burn",
                "vehicle",
                "start (UTC)",
                "duration (s)",
                "delta v (m/s)",
                "propellant (kg)",
                "perigee after (km)",
            ],
            burn_rows,
            css_id="final-burns",
        )
    if mc:
        body += "<h3>Monte Carlo of the final phase</h3>" + table(
            ["quantity", *names], rows_for(mc, "montecarlo."), css_id="final-montecarlo"
        )
    if disp:
        body += (
            "<details><summary>Dispersions used (1-sigma, or bounds for uniform)</summary>"
            + table(["quantity", *names], rows_for(disp, "montecarlo.dispersions."))
            + "</details>"
        )
    page.add("final-phase", "Final burn, footprint and casualty risk", body)


def _compliance_section(page: Page, finals: dict) -> None:
    rows = []
    for name, fin in finals.items():
        for r in (fin or {}).get("compliance") or []:
            if isinstance(r, dict):
                rows.append(
                    [
                        name,
                        r.get("requirement"),
                        r.get("limit"),
                        r.get("value"),
                        Cell(verdict(r.get("pass"))),
                    ]
                )
    if not rows:
        page.add(
            "compliance",
            "Compliance (NASA-STD-8719.14C)",
            missing("no compliance rows in final_<level>.json"),
        )
        return
    n_fail = sum("fail" in r[-1].html for r in rows)
    head = (
        f"<p>{len(rows) - n_fail} of {len(rows)} checks pass"
        + (f', <span class="fail">{n_fail} FAIL</span>' if n_fail else "")
        + ".</p>"
    )
    page.add(
        "compliance",
        "Compliance (NASA-STD-8719.14C)",
        head
        + table(
            ("level", "requirement", "limit", "our figure", "result"),
            rows,
            css_id="compliance-table",
        ),
    )


def _failure_section(page: Page, finals: dict) -> None:
    rows = []
    for name, fin in finals.items():
        for f in (fin or {}).get("failures") or []:
            if isinstance(f, dict):
                e = f.get("casualty_expectation")
                rows.append(
                    [
                        name,
                        f.get("case"),
                        f.get("outcome"),
                        Cell(f"{e:.2e}" if isinstance(e, (int, float)) else "&ndash;", True),
                        f.get("foreign_land_km"),
                    ]
                )
    if not rows:
        page.add(
            "failures",
            "Failure cases of the final burn",
            missing("no failure cases in final_<level>.json"),
        )
        return
    page.add(
        "failures",
        "Failure cases of the final burn",
        table(
            ("level", "case", "outcome", "casualty expectation", "distance to foreign land (km)"),
            rows,
            css_id="failure-table",
        )
        + '<p class="note">Distance 0 km: a piece lands on foreign land; '
        "a dash: uncontrolled reentry, anywhere under the orbit.</p>",
    )


def _inputs(out: Path, summary: dict, levels: list[dict]) -> list[tuple[str, str]]:
    files = sorted(p for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    rows = [
        ("scenario", str(summary.get("scenario", "-"))),
        ("element-set epoch", str(summary.get("elements_epoch", "-"))),
        ("solar scenarios", ", ".join(str(lv["level"]) for lv in levels)),
        ("results folder", str(out.resolve())),
    ]
    for p in files:
        if p.name == "report.html":
            continue
        mtime = dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC)
        rows.append(
            (p.name, f"{p.stat().st_size / 1024:,.0f} KiB, written {mtime:%Y-%m-%d %H:%M} UTC")
        )
    return rows


def write_plan_report(out_dir: Path) -> Path:
    """Build ``report.html`` in a ``deorbit plan`` results folder (needs ``summary.json``;
    every other file is optional) and return its path.

    Raises
    ------
    ReportError
        The folder has no readable plan ``summary.json``, or a present file is broken.
    """
    out, spath, summary = read_results_json(out_dir, "summary.json", "plan")
    if not isinstance(summary, dict):
        raise ReportError("expected a JSON object", spath)
    levels = _levels(summary, spath)
    finals: dict[str, dict] = {}
    for lv in levels:
        fpath = out / f"final_{str(lv['level']).lower()}.json"
        fin = read_json(fpath)
        if fin is None:
            continue
        if not isinstance(fin, dict):
            raise ReportError("expected a JSON object", fpath)
        finals[str(lv["level"])] = fin
    scenario = summary.get("scenario", "plan")
    page = Page(
        title=f"{scenario}: end-of-life descent and deorbit plan",
        subtitle=f"Elements of {utc_text(summary.get('elements_epoch'))} UTC"
        f" · solar scenarios {', '.join(str(lv['level']) for lv in levels)}",
    )
    _summary_section(page, summary, levels)
    tl_path = out / "timeline.csv"
    _milestone_section(page, levels, read_csv(tl_path))
    traj_path = out / "trajectory.parquet"
    _descent_section(page, read_parquet(traj_path), traj_path, levels)
    _traffic_section(page, out, levels)
    _budget_section(page, levels)
    _maps_section(page, out, levels, finals)
    _final_section(page, levels, finals)
    _compliance_section(page, finals)
    _failure_section(page, finals)
    page.add("inputs", "Inputs and versions", inputs_html(_inputs(out, summary, levels)))
    return page.write(out / "report.html")
