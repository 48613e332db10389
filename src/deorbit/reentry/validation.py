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
from deorbit.errors import DeorbitError
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
        """Truth within the 5-95 % window."""
        return bool(self.p05 is not None and self.p05 <= self.truth <= self.p95)

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
    last = case.sets[-1]
    pred = predict_reentry(
        list(case.sets), samples=samples, seed=seed, window_days=2.0, ground_track=False
    )
    return last.epoch + TimeDelta(max(pred.remaining_days, 0.0), format="jd")


def clean_days_needed(sets: Sequence[ElementSet]) -> float:
    """Manoeuvre-free days needed before a prediction from the newest of ``sets``: the drag-fit
    window for its altitude (:func:`deorbit.estimation.drag_fit.adaptive_window_days`, the
    same one the prediction uses) plus :data:`SETTLE_DAYS`."""
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
    """Predicted vs observed decay of the mean semi-major axis over one reboost-free stretch."""

    fit_start: Time
    fit_end: Time
    predict_end: Time
    k: float
    observed_m: float
    predicted_m: float

    @property
    def error(self) -> float:
        """(predicted - observed) / observed decay."""
        return (self.predicted_m - self.observed_m) / self.observed_m


def iss_decay_checks(
    sets: Sequence[ElementSet],
    fit_days: float = 10.0,
    predict_days: float = 10.0,
    max_stretches: int = 6,
) -> list[DecayCheck]:
    """Over stretches without reboosts (no rise of the SGP4 semi-major axis above 300 m between
    sets), fit the drag scale on ``fit_days`` and compare the model's decay of the mean a over
    the next ``predict_days`` with the observed one (our mean elements of the sets there).
    Observed space weather throughout (a hindcast)."""
    from deorbit.estimation.drag_fit import (
        MANOEUVRE_RISE_M,
        fit_from_elements,
        fitted_state_at,
        observations_from_elements,
    )
    from deorbit.reentry.window import environment_for

    ordered = sorted(sets, key=lambda s: s.epoch.mjd)
    a = np.array([s.semi_major_axis for s in ordered])
    t = np.array([s.epoch.mjd for s in ordered])
    breaks = [0, *(np.flatnonzero(np.diff(a) > MANOEUVRE_RISE_M) + 1).tolist(), len(ordered)]
    env = environment_for(Time(t[-1], format="mjd", scale="utc"), hindcast=True)
    out: list[DecayCheck] = []
    for lo, hi in itertools.pairwise(breaks):
        if len(out) >= max_stretches:
            break
        # leave a day after a reboost for the orbit determination to settle
        t0 = t[lo] + 1.0
        if t[hi - 1] < t0 + fit_days + predict_days:
            continue
        fit_end = t0 + fit_days
        stretch = [s for s in ordered[lo:hi] if t0 <= s.epoch.mjd <= fit_end + predict_days]
        fit = fit_from_elements(
            [s for s in stretch if s.epoch.mjd <= fit_end], env.reference, window_days=fit_days
        )
        head = observations_from_elements([s for s in stretch if s.epoch.mjd <= fit_end][-3:])
        tail = observations_from_elements(
            [s for s in stretch if s.epoch.mjd > fit_end + predict_days - 1.5][-3:]
        )
        if not head or not tail:
            continue
        # three sets averaged at each end (TLE mean a scatters by tens of metres)
        t_a = Time(np.mean([o.epoch.mjd for o in head]), format="mjd", scale="utc")
        t_b = Time(np.mean([o.epoch.mjd for o in tail]), format="mjd", scale="utc")
        model_a = fitted_state_at(fit, env.reference, t_a).a
        model_b = fitted_state_at(fit, env.reference, t_b).a
        out.append(
            DecayCheck(
                fit.used[0].epoch,
                t_a,
                t_b,
                fit.k,
                observed_m=float(np.mean([o.a for o in head]) - np.mean([o.a for o in tail])),
                predicted_m=float(model_a - model_b),
            )
        )
    return out
