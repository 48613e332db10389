"""``deorbit plan`` (the ISS descent) and ``deorbit scenario show NAME``."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from astropy.time import TimeDelta
from rich.table import Table

from deorbit.cli._app import app, console, console_err
from deorbit.cli._inputs import progress_bar
from deorbit.core.time import iso, to_time
from deorbit.errors import DeorbitError, InfeasibleError, InputError
from deorbit.formats.atomic import atomic_path
from deorbit.formats.oem import write_oem
from deorbit.formats.results_exports import write_level_exports
from deorbit.mission.descent import (
    DescentPlan,
    LevelResult,
    initial_mean,
    plan_level,
    start_elements,
    when,
)
from deorbit.mission.final_phase import FinalPhaseReport, run_final_phase_for_level
from deorbit.mission.inverse import solve_reentry_by
from deorbit.mission.scenario import Scenario, bundled_scenarios, load_scenario, scenario_text
from deorbit.propagation.mean_elements import MeanElements
from deorbit.report import write_plan_report, write_traffic_results

scenario_app = typer.Typer(help="Mission scenario files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

MILESTONES = (
    "lowering starts",
    "USDV docks",
    "last crew leaves",
    "final sequence starts",
    "USDV burn series starts",
    "final burn",
    "entry interface 120 km",
)

Finals = dict[str, FinalPhaseReport | str]
"""Per level: its final-phase report, or why the final phase is infeasible."""


def _json(data: object) -> str:
    """JSON text; numpy scalars as plain numbers."""
    return json.dumps(data, indent=2, default=lambda o: o.item() if hasattr(o, "item") else str(o))


@scenario_app.command("show")
def scenario_show(name: Annotated[str, typer.Argument(help="Bundled scenario name.")]) -> None:
    """Print a bundled scenario's TOML (copy it, edit it, run ``deorbit plan my.toml``)."""
    if name not in bundled_scenarios():
        raise InputError(
            f"no bundled scenario {name!r} (bundled: {', '.join(bundled_scenarios())})"
        )
    text, _ = scenario_text(name)
    typer.echo(text, nl=False)


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename."""
    with atomic_path(path) as tmp:
        write(tmp)


def summary_dict(plan: DescentPlan, finals: Finals | None = None) -> dict:
    """The plan as JSON-friendly data; with ``finals``, each level's ``final_phase`` headline
    (or ``{"infeasible": why}``)."""
    s = plan.scenario
    out = {
        "scenario": s.name,
        "elements_epoch": iso(plan.elements.epoch),
        "published": s.published.model_dump(),
        "levels": [],
    }
    for r in plan.results:
        out["levels"].append(
            {
                "level": r.level,
                "feasible": r.feasible,
                "milestones": {m.name: when(r, m.name) for m in r.milestones},
                "milestone_altitudes_km": {m.name: m.altitude / 1e3 for m in r.milestones},
                "descent_days": r.descent_days,
                "descent_years": None if r.descent_days is None else r.descent_days / 365.25,
                "effective_perigee_km": None
                if r.effective_perigee is None
                else r.effective_perigee / 1e3,
                "vehicles": [a.as_dict() for a in r.ledger.accounts.values()],
                "usdv_docking_iterations": r.docking_iterations,
                "notes": r.notes,
            }
        )
        if finals is not None and r.level in finals:
            f = finals[r.level]
            out["levels"][-1]["final_phase"] = (
                {"infeasible": f} if isinstance(f, str) else f.headline()
            )
    return out


def _timeline(plan: DescentPlan) -> pd.DataFrame:
    rows = []
    for r in plan.results:
        for m in r.milestones:
            rows.append(
                {
                    "level": r.level,
                    "kind": "milestone",
                    "name": m.name,
                    "phase": m.phase,
                    "utc": when(r, m.name),
                    "mean_altitude_km": m.altitude / 1e3,
                    "delta_v_m_s": None,
                    "propellant_kg": None,
                    "vehicle": None,
                }
            )
        for b in r.burns:
            rows.append(
                {
                    "level": r.level,
                    "kind": "burn",
                    "name": f"{b.phase} burn",
                    "phase": b.phase,
                    "utc": iso(r.epoch + TimeDelta(b.t, format="sec")),
                    "mean_altitude_km": b.altitude_before / 1e3,
                    "delta_v_m_s": b.delta_v,
                    "propellant_kg": b.propellant,
                    "vehicle": b.vehicle,
                }
            )
    return pd.DataFrame(rows).sort_values(["level", "utc"], kind="stable")


def _trajectory(plan: DescentPlan) -> pd.DataFrame:
    frames = []
    for r in plan.results:
        times = r.epoch + TimeDelta(r.t, format="sec")
        frames.append(
            pd.DataFrame(
                {
                    "level": r.level,
                    "utc": pd.to_datetime(times.utc.isot, utc=True),
                    "t_s": r.t,
                    "mean_altitude_km": r.mean_altitude / 1e3,
                    "lowest_altitude_km": r.perigee_altitude / 1e3,
                    "decay_rate_m_per_day": r.decay_rate,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def write_results(plan: DescentPlan, out: Path, finals: Finals | None = None) -> list[Path]:
    """Summary JSON, timeline CSV, trajectory Parquet, the final arc as OEM per level and,
    per level with a final phase, ``final_<level>.json``, ``footprint_<level>.geojson`` and
    ``montecarlo_<level>.geojson``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    summary = out / "summary.json"
    _atomic_write(summary, lambda p: p.write_text(_json(summary_dict(plan, finals))))
    timeline = out / "timeline.csv"
    _atomic_write(timeline, lambda p: _timeline(plan).to_csv(p, index=False))
    traj = out / "trajectory.parquet"
    _atomic_write(traj, lambda p: _trajectory(plan).to_parquet(p, index=False))
    written += [summary, timeline, traj]
    for r in plan.results:
        if r.final_arc is not None:
            oem = out / f"final_{r.level.lower()}.oem"
            arc = r.final_arc
            write_oem(  # atomic itself
                oem,
                arc.times,
                arc.r,
                arc.v,
                frame=arc.frame,
                object_name=plan.scenario.station.name,
                object_id=str(plan.elements.norad_id),
            )
            written.append(oem)
    for level, f in (finals or {}).items():
        if isinstance(f, str):
            continue
        name = level.lower()
        for path, data in (
            (out / f"final_{name}.json", f.data),
            (out / f"footprint_{name}.geojson", f.footprint_geojson),
            (out / f"montecarlo_{name}.geojson", f.montecarlo.envelope_geojson()),
        ):
            _atomic_write(path, lambda p, d=data: p.write_text(_json(d)))
            written.append(path)
    return written


def _failing(report: FinalPhaseReport) -> str:
    """The numbers of the failed requirements ("4.7-1c")."""
    return ", ".join(
        row["requirement"].split()[0] for row in report.data["compliance"] if not row["pass"]
    )


def _final_rows(table: Table, plan: DescentPlan, finals: Finals) -> None:
    """Final-phase figures per level (or why it is infeasible)."""

    def cell(level: str, key: str, fmt: str) -> str:
        f = finals.get(level)
        if f is None:
            return "-"
        if isinstance(f, str):
            return "infeasible" if key == "cross_miss_km" else "-"
        value = f.headline()[key] if key in f.headline() else f.data[key]
        return format(value, fmt) if value is not None else "-"

    rows = (
        ("series perigee, km", "series_perigee_km", ".1f"),
        ("final burn cross-track miss, km", "cross_miss_km", ".1f"),
        ("final burn along-track miss, km", "along_miss_km", ".1f"),
        ("footprint to foreign land, km", "foreign_land_km", ".0f"),
        ("casualty expectation", "casualty_expectation", ".1e"),
        ("P(all pieces in zone), Monte Carlo", "p_inside", ".3f"),
    )
    for label, key, fmt in rows:
        table.add_row(label, *[cell(r.level, key, fmt) for r in plan.results])
    table.add_row(
        "compliance (NASA-STD-8719.14C)",
        *[
            "-"
            if finals.get(r.level) is None
            else "infeasible"
            if isinstance(finals[r.level], str)
            else ("all pass" if finals[r.level].all_pass else "FAIL " + _failing(finals[r.level]))
            for r in plan.results
        ],
    )


def _table(plan: DescentPlan, finals: Finals | None = None) -> Table:
    s = plan.scenario
    table = Table(title=f"{s.name}: descent plan from elements of {iso(plan.elements.epoch)[:10]}")
    table.add_column("")
    for r in plan.results:
        table.add_column(r.level, justify="right")
    for name in MILESTONES:
        table.add_row(name, *[(when(r, name) or "-")[:16].replace("T", " ") for r in plan.results])
    years = [r.descent_days / 365.25 if r.descent_days else None for r in plan.results]
    pub = f" (published ~{s.published.descent_years:g})" if s.published.descent_years else ""
    table.add_row(f"descent, years{pub}", *[f"{y:.2f}" if y else "-" for y in years])
    for name in plan.results[0].ledger.accounts:
        table.add_row(
            f"{name}: dv m/s / propellant kg",
            *[
                f"{r.ledger.accounts[name].delta_v:.1f} / {r.ledger.accounts[name].used:.0f}"
                for r in plan.results
            ],
        )
    table.add_row(
        "effective perigee, km",
        *[
            f"{r.effective_perigee / 1e3:.1f}" if r.effective_perigee is not None else "-"
            for r in plan.results
        ],
    )
    if finals:
        _final_rows(table, plan, finals)
    table.add_row("feasible", *["yes" if r.feasible else "NO" for r in plan.results])
    return table


def final_phase_or_reason(
    scenario: Scenario, result: LevelResult, samples: int | None = None, seed: int = 0
) -> FinalPhaseReport | str:
    """A level's final phase (:func:`run_final_phase_for_level`), or why it is infeasible."""
    try:
        return run_final_phase_for_level(scenario, result, samples, seed)
    except InfeasibleError as exc:
        return str(exc)


def require_a_final_phase(finals: Finals) -> Finals:
    """``finals`` unchanged when at least one level has a final phase.

    Raises
    ------
    InfeasibleError
        No level's final phase could be planned (the reasons, one per level).
    """
    if finals and all(isinstance(f, str) for f in finals.values()):
        raise InfeasibleError("no final phase can be planned: " + "; ".join(finals.values()))
    return finals


def _level_and_final(
    job: tuple[Scenario, MeanElements, str, int | None, int],
) -> tuple[LevelResult, FinalPhaseReport | str]:
    """One solar level: its descent, then its final phase (or why that is infeasible).
    Module-level so that worker processes can run it."""
    scenario, mean0, level, samples, seed = job
    result = plan_level(scenario, mean0, level)
    return result, final_phase_or_reason(scenario, result, samples, seed)


def run_levels(
    scenario: Scenario,
    levels: list[str] | None = None,
    base: Path | None = None,
    samples: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[float, float], None] | None = None,
) -> tuple[DescentPlan, Finals]:
    """The descent and the final phase of every level, the levels side by side in up to
    ``workers`` processes (default: one per CPU; 1 runs them here). Each level is computed
    from the same inputs whatever the number of workers, so the results are identical.

    Raises
    ------
    InfeasibleError
        No level's final phase could be planned (the reasons, one per level).
    """
    es = start_elements(scenario, base)
    mean0 = initial_mean(es, scenario.environment.zonal_degree)
    chosen = levels or list(scenario.environment.levels)
    jobs = [(scenario, mean0, level, samples, seed) for level in chosen]
    n = min(workers or os.cpu_count() or 1, len(jobs))
    if progress is not None:
        progress(0, len(jobs))
    if n <= 1:
        done = []
        for k, job in enumerate(jobs):
            done.append(_level_and_final(job))
            if progress is not None:
                progress(k + 1, len(jobs))
    else:
        # "spawn": fresh interpreters, safe whatever threads numba has started here
        with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_level_and_final, job) for job in jobs]
            for k, _ in enumerate(as_completed(futures)):
                if progress is not None:
                    progress(k + 1, len(jobs))
            done = [f.result() for f in futures]
    plan = DescentPlan(scenario, es, [r for r, _ in done])
    return plan, require_a_final_phase({r.level: f for r, f in done})


def _traffic(plan: DescentPlan, out: Path) -> list[Path]:
    """The station traffic to the last crew's departure of the middle (AVERAGE) level, or the
    first level that has one: the bundled record continued by the schedule generator; the
    record alone (with a warning) when the generator finds no schedule for those dates."""
    level = next(
        (
            r
            for r in sorted(plan.results, key=lambda r: r.level != "AVERAGE")
            if r.time_of("last crew leaves") is not None and r.time_of("final burn") is not None
        ),
        None,
    )
    if level is None:
        return write_traffic_results(out, generate=False)
    decrew = level.time_of("last crew leaves").utc.to_datetime(timezone=dt.UTC)
    reentry = level.time_of("final burn").utc.to_datetime(timezone=dt.UTC)
    try:
        return write_traffic_results(out, reentry=reentry, decrew=decrew)
    except DeorbitError as exc:
        console_err.print(
            f"traffic: no generated schedule to {decrew:%Y-%m-%d} ({exc}); "
            "the report shows the record only"
        )
        return write_traffic_results(out, generate=False)


def _reentry_by(scn, date: str, level: str, as_json: bool) -> None:
    target = to_time(date)
    with console_err.status(f"searching the lowering policy for {iso(target)[:10]} ({level})"):
        inv = solve_reentry_by(scn, target, level)
    r = inv.result
    data = {
        "target": iso(target),
        "level": level,
        "varied": inv.varied,
        "rate_km_per_month": inv.rate_km_per_month,
        "lowering_start": iso(inv.lowering_start),
        "final_burn": when(r, "final burn"),
        "miss_days": inv.miss_days,
        "feasible": r.feasible,
        "descent_years": None if r.descent_days is None else r.descent_days / 365.25,
        "vehicles": [a.as_dict() for a in r.ledger.accounts.values()],
        "evaluations": inv.evaluations,
    }
    if as_json:
        console.print_json(json.dumps(data))
        return
    table = Table(
        title=f"{scn.name}: final burn by {iso(target)[:10]} under {level}", show_header=False
    )
    for key in (
        "varied",
        "rate_km_per_month",
        "lowering_start",
        "final_burn",
        "miss_days",
        "descent_years",
        "feasible",
    ):
        v = data[key]
        table.add_row(key.replace("_", " "), f"{v:.2f}" if isinstance(v, float) else str(v))
    for a in r.ledger.accounts.values():
        table.add_row(
            f"{a.name}: dv m/s / propellant kg",
            f"{a.delta_v:.1f} / {a.used:.0f} (budget {a.budget:.0f})",
        )
    console.print(table)


@app.command()
def plan(
    scenario: Annotated[
        str, typer.Argument(help="Scenario TOML file or bundled name (default: iss).")
    ] = "iss",
    levels: Annotated[
        str | None,
        typer.Option(
            "--levels",
            help="WEAK, AVERAGE, STRONG or OBSERVED (past periods); default: the file's.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Results folder.")] = Path("deorbit-plan"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    reentry_by: Annotated[
        str | None,
        typer.Option("--reentry-by", help="Target date of the final burn: find the policy."),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples", help="Monte Carlo runs of each final phase (default: the scenario's)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed.")] = 0,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Processes for the levels (default: one per CPU)."),
    ] = None,
) -> None:
    """Plan the station's end-of-life descent under WEAK / AVERAGE / STRONG solar activity,
    then each level's controlled final phase: lowering burns and final burn onto the aim point,
    footprint, land clearance, casualty risk, compliance, failure cases and a Monte Carlo.

    A level whose final phase cannot be planned shows "infeasible" and its reason in the
    summary; when no level can be planned the command stops with that reason (exit 2)."""
    scn = load_scenario(scenario)
    if reentry_by is not None:
        _reentry_by(scn, reentry_by, (levels or "AVERAGE").split(",")[0].strip().upper(), as_json)
        return
    base = Path(scenario).parent if Path(scenario).suffix == ".toml" else None
    chosen = [x.strip().upper() for x in levels.split(",")] if levels else None
    for level in chosen or []:
        if level not in ("WEAK", "AVERAGE", "STRONG", "OBSERVED"):
            raise InputError(f"--levels: unknown solar scenario {level!r}")
    names = ", ".join(chosen or scn.environment.levels)
    if samples is not None and samples < 1:
        raise InputError(f"--samples must be >= 1, got {samples}")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be >= 1, got {workers}")
    with progress_bar(f"descent and final phase under {names} solar activity") as update:
        result, finals = run_levels(scn, chosen, base, samples, seed, workers, update)
    written = write_results(result, out, finals)
    with console_err.status("exports (CZML, KML), station traffic, HTML report"):
        written += write_level_exports(out)
        written += _traffic(result, out)
        written.append(write_plan_report(out))
    if as_json:
        console.print_json(_json(summary_dict(result, finals)))
    else:
        console.print(_table(result, finals))
        console.print(f"results: {', '.join(str(p) for p in written)}")
