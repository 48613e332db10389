"""Shared CLI plumbing: choosing the object, the spacecraft, the environment, progress bars."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from deorbit.cli._app import console_err
from deorbit.core.elements import ElementSet
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import NRLMSIS, Exponential
from deorbit.environment.space_weather import ConstantSpaceWeather, default_space_weather
from deorbit.errors import InputError
from deorbit.formats.catalog import bundled_iss, latest, read_elements, select
from deorbit.propagation.sgp4 import osculating_state_at_epoch

# options shared by several commands
FileArg = Annotated[Path | None, typer.Argument(help="TLE/3LE/OMM file (default: bundled ISS).")]
NoradOpt = Annotated[int | None, typer.Option("--norad", help="NORAD catalogue number.")]
AtmOpt = Annotated[str, typer.Option("--atmosphere", help="msis00, msis21 or exponential.")]
SolarOpt = Annotated[str, typer.Option("--solar", help="WEAK, AVERAGE or STRONG forecast.")]

ISS_NORAD = 25544
# ISS mass, drag area and Cd from the header of NASA's public ISS OEM of 2021-12-21 (quoted in
# shared/reference/iss_deorbit_facts.md §2): 448,009 kg including visiting vehicles,
# A = 1,492.30 m^2, Cd = 2.05.
ISS_MASS_KG = 448_009.0
ISS_AREA_M2 = 1492.30
ISS_CD = 2.05

ATMOSPHERES = ("msis00", "msis21", "exponential")


def load_object(path: Path | None, norad: int | None, name: str | None) -> ElementSet:
    """The newest element set of the chosen object (the bundled ISS set without a file)."""
    if path is None:
        if norad not in (None, ISS_NORAD) or name is not None:
            raise InputError("without a FILE only the bundled ISS element set is available")
        return bundled_iss()
    if not path.exists():
        raise InputError(f"no such file: {path}")
    sets = read_elements(path)
    chosen = select(sets, norad=norad, name=name)
    ids = {s.norad_id for s in chosen}
    if len(ids) > 1:
        raise InputError(f"{path} holds {len(ids)} objects; choose one with --norad or --name")
    return latest(chosen)


def initial_state(es: ElementSet) -> State:
    """Osculating TEME state at the element set's epoch (SGP4)."""
    r, v = osculating_state_at_epoch(es)
    return State(es.epoch, r, v)


def spacecraft_for(
    es: ElementSet, mass: float | None, area: float | None, cd: float | None
) -> tuple[Spacecraft, str]:
    """Spacecraft from the options; the ISS figures for the ISS; else from B*."""
    if mass is not None or area is not None:
        if mass is None or area is None:
            raise InputError("give both --mass and --area (or neither)")
        return Spacecraft(mass, area, cd if cd is not None else 2.2, name=es.label), "given"
    if es.norad_id == ISS_NORAD:
        return Spacecraft(ISS_MASS_KG, ISS_AREA_M2, cd or ISS_CD, name="ISS"), "ISS (NASA OEM 2021)"
    if es.bstar <= 0:
        raise InputError(
            f"{es.label}: B* is {es.bstar:g}, which gives no drag estimate; give --mass and --area"
        )
    cd_value = cd if cd is not None else 2.2
    cda_per_kg = es.drag_area_per_mass
    return (
        Spacecraft(1.0, cda_per_kg / cd_value, cd_value, name=es.label),
        f"from B* (Cd A/m = {cda_per_kg:.4g} m^2/kg)",
    )


def force_model(
    atmosphere: str, solar: str, f107: float | None, ap: float | None, as_of: str | None = None
) -> ForceModel:
    """The force model from the CLI's environment options."""
    if atmosphere not in ATMOSPHERES:
        raise InputError(f"unknown atmosphere {atmosphere!r}; use one of {', '.join(ATMOSPHERES)}")
    if atmosphere == "exponential":
        return ForceModel(Exponential())
    if f107 is not None:
        sw = ConstantSpaceWeather(f107, f107, ap if ap is not None else 15.0)
    else:
        sw = default_space_weather(solar.upper(), as_of=as_of)
    return ForceModel(NRLMSIS(sw, "00" if atmosphere == "msis00" else "2.1"))


@contextmanager
def progress_bar(description: str):
    """A rich progress bar on standard error; yields ``update(done, total)``. Shown only when
    standard error is a terminal: redirected to a file or a pipe, a transient bar left a blank
    line there, in front of any one-line error that followed."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console_err,
        transient=True,
        disable=not console_err.is_terminal,
    ) as bar:
        task = bar.add_task(description, total=1.0)

        def update(done: float, total: float) -> None:
            bar.update(task, completed=min(done / total, 1.0) if total else 1.0)

        yield update
