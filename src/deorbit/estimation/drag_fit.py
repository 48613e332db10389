"""Drag scale fitted from a TLE history: observed decay of the mean semi-major axis vs. the model.

Each element set gives an osculating TEME state (SGP4 at its epoch) and from it our own mean
semi-major axis (:func:`deorbit.propagation.mean_elements.mean_elements`), so observations and
model share one definition of "mean a". The model is the orbit-averaged propagator from the first
kept set, with the real space weather of those days; the fitted parameters are an offset of the
initial mean a (the first set is noisy too) and the drag scale ``k`` that multiplies the nominal
``Cd A / m`` (equivalently the density). Gauss-Newton on (offset, k) with a finite-difference
sensitivity; 1-sigma from the residual scatter and the normal matrix.

Rejections, each reported with a reason: sets before a manoeuvre (the mean a rises by more
than :data:`MANOEUVRE_RISE_M`, at that set, and persistently — after removing the local decay
rate, the median of the next three sets above that of the previous three; drag cannot do that),
and sets whose residual exceeds 3 robust sigma (1.4826 x MAD of the first fit; refitted once
without them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time, TimeDelta

from deorbit.core.constants import WGS84_A
from deorbit.core.elements import ElementSet
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import TimeLike, iso, to_time
from deorbit.dynamics.forces import ForceModel
from deorbit.errors import DecayedError, DeorbitError, InputError, PropagationError
from deorbit.estimation.manoeuvres import (
    CHANGE_CHI2,
    CHANGE_FACTOR,
    dedup,
    detect_manoeuvres,
    nominal_cda_per_kg,
)
from deorbit.propagation.averaged import AveragedPropagator
from deorbit.propagation.events import REENTRY_INTERFACE_ALTITUDE
from deorbit.propagation.mean_elements import MeanElements, mean_elements
from deorbit.propagation.sgp4 import osculating_state_at_epoch

MANOEUVRE_RISE_M = 300.0
"""A rise of the mean a larger than this between consecutive sets is taken as a manoeuvre (m).
TLE-derived mean a scatters by tens to ~100 m set to set at these altitudes (measured on the
shared histories: Omid, Starlink), so 300 m is well above noise and well below any reboost."""
MANOEUVRE_LOOKBACK_DAYS = 30.0
"""Days before the newest set that the manoeuvre detector sees when a fit window is chosen."""
MANOEUVRE_SETTLE_DAYS = 1.0
"""Days after a detected manoeuvre before sets enter a fit (unsettled orbit determinations)."""
MAX_SETS = 40
"""At most this many sets (evenly spread over the window) are used; more adds little."""
SPLIT_MIN_SETS = 8
"""The fit window is tested for a change of the decay rate when it holds this many sets (two
parts of at least 4, the minimum of one fit)."""
SPLIT_FACTOR = CHANGE_FACTOR
"""Two parts of one fit window whose drag scales differ by more than this factor do not hold
one natural decay: the same factor that makes a change point in the manoeuvre detector
(:data:`deorbit.estimation.manoeuvres.CHANGE_FACTOR`; a thruster lowering or holding an orbit
changes the apparent scale by a factor of several, natural decay by tens of percent)."""
SPLIT_SIGMA = math.sqrt(CHANGE_CHI2)
"""... and by more than this many sigma of the two fitted scales (5: the detector's
chi-square 25 for a change point), so that short noisy parts (the ISS loses ~10 m/day) never
split."""


class FitError(PropagationError):
    """The drag scale cannot be fitted from the given element sets."""


class TooFewSetsError(FitError):
    """The fit window holds fewer than 4 usable element sets (a longer window may hold them)."""


@dataclass(frozen=True)
class MeanObservation:
    """A mean semi-major axis ``a`` (m) observed at ``epoch``, with a label for reports."""

    epoch: Time
    a: float
    label: str = ""


@dataclass
class DragFit:
    """Result of the drag-scale fit.

    ``k`` multiplies the nominal ``Cd A / m`` of ``spacecraft`` (``sigma_k`` its 1-sigma). By
    default that nominal comes from the B* of the window's own sets
    (:func:`nominal_spacecraft`), so the ``k`` of two windows are not comparable;
    ``ballistic_coefficient`` is.
    ``ballistic_coefficient`` = m / (k Cd A) in kg/m^2; ``rms`` the residual RMS (m);
    ``used``/``rejected`` list observations with the reason for each rejection.
    """

    k: float
    sigma_k: float
    a0_offset: float
    rms: float
    spacecraft: Spacecraft
    start: MeanElements
    used: list[MeanObservation]
    residuals: np.ndarray
    rejected: list[tuple[MeanObservation, str]] = field(default_factory=list)
    kind: str = "fit"
    """"fit" (fitted to the sets' decay) or "bstar" (no history: :func:`bstar_drag`)."""

    @property
    def ballistic_coefficient(self) -> float:
        """Fitted m / (Cd A), kg/m^2."""
        return self.spacecraft.ballistic_coefficient / self.k

    @property
    def relative_sigma(self) -> float:
        """sigma_k / k."""
        return self.sigma_k / self.k

    @property
    def end(self) -> Time:
        """Epoch of the last used observation."""
        return self.used[-1].epoch

    def summary(self) -> dict:
        """JSON-ready summary (SI units, ISO dates)."""
        return {
            "kind": self.kind,
            "k": self.k,
            "sigma_k": self.sigma_k,
            "ballistic_coefficient_kg_m2": self.ballistic_coefficient,
            "rms_m": self.rms,
            "sets_used": len(self.used),
            "first": iso(self.used[0].epoch),
            "last": iso(self.used[-1].epoch),
            "rejected": [{"set": o.label, "reason": why} for o, why in self.rejected],
        }


BSTAR_DRAG_FACTOR = 2.16
"""Median ratio of an object's drag (Cd A / m fitted to its element-set history with
NRLMSIS-00 by :func:`fit_from_elements`) to the Cd A / m its newest single set's B* implies
(``2 B* / rho0``): B* is fitted against SGP4's own fixed atmosphere, not NRLMSIS, and is not a
physical area-to-mass ratio. Calibrated on the validation dev set (the Starlink histories of
``../shared/data/tle`` beyond the first 20: 135 predictions, docs/validation.md, "The screen
against real reentries"); on the documented set (45) the median ratio is 2.76, for the three
passive objects 2.89, and the ISS's B*-only decay is 47-89 % short (same page)."""
BSTAR_TOTAL_LOG_SIGMA = 0.63
"""1-sigma of ln(drag / B*-implied drag) about :data:`BSTAR_DRAG_FACTOR` on the dev set, every
error included (B* itself, the density model's, the drag's change after the date): what the
ensemble of a B*-only prediction spreads by, whatever its terms."""


def bstar_drag(
    sets: Sequence[ElementSet], drag_change_log_sigma: float, density_sigma: float
) -> DragFit:
    """The drag of an object with too few sets for a fit: the B*-implied Cd A / m (the median
    over its newest three sets with a positive B*, against a set whose B* is a placeholder such
    as 1e-4) times :data:`BSTAR_DRAG_FACTOR`, as a :class:`DragFit` of ``kind`` "bstar" that
    starts at the newest of them. Its ``sigma_k`` is set so that, combined in quadrature with
    the ensemble's density (``density_sigma``, relative) and drag-change
    (``drag_change_log_sigma``, of ln k) terms, the spread of ln k is the dev set's
    :data:`BSTAR_TOTAL_LOG_SIGMA`.

    Raises
    ------
    FitError
        No set with a positive B* (no drag to start from).
    DecayedError
        The newest set is below the reentry interface already.
    """
    good = [s for s in sorted(sets, key=lambda s: s.epoch.mjd) if s.bstar > 0]
    if not good:
        raise FitError("too few element sets for a drag fit, and none with a positive B*")
    last = good[-1]
    start = mean_elements_of(last)
    if start.a - WGS84_A < REENTRY_INTERFACE_ALTITUDE:
        raise DecayedError(f"the newest set ({iso(last.epoch)}) is below the reentry interface")
    rest = BSTAR_TOTAL_LOG_SIGMA**2 - math.log1p(density_sigma) ** 2 - drag_change_log_sigma**2
    rel = math.expm1(math.sqrt(max(rest, 0.0)))
    obs = MeanObservation(last.epoch, start.a, f"{last.norad_id} @ {iso(last.epoch)}")
    return DragFit(
        k=BSTAR_DRAG_FACTOR,
        sigma_k=rel * BSTAR_DRAG_FACTOR,
        a0_offset=0.0,
        rms=0.0,
        spacecraft=nominal_spacecraft(good[-3:]),
        start=start,
        used=[obs],
        residuals=np.zeros(1),
        kind="bstar",
    )


def rejection_groups(
    rejected: Sequence[tuple[MeanObservation, str]],
) -> list[tuple[str, int, Time, Time]]:
    """The rejected sets grouped by reason: (reason, count, first epoch, last epoch), in order
    of first appearance. Residual outliers form one group whatever their residual (the reason
    keeps the threshold, the per-set residual is in :meth:`DragFit.summary`)."""
    groups: dict[str, list] = {}
    for obs, why in rejected:
        key = re.sub(r"^residual [+-]?\d+ m >", "residual >", why)
        g = groups.setdefault(key, [0, obs.epoch, obs.epoch])
        g[0] += 1
        g[1] = obs.epoch if obs.epoch < g[1] else g[1]
        g[2] = obs.epoch if obs.epoch > g[2] else g[2]
    return [(k, n, t0, t1) for k, (n, t0, t1) in groups.items()]


def nominal_spacecraft(sets: Sequence[ElementSet]) -> Spacecraft:
    """A 1 kg spacecraft with the median B*-derived Cd A / m of ``sets`` (Cd 2.2)."""
    label = sets[-1].label if sets else ""
    return Spacecraft(1.0, nominal_cda_per_kg(sets) / 2.2, 2.2, name=label)


def mean_elements_of(s: ElementSet) -> MeanElements:
    """Our mean elements of one set: its SGP4 state at epoch, averaged
    (:func:`deorbit.propagation.mean_elements.mean_elements`)."""
    r, v = osculating_state_at_epoch(s)
    return mean_elements(State(s.epoch, r, v))


def observations_from_elements(sets: Sequence[ElementSet]) -> list[MeanObservation]:
    """Mean semi-major axis of each set (SGP4 state at epoch -> our mean elements)."""
    out = []
    for s in sets:
        try:
            m = mean_elements_of(s)
        except DecayedError:
            continue
        out.append(MeanObservation(s.epoch, m.a, f"{s.norad_id} @ {iso(s.epoch)}"))
    return out


def _model_a(
    start: MeanElements,
    spacecraft: Spacecraft,
    forces: ForceModel,
    k: float,
    t_obs: np.ndarray,
) -> np.ndarray:
    """Model mean a (m) at ``t_obs`` s after the start, drag scale ``k``."""
    sc = Spacecraft(spacecraft.mass, spacecraft.drag_area * k, spacecraft.cd)
    try:
        tr = AveragedPropagator(forces).propagate(
            start, sc, float(t_obs[-1]) + 1.0, stop_below=80e3, output_step=1800.0
        )
    except (ZeroDivisionError, PropagationError) as exc:
        # the compiled averaged kernel can divide by zero when a trial scale drives the orbit
        # into the ground within the window; for the fit that is "decays too early"
        raise FitError(
            f"with drag scale {k:.3g} the model fails before {iso(start.epoch)} + "
            f"{t_obs[-1] / 86400:.1f} d ({type(exc).__name__})"
        ) from exc
    if tr.t[-1] < t_obs[-1]:
        raise FitError(
            f"with drag scale {k:.3g} the model decays before {iso(start.epoch)} + "
            f"{t_obs[-1] / 86400:.1f} d; the history does not fit this model"
        )
    return np.interp(t_obs, tr.t, tr.y[:, 0])


def _drop_before_manoeuvres(
    obs: list[MeanObservation],
) -> tuple[list[MeanObservation], list[tuple[MeanObservation, str]]]:
    rejected: list[tuple[MeanObservation, str]] = []
    a = np.array([o.a for o in obs])
    if len(a) < 2:
        return obs, rejected
    t = np.array([o.epoch.mjd for o in obs])
    n = len(a)
    slope = np.divide(np.diff(a), np.diff(t), out=np.zeros(n - 1), where=np.diff(t) > 0)
    flagged = []
    for i in range(1, n):
        lo, hi = max(0, i - 3), min(n, i + 3)
        # local decay rate from the neighbouring steps, leaving out the step into set i
        near = [slope[j] for j in range(lo, hi - 1) if j != i - 1]
        rate = min(float(np.median(near)), 0.0) if near else 0.0
        before = np.median(a[lo:i] - rate * (t[lo:i] - t[i]))
        after = np.median(a[i:hi] - rate * (t[i:hi] - t[i]))
        if hi - i >= 2 and a[i] > a[i - 1] and after - before > MANOEUVRE_RISE_M:
            flagged.append(i)
    if flagged:
        group = [flagged[-1]]
        while group[0] - 1 in flagged:
            group.insert(0, group[0] - 1)
        cut = max(group, key=lambda i: a[i] - a[i - 1])
        why = (
            f"before a manoeuvre: mean a rose {a[cut] - a[cut - 1]:.0f} m between "
            f"{iso(obs[cut - 1].epoch)} and {iso(obs[cut].epoch)}"
        )
        rejected = [(o, why) for o in obs[:cut]]
        obs = obs[cut:]
    return obs, rejected


def fit_drag_scale(
    observations: Sequence[MeanObservation],
    start: MeanElements,
    spacecraft: Spacecraft,
    forces: ForceModel,
    k0: float = 1.0,
    reject_sigma: float = 3.0,
) -> DragFit:
    """Fit (offset of the start's mean a, drag scale k) to observed mean a (see module doc).

    ``start`` supplies the initial mean elements at the first observation's epoch or earlier.

    Raises
    ------
    FitError
        Fewer than 4 usable observations, no measurable decay, or a fit that does not converge.
    """
    obs = sorted(observations, key=lambda o: o.epoch.mjd)
    obs, rejected = _drop_before_manoeuvres(list(obs))
    rounds = 0
    while True:
        if len(obs) < 4:
            raise FitError(
                f"only {len(obs)} usable element set(s) for the drag fit (need 4 or more)"
            )
        t = np.array([(o.epoch - start.epoch).to_value("sec") for o in obs])
        if np.any(t < -1.0):
            raise InputError("drag fit: observations before the start elements")
        a_obs = np.array([o.a for o in obs])
        k, da0 = max(k0, 1e-3), 0.0
        m1 = _model_a(start, spacecraft, forces, k, t)
        for _ in range(8):
            h = -0.05 * k  # backward difference: a smaller scale never decays earlier
            m2 = _model_a(start, spacecraft, forces, k + h, t)
            J = np.stack([np.ones_like(t), (m2 - m1) / h], axis=1)
            res = a_obs - (m1 + da0)
            step, *_ = np.linalg.lstsq(J, res, rcond=None)
            if not np.all(np.isfinite(step)):
                raise FitError("drag fit diverged")
            k_try = float(np.clip(k + step[1], 0.2 * k, 5.0 * k))
            for _half in range(6):  # step halving when the trial scale decays too early
                try:
                    m_try = _model_a(start, spacecraft, forces, k_try, t)
                    break
                except FitError:
                    k_try = 0.5 * (k + k_try)
            else:
                raise FitError("drag fit diverged (every trial scale decays before the last set)")
            da0 += step[0] * (k_try - k) / step[1] if step[1] != 0 else step[0]
            done = abs(k_try - k) < 1e-4 * k
            k, m1 = k_try, m_try
            if done:
                break
        # final offset for the final scale (linear in the offset)
        da0 = float(np.mean(a_obs - m1))
        if not np.ptp(m1) > 0:
            raise FitError("the model shows no decay over the fit interval (no drag?)")
        res = a_obs - (m1 + da0)
        dof = max(len(obs) - 2, 1)
        s2 = float(res @ res) / dof
        cov = s2 * np.linalg.inv(J.T @ J)
        sigma_k = float(np.sqrt(cov[1, 1]))
        # robust scale (1.4826 MAD equals sigma for Gaussian noise), so one bad set does not
        # hide itself by inflating sigma, and clipping does not shrink it round after round
        centre = float(np.median(res))
        s = 1.4826 * float(np.median(np.abs(res - centre)))
        far = np.abs(res - centre) > reject_sigma * s
        bad = np.flatnonzero(far) if s > 0 else np.array([], int)
        if len(obs) - bad.size >= 4 and bad.size and rounds < 1:
            rounds += 1
            for j in bad:
                rejected.append(
                    (
                        obs[j],
                        f"residual {res[j] - centre:+.0f} m > {reject_sigma:g} sigma ({s:.0f} m)",
                    )
                )
            obs = [o for j, o in enumerate(obs) if j not in set(bad.tolist())]
            continue
        return DragFit(
            k=k,
            sigma_k=sigma_k,
            a0_offset=da0,
            rms=float(np.sqrt(np.mean(res**2))),
            spacecraft=spacecraft,
            start=start,
            used=list(obs),
            residuals=res,
            rejected=rejected,
        )


def adaptive_window_days(mean_altitude_m: float) -> float:
    """Fit window (days) for an object at ``mean_altitude_m``: half a day per 10 km above
    150 km, between 2 and 20 days. The fitted scale is a constant, while the density error of
    the model changes as the object sinks; the window must stay short against the remaining
    lifetime. Tuned on Omid (2009): at T-10 d, 2-4 d windows gave 12-16 h error, 20 d gave 41 h."""
    return float(np.clip(0.5 * (mean_altitude_m - 150e3) / 10e3, 2.0, 20.0))


REMAINING_WINDOW_FRACTION = 0.5
"""The prediction's fit window spans this fraction of the expected remaining time (from a first
pass with :func:`adaptive_window_days`), between :data:`REMAINING_WINDOW_MIN_DAYS` and
:data:`REMAINING_WINDOW_MAX_DAYS`. The fitted scale stands for the model's density error over
the window, the prediction needs it over the remaining time: matching the two time scales
balances the density error's fluctuations (a short window at T-90 sees one phase of the 27-day
solar rotation) against its drift with altitude (a long window at T-3 sees the orbit days
higher). Chosen on the Starlink histories outside the documented validation set (124
predictions): fractions 0.3 / 0.5 / 0.75 / 1.0 gave mean |error| / remaining 18.4 / 17.8 /
18.2 / 18.3 %, the altitude rule 20.0 % (docs/validation.md)."""
REMAINING_WINDOW_MIN_DAYS = 1.0
"""Shortest fit window (days); a window with fewer than 4 usable sets is doubled until it has
them (:func:`deorbit.reentry.window.predict_reentry`). In the last days the drag changes as the
object sinks and the newest sets say most about it. Chosen on the dev set's T-3 and T-1
predictions (the 68 that every variant could fit): floors of 0.5 / 1 / 1.5 / 2 days gave mean
|error| / remaining 13.3 / 12.7 / 13.5 / 16.6 % (docs/validation.md, round 4)."""
REMAINING_WINDOW_MAX_DAYS = 60.0
"""Longest fit window (days); a cap of 45 d gave the same errors within 0.2 points."""


def remaining_window_days(remaining_days: float) -> float:
    """Fit window (days) for an object expected down in ``remaining_days``: see
    :data:`REMAINING_WINDOW_FRACTION`."""
    return float(
        np.clip(
            REMAINING_WINDOW_FRACTION * remaining_days,
            REMAINING_WINDOW_MIN_DAYS,
            REMAINING_WINDOW_MAX_DAYS,
        )
    )


def fit_from_elements(
    sets: Sequence[ElementSet],
    forces: ForceModel,
    window_days: float | None = None,
    at: TimeLike | None = None,
    spacecraft: Spacecraft | None = None,
    manoeuvre_check: bool = True,
) -> DragFit:
    """Fit the drag scale of one object from its sets of the last ``window_days`` up to ``at``
    (default: its newest set; default window: :func:`adaptive_window_days`). The model starts
    from the first kept set's mean elements. With ``manoeuvre_check`` the window starts after
    the last manoeuvre :func:`deorbit.estimation.manoeuvres.detect_manoeuvres` finds in the
    sets up to ``at`` (the dropped sets are listed in ``rejected`` with the manoeuvre).

    Raises
    ------
    FitError
        Too few sets in the window or after the last manoeuvre (see :func:`fit_drag_scale`).
    """
    chosen = sorted(sets, key=lambda s: s.epoch.mjd)
    if at is not None:
        cut = to_time(at).mjd
        chosen = [s for s in chosen if s.epoch.mjd <= cut]
    if not chosen:
        raise FitError("no element sets before the prediction date")
    end = chosen[-1].epoch.mjd
    if window_days is None:
        window_days = adaptive_window_days(chosen[-1].semi_major_axis - WGS84_A)
    history = chosen
    chosen = [s for s in chosen if s.epoch.mjd >= end - window_days]
    early: list[tuple[MeanObservation, str]] = []
    if manoeuvre_check:
        chosen, early = _after_last_manoeuvre(history, chosen, end, window_days)
    chosen = dedup(chosen)
    if len(chosen) > MAX_SETS:
        idx = np.unique(np.round(np.linspace(0, len(chosen) - 1, MAX_SETS)).astype(int))
        chosen = [chosen[i] for i in idx]
    sc = spacecraft or nominal_spacecraft(chosen)
    obs = observations_from_elements(chosen)
    obs, rejected = _drop_before_manoeuvres(obs)
    if len(obs) < 4:
        raise TooFewSetsError(
            f"only {len(obs)} usable element set(s) in the {window_days:g} days before "
            f"{iso(Time(end, format='mjd', scale='utc'))} (need 4 or more)"
        )
    fit = fit_drag_scale(obs, _start_of(chosen, obs[0]), sc, forces)
    fit.rejected = early + rejected + fit.rejected
    if manoeuvre_check:
        fit = _after_rate_change(fit, chosen, sc, forces)
    return fit


def _start_of(sets: Sequence[ElementSet], obs: MeanObservation) -> MeanElements:
    """Our mean elements of the set in ``sets`` that gave the observation ``obs``."""
    first = next(s for s in sets if abs((s.epoch - obs.epoch).to_value("sec")) < 1e-3)
    return mean_elements_of(first)


def _best_split(fit: DragFit) -> int:
    """Index of the used set where a change of the decay rate fits best: the observed mean a
    against the fitted model's (``a - residual``) is a straight line of slope 1 for one drag
    scale; two lines (slopes = the two scales over the fitted one) are fitted on either side
    of every split with at least 4 sets each, and the split with the least squared residual is
    returned (0 when there is none)."""
    a = np.array([o.a for o in fit.used])
    model = a - fit.residuals
    n = len(a)
    best, best_sse = 0, math.inf
    for i in range(4, n - 3):
        sse = 0.0
        for lo, hi in ((0, i), (i, n)):
            x, y = model[lo:hi], a[lo:hi]
            coef = np.polyfit(x - x.mean(), y, 1)
            sse += float(np.sum((np.polyval(coef, x - x.mean()) - y) ** 2))
        if sse < best_sse:
            best, best_sse = i, sse
    return best


def _after_rate_change(
    fit: DragFit, sets: Sequence[ElementSet], spacecraft: Spacecraft, forces: ForceModel
) -> DragFit:
    """Test the fit window for a change of the decay rate the detector missed: the drag scale
    fitted on either side of the best split (:func:`_best_split`); when the two differ by more
    than :data:`SPLIT_FACTOR` and :data:`SPLIT_SIGMA` sigma the window does not hold one
    natural decay and the fit is redone after the split (the sets before it are listed as
    rejected with the two scales), and that part is tested in turn. A window whose parts
    cannot both be fitted is kept as it is."""
    used = fit.used
    if len(used) < SPLIT_MIN_SETS:
        return fit
    cut = _best_split(fit)
    if cut == 0:
        return fit
    try:
        first = fit_drag_scale(used[:cut], _start_of(sets, used[0]), spacecraft, forces)
        second = fit_drag_scale(used[cut:], _start_of(sets, used[cut]), spacecraft, forces)
    except FitError:
        return fit
    ratio = max(first.k / second.k, second.k / first.k)
    # significance as in the detector's change points (5 sigma): each part's relative 1-sigma
    sigma = math.hypot(first.relative_sigma, second.relative_sigma)
    if ratio <= SPLIT_FACTOR or math.log(ratio) <= SPLIT_SIGMA * sigma:
        return fit
    why = (
        f"before a change of the decay rate in the fit window: drag scale {first.k:.2f} "
        f"({iso(used[0].epoch)[:16]} to {iso(used[cut - 1].epoch)[:16]}) vs {second.k:.2f} "
        f"after (factor {ratio:.1f} > {SPLIT_FACTOR:g})"
    )
    second.rejected = fit.rejected + [(o, why) for o in used[:cut]] + second.rejected
    # the part after the split may hold a later change in turn
    return _after_rate_change(second, sets, spacecraft, forces)


def _after_last_manoeuvre(
    history: list[ElementSet], chosen: list[ElementSet], end: float, window_days: float
) -> tuple[list[ElementSet], list[tuple[MeanObservation, str]]]:
    """The sets of the fit window after the last manoeuvre the detector finds in the
    :data:`MANOEUVRE_LOOKBACK_DAYS` before ``end`` (plus :data:`MANOEUVRE_SETTLE_DAYS`), and
    the dropped ones with the reason."""
    lookback = max(MANOEUVRE_LOOKBACK_DAYS, 2.0 * window_days)
    recent = [s for s in history if s.epoch.mjd >= end - lookback]
    try:
        report = detect_manoeuvres(recent)
    except DeorbitError:
        return chosen, []
    if not report.manoeuvres:
        return chosen, []
    last = report.manoeuvres[-1]
    since = last.end.mjd + MANOEUVRE_SETTLE_DAYS
    dropped = [s for s in chosen if s.epoch.mjd < since]
    if not dropped:
        return chosen, []
    kept = [s for s in chosen if s.epoch.mjd >= since]
    if len(kept) < 4:
        raise FitError(
            f"only {len(kept)} element set(s) after the last manoeuvre ({last.describe()}) "
            f"and before {iso(Time(end, format='mjd', scale='utc'))} (need 4 or more)"
        )
    why = f"before a manoeuvre: {last.describe()}"
    return kept, [(MeanObservation(s.epoch, s.semi_major_axis, s.label), why) for s in dropped]


def shifted_start(fit: DragFit) -> MeanElements:
    """The fitted start elements (offset applied) — where the model trajectory begins."""
    s = fit.start
    return MeanElements(s.epoch, s.a + fit.a0_offset, s.ex, s.ey, s.i, s.raan)


def fitted_state_at(fit: DragFit, forces: ForceModel, when: TimeLike) -> MeanElements:
    """Mean elements of the fitted model at ``when`` (after the fit start).

    Raises
    ------
    DecayedError
        The fitted model comes down before ``when``: its mean altitude (a minus the equatorial
        radius) sinks below the 120 km reentry interface, or the averaged model stops at its
        floor, first. The sets
        then do not describe one natural decay up to ``when`` (a final thrusting descent, a
        bad last set), or the object is down already; a state below the interface is no
        start for a prediction (its downward crossing would never be seen).
    """
    t = to_time(when)
    start = shifted_start(fit)
    dt = (t - start.epoch).to_value("sec")
    if dt <= 0:
        return start
    sc = Spacecraft(fit.spacecraft.mass, fit.spacecraft.drag_area * fit.k, fit.spacecraft.cd)
    tr = AveragedPropagator(forces).propagate(
        start, sc, dt, stop_below=80e3, output_step=min(dt, 1800.0)
    )
    altitude = tr.y[:, 0] - WGS84_A
    below = np.flatnonzero(altitude < REENTRY_INTERFACE_ALTITUDE)
    if below.size or tr.t[-1] < dt - 1.0:
        if below.size and below[0] > 0:  # the crossing, linear between output points
            i = int(below[0])
            t_down = float(
                np.interp(REENTRY_INTERFACE_ALTITUDE, altitude[[i, i - 1]], tr.t[[i, i - 1]])
            )
            where = f"passes the {REENTRY_INTERFACE_ALTITUDE / 1e3:g} km interface"
        else:
            t_down = float(tr.t[-1])
            where = f"reaches {altitude[-1] / 1e3:.0f} km"
        when_down = start.epoch + TimeDelta(t_down, format="sec")
        raise DecayedError(
            f"the fitted decay (drag scale {fit.k:.3g}) {where} at {iso(when_down)}, before "
            f"{iso(t)}: the sets do not fit one natural decay up to that date, or the object "
            "is down already"
        )
    return tr.elements_at(-1)
