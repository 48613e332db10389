"""Reentry window from a TLE history: fitted drag scale + seeded ensemble -> median and 5-95 %.

Uncertainty model (per sample ``i``, seeded ``numpy`` generator):

* density-model error: a log-normal scale, 1-sigma :data:`DENSITY_SIGMA` (17 %, inside the
  15-20 % usually quoted for NRLMSIS-class models at these altitudes, e.g. Emmert 2015,
  "Thermospheric mass density: a review", Adv. Space Res. 56, 773), held **constant per
  sample** over the whole prediction (fully correlated in time: the dominant part of the
  model error is a slowly varying bias, which the fit window cannot see beyond its end);
* solar-forecast spread: each sample draws the WEAK / AVERAGE / STRONG solar-cycle forecast with
  probabilities 1/4, 1/2, 1/4 (for hindcasts with observed weather there is one level);
* fit uncertainty: a log-normal factor with the fit's relative 1-sigma;
* drag change after the fit window: a log-normal factor, 1-sigma of its logarithm
  :data:`DRAG_CHANGE_SIGMA` (0.15), also constant per sample. The object's drag per unit mass
  does not stay what the window saw (attitude and shape changes, the density model's error
  changing with altitude); the size is our own calibration on the validation dev set (see
  the constant).

The log-normal factors have median 1: the fitted scale is the best estimate of the median, so
for one solar level the ensemble's median reentry is the fitted scale's own.

The fit window (when not given) spans half the expected remaining time, 1-60 days
(:func:`deorbit.estimation.drag_fit.remaining_window_days`): a first fit over the altitude-rule
window gives the remaining time of its nominal trajectory, and the scale is fitted again over
the window for it (``fit_window`` in the summary says which).

The total drag scale of a sample is ``k_fit x fit factor x density factor x drag-change
factor`` (drawn as one log-normal, stratified: :func:`_draw_samples`). Long horizons: the
reentry time as a function of the drag scale is computed on a few nodes per solar level with the
orbit-averaged propagator down to the 180 km hand-over and the numerical (Cowell) propagator from
there to 120 km, and interpolated in log-log for every sample (the time to reentry is smooth and
monotone in a constant scale). The last days (mean perigee already below the hand-over): all
samples run numerically at once through :class:`EnsemblePropagator`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time, TimeDelta
from scipy.special import ndtri

from deorbit.core.constants import WGS84_A
from deorbit.core.elements import ElementSet
from deorbit.core.frames import subpoint
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.time import TimeLike, iso, to_time
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import NRLMSIS
from deorbit.environment.space_weather import CelestrakSpaceWeather, default_space_weather
from deorbit.errors import DecayedError, InputError, PropagationError, SpaceWeatherRangeError
from deorbit.estimation.drag_fit import (
    BSTAR_DRAG_FACTOR,
    BSTAR_TOTAL_LOG_SIGMA,
    REMAINING_WINDOW_MAX_DAYS,
    DragFit,
    FitError,
    TooFewSetsError,
    adaptive_window_days,
    bstar_drag,
    fit_from_elements,
    fitted_state_at,
    remaining_window_days,
)
from deorbit.formats.geojson import feature_collection, point_feature, track_features
from deorbit.propagation.averaged import AveragedPropagator, descend_to_handover, final_arc
from deorbit.propagation.ensemble import EnsemblePropagator
from deorbit.propagation.events import REENTRY_INTERFACE_ALTITUDE, AltitudeCrossing
from deorbit.propagation.mean_elements import MeanElements, osculating_state
from deorbit.propagation.numerical import SURFACE, NumericalPropagator

DENSITY_SIGMA = 0.17
DRAG_CHANGE_SIGMA = 0.15
"""1-sigma of ln(drag scale) for the change of the object's drag after the fit window.
Calibrated (not an outside figure) on the validation dev set, the Starlink histories of
``../shared/data/tle`` beyond the first 20 (``docs/validation.md``, round 4): with the density
and fit terms alone the 5-95 % window held 105 of 133 truths (79 %); with this term added in
quadrature 90 % (estimated from the round-3 windows); measured with ``deorbit validate
--starlink 200`` after round 4: 123 of 133 (92 %)."""
LEVEL_WEIGHTS = {"WEAK": 0.25, "AVERAGE": 0.5, "STRONG": 0.25}
HANDOVER_ALTITUDE = 180e3
NODES_PER_LEVEL = 7
TRACK_DAYS = 3.0
MAX_HORIZON_YEARS = 100.0
"""Longest prediction horizon (years); the solar-cycle forecast itself ends in 2099."""
FINAL_DAYS_LIMIT = 60.0
"""Days the numerical ensemble runs when the mean perigee is already below the hand-over
(samples still up then count as staying up)."""
INTERFACE = AltitudeCrossing(REENTRY_INTERFACE_ALTITUDE, -1, True, "reentry interface")


@dataclass
class Environment:
    """Force models per solar level and what kind of weather they use."""

    forces: dict[str, ForceModel]
    weather: str

    @property
    def reference_level(self) -> str:
        """The level whose force model the fit uses: AVERAGE, or the observed history."""
        return "AVERAGE" if "AVERAGE" in self.forces else next(iter(self.forces))

    @property
    def reference(self) -> ForceModel:
        """The force model used for the fit (:attr:`reference_level`'s)."""
        return self.forces[self.reference_level]


def environment_for(as_of: TimeLike, hindcast: bool = False) -> Environment:
    """NRLMSIS-00 with observed weather to ``as_of`` then the three solar-cycle forecasts.

    A prediction date after the last observed day of the space-weather file uses the
    observations to that day and the forecasts from there (and says so: the days between are
    forecast, not observed). For dates before the forecast starts (2023-05), or
    ``hindcast=True``, the observed history throughout (one level)."""
    if not hindcast:
        when = to_time(as_of)
        history = CelestrakSpaceWeather()
        last = history.last_observed_mjd
        late = when.mjd >= last + 1
        try:
            forces = {
                lv: ForceModel(
                    NRLMSIS(default_space_weather(lv, as_of=None if late else when), "00")
                )
                for lv in LEVEL_WEIGHTS
            }
            if late:
                gap = when.mjd - (last + 1)
                label = (
                    f"observed to {history.last_observed} (the last observed day of "
                    f"{history.path.name}, {gap:.1f} d before the prediction date), then forecast"
                )
            else:
                label = "observed to the prediction date, then forecast"
            return Environment(forces, label)
        except SpaceWeatherRangeError:
            pass
    sw = CelestrakSpaceWeather()
    label = "observed (hindcast; the CelesTrak file's own predictions after its last day)"
    return Environment({"OBSERVED": ForceModel(NRLMSIS(sw, "00"))}, label)


@dataclass
class ReentryPrediction:
    """A reentry prediction. Times are astropy Times (UTC); ``sample_times`` are the 120 km
    interface times of every ensemble sample; ``track`` is (times, lat deg, lon deg) of the
    ground track over the window; ``points`` label -> (time, lat deg, lon deg)."""

    label: str
    norad_id: int
    as_of: Time
    fit: DragFit
    start: MeanElements
    weather: str
    method: str
    seed: int
    sample_times: Time
    sample_levels: np.ndarray
    sample_scales: np.ndarray
    median: Time
    p05: Time
    p95: Time | None
    """None when more than 5 % of the samples stay up over the horizon (:attr:`horizon_end`)."""
    horizon_end: Time | None = None
    """The end of the prediction horizon: samples still up then count as staying up."""
    impact: tuple[Time, float, float] | None = None
    points: dict[str, tuple[Time, float, float]] = field(default_factory=dict)
    point_levels: dict[str, str] = field(default_factory=dict)
    """The solar level each interface point's trajectory was flown with."""
    track: tuple[Time, np.ndarray, np.ndarray] | None = None
    fit_window: str = ""
    """How the fit window was chosen (given, for the remaining time, or the altitude rule)."""
    uncertainty: dict[str, float] = field(default_factory=dict)
    """The ensemble's spreads: ``density_sigma`` (relative 1-sigma), ``drag_change_sigma``
    (1-sigma of ln k), ``fit_sigma`` (relative 1-sigma of the fitted scale) and
    ``total_log_sigma`` (1-sigma of ln k of their product)."""

    @property
    def levels(self) -> list[str]:
        """The solar levels the samples drew from (one, "OBSERVED", for hindcasts)."""
        return list(dict.fromkeys(self.sample_levels.tolist()))

    @property
    def remaining_days(self) -> float:
        """Median time from the prediction date to the interface, days."""
        return float((self.median - self.as_of).to_value("day"))

    @property
    def window_hours(self) -> float | None:
        """Width of the 5-95 % window, h; None when the 95th percentile is after the horizon."""
        return None if self.p95 is None else float((self.p95 - self.p05).to_value("hour"))

    def summary(self) -> dict:
        """JSON-ready summary (ISO dates, km and degrees for people)."""
        out = {
            "object": self.label,
            "norad_id": self.norad_id,
            "as_of": iso(self.as_of),
            "weather": self.weather,
            "method": self.method,
            "samples": len(self.sample_scales),
            "seed": self.seed,
            "mean_altitude_km": (self.start.a - WGS84_A) / 1e3,
            "fit": self.fit.summary(),
            "fit_window": self.fit_window,
            "uncertainty": {
                **self.uncertainty,
                "solar_levels": {lv: LEVEL_WEIGHTS.get(lv, 1.0) for lv in self.levels},
            },
            "interface_altitude_km": REENTRY_INTERFACE_ALTITUDE / 1e3,
            "median": iso(self.median),
            "p05": iso(self.p05),
            "p95": None if self.p95 is None else iso(self.p95),
            "horizon_end": None if self.horizon_end is None else iso(self.horizon_end),
            "remaining_days": self.remaining_days,
            "window_hours": self.window_hours,
        }
        if self.impact is not None:
            t, lat, lon = self.impact
            out["expected_impact"] = {"time": iso(t), "lat_deg": lat, "lon_deg": lon}
        out["window_points"] = {
            k: {"time": iso(t), "lat_deg": la, "lon_deg": lo, "solar_level": self.point_levels[k]}
            for k, (t, la, lo) in self.points.items()
        }
        return out

    def geojson(self) -> dict:
        """Ground track over the window and the window points, as a FeatureCollection."""
        feats = []
        if self.track is not None:
            t, lat, lon = self.track
            feats.append(
                track_features(
                    lon,
                    lat,
                    {
                        "name": f"{self.label} ground track over the 5-95 % window",
                        "start": iso(t[0]),
                        "end": iso(t[-1]),
                    },
                )
            )
        for key, (t, lat, lon) in self.points.items():
            feats.append(point_feature(lon, lat, {"name": f"interface {key}", "time": iso(t)}))
        if self.impact is not None:
            t, lat, lon = self.impact
            feats.append(point_feature(lon, lat, {"name": "expected impact", "time": iso(t)}))
        return feature_collection(feats)


def ensemble_spread(fit: DragFit, density_sigma: float, drag_change_sigma: float) -> dict:
    """The spreads of the ensemble's drag-scale factors (see :class:`ReentryPrediction`)."""
    return {
        "density_sigma": density_sigma,
        "drag_change_sigma": drag_change_sigma,
        "fit_sigma": fit.relative_sigma,
        "total_log_sigma": math.sqrt(
            math.log1p(fit.relative_sigma) ** 2
            + math.log1p(density_sigma) ** 2
            + drag_change_sigma**2
        ),
    }


def _draw_samples(
    fit: DragFit,
    levels: list[str],
    n: int,
    seed: int,
    density_sigma: float,
    drag_change_sigma: float = DRAG_CHANGE_SIGMA,
) -> tuple[np.ndarray, np.ndarray]:
    """(level index per sample, total drag scale per sample).

    The fit, density and drag-change factors are independent log-normals with median 1, so
    their product is one log-normal with the root-sum-square spread; it is drawn
    **stratified** (one draw in each of ``n`` equal-probability slices of the normal, in random
    order). With plain draws the sample median of a 100-sample ensemble wanders by about
    0.22 x 1.25 / 10 = 2.7 % of the scale, and with one seed for every prediction that
    wander is the same bias everywhere; stratified, the median is the fitted scale's to within
    one slice."""
    rng = np.random.default_rng(seed)
    sigma = ensemble_spread(fit, density_sigma, drag_change_sigma)["total_log_sigma"]
    u = (rng.permutation(n) + rng.random(n)) / n
    z = ndtri(np.clip(u, 1e-12, 1.0 - 1e-12))
    w = np.array([LEVEL_WEIGHTS.get(lv, 1.0) for lv in levels])
    lvl = rng.choice(len(levels), size=n, p=w / w.sum())
    return lvl, fit.k * np.exp(sigma * z)


def _scaled(sc: Spacecraft, k: float) -> Spacecraft:
    return Spacecraft(sc.mass, sc.drag_area * k, sc.cd)


def _node_run(
    start: MeanElements, sc: Spacecraft, forces: ForceModel, k: float, horizon_s: float
) -> float:
    """Averaged to the hand-over, numerical to the interface: the interface time (s after
    ``start``), inf when the horizon comes first."""
    sck = _scaled(sc, k)
    hist = descend_to_handover(start, sck, forces, horizon_s, HANDOVER_ALTITUDE)
    if not hist.stopped_by_event:  # the horizon came first
        return math.inf
    osc = osculating_state(hist.elements_at(-1), 0.0, forces.zonal_degree)
    arc = final_arc(
        NumericalPropagator(forces), osc, sck, horizon_s - float(hist.t[-1]), INTERFACE, 60.0
    )
    ev = arc.event(INTERFACE.label)
    return math.inf if ev is None else float(hist.t[-1]) + ev.t


def _nominal_interface_s(
    start: MeanElements, sc: Spacecraft, forces: ForceModel, k: float, horizon_s: float
) -> float:
    """Interface time (s after ``start``) of one trajectory with drag scale ``k``; inf when
    it stays up over the horizon."""
    if start.a * (1 - start.e) - WGS84_A >= HANDOVER_ALTITUDE:
        return _node_run(start, sc, forces, k, horizon_s)
    osc = osculating_state(start, 0.0, forces.zonal_degree)
    arc = final_arc(NumericalPropagator(forces), osc, _scaled(sc, k), horizon_s, INTERFACE, 600.0)
    ev = arc.event(INTERFACE.label)
    return math.inf if ev is None else float(ev.t)


def fit_widening(
    sets: list[ElementSet],
    forces: ForceModel,
    window_days: float,
    longest_days: float,
    manoeuvre_check: bool,
) -> tuple[DragFit, float]:
    """:func:`fit_from_elements` over ``window_days``; a window with fewer than 4 usable sets
    is doubled, at most to ``longest_days``. Returns the fit and the window it used (days).

    Raises
    ------
    TooFewSetsError
        Still fewer than 4 usable sets in the longest window.
    FitError
        Any other failure of the fit (not retried: a longer window does not mend it).
    """
    tried = window_days
    while True:
        try:
            fit = fit_from_elements(
                sets, forces, window_days=tried, manoeuvre_check=manoeuvre_check
            )
            return fit, tried
        except TooFewSetsError:
            wider = min(2.0 * tried, longest_days)
            if wider <= tried:
                raise
            tried = wider


def _refit_for_remaining(
    usable: list[ElementSet],
    first: DragFit,
    first_window: float,
    start: MeanElements,
    forces: ForceModel,
    as_of: Time,
    manoeuvre_check: bool,
    horizon_years: float,
) -> tuple[DragFit, MeanElements, str]:
    """The fit again over the window for the expected remaining time
    (:func:`deorbit.estimation.drag_fit.remaining_window_days`), the remaining time taken from
    the first fit's (over ``first_window`` days, the altitude rule) nominal trajectory. Keeps
    the first fit when the new window is the same (the same sets: the same fit), when the
    object stays up over the horizon or when the new window cannot be fitted, and says so. A
    short window with fewer than 4 usable sets is doubled while it stays shorter than the
    first one."""
    first_days = (first.end - first.used[0].epoch).to_value("day")
    t_if = _nominal_interface_s(
        start, first.spacecraft, forces, first.k, horizon_years * 365.25 * 86400.0
    )
    if not math.isfinite(t_if):
        return first, start, f"altitude rule ({first_days:.1f} d of sets): no first-pass reentry"
    remaining = (start.epoch + TimeDelta(t_if, format="sec") - as_of).to_value("day")
    window = remaining_window_days(remaining)
    why = f"{window:.1f} d = half the first-pass remaining time {remaining:.1f} d"
    if window == first_window:
        return first, start, why
    longest = window  # a short window in sparse sets: doubled while it stays under the first
    while 2.0 * longest < first_window:
        longest *= 2.0
    try:
        fit, tried = fit_widening(usable, forces, window, longest, manoeuvre_check)
    except TooFewSetsError as exc:
        return first, start, f"altitude rule ({first_days:.1f} d of sets): {why}: {exc}"
    except (FitError, DecayedError) as exc:
        return first, start, f"altitude rule ({first_days:.1f} d of sets): {why} failed: {exc}"
    if tried != window:
        why += f", widened to {tried:g} d for 4 usable sets"
    try:
        return fit, fitted_state_at(fit, forces, usable[-1].epoch), why
    except DecayedError as exc:
        return first, start, f"altitude rule ({first_days:.1f} d of sets): {why} failed: {exc}"


def predict_reentry(
    sets: list[ElementSet],
    at: TimeLike | None = None,
    samples: int = 200,
    seed: int = 1,
    window_days: float | None = None,
    density_sigma: float = DENSITY_SIGMA,
    drag_change_sigma: float = DRAG_CHANGE_SIGMA,
    horizon_years: float = 25.0,
    hindcast: bool = False,
    ground_track: bool = True,
    manoeuvre_check: bool = True,
    progress: Callable[[float, float], None] | None = None,
    bstar_fallback: bool = True,
) -> ReentryPrediction:
    """Predict the reentry of the object whose element sets are ``sets`` (one object), using only
    sets up to ``at`` (default: all). See the module docstring for the method. The fit window
    starts after the last manoeuvre found in those sets (``manoeuvre_check``). ``progress``,
    when given, is called as ``progress(done, total)`` after each trajectory flown (the
    first-pass nominal, the ensemble's node runs or its numerical batches, the ground tracks).
    With fewer than 4 usable sets in the longest fit window (a single TLE, say) the drag is the
    newest set's B* times a factor calibrated on real reentries (:func:`bstar_drag`), with the
    wider spread of that calibration, and ``fit_window`` says so; ``bstar_fallback=False``
    raises :class:`TooFewSetsError` instead.

    Raises
    ------
    InputError
        No sets, several objects, bad sample count.
    FitError
        The drag scale cannot be fitted.
    """
    if not sets:
        raise InputError("no element sets given")
    ids = {s.norad_id for s in sets}
    if len(ids) != 1:
        raise InputError(f"predict_reentry needs one object's sets, got {len(ids)} objects")
    if samples < 10:
        raise InputError(f"samples must be at least 10, got {samples}")
    if not (math.isfinite(horizon_years) and 0.0 < horizon_years <= MAX_HORIZON_YEARS):
        raise InputError(
            f"the horizon must be more than 0 and at most {MAX_HORIZON_YEARS:g} years, "
            f"got {horizon_years}"
        )
    usable = sorted(sets, key=lambda s: s.epoch.mjd)
    if at is not None:
        usable = [s for s in usable if s.epoch.mjd <= to_time(at).mjd]
        if not usable:
            raise InputError(f"no element sets of {sets[0].label} before {iso(to_time(at))}")
    last = usable[-1]
    as_of = to_time(at) if at is not None else last.epoch
    env = environment_for(as_of, hindcast)
    # the first pass: the given window, or the altitude rule (fit_from_elements' own default)
    first_window = (
        window_days
        if window_days is not None
        else adaptive_window_days(last.semi_major_axis - WGS84_A)
    )
    widened = ""
    bstar_only = ""
    if window_days is None:
        # sparse sets (a debris object tracked every week or two): the altitude rule's window
        # is doubled up to the longest fit window, and the refit below starts from there
        rule = first_window
        try:
            fit, first_window = fit_widening(
                usable,
                env.reference,
                rule,
                max(rule, REMAINING_WINDOW_MAX_DAYS),
                manoeuvre_check,
            )
        except TooFewSetsError as exc:
            if not bstar_fallback:
                raise
            # one set, or a few: no decay to fit; the newest set's B*, calibrated
            fit = bstar_drag(usable, drag_change_sigma, density_sigma)
            bstar_only = (
                f"no fit ({exc}): drag = the newest set's B* x {BSTAR_DRAG_FACTOR:g} "
                f"(calibrated on real reentries), 1-sigma of ln k {BSTAR_TOTAL_LOG_SIGMA:g} "
                "in all"
            )
        if first_window != rule:
            widened = (
                f" (first pass: the altitude rule's {rule:.1f} d held fewer than 4 usable "
                f"sets, widened to {first_window:.1f} d)"
            )
    else:
        fit = fit_from_elements(
            usable, env.reference, window_days=first_window, manoeuvre_check=manoeuvre_check
        )
    try:
        start = fitted_state_at(fit, env.reference, last.epoch)
        fit_window = f"{window_days:g} d (given)" if window_days is not None else bstar_only
        if window_days is None and not bstar_only:
            fit, start, fit_window = _refit_for_remaining(
                usable,
                fit,
                first_window,
                start,
                env.reference,
                as_of,
                manoeuvre_check,
                horizon_years,
            )
            fit_window += widened
    except DecayedError as exc:
        raise DecayedError(f"{last.label}: {exc}") from exc
    levels = list(env.forces)
    lvl, scales = _draw_samples(fit, levels, samples, seed, density_sigma, drag_change_sigma)
    sc = fit.spacecraft
    horizon = horizon_years * 365.25 * 86400.0
    t_if = np.full(samples, np.nan)
    perigee = start.a * (1 - start.e) - WGS84_A
    total = 1 + len(levels) * (1 if perigee < HANDOVER_ALTITUDE else NODES_PER_LEVEL)
    total += 3 if ground_track else 0
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done, total), total)

    tick()  # the fit and the first pass are done
    if perigee < HANDOVER_ALTITUDE:
        method = "numerical ensemble (final days)"
        try:
            osc = osculating_state(start, 0.0, env.reference.zonal_degree)
        except DecayedError as exc:
            raise DecayedError(f"{last.label}: {exc}") from exc
        for j, lv in enumerate(levels):
            sel = np.flatnonzero(lvl == j)
            if sel.size == 0:
                continue
            res = EnsemblePropagator(env.forces[lv]).propagate(
                osc.epoch,
                np.repeat(osc.r[None], sel.size, 0),
                np.repeat(osc.v[None], sel.size, 0),
                sc,
                FINAL_DAYS_LIMIT * 86400.0,
                density_scale=scales[sel],
                events=[INTERFACE],
            )
            t_if[sel] = np.where(
                np.array([nm == INTERFACE.label for nm in res.event_name]), res.event_time, np.inf
            )
            tick()
    else:
        method = "averaged to 180 km + numerical (nodes in drag scale, log-log interpolation)"
        for j, lv in enumerate(levels):
            sel = np.flatnonzero(lvl == j)
            if sel.size == 0:
                continue
            lo, hi = float(scales[sel].min()), float(scales[sel].max())
            nodes = np.geomspace(lo, hi, NODES_PER_LEVEL) if hi > lo * 1.0001 else np.array([lo])
            times = []
            for kn in nodes:
                times.append(_node_run(start, sc, env.forces[lv], float(kn), horizon))
                tick()
            times = np.array(times)
            t_if[sel] = interpolate_nodes(scales[sel], nodes, times, horizon)
    finite = np.isfinite(t_if)
    q05, q50, q95 = interface_percentiles(t_if, (5.0, 50.0, 95.0))
    limit_s = FINAL_DAYS_LIMIT * 86400.0 if perigee < HANDOVER_ALTITUDE else horizon
    if not math.isfinite(q50):
        within = (
            f"{FINAL_DAYS_LIMIT:g} days (perigee already below the hand-over)"
            if perigee < HANDOVER_ALTITUDE
            else f"{horizon_years:g} years"
        )
        raise PropagationError(f"{last.label}: fewer than half the samples reenter within {within}")
    t0 = start.epoch
    with warnings.catch_warnings():
        # NaN marks the samples that stay up over the horizon; erfa warns about NaN dates
        warnings.simplefilter("ignore", RuntimeWarning)
        sample_times = t0 + TimeDelta(np.where(finite, t_if, np.nan), format="sec")
    pred = ReentryPrediction(
        label=last.label,
        norad_id=last.norad_id,
        as_of=as_of,
        fit=fit,
        start=start,
        weather=env.weather,
        method=method,
        seed=seed,
        sample_times=sample_times,
        sample_levels=np.array([levels[i] for i in lvl]),
        sample_scales=scales,
        median=t0 + TimeDelta(q50, format="sec"),
        p05=t0 + TimeDelta(q05, format="sec"),
        p95=t0 + TimeDelta(q95, format="sec") if math.isfinite(q95) else None,
        horizon_end=t0 + TimeDelta(limit_s, format="sec"),
        fit_window=fit_window,
        uncertainty=ensemble_spread(fit, density_sigma, drag_change_sigma),
    )
    if ground_track:
        _add_ground(pred, start, sc, env, t_if, (q05, q50, min(q95, limit_s)), limit_s, tick)
    return pred


def interpolate_nodes(
    scales: np.ndarray, nodes: np.ndarray, times: np.ndarray, horizon_s: float
) -> np.ndarray:
    """Interface times (s; inf: still up at ``horizon_s``) of the samples' drag ``scales``
    from the node runs (``nodes`` ascending, their ``times``), linear in log-log.

    Nodes that stay up over the horizon (inf) are the low-scale end. A sample between the
    last node that comes down and the first that does not is extrapolated from the nodes that
    come down (the slope of their first interval; t ~ 1/scale with only one) and stays up only
    when that reaches past the horizon: interpolating towards an inf node would count every
    sample of that interval as staying up, though most of it comes down before the horizon."""
    k = np.log(np.asarray(scales, dtype=float))
    ok = np.isfinite(times)
    if not ok.any():
        return np.full(k.shape, np.inf)
    lk, lt = np.log(nodes[ok]), np.log(times[ok])
    out = np.interp(k, lk, lt)
    slope = (lt[1] - lt[0]) / (lk[1] - lk[0]) if lk.size >= 2 else -1.0
    below = k < lk[0]
    out[below] = lt[0] + slope * (k[below] - lk[0])
    t = np.exp(out)
    t[t > horizon_s] = np.inf
    return t


def interface_percentiles(times: np.ndarray, q: tuple[float, ...]) -> tuple[float, ...]:
    """Percentiles ``q`` (0-100) of the samples' interface times (s; inf for a sample that
    stays up over the horizon), linear between neighbouring order statistics as
    ``numpy.percentile``; inf where one of the two neighbours stays up (the percentile is then
    only known to lie after the horizon). ``numpy.percentile`` gives NaN there (inf - inf)."""
    s = np.sort(np.asarray(times, dtype=float))
    n = s.size
    out = []
    for p in q:
        pos = p / 100.0 * (n - 1)
        i = math.floor(pos)
        j = min(i + 1, n - 1)
        f = pos - i
        if not math.isfinite(s[i]) or (f > 0.0 and not math.isfinite(s[j])):
            out.append(math.inf)
        else:
            out.append(float(s[i] + (s[j] - s[i]) * f) if f > 0.0 else float(s[i]))
    return tuple(out)


def level_for_time(levels: np.ndarray, times: np.ndarray, target: float, prefer: str) -> str:
    """The solar level whose samples' interface times (s, inf for staying up) bracket
    ``target``: ``prefer`` (the reference level) when its own do, otherwise the level with the
    most samples that do; when none does, the level whose nearest sample comes closest in log
    time. A 5th percentile of a long horizon is usually a STRONG-level sample, a 95th a WEAK
    one: the reference level's drag scale for that time would be an extrapolation."""
    order = [prefer] + [lv for lv in dict.fromkeys(levels.tolist()) if lv != prefer]
    best, best_n, best_gap = prefer, 0, math.inf
    for lv in order:
        t = times[(levels == lv) & np.isfinite(times) & (times > 0)]
        if t.size == 0:
            continue
        n = int(min((t <= target).sum(), (t >= target).sum()))
        if n > 0 and lv == prefer:
            return lv
        gap = float(np.min(np.abs(np.log(t) - math.log(target))))
        if n > best_n or (best_n == 0 and n == 0 and gap < best_gap):
            best, best_n, best_gap = lv, n, gap
    return best


def _add_ground(pred, start, sc, env, t_if, targets, horizon_s, tick) -> None:
    """Ground track over the window and the interface/impact points, from numerical
    trajectories with the drag scales whose reentry times are the 5th, 50th and 95th
    percentiles (:func:`scale_for_time`), each in the solar level whose samples bracket that
    time (:func:`level_for_time`). The p95 trajectory is still in orbit over the whole window:
    its ground track over the window is where the object can come down (when the 95th
    percentile is after the horizon, over the horizon's last days and without a p95 point).
    The p50 trajectory continues to the surface (impact)."""
    runs = {}
    for key, q in zip(("p05", "p50", "p95"), targets, strict=True):
        lv = level_for_time(pred.sample_levels, t_if, q, env.reference_level)
        own = pred.sample_levels == lv
        runs[key] = (lv, scale_for_time(pred.sample_scales[own], t_if[own], q))
    # at most the last TRACK_DAYS of the window are flown numerically (the track over a longer
    # window covers every longitude between the inclination limits anyway)
    end = pred.p95 if pred.p95 is not None else pred.horizon_end
    track_from = max(pred.p05, end - TimeDelta(TRACK_DAYS, format="jd"))
    try:
        lv, k = runs["p95"]
        t, r, _ = _trajectory(start, sc, env.forces[lv], k, track_from, False, horizon_s)
        tick()
        lv, k = runs["p50"]
        t50, r50, impact = _trajectory(start, sc, env.forces[lv], k, None, True, horizon_s)
        tick()
        lv, k = runs["p05"]
        t05, r05, _ = _trajectory(start, sc, env.forces[lv], k, None, False, horizon_s)
        tick()
    except (DecayedError, PropagationError):
        return
    keep = t >= track_from
    if keep.sum() >= 2:
        lat, lon, _ = subpoint(t[keep], r[keep])
        pred.track = (t[keep], lat, lon)
    for key, (tt, rr) in (("p05", (t05, r05)), ("p50", (t50, r50)), ("p95", (t, r))):
        if key == "p95" and pred.p95 is None:
            continue
        i = _interface_index(tt, rr) if key == "p50" else len(tt) - 1
        lat, lon, _ = subpoint(tt[i], rr[i][None])
        pred.points[key] = (tt[i], float(lat[0]), float(lon[0]))
        pred.point_levels[key] = runs[key][0]
    if impact is not None:
        ti, ri = impact
        lat, lon, _ = subpoint(ti, ri[None])
        pred.impact = (ti, float(lat[0]), float(lon[0]))


def scale_for_time(scales: np.ndarray, times: np.ndarray, target: float) -> float:
    """The drag scale whose reentry comes ``target`` s after the start, from the samples
    (``scales``, their reentry ``times`` in s, inf for those that stay up) of one environment.

    Within one environment the reentry time falls monotonically with the scale: interpolated
    in log-log between the samples; beyond them (or with fewer than two that come down)
    extrapolated from the nearest one with reentry time ~ 1/scale. The 1/scale rule alone is
    poor over long horizons through a solar cycle (Thor-Ablestar debris from 1999, 337 days to
    go: its 5 % trajectory came down two weeks after the 5 % time)."""
    ok = np.isfinite(times) & (times > 0)
    k, t = scales[ok], times[ok]
    if k.size == 0:  # none came down: no information on the time
        return float(np.median(scales))
    order = np.argsort(t)
    lt, lk = np.log(t[order]), np.log(k[order])
    x = math.log(target)
    if k.size >= 2 and lt[0] <= x <= lt[-1]:
        return float(np.exp(np.interp(x, lt, lk)))
    end = 0 if x < lt[0] else -1
    return float(np.exp(lk[end] + lt[end] - x))


def _interface_index(t: Time, r: np.ndarray) -> int:
    """Index of the first output point below the interface altitude (geodetic)."""
    _lat, _lon, alt_km = subpoint(t, r)
    below = np.flatnonzero(alt_km * 1e3 <= REENTRY_INTERFACE_ALTITUDE)
    return int(below[0]) if below.size else len(t) - 1


def _trajectory(start, sc, forces, k, keep_from, to_surface, horizon_s):
    """Times and TEME positions with drag scale ``k``, numerical from ``keep_from`` (or the
    180 km hand-over, whichever is earlier) down to the interface (or to the surface, then also
    returning the impact (time, position)), for at most ``horizon_s`` s after ``start``."""
    sck = _scaled(sc, k)
    perigee = start.a * (1 - start.e) - WGS84_A
    t_stop = 0.0
    if perigee < HANDOVER_ALTITUDE:
        osc = osculating_state(start, 0.0, forces.zonal_degree)
    else:
        hist = descend_to_handover(start, sck, forces, horizon_s, HANDOVER_ALTITUDE)
        t_stop = float(hist.t[-1])
        if keep_from is not None:
            t_keep = float((keep_from - start.epoch).to_value("sec"))
            if 0 < t_keep < t_stop:
                t_stop = t_keep
                hist = AveragedPropagator(forces).propagate(start, sck, t_stop, output_step=t_stop)
        osc = osculating_state(hist.elements_at(-1), 0.0, forces.zonal_degree)
    arc = final_arc(
        NumericalPropagator(forces),
        osc,
        sck,
        horizon_s - t_stop,
        None if to_surface else INTERFACE,
        60.0,
    )
    impact = None
    if to_surface:
        ev = arc.event(SURFACE.label)
        if ev is not None:
            impact = (ev.time, ev.y[:3])
    return arc.times, arc.r, impact
