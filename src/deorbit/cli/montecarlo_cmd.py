"""``deorbit montecarlo``: target the final burn (as ``deorbit final`` does), then fly N
dispersed samples of the final phase and write the summary, the envelope contours and the
per-sample table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from deorbit.cli._app import app, console
from deorbit.cli._inputs import ISS_AREA_M2, ISS_CD, force_model, progress_bar
from deorbit.cli.controlled_cmd import (
    DEFAULT_ISP,
    DEFAULT_PROPELLANT_KG,
    DEFAULT_STACK_KG,
    DEFAULT_START_ALT_KM,
    DEFAULT_THRUST,
    ISS_INCLINATION_DEG,
)
from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import to_time
from deorbit.errors import InputError
from deorbit.mission.targeting import Engine, plan_final_burn
from deorbit.montecarlo.controlled import DEFAULT_BLOCK, run_final_phase
from deorbit.montecarlo.fragment_classes import DEFAULT_CLASSES
from deorbit.montecarlo.outputs import write_outputs
from deorbit.reentry.fragments import default_iss_fragments, read_fragments
from deorbit.reentry.zones import zone_named


@app.command()
def montecarlo(
    epoch: Annotated[str, typer.Option("--epoch", help="Start of the final phase (ISO, UTC).")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for montecarlo.json/.geojson, samples.parquet.")
    ],
    samples: Annotated[int, typer.Option("--samples", help="Number of samples.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Dask scheduler: threads, processes or an address tcp://HOST:PORT."
        ),
    ] = None,
    block_size: Annotated[
        int, typer.Option("--block-size", help="Samples per block (Dask task).")
    ] = DEFAULT_BLOCK,
    classes: Annotated[
        int, typer.Option("--classes", help="Fragment classes by ballistic coefficient.")
    ] = DEFAULT_CLASSES,
    altitude: Annotated[
        float, typer.Option("--altitude", help="Circular start altitude, km.")
    ] = DEFAULT_START_ALT_KM,
    inclination: Annotated[float, typer.Option("--inclination", help="deg.")] = ISS_INCLINATION_DEG,
    mass: Annotated[float, typer.Option("--mass", help="Stack mass, kg.")] = DEFAULT_STACK_KG,
    propellant: Annotated[
        float, typer.Option("--propellant", help="Propellant, kg.")
    ] = DEFAULT_PROPELLANT_KG,
    thrust: Annotated[float, typer.Option("--thrust", help="Engine thrust, N.")] = DEFAULT_THRUST,
    isp: Annotated[float, typer.Option("--isp", help="Engine specific impulse, s.")] = DEFAULT_ISP,
    zone: Annotated[str, typer.Option("--zone", help="spoua or tiangong2.")] = "spoua",
    fragments: Annotated[
        Path | None, typer.Option("--fragments", help="Fragment CSV (default: bundled ISS list).")
    ] = None,
    breakup_altitude: Annotated[
        float, typer.Option("--breakup-altitude", help="Nominal breakup altitude, km.")
    ] = 78.0,
    atmosphere: Annotated[
        str, typer.Option("--atmosphere", help="msis00, msis21 or exponential.")
    ] = "msis00",
    solar: Annotated[str, typer.Option("--solar", help="WEAK, AVERAGE or STRONG forecast.")] = (
        "AVERAGE"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Plan the final burn into the zone, then run a seeded Monte Carlo of the final phase
    (dispersed burn, atmosphere, breakup, fragments): probability that every piece lands in
    the zone, distance to land, footprint envelope contours."""
    if samples < 1:
        raise InputError(f"--samples must be >= 1, got {samples}")
    if not 100.0 < altitude < 2000.0:
        raise InputError(f"--altitude {altitude} km must be between 100 and 2000 km")
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    t0 = to_time(epoch)
    state = State.from_keplerian(
        t0, WGS84_A + altitude * 1e3, 0.0, math.radians(inclination), 0.0, 0.0, 0.0
    )
    sc = Spacecraft(mass, ISS_AREA_M2, ISS_CD, propellant=propellant, name="ISS stack")
    frags = read_fragments(fragments) if fragments else default_iss_fragments()
    target = zone_named(zone)
    forces = force_model(atmosphere, solar, None, None)
    plan = plan_final_burn(
        state,
        sc,
        forces,
        Engine(thrust, isp),
        fragments=frags,
        zone=target,
        breakup_altitude=breakup_altitude * 1e3,
    )
    with progress_bar(f"Monte Carlo, {samples} samples") as update:
        result = run_final_phase(
            plan,
            sc,
            forces,
            frags,
            target,
            samples,
            seed=seed,
            scheduler=scheduler,
            block_size=block_size,
            classes=classes,
            progress=update,
        )
    paths = write_outputs(result, out, extra={"epoch": epoch})
    summary = result.summary()
    if as_json:
        console.print_json(json.dumps({**summary, "files": {k: str(p) for k, p in paths.items()}}))
        return
    table = Table(title=f"Final-phase Monte Carlo into {target.name}", show_header=False)
    table.add_row("samples / seed", f"{summary['n']} / {summary['seed']}")
    table.add_row("P(all pieces inside the zone)", f"{summary['p_inside']:.4f}")
    table.add_row("P(>= 370 km from foreign land)", f"{summary['p_foreign_land_clear']:.4f}")
    for key, label in (("foreign_land_km", "foreign land, km"), ("land_km", "any land, km")):
        q = summary[key]
        table.add_row(label, f"min {q['min']}  p01 {q['p01']}  p05 {q['p05']}  p50 {q['p50']}")
    fl, fw = summary["footprint_length_km"], summary["footprint_width_km"]
    table.add_row("footprint length, km", f"p50 {fl['p50']}  p95 {fl['p95']}")
    table.add_row("footprint width, km", f"p50 {fw['p50']}  p95 {fw['p95']}")
    for key in ("centre_along_km", "centre_cross_km"):
        q = summary[key]
        table.add_row(key.replace("_", " "), f"p05 {q['p05']}  p50 {q['p50']}  p95 {q['p95']}")
    for name, path in paths.items():
        table.add_row(name, str(path))
    console.print(table)
