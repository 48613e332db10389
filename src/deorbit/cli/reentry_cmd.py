"""``deorbit reentry`` (window from a TLE history) and ``deorbit validate`` (on real reentries)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from astropy.time import Time
from rich.table import Table

from deorbit.cli._app import app, console
from deorbit.cli._inputs import progress_bar
from deorbit.core.time import iso, to_time
from deorbit.errors import InputError
from deorbit.estimation.drag_fit import rejection_groups
from deorbit.formats.atomic import atomic_path, write_json_atomic
from deorbit.formats.catalog import read_elements, select
from deorbit.formats.geojson import write_geojson
from deorbit.reentry.validation import (
    HORIZONS_DAYS,
    QUICK_HORIZONS_DAYS,
    decay_check_summary,
    discover,
    iss_decay_checks,
    run_validation,
    score,
)
from deorbit.reentry.window import predict_reentry


def _write_json(path: Path, data: dict) -> None:
    write_json_atomic(path, data, indent=1)


def sample_times_iso(times: Time) -> list[str | None]:
    """ISO 8601 UTC strings of an ensemble's 120 km interface times; None for a sample that
    does not come down within the prediction horizon (its time is NaN)."""
    up = ~(np.isfinite(times.jd1) & np.isfinite(times.jd2))
    down = iter(iso(times[~up]) if (~up).any() else [])
    return [None if u else str(next(down)) for u in up]


@app.command()
def reentry(
    file: Annotated[Path, typer.Argument(help="TLE/3LE/OMM history of the object.")],
    norad: Annotated[int | None, typer.Option("--norad", help="NORAD number.")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Predict as of this date (sets up to it only).")
    ] = None,
    samples: Annotated[int, typer.Option("--samples", help="Ensemble size.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    window: Annotated[
        float | None, typer.Option("--window", help="Fit window, days (default: adaptive).")
    ] = None,
    horizon: Annotated[
        float,
        typer.Option(
            "--horizon",
            help="Years to follow the ensemble; a sample still up then counts as staying up.",
        ),
    ] = 25.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write reentry.json, reentry.geojson and report.html here."),
    ] = None,
) -> None:
    """Reentry window (120 km interface) of an object from its TLE history: drag scale fitted
    on the recent sets, seeded ensemble over density error, solar forecast, fit and drag change."""
    if not file.exists():
        raise InputError(f"no such file: {file}")
    sets = select(read_elements(file), norad=norad)
    ids = {s.norad_id for s in sets}
    if len(ids) > 1:
        raise InputError(f"{file} holds {len(ids)} objects; choose one with --norad")
    if at is not None:
        to_time(at)  # a bad date is reported before any work
    with progress_bar("predicting") as update:
        pred = predict_reentry(
            sets,
            at=at,
            samples=samples,
            seed=seed,
            window_days=window,
            horizon_years=horizon,
            progress=update,
        )
    summary = pred.summary()
    if out is not None:
        from deorbit.report import write_reentry_report

        # the file also keeps every sample's interface time (the report's histogram)
        samples_utc = sample_times_iso(pred.sample_times)
        _write_json(out / "reentry.json", {**summary, "sample_times": samples_utc})
        write_geojson(out / "reentry.geojson", pred.geojson())
        write_reentry_report(out)
    if as_json:
        console.print_json(json.dumps(summary))
        return
    fit = pred.fit
    t = Table(title=f"Reentry of {pred.label} as of {iso(pred.as_of)}", show_header=False)
    t.add_row("weather", pred.weather)
    t.add_row("method", pred.method)
    if fit.kind == "bstar":
        t.add_row(
            "drag (no fit)",
            f"k = {fit.k:.3f} x the newest set's B* (B = {fit.ballistic_coefficient:.1f} kg/m²)",
        )
    else:
        t.add_row(
            "drag fit",
            f"k = {fit.k:.3f} ± {fit.sigma_k:.3f} (B = {fit.ballistic_coefficient:.1f} kg/m²), "
            f"{len(fit.used)} sets, rms {fit.rms:.0f} m",
        )
    if pred.fit_window:
        t.add_row("  fit window" if fit.kind == "fit" else "  why", pred.fit_window)
    for why, n, first, last in rejection_groups(fit.rejected):
        when = iso(first)[:16] if n == 1 else f"{iso(first)[:16]} to {iso(last)[:16]}"
        t.add_row("  rejected", f"{n} set{'s' if n > 1 else ''} ({when}): {why}")
    u = pred.uncertainty
    t.add_row(
        "ensemble",
        f"{len(pred.sample_scales)} samples, seed {pred.seed}: density ±{u['density_sigma']:.0%}, "
        f"drag change ±{u['drag_change_sigma']:.2f} in ln k, fit ±{u['fit_sigma']:.1%}; "
        f"solar levels {', '.join(pred.levels)}",
    )
    t.add_row("interface 120 km, median", iso(pred.median))
    p95 = iso(pred.p95) if pred.p95 is not None else f"after {iso(pred.horizon_end)} (horizon)"
    t.add_row("5 % / 95 %", f"{iso(pred.p05)} / {p95}")
    window = "open: the 95 % point is after the horizon"
    if pred.window_hours is not None:
        window = f"{pred.window_hours:.1f} h"
    t.add_row("remaining", f"{pred.remaining_days:.2f} d (window {window})")
    for key, (when, lat, lon) in pred.points.items():
        t.add_row(
            f"  {key} interface point",
            f"{iso(when)}  {lat:+.2f}°, {lon:+.2f}° ({pred.point_levels[key]})",
        )
    if pred.impact is not None:
        when, lat, lon = pred.impact
        t.add_row("expected impact (median)", f"{iso(when)}  {lat:+.2f}°, {lon:+.2f}°")
    if out is not None:
        t.add_row("written", f"{out}/ (reentry.json, reentry.geojson, report.html)")
    console.print(t)


@app.command()
def validate(
    data: Annotated[
        Path, typer.Option("--data", help="The shared TLE folder (decayed/, starlink_...).")
    ] = Path("../shared/data/tle"),
    quick: Annotated[bool, typer.Option("--quick", help="A few cases, T-10/T-3 only.")] = False,
    starlink: Annotated[
        int, typer.Option("--starlink", help="At most this many Starlink histories.")
    ] = 20,
    samples: Annotated[int, typer.Option("--samples", help="Ensemble size.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print rows and score as JSON.")] = False,
    iss: Annotated[
        Path | None,
        typer.Option("--iss", help="Only the ISS decay checks of this history (TLE/OMM)."),
    ] = None,
    iss_fit_days: Annotated[
        float, typer.Option("--iss-fit-days", help="ISS checks: fit span, days.")
    ] = 20.0,
    iss_predict_days: Annotated[
        float, typer.Option("--iss-predict-days", help="ISS checks: predicted span, days.")
    ] = 20.0,
) -> None:
    """Predict the reentries in the shared histories from T-90/-30/-10/-3/-1 days and compare
    with the truth (error in hours and as a fraction of the remaining time). With ``--iss FILE``:
    the ISS decay checks instead (predicted vs observed decay of the mean altitude over
    manoeuvre-free stretches)."""
    if iss is not None:
        _iss_checks(iss, iss_fit_days, iss_predict_days, as_json)
        return
    if not data.is_dir():
        raise InputError(f"no such folder: {data} (give --data PATH to shared/data/tle)")
    cases = discover(data, starlink_limit=0 if quick else starlink)
    horizons = QUICK_HORIZONS_DAYS if quick else HORIZONS_DAYS
    if quick:
        cases = [c for c in cases if c.reaches_reentry][:2]
    with progress_bar("validating") as update:
        rows = run_validation(cases, horizons, samples, seed, progress=update)
    result = score(rows)
    if as_json:
        console.print_json(json.dumps({"rows": [r.as_dict() for r in rows], "score": result}))
        return
    # 80 columns: the object's short name (kind and NORAD number); the prediction date is the
    # truth minus T- and the median the truth plus the error (both in the JSON)
    t = Table(title="Reentry prediction vs. truth (120 km interface)")
    t.add_column("object", overflow="fold")
    t.add_column("T-", no_wrap=True)
    t.add_column("truth (UTC)", no_wrap=True)
    t.add_column("error h", justify="right", no_wrap=True)
    t.add_column("error / remaining", justify="right")
    t.add_column("in 5-95 %")
    t.add_column("status", overflow="fold")
    for r in rows:
        ok = r.status == "ok"
        t.add_row(
            " ".join(r.name.split("_")[:2]),
            f"{r.horizon_days:g} d",
            iso(r.truth)[:16].replace("T", " ") if r.truth else "-",
            f"{r.error_hours:+.1f}" if ok else "-",
            f"{r.relative_error:+.1%}" if ok else "-",
            ("yes" if r.inside_window else "no") if ok else "-",
            _status_kind(r.status),
        )
    console.print(t)
    # every reason in full below the table, wrapped to the terminal, never cut
    for r in rows:
        if r.status != "ok":
            console.print(f"{r.name} T-{r.horizon_days:g} d: {r.status}", soft_wrap=False)
    mean = result.get("mean_abs_relative_error", math.nan)
    console.print(
        f"scored {result['scored']} predictions; mean |error|/remaining = {mean:.1%}; "
        f"truth inside 5-95 %: {result.get('inside_window_fraction', math.nan):.0%}"
    )
    iss_file = data / "iss" / "iss_25544_2021-01_2022-03.3le"
    if quick or not iss_file.exists():
        return
    _iss_checks(iss_file, 20.0, 20.0, False)


def _status_kind(status: str) -> str:
    """The short word of a row's status for the table (the reason follows the table)."""
    for kind in ("ok", "excluded", "failed", "no truth"):
        if status.startswith(kind):
            return kind
    return "not scored"


def _iss_checks(path: Path, fit_days: float, predict_days: float, as_json: bool) -> None:
    """The ISS decay checks of one history as a table (or JSON): error with the scale fitted
    on the stretch, with the previous stretch's scale and with scale 1."""
    if not path.exists():
        raise InputError(f"no such file: {path}")
    for name, value in (("--iss-fit-days", fit_days), ("--iss-predict-days", predict_days)):
        if not (math.isfinite(value) and value >= 2.0):
            raise InputError(f"{name} must be at least 2 days, got {value:g}")
    checks = iss_decay_checks(read_elements(path), fit_days=fit_days, predict_days=predict_days)
    summary = decay_check_summary(checks)
    if as_json:
        data = {
            "file": str(path),
            "fit_days": fit_days,
            "predict_days": predict_days,
            "checks": [c.as_dict() for c in checks],
            "summary": summary,
        }
        console.print_json(json.dumps(data))
        return
    t = Table(
        title=f"ISS {path.name}: mean-a decay over {predict_days:g} d after a {fit_days:g}-d "
        "fit, manoeuvre-free stretches (hindcast)"
    )
    for col in ("fit from", "predict from", "to"):
        t.add_column(col, overflow="fold")
    for col in ("k fit", "k prev", "observed m", "error", "prev. stretch", "scale 1"):
        t.add_column(col, overflow="fold", justify="right")
    for c in checks:
        prev = math.isnan(c.k_previous)
        t.add_row(
            iso(c.fit_start)[:10],
            iso(c.fit_end)[:10],
            iso(c.predict_end)[:10],
            f"{c.k_fit:.2f}",
            "-" if prev else f"{c.k_previous:.2f}",
            f"{c.observed_m:.0f}",
            f"{c.error:+.0%}",
            "-" if prev else f"{c.error_previous:+.0%}",
            f"{c.error_scale1:+.0%}",
        )
    console.print(t)
    if not checks:
        console.print(
            f"no manoeuvre-free stretch of {fit_days + predict_days:g} days in {path.name}"
        )
        return
    parts = []
    for key, label in (
        ("fit_this_stretch", "fit on the stretch"),
        ("previous_stretch", "previous stretch"),
        ("scale_1", "scale 1"),
    ):
        if key in summary:
            v = summary[key]
            parts.append(
                f"{label}: median {v['median']:+.0%}, mean |e| {v['mean_abs']:.0%} (n={v['n']})"
            )
    console.print(f"{summary['stretches']} stretches; " + "; ".join(parts))


@app.command()
def screen(
    catalog: Annotated[Path, typer.Argument(help="Catalogue: OMM CSV/JSON or TLE/3LE (gz ok).")],
    within: Annotated[str, typer.Option("--within", help="Horizon: 90d, 12w, 1y.")] = "90d",
    samples: Annotated[int, typer.Option("--samples", help="Ensemble size per object.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local processes (default: CPU count).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://...).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write screen.json, screen.csv and report.html here."),
    ] = None,
) -> None:
    """Every object of a catalogue: which reenter within the horizon, by date, with windows."""
    from deorbit.reentry.screening import parse_horizon
    from deorbit.reentry.screening import screen as run_screen

    if not catalog.exists():
        raise InputError(f"no such file: {catalog}")
    horizon = parse_horizon(within)
    if samples < 10:
        raise InputError(f"--samples must be at least 10, got {samples}")
    result = run_screen(read_elements(catalog), horizon, samples, seed, workers, scheduler)
    rows = result.rows()
    likely = [r for r in rows if r["median"] is not None]
    data = {
        "objects": result.objects,
        "ensemble_candidates": result.candidates,
        "horizon_days": horizon,
        "weather": result.weather,
        "reentries": rows,
        "not_screened": [
            {"norad_id": n, "name": nm, "reason": why} for n, nm, why in result.not_screened
        ],
    }
    if out is not None:
        _write_screen(out, data, catalog)
    if as_json:
        console.print_json(json.dumps(data))
        return
    t = Table(
        title=f"Reentries within {horizon:g} days ({len(likely)} likely of "
        f"{result.objects} objects; {result.candidates} got an ensemble)"
    )
    for col in ("NORAD", "name", "median (120 km)", "5 %", "95 %", "P(within)"):
        t.add_column(col)

    def short(text: str | None, missing: str) -> str:
        return text[:16].replace("T", " ") if text else missing

    for r in rows:
        t.add_row(
            str(r["norad_id"]),
            r["name"].split(" (NORAD")[0],
            short(r["median"], "after horizon"),
            short(r["p05"], "-"),
            short(r["p95"], "after horizon"),
            f"{r['fraction_within_horizon']:.0%}",
        )
    console.print(t)
    if out is not None:
        console.print(f"written: {out}/ (screen.json, screen.csv, report.html)")
    if result.not_screened:
        console.print(
            f"not screened: {len(result.not_screened)} low objects "
            "(eccentric orbit or B* <= 0); see --json"
        )


SCREEN_COLUMNS = ("norad_id", "name", "median", "p05", "p95", "fraction_within_horizon")


def _write_screen(out: Path, data: dict, catalog: Path) -> None:
    """screen.json (the --json dict plus the catalogue's name), screen.csv (the sorted rows)
    and report.html, each written atomically."""
    import csv

    from deorbit.report import write_screen_report

    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "screen.json", {**data, "catalog": catalog.name})
    with atomic_path(out / "screen.csv") as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=SCREEN_COLUMNS)
            writer.writeheader()
            for r in data["reentries"]:
                writer.writerow({k: r.get(k) for k in SCREEN_COLUMNS})
    write_screen_report(out)
