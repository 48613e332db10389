"""``deorbit replay`` (fly given burns, report where it came down) and ``deorbit final``
(target the final burn into the South Pacific, footprint, compliance, failure cases)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import astropy.units as u
import typer
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
from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import iso, to_time
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.thrust import FiniteBurn
from deorbit.errors import InputError
from deorbit.formats.geojson import write_geojson
from deorbit.mission.final_phase import (
    burn_rows,
    compliance_rows,
    failure_rows,
    footprint_summary,
    plan_compliance,
)
from deorbit.mission.targeting import (
    Engine,
    failure_cases,
    fly_plan,
    plan_final_burn,
    plan_final_phase,
)
from deorbit.montecarlo.controlled import DEFAULT_BLOCK, run_final_phase
from deorbit.montecarlo.fragment_classes import DEFAULT_CLASSES
from deorbit.montecarlo.outputs import write_outputs
from deorbit.reentry.casualty import (
    controlled_expectation,
    land_clearance,
)
from deorbit.reentry.footprint import Footprint, footprint_geojson
from deorbit.reentry.fragments import FragmentList, default_iss_fragments, read_fragments
from deorbit.reentry.zones import TargetZone, zone_named

FragOpt = Annotated[
    Path | None, typer.Option("--fragments", help="Fragment CSV (default: bundled ISS list).")
]
BreakupOpt = Annotated[float, typer.Option("--breakup-altitude", help="Breakup altitude, km.")]
GeoOpt = Annotated[Path | None, typer.Option("--geojson", help="Write the footprint GeoJSON.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")]
ThrustOpt = Annotated[float, typer.Option("--thrust", help="Engine thrust, N.")]
IspOpt = Annotated[float, typer.Option("--isp", help="Engine specific impulse, s.")]

# ASSUMED deorbit engine: 46 Draco thrusters are reported for the USDV but their thrust is
# [NOT FOUND] (iss_deorbit_facts.md §1.x: "commonly quoted ~400 N class; unverified"); 30 trunk
# Dracos x ~600 N ~ 18 kN is our stated assumption, Isp 300 s as in the reference's derivation.
DEFAULT_THRUST = 18_000.0
DEFAULT_ISP = 300.0
# ISS final-phase defaults: ~220 km start (Weigel, iss_deorbit_facts.md §1.3), inclination
# 51.64 deg (NASA facts), stack 450 t with 16 t propellant (reference §1.5 derivation).
DEFAULT_START_ALT_KM = 220.0
ISS_INCLINATION_DEG = 51.64
DEFAULT_STACK_KG = 450_000.0
DEFAULT_PROPELLANT_KG = 16_000.0


def plan_for_options(
    state: State,
    sc: Spacecraft,
    forces,
    engine: Engine,
    frags,
    target,
    breakup_altitude_km: float,
    series_burns: int,
    series_perigee_km: float = 180.0,
    perigee_range: str = "160,210",
    coast_days: float = 4.0,
    altitude_km: float = DEFAULT_START_ALT_KM,
):
    """The plan of ``deorbit final`` / ``deorbit montecarlo``: the final burn alone
    (``series_burns`` 0, along-track only) or the lowering series and the final burn
    (:func:`plan_final_phase`), from the CLI's units (km, days)."""
    if series_burns < 0 or series_burns > 10:
        raise InputError(f"--series-burns {series_burns}: must be between 0 and 10")
    if series_burns == 0:
        return plan_final_burn(
            state, sc, forces, engine, fragments=frags, zone=target,
            breakup_altitude=breakup_altitude_km * 1e3,
        )  # fmt: skip
    try:
        lo, hi = (float(x) for x in perigee_range.split(","))
    except ValueError:
        raise InputError(f"--perigee-range {perigee_range!r}: expected LO,HI in km") from None
    if not (0.0 < lo <= series_perigee_km <= hi < altitude_km):
        raise InputError(
            f"--perigee-range {perigee_range} must hold --series-perigee {series_perigee_km:g} "
            f"and lie below --altitude {altitude_km:g} km"
        )
    if not coast_days > 0:
        raise InputError(f"--coast-days must be > 0, got {coast_days}")
    return plan_final_phase(
        state, sc, forces, engine, fragments=frags, zone=target, series_burns=series_burns,
        series_perigee=series_perigee_km * 1e3, perigee_range=(lo * 1e3, hi * 1e3),
        final_after=coast_days * 86400.0, breakup_altitude=breakup_altitude_km * 1e3,
    )  # fmt: skip


def montecarlo_for_plan(
    plan,
    sc: Spacecraft,
    forces,
    frags,
    target,
    samples: int,
    seed: int,
    *,
    scheduler: str | None = None,
    block_size: int = DEFAULT_BLOCK,
    classes: int = DEFAULT_CLASSES,
    disperse_lowering: bool = True,
    out: Path | None = None,
    extra: dict | None = None,
) -> tuple[dict, dict[str, Path]]:
    """Run the final-phase Monte Carlo of ``plan`` with a progress bar (shared by ``deorbit
    montecarlo`` and ``deorbit final --samples``); write its files into ``out`` when given.
    Returns (summary, written paths)."""
    if samples < 1:
        raise InputError(f"--samples must be >= 1, got {samples}")
    if out is not None and out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    with progress_bar(f"Monte Carlo, {samples} samples") as update:
        result = run_final_phase(
            plan, sc, forces, frags, target, samples, seed=seed, scheduler=scheduler,
            block_size=block_size, classes=classes, progress=update,
            disperse_series=disperse_lowering,
        )  # fmt: skip
    paths = write_outputs(result, out, extra=extra) if out is not None else {}
    return result.summary(), paths


def montecarlo_table(summary: dict, zone_name: str, paths: dict[str, Path]) -> Table:
    """The Monte Carlo summary as a table (footprint figures over the controlled samples)."""
    table = Table(title=f"Final-phase Monte Carlo into {zone_name}", show_header=False)
    table.add_row("samples / seed", f"{summary['n']} / {summary['seed']}")
    table.add_row(
        "lowering burns dispersed", "yes" if summary["lowering_burns_dispersed"] else "no"
    )
    table.add_row("P(all pieces inside the zone)", f"{summary['p_inside']:.4f}")
    table.add_row("P(>= 370 km from foreign land)", f"{summary['p_foreign_land_clear']:.4f}")
    table.add_row("P(uncontrolled)", f"{summary['p_uncontrolled']:.4f}")
    for outcome, count in summary["outcomes"].items():
        table.add_row(f"  {outcome}", str(count))
    rows = [
        ("foreign_land_km", "foreign land, km", ("min", "p01", "p05", "p50")),
        ("land_km", "any land, km", ("min", "p01", "p05", "p50")),
        ("footprint_length_km", "footprint length, km", ("p50", "p95")),
        ("footprint_width_km", "footprint width, km", ("p50", "p95")),
        ("centre_along_km", "centre along km", ("p05", "p50", "p95")),
        ("centre_cross_km", "centre cross km", ("p05", "p50", "p95")),
    ]
    for key, label, keys in rows:
        q = summary[key]
        table.add_row(label, "-" if q is None else "  ".join(f"{k} {q[k]}" for k in keys))
    table.add_row("note", summary["note"])
    for name, path in paths.items():
        table.add_row(name, str(path))
    return table


def parse_burn(text: str, epoch, engine: Engine, mass: float, index: int) -> FiniteBurn:
    """``TIME,dv=M_S`` or ``TIME,dur=S`` (retrograde, start at TIME) -> FiniteBurn."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or "=" not in parts[1]:
        raise InputError(f"--burn {text!r}: expected TIME,dv=M_S or TIME,dur=SECONDS")
    start = float((to_time(parts[0]) - epoch).to_value("s"))
    if start < 0:
        raise InputError(f"--burn {text!r}: starts before the state epoch {iso(epoch)}")
    key, _, value = parts[1].partition("=")
    try:
        x = float(value)
    except ValueError:
        raise InputError(f"--burn {text!r}: {value!r} is not a number") from None
    name = f"burn {index}"
    if key == "dv":
        b = engine.burn(mass, x, 0.0, name)
        return FiniteBurn(start, b.duration, b.thrust, b.isp, b.direction, b.frame, name)
    if key == "dur":
        return FiniteBurn(start, x, engine.thrust, engine.isp, engine.direction, engine.frame, name)
    raise InputError(f"--burn {text!r}: unknown key {key!r} (use dv or dur)")


def _summary(fp: Footprint) -> dict:
    foreign, us_ant = land_clearance(fp.lat, fp.lon)
    return {
        **footprint_summary(fp),
        "foreign_land_km": round(foreign / 1e3, 1),
        "us_antarctica_km": round(us_ant / 1e3, 1),
        "casualty_expectation": controlled_expectation(fp.lat, fp.lon, fp.area),
    }


def final_phase_inputs(
    epoch: str,
    altitude: float,
    inclination: float,
    mass: float,
    propellant: float,
    fragments: Path | None,
    zone: str,
    atmosphere: str,
    solar: str,
) -> tuple[State, Spacecraft, FragmentList, TargetZone, ForceModel]:
    """The inputs of ``deorbit final`` / ``deorbit montecarlo`` (km, deg, kg as typed): the
    circular start state, the ISS-like stack, the fragment list, the zone and the forces."""
    from deorbit.cli._inputs import ISS_AREA_M2, ISS_CD

    if not 100.0 < altitude < 2000.0:
        raise InputError(f"--altitude {altitude} km must be between 100 and 2000 km")
    state = State.from_keplerian(
        to_time(epoch), WGS84_A + altitude * 1e3, 0.0, math.radians(inclination), 0.0, 0.0, 0.0
    )
    sc = Spacecraft(mass, ISS_AREA_M2, ISS_CD, propellant=propellant, name="ISS stack")
    frags = read_fragments(fragments) if fragments else default_iss_fragments()
    return state, sc, frags, zone_named(zone), force_model(atmosphere, solar, None, None)


def _print(summary: dict, title: str) -> None:
    table = Table(title=title, show_header=False)
    for k, v in summary.items():
        table.add_row(k, str(v))
    console.print(table)


@app.command()
def replay(
    file: FileArg = None,
    norad: NoradOpt = None,
    burn: Annotated[
        list[str] | None,
        typer.Option("--burn", help="TIME,dv=M_S or TIME,dur=S (retrograde); repeatable."),
    ] = None,
    thrust: ThrustOpt = DEFAULT_THRUST,
    isp: IspOpt = DEFAULT_ISP,
    mass: Annotated[float | None, typer.Option("--mass", help="Stack mass, kg.")] = None,
    area: Annotated[float | None, typer.Option("--area", help="Drag area, m^2.")] = None,
    propellant: Annotated[float, typer.Option("--propellant", help="Propellant, kg.")] = 40_000.0,
    fragments: FragOpt = None,
    breakup_altitude: BreakupOpt = 78.0,
    days: Annotated[float, typer.Option("--days", help="Longest flight, days.")] = 3.0,
    atmosphere: AtmOpt = "msis00",
    solar: SolarOpt = "AVERAGE",
    geojson: GeoOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fly an element set with a list of burns and report where it came down: breakup point,
    footprint of the fragment list, distance to land."""
    es = load_object(file, norad, None)
    state = initial_state(es)
    sc0, _ = spacecraft_for(es, mass, area, None)
    sc = Spacecraft(sc0.mass, sc0.drag_area, sc0.cd, propellant=propellant, name=sc0.name)
    engine = Engine(thrust, isp)
    burns = [parse_burn(b, state.epoch, engine, sc.mass, k + 1) for k, b in enumerate(burn or [])]
    frags = read_fragments(fragments) if fragments else default_iss_fragments()
    forces = force_model(atmosphere, solar, None, None)
    entry, fp = fly_plan(
        state, sc, forces, burns, frags, breakup_altitude * 1e3, max_duration=days * 86400.0
    )
    if fp is None:
        raise InputError(
            f"no breakup within {days:g} days (lowest altitude "
            f"{entry.lowest_altitude / 1e3:.1f} km): the burns do not bring it down"
        )
    summary = _summary(fp)
    if geojson:
        q = entry.trajectory.quantities()
        write_geojson(geojson, footprint_geojson(fp, q["latitude"], q["longitude"]))
    if as_json:
        console.print_json(json.dumps(summary))
    else:
        _print(summary, f"{es.label}: replay of {len(burns)} burn(s)")


@app.command()
def final(
    epoch: Annotated[str, typer.Option("--epoch", help="Start of the final phase (ISO, UTC).")],
    altitude: Annotated[
        float, typer.Option("--altitude", help="Circular start altitude, km.")
    ] = DEFAULT_START_ALT_KM,
    inclination: Annotated[float, typer.Option("--inclination", help="deg.")] = (
        ISS_INCLINATION_DEG
    ),
    mass: Annotated[float, typer.Option("--mass", help="Stack mass, kg.")] = DEFAULT_STACK_KG,
    propellant: Annotated[
        float, typer.Option("--propellant", help="Propellant, kg.")
    ] = DEFAULT_PROPELLANT_KG,
    thrust: ThrustOpt = DEFAULT_THRUST,
    isp: IspOpt = DEFAULT_ISP,
    zone: Annotated[str, typer.Option("--zone", help="spoua or tiangong2.")] = "spoua",
    failure_probability: Annotated[
        float, typer.Option("--p-fail", help="Probability that the final burn fails.")
    ] = 0.1,
    series_burns: Annotated[
        int,
        typer.Option(
            "--series-burns", help="Perigee-lowering burns before the final burn (0: none)."
        ),
    ] = 2,
    series_perigee: Annotated[
        float, typer.Option("--series-perigee", help="Nominal perigee after the series, km.")
    ] = 180.0,
    perigee_range: Annotated[
        str,
        typer.Option(
            "--perigee-range", help="Series perigees searched for the cross-track miss: LO,HI km."
        ),
    ] = "160,210",
    coast_days: Annotated[
        float, typer.Option("--coast-days", help="First lowering burn to final burn, days.")
    ] = 4.0,
    fragments: FragOpt = None,
    breakup_altitude: BreakupOpt = 78.0,
    atmosphere: AtmOpt = "msis00",
    solar: SolarOpt = "AVERAGE",
    samples: Annotated[
        int, typer.Option("--samples", help="Monte Carlo samples after the targeting (0: none).")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Monte Carlo random seed.")] = 0,
    disperse_lowering: Annotated[
        bool,
        typer.Option(
            "--disperse-lowering/--no-disperse-lowering",
            help="Monte Carlo samples fly their own dispersed lowering burns and coast.",
        ),
    ] = True,
    geojson: GeoOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Plan the final phase of the ISS (or a similar stack) from a circular orbit: the
    perigee-lowering series and the final burn, timed so that the footprint centre lands on the
    zone's aim point (along and across the track); then report the burns, the footprint,
    NASA-STD-8719.14C compliance and failure cases. ``--series-burns 0`` plans the final burn
    alone (along-track only, within a day). ``--samples N`` then runs the final-phase Monte
    Carlo (as ``deorbit montecarlo``) and reports its summary."""

    state, sc, frags, target, forces = final_phase_inputs(
        epoch, altitude, inclination, mass, propellant, fragments, zone, atmosphere, solar
    )
    if samples < 0:
        raise InputError(f"--samples must be >= 0, got {samples}")
    engine = Engine(thrust, isp)
    plan = plan_for_options(
        state, sc, forces, engine, frags, target, breakup_altitude, series_burns,
        series_perigee, perigee_range, coast_days, altitude,
    )  # fmt: skip
    fp = plan.footprint
    rows = plan_compliance(plan, frags, target, failure_probability, math.radians(inclination))
    fails = failure_cases(state, sc, forces, plan, frags)
    b = plan.final_burn
    burns = burn_rows(plan, "engine", forces.zonal_degree)
    summary = {
        "burns": burns,
        "burn_start": iso(state.epoch + b.start * u.s),
        "burn_duration_s": round(b.duration, 1),
        "delta_v_m_s": round(plan.final_delta_v, 2),
        "effective_perigee_km": round(plan.effective_perigee / 1e3, 1),
        "revolution": plan.revolution,
        "along_miss_km": round(plan.along_miss / 1e3, 2),
        "cross_miss_km": round(plan.cross_miss / 1e3, 2),
        **_summary(fp),
        "compliance": compliance_rows(rows),
        "failures": failure_rows(fails),
    }
    if samples:
        summary["montecarlo"], _ = montecarlo_for_plan(
            plan, sc, forces, frags, target, samples, seed, disperse_lowering=disperse_lowering
        )
    if geojson:
        q = plan.entry.trajectory.quantities()
        write_geojson(geojson, footprint_geojson(fp, q["latitude"], q["longitude"], target))
    if as_json:
        console.print_json(json.dumps(summary))
        return
    head = {
        k: v
        for k, v in summary.items()
        if k not in ("compliance", "failures", "burns", "montecarlo")
    }
    bt = Table(title="Burns")
    for col in ("burn", "start (UTC)", "duration s", "dv m/s", "propellant kg", "perigee after km"):
        bt.add_column(col)
    for row in burns:
        bt.add_row(
            row["name"],
            row["start_utc"],
            f"{row['duration_s']:.0f}",
            f"{row['delta_v_m_s']:.2f}" if row["delta_v_m_s"] is not None else "-",
            f"{row['propellant_kg']:.0f}",
            f"{row['perigee_after_km']:.1f}",
        )
    console.print(bt)
    _print(head, f"Final burn into {target.name}")
    table = Table(title="Compliance (NASA-STD-8719.14C)")
    for col in ("requirement", "limit", "our figure", "result"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.requirement, r.limit, r.value, "PASS" if r.passed else "FAIL")
    console.print(table)
    ft = Table(title="Final-burn failure cases")
    for col in ("case", "outcome", "casualty expectation", "foreign land km"):
        ft.add_column(col)
    for f in summary["failures"]:
        ft.add_row(
            f["case"], f["outcome"], f"{f['casualty_expectation']:.2e}", str(f["foreign_land_km"])
        )
    console.print(ft)
    if samples:
        console.print(montecarlo_table(summary["montecarlo"], target.name, {}))
