"""``deorbit montecarlo``: target the final burn (as ``deorbit final`` does), then fly N
dispersed samples of the final phase and write the summary, the envelope contours and the
per-sample table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from deorbit.cli._app import app, console
from deorbit.cli.controlled_cmd import (
    DEFAULT_ISP,
    DEFAULT_PROPELLANT_KG,
    DEFAULT_STACK_KG,
    DEFAULT_START_ALT_KM,
    DEFAULT_THRUST,
    ISS_INCLINATION_DEG,
    AtmOpt,
    BreakupOpt,
    FragOpt,
    IspOpt,
    JsonOpt,
    SolarOpt,
    ThrustOpt,
    final_phase_inputs,
    montecarlo_for_plan,
    montecarlo_table,
    plan_for_options,
)
from deorbit.errors import InputError
from deorbit.mission.targeting import Engine
from deorbit.montecarlo.controlled import DEFAULT_BLOCK
from deorbit.montecarlo.fragment_classes import DEFAULT_CLASSES


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
    thrust: ThrustOpt = DEFAULT_THRUST,
    isp: IspOpt = DEFAULT_ISP,
    zone: Annotated[str, typer.Option("--zone", help="spoua or tiangong2.")] = "spoua",
    fragments: FragOpt = None,
    breakup_altitude: BreakupOpt = 78.0,
    atmosphere: AtmOpt = "msis00",
    solar: SolarOpt = "AVERAGE",
    series_burns: Annotated[
        int,
        typer.Option(
            "--series-burns",
            help="Perigee-lowering burns before the final burn (0: the final burn alone).",
        ),
    ] = 0,
    disperse_lowering: Annotated[
        bool,
        typer.Option(
            "--disperse-lowering/--no-disperse-lowering",
            help="Samples fly their own dispersed lowering burns and coast (with --series-burns).",
        ),
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Plan the final burn into the zone (with ``--series-burns N`` the lowering series too, as
    ``deorbit final`` does), then run a seeded Monte Carlo of the final phase (dispersed burns,
    atmosphere, breakup, fragments): probability that every piece lands in the zone, distance
    to land, footprint envelope contours, samples that do not come down under control."""
    if samples < 1:
        raise InputError(f"--samples must be >= 1, got {samples}")
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    state, sc, frags, target, forces = final_phase_inputs(
        epoch, altitude, inclination, mass, propellant, fragments, zone, atmosphere, solar
    )
    plan = plan_for_options(
        state, sc, forces, Engine(thrust, isp), frags, target, breakup_altitude, series_burns,
        altitude_km=altitude,
    )  # fmt: skip
    summary, paths = montecarlo_for_plan(
        plan, sc, forces, frags, target, samples, seed, scheduler=scheduler,
        block_size=block_size, classes=classes, disperse_lowering=disperse_lowering, out=out,
        extra={"epoch": epoch},
    )  # fmt: skip
    if as_json:
        console.print_json(json.dumps({**summary, "files": {k: str(p) for k, p in paths.items()}}))
        return
    console.print(montecarlo_table(summary, target.name, paths))
