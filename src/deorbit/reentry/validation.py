"""Validation of reentry predictions on real decayed objects (shared/data/tle/).

Cases (decided from the data, rules fixed in advance, see docs/validation.md):

* an object whose history **reaches reentry**: its last element set has a mean motion above
  :data:`END_MEAN_MOTION` rev/day (mean altitude below about 210 km, hours to a couple of days
  before the end). Histories cut before reentry (SOURCES.md: Delfi-C3, ISS-deployed 40742,
  Thor-Ablestar debris, kept back for blind validation) fail this test: their truth is not in
  the data, and they are listed as such and not scored;
* **natural decay only from the last manoeuvre on**: the manoeuvre detector
  (:func:`deorbit.estimation.manoeuvres.detect_manoeuvres`: raises of the mean semi-major axis
  and change points of the apparent drag scale against NRLMSIS-00 with observed weather) runs
  over the last :data:`DETECT_DAYS` days of the history, with hindsight on purpose: it selects
  which decays are natural. A prediction from ``T - x`` is made only when at least
  :func:`clean_days_needed` days of manoeuvre-free sets precede its date (the fit window for
  that altitude plus :data:`SETTLE_DAYS`); otherwise the row is EXCLUDED with its reason.

Truth: the epoch of the last set plus the remaining decay predicted from that last set (under a
day for the cases kept). Error = predicted median - truth, in hours and as a fraction of the
remaining time (truth - prediction date). Weather: observed to the prediction date, then the
solar-cycle forecast where the forecast exists (2023-05 on); older cases are observed-weather
hindcasts (:func:`deorbit.reentry.window.environment_for`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta

from deorbit.core.elements import ElementSet
from deorbit.core.time import iso
from deorbit.errors import DecayedError, DeorbitError
from deorbit.estimation.manoeuvres import ManoeuvreReport, detect_manoeuvres
from deorbit.formats.catalog import read_elements
from deorbit.reentry.window import predict_reentry

END_MEAN_MOTION = 16.2
"""rev/day; a = (GM / n^2)^(1/3) gives a mean altitude of about 210 km at 16.2 rev/day."""
DETECT_DAYS = 200.0
"""The manoeuvre detector looks at this many days before the last set (enough for T-90)."""
SETTLE_DAYS = 1.0
"""Manoeuvre-free days required beyond the fit window: the detector resolves a manoeuvre to
about one interval (half a day to a day), and orbit determinations right after a burn are
unsettled."""
MIN_HISTORY_DAYS = 5.0
"""A prediction needs at least this much history before its date."""
HORIZONS_DAYS = (90.0, 30.0, 10.0, 3.0, 1.0)
QUICK_HORIZONS_DAYS = (10.0, 3.0)


@dataclass(frozen=True)
class Case:
    """One object's history and whether its end (the reentry) is in the data."""

    name: str
    path: Path
    sets: tuple[ElementSet, ...]
    reaches_reentry: bool
    note: str


@dataclass
class Row:
    """One prediction compared with the truth."""

    name: str
    horizon_days: float
    as_of: Time
    truth: Time | None
    median: Time | None
    p05: Time | None
    p95: Time | None
    weather: str
    status: str
    k: float = math.nan
    """Fitted drag scale: relative to the B*-derived nominal Cd A / m of the fit window's own
    sets, so two rows' scales are not comparable (:attr:`ballistic_coefficient` is)."""
    ballistic_coefficient: float = math.nan
    """Fitted m / (Cd A), kg/m^2: the physical drag, comparable between rows."""
    fit_rms_m: float = math.nan
    natural_days: float = math.nan
    """Manoeuvre-free days before the prediction date (from the detector)."""

    @property
    def remaining_hours(self) -> float:
        """Truth minus the prediction date, h."""
        return float((self.truth - self.as_of).to_value("hour")) if self.truth else math.nan

    @property
    def error_hours(self) -> float:
        """Predicted median minus truth, h."""
        if self.truth is None or self.median is None:
            return math.nan
        return float((self.median - self.truth).to_value("hour"))

    @property
    def relative_error(self) -> float:
        """Error / remaining time."""
        return self.error_hours / self.remaining_hours

    @property
    def inside_window(self) -> bool:
        """Truth within the 5-95 % window (open at the end when p95 is after the horizon)."""
        if self.p05 is None or self.truth < self.p05:
            return False
        return self.p95 is None or self.truth <= self.p95

    def as_dict(self) -> dict:
        """JSON-ready row."""
        return {
            "object": self.name,
            "horizon_days": self.horizon_days,
            "as_of": iso(self.as_of),
            "truth": iso(self.truth) if self.truth else None,
            "median": iso(self.median) if self.median else None,
            "p05": iso(self.p05) if self.p05 else None,
            "p95": iso(self.p95) if self.p95 else None,
            "error_hours": None if math.isnan(self.error_hours) else self.error_hours,
            "relative_error": None if math.isnan(self.error_hours) else self.relative_error,
            "inside_window": self.inside_window if self.median is not None else None,
            "weather": self.weather,
            "status": self.status,
            "drag_scale": None if math.isnan(self.k) else self.k,
            "ballistic_coefficient_kg_m2": (
                None if math.isnan(self.ballistic_coefficient) else self.ballistic_coefficient
            ),
            "fit_rms_m": None if math.isnan(self.fit_rms_m) else self.fit_rms_m,
            "manoeuvre_free_days": None if math.isnan(self.natural_days) else self.natural_days,
        }


def classify(path: Path) -> Case:
    """Read one history (one object) and decide whether it reaches reentry."""
    sets = sorted(read_elements(path), key=lambda s: s.epoch.mjd)
    last = sets[-1]
    reaches = last.mean_motion * 86400.0 / (2 * math.pi) > END_MEAN_MOTION
    rev_day = last.mean_motion * 86400.0 / (2 * math.pi)
    note = f"last set {iso(last.epoch)} at {rev_day:.2f} rev/day" + (
        "" if reaches else ": the end is not in the data (truth not available)"
    )
    name = path.name.split(".")[0]
    return Case(name, path, tuple(sets), reaches, note)


def discover(data_dir: Path, starlink_limit: int | None = None) -> list[Case]:
    """The decayed histories and the Starlink histories under ``data_dir`` (shared/data/tle)."""
    paths = sorted((data_dir / "decayed").glob("*.tle*"))
    star = sorted((data_dir / "starlink_histories_2020-2026").glob("*.tle*"))
    cases = [classify(p) for p in paths]
    n = 0
    for p in star:
        if starlink_limit is not None and n >= starlink_limit:
            break
        c = classify(p)
        if c.reaches_reentry:
            cases.append(c)
            n += 1
    return cases


def _truth(case: Case, samples: int, seed: int) -> Time:
    """The last set's epoch plus the remaining time predicted from it (2-day fit window),
    or the last set's epoch itself when that fit comes down before it (the remaining time is
    clamped at 0 either way: the object was still in orbit at its last set)."""
    last = case.sets[-1]
    # the truth is where the history ends, whatever the object did: no manoeuvre trimming
    try:
        pred = predict_reentry(
            list(case.sets),
            samples=samples,
            seed=seed,
            window_days=2.0,
            ground_track=False,
            manoeuvre_check=False,
        )
    except DecayedError:
        # e.g. Starlink 44242: the 2-day fit spans the final thrusting descent and its model
        # reaches the interface about 50 min before the last set
        return last.epoch
    return last.epoch + TimeDelta(max(pred.remaining_days, 0.0), format="jd")


def clean_days_needed(sets: Sequence[ElementSet]) -> float:
    """Manoeuvre-free days needed before a prediction from the newest of ``sets``: the drag-fit
    window for its altitude (:func:`deorbit.estimation.drag_fit.adaptive_window_days`, the
    prediction's first-pass window) plus :data:`SETTLE_DAYS`. The prediction's final window
    (half the remaining time) can be longer; it never reaches back past a manoeuvre that the
    fit itself finds in the sets up to the date."""
    from deorbit.core.constants import WGS84_A
    from deorbit.estimation.drag_fit import adaptive_window_days

    newest = max(sets, key=lambda s: s.epoch.mjd)
    return adaptive_window_days(newest.semi_major_axis - WGS84_A) + SETTLE_DAYS


def manoeuvre_report(case: Case) -> ManoeuvreReport:
    """Manoeuvres in the last :data:`DETECT_DAYS` days of the case's history."""
    end = case.sets[-1].epoch.mjd
    return detect_manoeuvres([s for s in case.sets if s.epoch.mjd >= end - DETECT_DAYS])


def exclusion(case: Case, report: ManoeuvreReport, at: Time) -> tuple[str, float]:
    """Why a prediction of ``case`` from ``at`` is excluded ('' when it is made), and the
    manoeuvre-free days before ``at``."""
    before = [s for s in case.sets if s.epoch.mjd <= at.mjd]
    if not before:
        return "excluded: no element set before the prediction date", math.nan
    history = (at - case.sets[0].epoch).to_value("day")
    if history < MIN_HISTORY_DAYS:
        return (
            f"excluded: only {history:.1f} d of history before the prediction date "
            f"(need {MIN_HISTORY_DAYS:g})",
            math.nan,
        )
    if at.mjd >= case.sets[-1].epoch.mjd:
        return (
            "excluded: the prediction date is after the last element set (the truth comes "
            "from that set; the prediction would repeat it)",
            math.nan,
        )
    later = report.after(at)
    if later:
        return f"excluded: manoeuvre after the prediction date: {later[0].describe()}", 0.0
    free = float(at.mjd - max(report.natural_since.mjd, case.sets[0].epoch.mjd))
    need = clean_days_needed(before)
    if free < need:
        last = report.before(at)
        what = last[-1].describe() if last else "start of the history"
        return (
            f"excluded: {free:.1f} d without manoeuvre before the prediction date "
            f"(need {need:.1f}; last: {what})",
            free,
        )
    return "", free


def validate_case(
    case: Case,
    horizons: Sequence[float] = HORIZONS_DAYS,
    samples: int = 100,
    seed: int = 1,
) -> list[Row]:
    """Predictions of one case from ``horizons`` days before its truth; excluded horizons are
    rows too, with the reason in ``status``."""
    if not case.reaches_reentry:
        return [
            Row(case.name, h, case.sets[-1].epoch, None, None, None, None, "", case.note)
            for h in horizons[:1]
        ]
    try:
        truth = _truth(case, samples, seed)
    except DeorbitError as exc:
        return [
            Row(case.name, 0.0, case.sets[-1].epoch, None, None, None, None, "", f"no truth: {exc}")
        ]
    try:
        report = manoeuvre_report(case)
    except DeorbitError as exc:
        at = case.sets[-1].epoch
        return [Row(case.name, 0.0, at, truth, None, None, None, "", f"excluded: {exc}")]
    rows = []
    for h in horizons:
        at = truth - TimeDelta(h, format="jd")
        why, free = exclusion(case, report, at)
        if why:
            rows.append(Row(case.name, h, at, truth, None, None, None, "", why, natural_days=free))
            continue
        try:
            pred = predict_reentry(
                list(case.sets), at=at, samples=samples, seed=seed, ground_track=False
            )
        except DeorbitError as exc:
            rows.append(
                Row(
                    case.name,
                    h,
                    at,
                    truth,
                    None,
                    None,
                    None,
                    "",
                    f"failed: {exc}",
                    natural_days=free,
                )
            )
            continue
        rows.append(
            Row(
                case.name,
                h,
                at,
                truth,
                pred.median,
                pred.p05,
                pred.p95,
                pred.weather,
                "ok",
                k=pred.fit.k,
                ballistic_coefficient=pred.fit.ballistic_coefficient,
                fit_rms_m=pred.fit.rms,
                natural_days=free,
            )
        )
    return rows


def run_validation(
    cases: Sequence[Case],
    horizons: Sequence[float] = HORIZONS_DAYS,
    samples: int = 100,
    seed: int = 1,
    progress: Callable[[float, float], None] | None = None,
) -> list[Row]:
    """All cases; rows in case order."""
    rows: list[Row] = []
    for i, case in enumerate(cases):
        rows.extend(validate_case(case, horizons, samples, seed))
        if progress is not None:
            progress(i + 1, len(cases))
    return rows


def score(rows: Sequence[Row]) -> dict:
    """Mean |error| / remaining over the scored rows, overall and per horizon, and the share of
    truths inside the 5-95 % window."""
    ok = [r for r in rows if r.status == "ok"]
    out: dict = {"scored": len(ok), "excluded": sum(r.status.startswith("excluded") for r in rows)}
    out["failed"] = sum(r.status.startswith(("failed", "no truth")) for r in rows)
    if not ok:
        return out
    out["mean_abs_relative_error"] = float(np.mean([abs(r.relative_error) for r in ok]))
    out["inside_window_fraction"] = float(np.mean([r.inside_window for r in ok]))
    per = {}
    for h in sorted({r.horizon_days for r in ok}, reverse=True):
        sel = [r for r in ok if r.horizon_days == h]
        per[f"T-{h:g}d"] = {
            "n": len(sel),
            "mean_abs_relative_error": float(np.mean([abs(r.relative_error) for r in sel])),
            "mean_abs_error_hours": float(np.mean([abs(r.error_hours) for r in sel])),
        }
    out["per_horizon"] = per
    groups = {}
    for g in sorted({_group(r.name) for r in ok}):
        sel = [r for r in ok if _group(r.name) == g]
        groups[g] = {
            "n": len(sel),
            "mean_abs_relative_error": float(np.mean([abs(r.relative_error) for r in sel])),
        }
    out["per_group"] = groups
    return out


def _group(name: str) -> str:
    return "starlink" if name.startswith("starlink") else "decayed"


@dataclass
class DecayCheck:
    """Predicted vs observed decay of the mean semi-major axis over one manoeuvre-free span.

    ``k_fit`` is fitted on the ``fit_days`` before ``predict_start`` (same stretch);
    ``k_previous`` on the previous manoeuvre-free stretch (NaN for the first); the decay is
    predicted with each scale and with scale 1 (the B*-derived Cd A/m of the whole history,
    what a prediction without a fit would use). Decays in m (mean a lost over the span)."""

    fit_start: Time
    predict_start: Time
    predict_end: Time
    k_fit: float
    k_previous: float
    observed_m: float
    predicted_m: float
    previous_m: float
    scale1_m: float

    @property
    def fit_end(self) -> Time:
        """End of the fit window (= start of the prediction)."""
        return self.predict_start

    @property
    def error(self) -> float:
        """(predicted - observed) / observed decay, fit on this stretch."""
        return (self.predicted_m - self.observed_m) / self.observed_m

    @property
    def error_previous(self) -> float:
        """The same with the scale of the previous stretch (NaN when there is none)."""
        return (self.previous_m - self.observed_m) / self.observed_m

    @property
    def error_scale1(self) -> float:
        """The same with scale 1 (B*-derived Cd A/m, no fit)."""
        return (self.scale1_m - self.observed_m) / self.observed_m

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "fit_start": iso(self.fit_start),
            "predict_start": iso(self.predict_start),
            "predict_end": iso(self.predict_end),
            "k_fit": self.k_fit,
            "k_previous": None if math.isnan(self.k_previous) else self.k_previous,
            "observed_m": self.observed_m,
            "predicted_m": self.predicted_m,
            "error": self.error,
            "error_previous": None if math.isnan(self.previous_m) else self.error_previous,
            "error_scale1": self.error_scale1,
        }


def manoeuvre_free_stretches(
    sets: Sequence[ElementSet], report: ManoeuvreReport | None = None
) -> list[tuple[float, float]]:
    """(start MJD, end MJD) of the spans between detected manoeuvres (raises, lowerings, changes
    of the decay rate), :data:`SETTLE_DAYS` away from each manoeuvre."""
    ordered = sorted(sets, key=lambda s: s.epoch.mjd)
    report = report or detect_manoeuvres(ordered)
    bounds = [(ordered[0].epoch.mjd - SETTLE_DAYS, ordered[0].epoch.mjd)]
    bounds += [(m.start.mjd, m.end.mjd) for m in report.manoeuvres]
    bounds.append((ordered[-1].epoch.mjd, ordered[-1].epoch.mjd + SETTLE_DAYS))
    out = []
    for (_s0, e0), (s1, _e1) in itertools.pairwise(bounds):
        # a set's epoch is its orbit determination's: the sets just before a detected
        # manoeuvre may already hold it (the detector resolves it to one interval)
        lo, hi = e0 + SETTLE_DAYS, s1 - SETTLE_DAYS
        if hi > lo:
            out.append((lo, hi))
    return out


def _decay_with_scale(start, spacecraft, forces, k: float, seconds: float) -> float:
    """Mean a lost (m) over ``seconds`` from ``start`` with drag scale ``k``."""
    from deorbit.core.spacecraft import Spacecraft
    from deorbit.propagation.averaged import AveragedPropagator

    sc = Spacecraft(spacecraft.mass, spacecraft.drag_area * k, spacecraft.cd)
    tr = AveragedPropagator(forces).propagate(start, sc, seconds, output_step=seconds)
    return float(start.a - tr.y[-1, 0])


def iss_decay_checks(
    sets: Sequence[ElementSet],
    fit_days: float = 10.0,
    predict_days: float = 10.0,
    max_stretches: int | None = None,
) -> list[DecayCheck]:
    """On every manoeuvre-free stretch (:func:`manoeuvre_free_stretches`) long enough for
    ``fit_days + predict_days``: fit the drag scale on the first ``fit_days`` and compare the
    model's decay of the mean a over the next ``predict_days`` with the observed one (three sets
    averaged at each end), and the same with the previous stretch's scale and with scale 1.
    One nominal Cd A/m (median B* of the whole history) for every stretch, so the scales compare.
    Observed space weather throughout (a hindcast)."""
    from deorbit.core.state import State
    from deorbit.estimation.drag_fit import (
        fit_from_elements,
        nominal_spacecraft,
        observations_from_elements,
    )
    from deorbit.propagation.mean_elements import MeanElements, mean_elements
    from deorbit.propagation.sgp4 import osculating_state_at_epoch
    from deorbit.reentry.window import environment_for

    ordered = sorted(sets, key=lambda s: s.epoch.mjd)
    sc = nominal_spacecraft(ordered)
    env = environment_for(ordered[-1].epoch, hindcast=True)
    out: list[DecayCheck] = []
    k_prev = math.nan
    for lo, hi in manoeuvre_free_stretches(ordered):
        if max_stretches is not None and len(out) >= max_stretches:
            break
        inside = [s for s in ordered if lo <= s.epoch.mjd <= hi]
        if len(inside) < 8:
            continue
        if hi - lo < fit_days + predict_days:
            # too short to check, but long enough to give the next stretch its scale
            if hi - lo >= fit_days:
                try:
                    fit = fit_from_elements(
                        inside, env.reference, window_days=hi - lo, spacecraft=sc
                    )
                    k_prev = fit.k
                except DeorbitError:
                    pass
            continue
        fit_end = lo + fit_days
        try:
            fit = fit_from_elements(
                [s for s in inside if s.epoch.mjd <= fit_end],
                env.reference,
                window_days=fit_days,
                spacecraft=sc,
            )
        except DeorbitError:
            continue
        head_sets = [s for s in inside if s.epoch.mjd <= fit_end][-3:]
        tail_sets = [s for s in inside if s.epoch.mjd > fit_end + predict_days - 1.5]
        tail_sets = [s for s in tail_sets if s.epoch.mjd <= fit_end + predict_days][-3:]
        head = observations_from_elements(head_sets)
        tail = observations_from_elements(tail_sets)
        if not head or not tail:
            continue
        t_a = Time(np.mean([o.epoch.mjd for o in head]), format="mjd", scale="utc")
        t_b = Time(np.mean([o.epoch.mjd for o in tail]), format="mjd", scale="utc")
        r, v = osculating_state_at_epoch(head_sets[-1])
        m = mean_elements(State(head_sets[-1].epoch, r, v))
        start = MeanElements(t_a, float(np.mean([o.a for o in head])), m.ex, m.ey, m.i, m.raan)
        span = float((t_b - t_a).to_value("sec"))
        observed = float(np.mean([o.a for o in head]) - np.mean([o.a for o in tail]))
        out.append(
            DecayCheck(
                fit.used[0].epoch,
                t_a,
                t_b,
                fit.k,
                k_prev,
                observed_m=observed,
                predicted_m=_decay_with_scale(start, sc, env.reference, fit.k, span),
                previous_m=(
                    math.nan
                    if math.isnan(k_prev)
                    else _decay_with_scale(start, sc, env.reference, k_prev, span)
                ),
                scale1_m=_decay_with_scale(start, sc, env.reference, 1.0, span),
            )
        )
        k_prev = fit.k
    return out


def decay_check_summary(checks: Sequence[DecayCheck]) -> dict:
    """Distribution of the relative decay errors per method (median, mean |error|, range)."""
    out = {"stretches": len(checks)}
    for name, attr in (
        ("fit_this_stretch", "error"),
        ("previous_stretch", "error_previous"),
        ("scale_1", "error_scale1"),
    ):
        e = np.array([getattr(c, attr) for c in checks], dtype=float)
        e = e[np.isfinite(e)]
        if e.size:
            out[name] = {
                "n": int(e.size),
                "median": float(np.median(e)),
                "mean_abs": float(np.mean(np.abs(e))),
                "min": float(e.min()),
                "max": float(e.max()),
            }
    return out
