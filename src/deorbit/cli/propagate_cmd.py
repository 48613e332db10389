"""``deorbit propagate`` and ``deorbit lifetime``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from astropy.time import TimeDelta
from rich.table import Table

from deorbit.cli._app import app, console
from deorbit.cli._inputs import (
    AtmOpt,
    FileArg,
    NoradOpt,
    SolarOpt,
    force_model,
    initial_state,
    load_object,
    progress_bar,
    spacecraft_for,
)
from deorbit.core.time import iso, to_time
from deorbit.errors import InputError
from deorbit.propagation.averaged import lifetime as compute_lifetime
from deorbit.propagation.events import AltitudeCrossing
from deorbit.propagation.numerical import NumericalPropagator
from deorbit.propagation.sgp4 import Sgp4Propagator

NameOpt = Annotated[str | None, typer.Option("--name", help="Object name (or unique part).")]
F107Opt = Annotated[float | None, typer.Option("--f107", help="Constant F10.7 (sfu) instead.")]
ApOpt = Annotated[float | None, typer.Option("--ap", help="Constant Ap with --f107.")]
MassOpt = Annotated[float | None, typer.Option("--mass", help="Mass, kg.")]
AreaOpt = Annotated[float | None, typer.Option("--area", help="Drag area, m^2.")]
CdOpt = Annotated[float | None, typer.Option("--cd", help="Drag coefficient.")]


@app.command()
def propagate(
    file: FileArg = None,
    norad: NoradOpt = None,
    name: NameOpt = None,
    days: Annotated[float, typer.Option("--days", help="Days to propagate.")] = 1.0,
    until: Annotated[str | None, typer.Option("--until", help="End date (ISO, UTC).")] = None,
    stop_altitude: Annotated[
        float | None, typer.Option("--stop-altitude", help="Stop when below this altitude, km.")
    ] = None,
    step: Annotated[float, typer.Option("--step", help="Output step, s.")] = 60.0,
    atmosphere: AtmOpt = "msis00",
    solar: SolarOpt = "AVERAGE",
    f107: F107Opt = None,
    ap: ApOpt = None,
    mass: MassOpt = None,
    area: AreaOpt = None,
    cd: CdOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the trajectory (.csv, .parquet, .oem).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    model: Annotated[
        str, typer.Option("--model", help="numerical (Cowell, default) or sgp4.")
    ] = "numerical",
    third_body: Annotated[
        bool, typer.Option("--third-body", help="Add the Sun and the Moon (numerical model).")
    ] = False,
    gravity_field: Annotated[
        int,
        typer.Option(
            "--gravity-field",
            help="Full EGM96 field to this degree and order, 2-20, instead of J2..J6 "
            "(numerical model).",
        ),
    ] = 0,
) -> None:
    """Propagate an object from its newest element set: numerically (J2..J6, NRLMSIS drag,
    events) or with SGP4."""
    es = load_object(file, norad, name)
    state = initial_state(es)
    sc, sc_source = spacecraft_for(es, mass, area, cd)
    end = to_time(until) if until else state.epoch + TimeDelta(days * 86400.0, format="sec")
    if not end > state.epoch:
        raise InputError(f"end {iso(end)} is not after the element set's epoch {iso(state.epoch)}")
    if model not in ("numerical", "sgp4"):
        raise InputError(f"unknown model {model!r}; use numerical or sgp4")
    if model == "sgp4":
        if third_body or gravity_field:
            raise InputError(
                "--third-body and --gravity-field need the numerical model "
                "(SGP4 has its own theory)"
            )
        if stop_altitude is not None:
            raise InputError("--stop-altitude needs the numerical model (SGP4 has no events)")
        forces_text = "SGP4 (mean elements, its own drag from B*)"
        duration = float((end - state.epoch).to_value("s"))
        traj = Sgp4Propagator(es).propagate(duration, step, sc.mass)
    else:
        forces = dataclasses.replace(
            force_model(atmosphere, solar, f107, ap),
            third_body=third_body,
            gravity_field=gravity_field,
        )
        forces_text = forces.describe()
        events = (
            [AltitudeCrossing(stop_altitude * 1e3, -1, True, "stop altitude")]
            if stop_altitude
            else []
        )
        with progress_bar(f"propagating {es.label}") as update:
            traj = NumericalPropagator(forces).propagate(
                state, sc, end, events=events, output_step=step, progress=update
            )
    if out is not None:
        traj.write(out)
    q = traj.quantities()
    summary = {
        "object": es.label,
        "norad_id": es.norad_id,
        "start": iso(state.epoch),
        "end": iso(traj.end_time),
        "stop_reason": traj.stop_reason,
        "forces": forces_text,
        "spacecraft": {"mass_kg": sc.mass, "area_m2": sc.drag_area, "cd": sc.cd, "from": sc_source},
        "start_altitude_km": float(q["altitude"][0] / 1e3),
        "end_altitude_km": float(q["altitude"][-1] / 1e3),
        "end_perigee_km": float(q["perigee_altitude"][-1] / 1e3),
        "end_apogee_km": float(q["apogee_altitude"][-1] / 1e3),
        "points": len(traj.t),
        "output": str(out) if out else None,
    }
    if as_json:
        console.print_json(json.dumps(summary))
        return
    table = Table(title=f"{es.label} — numerical propagation", show_header=False)
    for key, value in summary.items():
        table.add_row(
            key.replace("_", " "), f"{value:.2f}" if isinstance(value, float) else str(value)
        )
    console.print(table)


@app.command()
def lifetime(
    file: FileArg = None,
    norad: NoradOpt = None,
    name: NameOpt = None,
    levels: Annotated[
        str, typer.Option("--levels", help="Solar scenarios, comma-separated.")
    ] = "WEAK,AVERAGE,STRONG",
    altitude: Annotated[float, typer.Option("--altitude", help="Reentry altitude, km.")] = 120.0,
    horizon: Annotated[float, typer.Option("--horizon-years", help="Give up after, years.")] = 25.0,
    atmosphere: AtmOpt = "msis00",
    f107: F107Opt = None,
    ap: ApOpt = None,
    mass: MassOpt = None,
    area: AreaOpt = None,
    cd: CdOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """When does the object reach the reentry interface, under each solar-activity scenario?"""
    es = load_object(file, norad, name)
    state = initial_state(es)
    sc, sc_source = spacecraft_for(es, mass, area, cd)
    names = (
        ["CONSTANT"]
        if f107 is not None
        else [s.strip().upper() for s in levels.split(",") if s.strip()]
    )
    rows = []
    for level in names:
        forces = force_model(atmosphere, level if level != "CONSTANT" else "AVERAGE", f107, ap)
        with progress_bar(f"{es.label}: {level}") as update:
            res = compute_lifetime(
                state, sc, forces, horizon_years=horizon, altitude=altitude * 1e3, progress=update
            )
        rows.append(
            {
                "scenario": level,
                "reentry_utc": iso(res.reentry) if res.reentry is not None else None,
                "days": res.days,
                "stop_reason": res.stop_reason,
            }
        )
    result = {
        "object": es.label,
        "norad_id": es.norad_id,
        "epoch": iso(state.epoch),
        "altitude_km": altitude,
        "spacecraft": {"mass_kg": sc.mass, "area_m2": sc.drag_area, "cd": sc.cd, "from": sc_source},
        "scenarios": rows,
    }
    if as_json:
        console.print_json(json.dumps(result))
        return
    table = Table(title=f"{es.label}: lifetime to {altitude:g} km from {iso(state.epoch)}")
    table.add_column("solar activity")
    table.add_column("reentry (UTC)")
    table.add_column("days", justify="right")
    for row in rows:
        table.add_row(
            row["scenario"],
            row["reentry_utc"] or f"not within {horizon:g} years",
            f"{row['days']:.1f}" if row["days"] is not None else "-",
        )
    console.print(table)
