"""Orbit-averaged long-term propagation of mean elements under drag and J2.

The equations are :func:`deorbit.dynamics.equations.averaged_rhs`: drag averaged around the orbit
by quadrature with the same atmosphere, geodetic altitude and co-rotating air as the Cowell
model, plus the J2 secular drift of node and perigee. Steps are hours to days; the time line is
cut at UTC midnights, where the daily space-weather indices change.

:func:`lifetime` flies the averaged model down to a hand-over altitude (default 180 km) and the
numerical Cowell model from there to the reentry interface, which is where orbit averaging stops
being valid (decay per revolution comparable to the scale height). An eccentric orbit reaches
the hand-over altitude at its perigee long before the end: its apogee still has to come down,
one perigee pass at a time, while the perigee height changes little (King-Hele, "Satellite
Orbits in an Atmosphere", 1987, ch. 4), which orbit averaging describes well and a numerical arc
could take years to follow. Such an orbit stays with the averaged model until its mean altitude
is also low (:data:`ECCENTRIC_HANDOVER_MARGIN`), or its perigee reaches the averaging floor.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time, TimeDelta

from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import TimeLike, iso
from deorbit.dynamics import equations
from deorbit.dynamics import layout as L
from deorbit.dynamics.equations import EVENT_MEAN_ALTITUDE_AVG, EVENT_MIN_ALTITUDE_AVG
from deorbit.dynamics.forces import CONSTANT_WEATHER_STEP_DAYS, ForceModel, constant_weather
from deorbit.environment.atmosphere import Exponential
from deorbit.errors import DecayedError, PropagationError
from deorbit.propagation import dop853
from deorbit.propagation.events import REENTRY_INTERFACE_ALTITUDE, AltitudeCrossing
from deorbit.propagation.mean_elements import MeanElements, mean_elements, osculating_state
from deorbit.propagation.numerical import (
    SURFACE,
    NumericalPropagator,
    _keep_last,
    _seconds,
    chunk_cuts,
)
from deorbit.propagation.trajectory import Trajectory

SECONDS_PER_YEAR = 365.25 * 86400.0
ECCENTRIC = 0.02
"""Mean eccentricity above which the quadrature uses ``eccentric_quadrature_points``."""
AVERAGING_FLOOR = 100e3
"""Lowest point (m) of the mean orbit at which the averaged propagator always stops: there
the decay per revolution is far beyond what orbit averaging describes."""
AVERAGING_FLOOR_EVENT = "lowest altitude 100 km (averaging floor)"
FINAL_ARC_DAYS = (4.0, 30.0)
"""Where the numerical arc after the hand-over pauses (days): a crossing by then ends it,
otherwise it goes on from there, at the end to the end of the horizon."""
FINAL_ARC_POINTS = 100_000
"""Most output points kept on the numerical arc after the hand-over (a long arc, months for
a very dense object, is sampled more coarsely; the crossing itself is found by the event
search, not the output step)."""
ECCENTRIC_HANDOVER_MARGIN = 70e3
"""An orbit whose lowest point reaches the hand-over altitude goes on with the averaged model
while its mean altitude (a - R_eq) is more than this (m) above the hand-over altitude (mean
eccentricity above ~0.005): the numerical arc then starts from an apogee at most ~140 km above
the hand-over altitude, a few days from the end. Near-circular orbits are not affected."""
ECCENTRIC_HANDOVER_EVENT = "mean altitude (eccentric hand-over)"
QUADRATURE_MAX_POINTS = 720
"""Most quadrature points around an eccentric orbit (enough for e = 0.95 at a 120 km perigee)."""
QUADRATURE_WIDTHS_PER_STEP = 0.8
"""Quadrature step (rad of eccentric anomaly) at most 1 / this times the width s of the
perigee drag pulse. The trapezoidal rule with step h = 2 pi / n integrates a periodic function
exactly up to its aliased Fourier terms of order n; a Gaussian pulse of width s has Fourier
coefficients exp(-k^2 s^2 / 2), so the relative error is ~exp(-2 pi^2 s^2 / h^2) (Trefethen &
Weideman, "The exponentially convergent trapezoidal rule", SIAM Review 56, 2014): ~3e-6 here,
below the ~1e-4 noise of the tabulated density."""
_SCALE_HEIGHT_TABLE = Exponential()
AVERAGED_GRID_SPACING = {"lat_step_deg": 15.0, "lst_step_h": 3.0}
"""The quadrature averages density around the orbit, so a coarser latitude / local-time
tabulation than the Cowell model's serves (checked by the 2 % lifetime agreement test)."""


@dataclass
class MeanTrajectory:
    """Mean elements over time: ``t`` s from ``epoch``; ``y`` (N, 6) = a m, ex, ey, i rad,
    raan rad, mass kg; events as (name, t) pairs; why it stopped."""

    epoch: Time
    t: np.ndarray
    y: np.ndarray
    events: list[tuple[str, float]] = field(default_factory=list)
    stop_reason: str = ""

    @property
    def times(self) -> Time:
        """Output instants."""
        return self.epoch + TimeDelta(self.t, format="sec")

    @property
    def mean_altitude(self) -> np.ndarray:
        """Mean semi-major axis minus the equatorial radius, m."""
        return self.y[:, 0] - WGS84_A

    @property
    def perigee_altitude(self) -> np.ndarray:
        """Mean perigee radius minus the equatorial radius, m."""
        e = np.hypot(self.y[:, 1], self.y[:, 2])
        return self.y[:, 0] * (1 - e) - WGS84_A

    @property
    def apogee_altitude(self) -> np.ndarray:
        """Mean apogee radius minus the equatorial radius, m."""
        e = np.hypot(self.y[:, 1], self.y[:, 2])
        return self.y[:, 0] * (1 + e) - WGS84_A

    @property
    def stopped_by_event(self) -> bool:
        """Whether a terminal event (not the end time) stopped the propagation."""
        return not self.stop_reason.startswith("reached ")

    def elements_at(self, index: int = -1) -> MeanElements:
        """Mean elements at output point ``index`` (default: the last)."""
        when = self.epoch + TimeDelta(float(self.t[index]), format="sec")
        return MeanElements(when, *(float(v) for v in self.y[index, :5]))


@dataclass
class AveragedPropagator:
    """Mean-element propagation (see the module docstring).

    ``rtol``/``atol`` apply to ``[a, ex, ey, i, raan, m]``; ``chunk`` is the piece length, s;
    the drag is averaged with ``quadrature_points`` points around the orbit
    (``eccentric_quadrature_points`` above e = :data:`ECCENTRIC`).
    """

    forces: ForceModel
    rtol: float = 1e-8
    atol: float = 1e-9
    max_step: float = 86400.0
    chunk: float = 86400.0
    quadrature_points: int = 24
    eccentric_quadrature_points: int = 72

    def propagate(
        self,
        mean: MeanElements,
        spacecraft: Spacecraft,
        until: TimeLike | float,
        stop_below: float | None = None,
        mean_altitude_events: tuple[float, ...] = (),
        output_step: float = 86400.0,
        progress: Callable[[float, float], None] | None = None,
        stop_mean_below: float | None = None,
    ) -> MeanTrajectory:
        """Propagate mean elements until ``until`` or until the lowest point of the mean orbit
        goes below ``stop_below`` m (terminal). ``mean_altitude_events`` mark (not stop) mean
        altitude crossings going down, in m; ``stop_mean_below`` (m) stops at one (event
        :data:`ECCENTRIC_HANDOVER_EVENT`).

        A start already below a terminal altitude stops at once, with that event at t = 0.

        Raises
        ------
        DecayedError
            The mean orbit is not closed (e >= 1) or its perigee is under the surface.
        """
        epoch = mean.epoch
        t_end = _seconds(until, epoch)
        _check_orbit(mean)
        kinds, values, dirs, terms, names = [], [], [], [], []
        if stop_below is not None:
            kinds.append(EVENT_MIN_ALTITUDE_AVG)
            values.append(stop_below)
            dirs.append(-1)
            terms.append(True)
            names.append(f"lowest altitude {stop_below / 1e3:g} km")
        if stop_below is None or stop_below < AVERAGING_FLOOR:
            # always stop before the orbit leaves the model's validity (and the ground)
            kinds.append(EVENT_MIN_ALTITUDE_AVG)
            values.append(AVERAGING_FLOOR)
            dirs.append(-1)
            terms.append(True)
            names.append(AVERAGING_FLOOR_EVENT)
        for h in mean_altitude_events:
            kinds.append(EVENT_MEAN_ALTITUDE_AVG)
            values.append(h)
            dirs.append(-1)
            terms.append(False)
            names.append(f"mean altitude {h / 1e3:g} km")
        if stop_mean_below is not None:
            kinds.append(EVENT_MEAN_ALTITUDE_AVG)
            values.append(stop_mean_below)
            dirs.append(-1)
            terms.append(True)
            names.append(ECCENTRIC_HANDOVER_EVENT)
        ev = (
            np.array(kinds, dtype=np.int64),
            np.array(values, dtype=np.float64),
            np.array(dirs, dtype=np.int64),
            np.array(terms, dtype=np.bool_),
        )
        y = mean.vector(spacecraft.mass)
        chunk = self.chunk
        if self.forces.atmosphere is not None and constant_weather(self.forces.atmosphere):
            chunk = CONSTANT_WEATHER_STEP_DAYS * 86400.0  # no daily index steps to respect
        cuts = [0.0, *chunk_cuts(epoch, t_end, chunk), t_end]  # no sliver piece at the end
        t_all, y_all = [np.array([0.0])], [y[None, :]]
        events: list[tuple[str, float]] = []
        stop = f"reached {iso(epoch + TimeDelta(t_end, format='sec'))}"
        mjd0 = epoch.utc.mjd
        for t0, t1 in itertools.pairwise(cuts):
            e = float(np.hypot(y[1], y[2]))
            band = (y[0] * (1 - e) - WGS84_A, y[0] * (1 + e) - WGS84_A + 25e3)
            grid = self.forces.density_grid(
                mjd0 + t0 / 86400.0,
                mjd0 + t1 / 86400.0,
                band,
                AVERAGED_GRID_SPACING,
                horizon_mjd=mjd0 + t_end / 86400.0,
                max_latitude=min(y[3], np.pi - y[3]),
            )
            p = self.forces.parameters(spacecraft, epoch, grid)
            p[L.MODEL] = 1.0
            # the trapezoidal rule in eccentric anomaly converges spectrally for this periodic
            # integrand: 24 points and 36 differ by 0.03 d in a 556-d ISS-like lifetime; drag
            # concentrated near the perigee of an eccentric orbit needs more
            p[L.N_QUAD] = (
                self.quadrature_points
                if e < ECCENTRIC
                else quadrature_points(float(y[0]), e, self.eccentric_quadrature_points)
            )
            if t0 == 0.0:
                below = _terminal_at_start(y, p, ev, names)
                if below is not None:
                    events.append((below, 0.0))
                    return MeanTrajectory(epoch, t_all[0], y_all[0], events, f"{below} at start")
            ts, ys, ev_t, _ev_y, ev_i, status, _ = dop853.integrate(
                y,
                t0,
                t1,
                p,
                grid.as_numba(),
                self.rtol,
                self.atol,
                self.max_step,
                output_step,
                0.0,
                True,  # the true end state starts the next piece
                *ev,
                1_000_000,
            )
            if status not in (dop853.STATUS_DONE, dop853.STATUS_EVENT):
                raise PropagationError(
                    "averaged propagation failed near "
                    f"{iso(epoch + TimeDelta(ts[-1], format='sec'))}: "
                    f"{_STATUS_TEXT.get(status, f'status {status}')}"
                )
            events.extend((names[i], float(te)) for te, i in zip(ev_t, ev_i, strict=True))
            stop_here = ts.size if _keep_last(ts, t1, t_end, output_step, status) else -1
            t_all.append(ts[1:stop_here])
            y_all.append(ys[1:stop_here])
            y = ys[-1].copy()
            if progress is not None:
                progress(float(ts[-1]), t_end)
            if status == dop853.STATUS_EVENT:
                stop = f"{events[-1][0]} at {iso(epoch + TimeDelta(events[-1][1], format='sec'))}"
                break
        return MeanTrajectory(epoch, np.concatenate(t_all), np.concatenate(y_all), events, stop)


_STATUS_TEXT = {
    dop853.STATUS_STEP_TOO_SMALL: "the step size fell below the resolution of t",
    dop853.STATUS_MAX_STEPS: "the step budget ran out",
    dop853.STATUS_NOT_FINITE: "the mean elements became non-finite",
}


def quadrature_points(a: float, e: float, minimum: int = 72) -> int:
    """Quadrature points around a mean orbit of semi-major axis ``a`` (m) and eccentricity
    ``e``: enough to resolve the drag pulse at perigee, a multiple of 24, at least ``minimum``
    and at most :data:`QUADRATURE_MAX_POINTS`.

    Near perigee ``r = a (1 - e cos E) ~ r_p + a e E^2 / 2``, so the density
    ``exp(-(r - r_p) / H)`` is a Gaussian in the eccentric anomaly of width
    ``s = sqrt(H / (a e))``; H is the scale height at the perigee altitude (Vallado's Table
    8-4 via :class:`~deorbit.environment.atmosphere.Exponential`), and the step
    ``2 pi / n`` is kept under ``s / QUADRATURE_WIDTHS_PER_STEP``.
    """
    if e <= 0.0:
        return minimum
    h_p = max(a * (1.0 - e) - WGS84_A, 0.0)
    table = _SCALE_HEIGHT_TABLE
    layer = int(np.searchsorted(table.base_altitude_m, h_p, side="right")) - 1
    scale_height = float(table.scale_height_m[max(layer, 0)])
    width = math.sqrt(scale_height / (a * e))
    n = math.ceil(2.0 * math.pi * QUADRATURE_WIDTHS_PER_STEP / width / 24.0) * 24
    return int(min(max(n, minimum), QUADRATURE_MAX_POINTS))


def _check_orbit(mean: MeanElements) -> None:
    """Refuse a mean orbit the averaged equations cannot describe."""
    e = mean.e
    if not (math.isfinite(mean.a) and math.isfinite(e) and mean.a > 0.0 and e < 1.0):
        raise DecayedError(
            f"mean orbit at {iso(mean.epoch)} is not closed: a = {mean.a / 1e3:.1f} km, e = {e:.4f}"
        )
    perigee = mean.a * (1.0 - e) - WGS84_A
    if perigee < AVERAGING_FLOOR - 50e3:
        raise DecayedError(
            f"mean perigee at {iso(mean.epoch)} is {perigee / 1e3:.0f} km above the equatorial "
            f"radius (a = {mean.a / 1e3:.1f} km, e = {e:.4f}): the object has reentered"
        )


def _terminal_at_start(y: np.ndarray, p: np.ndarray, ev: tuple, names: list[str]) -> str | None:
    """Name of a terminal (falling) event whose condition already holds at t = 0, if any."""
    kinds, values, _dirs, terms = ev
    for k, (kind, value, term) in enumerate(zip(kinds, values, terms, strict=True)):
        if term and equations.event_value(int(kind), float(value), 0.0, y, p) < 0.0:
            return names[k]
    return None


@dataclass
class LifetimeResult:
    """When the object reaches ``altitude`` m: ``reentry`` (None if not within the horizon),
    the long-term mean-element history and the final numerical arc."""

    reentry: Time | None
    altitude: float
    mean_history: MeanTrajectory
    final_arc: Trajectory | None
    stop_reason: str

    @property
    def days(self) -> float | None:
        """Days from the start to reentry."""
        if self.reentry is None:
            return None
        return float((self.reentry - self.mean_history.epoch).to_value("day"))


def descend_to_handover(
    mean: MeanElements,
    spacecraft: Spacecraft,
    forces: ForceModel,
    horizon: float,
    handover_altitude: float = 180e3,
    progress: Callable[[float, float], None] | None = None,
) -> MeanTrajectory:
    """Averaged propagation from ``mean`` for at most ``horizon`` s until the orbit is ready for
    the numerical model: its lowest point below ``handover_altitude`` (m) and, for an
    eccentric orbit, its mean altitude below ``handover_altitude`` +
    :data:`ECCENTRIC_HANDOVER_MARGIN` or its lowest point at the averaging floor. Its
    ``stop_reason`` starts with "reached " when the horizon came first."""
    prop = AveragedPropagator(forces)
    hist = prop.propagate(
        mean, spacecraft, horizon, stop_below=handover_altitude, progress=progress
    )
    if not hist.stopped_by_event:
        return hist
    ceiling = handover_altitude + ECCENTRIC_HANDOVER_MARGIN
    if hist.mean_altitude[-1] <= ceiling:
        return hist
    # eccentric: the perigee is low, the apogee still high; the apogee comes down first
    t_hand = float(hist.t[-1])
    start = hist.elements_at(-1)

    def shifted(done: float, total: float) -> None:
        if progress is not None:
            progress(t_hand + done, t_hand + total)

    rest = prop.propagate(
        start,
        spacecraft,
        horizon - t_hand,
        stop_mean_below=ceiling,
        progress=shifted,
    )
    events = hist.events + [(name, t_hand + t) for name, t in rest.events]
    return MeanTrajectory(
        hist.epoch,
        np.concatenate([hist.t, t_hand + rest.t[1:]]),
        np.concatenate([hist.y, rest.y[1:]]),
        events,
        rest.stop_reason,
    )


def lifetime(
    state: State,
    spacecraft: Spacecraft,
    forces: ForceModel,
    horizon_years: float = 25.0,
    altitude: float = REENTRY_INTERFACE_ALTITUDE,
    handover_altitude: float = 180e3,
    progress: Callable[[float, float], None] | None = None,
) -> LifetimeResult:
    """Orbital lifetime: averaged propagation to the hand-over (:func:`descend_to_handover`:
    lowest point of the mean orbit at ``handover_altitude``, eccentric orbits also with their
    apogee down), then numerical to ``altitude`` (the 120 km reentry interface by default).

    Raises
    ------
    DecayedError
        The mean orbit is not closed or its perigee is already under the ground.
    """
    mean = mean_elements(state, forces.zonal_degree)
    horizon = horizon_years * SECONDS_PER_YEAR
    hist = descend_to_handover(mean, spacecraft, forces, horizon, handover_altitude, progress)
    if not hist.stopped_by_event:
        return LifetimeResult(
            None, altitude, hist, None, f"no reentry within {horizon_years:g} years"
        )
    osc = osculating_state(hist.elements_at(-1), 0.0, forces.zonal_degree)
    # only the time of the crossing matters here: the averaged model's coarser grid serves
    numerical = NumericalPropagator(forces, grid_spacing=AVERAGED_GRID_SPACING)
    crossing = AltitudeCrossing(altitude, -1, True, "reentry interface")
    arc = final_arc(numerical, osc, spacecraft, horizon - float(hist.t[-1]), crossing, 30.0)
    ev = arc.event(crossing.label)
    if ev is None:
        return LifetimeResult(
            None,
            altitude,
            hist,
            arc,
            f"no reentry within {horizon_years:g} years (below the "
            f"{handover_altitude / 1e3:g} km hand-over at {iso(arc.epoch)}, still up at the end)",
        )
    return LifetimeResult(ev.time, altitude, hist, arc, f"reentry interface at {iso(ev.time)}")


def final_arc(
    numerical: NumericalPropagator,
    osc: State,
    spacecraft: Spacecraft,
    remaining_s: float,
    crossing: AltitudeCrossing | None,
    output_step: float,
) -> Trajectory:
    """The numerical arc from the hand-over state ``osc`` until ``crossing`` (None: the
    surface, the propagator's own terminal event) or for ``remaining_s`` s (the rest of the
    horizon), whichever comes first.

    Most objects cross within days, and a short run builds a short density grid: the arc runs
    to :data:`FINAL_ARC_DAYS` first, then on from where it stopped (never again from the start)
    to the end of the horizon, the output step (s) of each leg widened so that it keeps at most
    :data:`FINAL_ARC_POINTS` points."""
    events = [crossing] if crossing is not None else []
    label = crossing.label if crossing is not None else SURFACE.label
    ends = [d * 86400.0 for d in FINAL_ARC_DAYS if d * 86400.0 < remaining_s] + [remaining_s]
    arc: Trajectory | None = None
    state = osc
    for end in ends:
        done = 0.0 if arc is None else float(arc.t[-1])
        step = max(output_step, (end - done) / FINAL_ARC_POINTS)
        leg = numerical.propagate(state, spacecraft, end - done, events=events, output_step=step)
        arc = leg if arc is None else arc.followed_by(leg)
        if leg.event(label) is not None:
            break
        state = State(leg.end_time, leg.r[-1], leg.v[-1])
    assert arc is not None
    return arc
