"""Numerical (Cowell) propagation with adaptive DOP853, dense output, events and burns.

The time line is cut at burn starts and ends and into chunks (one day by default, so the
atmosphere is tabulated as the propagation goes and progress can be shown); each piece runs
entirely in compiled code (:func:`deorbit.propagation.dop853.integrate`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import astropy.units as u
import numba
import numpy as np
from astropy.time import Time

from deorbit.core.constants import WGS84_A, WGS84_F
from deorbit.core.kepler import perigee_apogee_radius
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import TimeLike, iso, to_time
from deorbit.dynamics import layout as L
from deorbit.dynamics.conditions import flight_conditions
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.thrust import FiniteBurn, ImpulsiveBurn
from deorbit.errors import BurnError, InputError, PropagationError
from deorbit.propagation import dop853
from deorbit.propagation.events import AltitudeCrossing, EventSpec
from deorbit.propagation.trajectory import Event, Trajectory

SURFACE = AltitudeCrossing(0.0, -1, True, "surface impact")
"""Always-on terminal event: the ellipsoid surface."""

_FRAME_CODE = {"VNC": 0.0, "RSW": 1.0}


@numba.njit(cache=True)
def _conditions_many(ts, ys, p, grid):  # pragma: no cover - numba
    n = ts.shape[0]
    out = np.empty((n, 4))
    for k in range(n):
        alt, lat, lon, rho, _a, _b, _c = flight_conditions(ts[k], ys[k], p, grid)
        out[k, 0] = alt
        out[k, 1] = lat
        out[k, 2] = lon
        out[k, 3] = rho
    return out


@dataclass
class NumericalPropagator:
    """Cowell propagation of one spacecraft.

    Attributes
    ----------
    forces:
        The force model.
    rtol, atol:
        Local error tolerances (relative; absolute in m, m/s, kg).
    max_step:
        Largest integration step, s.
    chunk:
        Length of the pieces the time line is cut into, s.
    grid_spacing:
        Density-grid spacing overrides (``DensityGrid.build`` keywords), e.g. a coarser grid
        where only orbit-averaged drag matters.
    """

    forces: ForceModel
    rtol: float = 1e-10
    atol: float = 1e-4
    max_step: float = 1800.0
    chunk: float = 86400.0
    grid_spacing: dict | None = None

    def propagate(
        self,
        state: State,
        spacecraft: Spacecraft,
        until: TimeLike | float,
        events: Sequence[EventSpec] = (),
        burns: Sequence[FiniteBurn | ImpulsiveBurn] = (),
        output_step: float = 60.0,
        progress: object | None = None,
    ) -> Trajectory:
        """Propagate ``state`` until ``until`` (a date, or seconds after the state's epoch) or
        a terminal event.

        ``output_step`` > 0 samples the trajectory every that many seconds, 0 keeps every
        integration step, < 0 keeps only the end points. ``progress`` is an optional callable
        ``progress(done_s, total_s)``.

        Raises
        ------
        BurnError
            A burn needs more propellant than the spacecraft carries.
        PropagationError
            The integrator could not continue.
        """
        epoch = state.epoch
        t_end = _seconds(until, epoch)
        if t_end <= 0:
            raise InputError(f"end {until!r} is not after the start {iso(epoch)}")
        specs = [*events, SURFACE]
        kinds = np.array([s.kernel()[0] for s in specs], dtype=np.int64)
        values = np.array([s.kernel()[1] for s in specs], dtype=np.float64)
        dirs = np.array([s.kernel()[2] for s in specs], dtype=np.int64)
        terms = np.array([s.kernel()[3] for s in specs], dtype=np.bool_)
        labels = [s.label for s in specs]

        finite = sorted((b for b in burns if isinstance(b, FiniteBurn)), key=lambda b: b.start)
        impulses = sorted((b for b in burns if isinstance(b, ImpulsiveBurn)), key=lambda b: b.time)
        _check_overlaps(finite)
        propellant = spacecraft.propellant
        cuts = {0.0, t_end}
        for b in finite:
            cuts.update(x for x in (b.start, b.end) if 0 < x < t_end)
        for b in impulses:
            if 0 <= b.time < t_end:
                cuts.add(b.time)
        cuts.update(chunk_cuts(epoch, t_end, self.chunk))
        cuts_sorted = sorted(cuts)

        y = np.concatenate([state.r, state.v, [spacecraft.mass]])
        t_all: list[np.ndarray] = []
        y_all: list[np.ndarray] = []
        cond_all: list[np.ndarray] = []
        found: list[Event] = []
        stop = f"reached {iso(to_time(epoch) + t_end * u.s)}"
        burn_events: list[Event] = []

        for t0, t1 in itertools.pairwise(cuts_sorted):
            for b in impulses:
                if b.time == t0:
                    need = b.propellant(y[6])
                    if need > propellant + 1e-9:
                        raise BurnError(
                            f"{b.name}: needs {need:.1f} kg of propellant, "
                            f"{propellant:.1f} kg left (short by {need - propellant:.1f} kg)"
                        )
                    v_new, m_new = b.apply(y[:3], y[3:6], y[6])
                    y = np.concatenate([y[:3], v_new, [m_new]])
                    propellant -= need
                    burn_events.append(Event(f"{b.name}", t0, y.copy(), epoch))
            firing = next((b for b in finite if b.start <= t0 < b.end), None)
            if firing is not None and firing.start == t0:
                need = firing.propellant
                if need > propellant + 1e-9:
                    raise BurnError(
                        f"{firing.name}: needs {need:.1f} kg of propellant, "
                        f"{propellant:.1f} kg left (short by {need - propellant:.1f} kg)"
                    )
                burn_events.append(Event(f"{firing.name} start", t0, y.copy(), epoch))
            mjd0 = epoch.utc.mjd + t0 / 86400.0
            grid = self.forces.density_grid(
                mjd0,
                epoch.utc.mjd + t1 / 86400.0,
                _altitude_band(y),
                self.grid_spacing,
                horizon_mjd=epoch.utc.mjd + t_end / 86400.0,
                max_latitude=max_latitude(y[:3], y[3:6]),
            )
            p = self.forces.parameters(spacecraft, epoch, grid)
            if firing is not None:
                p[L.THRUST_ON] = 1.0
                p[L.THRUST] = firing.thrust
                p[L.ISP] = firing.isp
                p[L.THRUST_FRAME] = _FRAME_CODE[firing.frame]
                p[L.THRUST_DIR : L.THRUST_DIR + 3] = firing.direction
            g = grid.as_numba()
            ts, ys, ev_t, ev_y, ev_i, status, _nfev = dop853.integrate(
                y,
                t0,
                t1,
                p,
                g,
                self.rtol,
                self.atol,
                self.max_step,
                output_step,
                0.0,
                True,  # the true end state starts the next piece
                kinds,
                values,
                dirs,
                terms,
                10_000_000,
            )
            if status in (
                dop853.STATUS_STEP_TOO_SMALL,
                dop853.STATUS_NOT_FINITE,
                dop853.STATUS_MAX_STEPS,
            ):
                raise PropagationError(
                    f"integration failed at {iso(epoch + float(ts[-1]) * u.s)} "
                    f"({_STATUS_TEXT[status]})"
                )
            for te, ye, ie in zip(ev_t, ev_y, ev_i, strict=True):
                found.append(Event(labels[ie], float(te), ye.copy(), epoch))
            skip = 1 if t_all else 0  # each piece starts where the previous one ended
            stop_here = ts.size if _keep_last(ts, t1, t_end, output_step, status) else -1
            t_all.append(ts[skip:stop_here])
            y_all.append(ys[skip:stop_here])
            cond_all.append(_conditions_many(ts[skip:stop_here], ys[skip:stop_here], p, g))
            if firing is not None:
                propellant -= y[6] - ys[-1, 6]
                if abs(ts[-1] - firing.end) < 1e-9:
                    burn_events.append(
                        Event(f"{firing.name} end", float(ts[-1]), ys[-1].copy(), epoch)
                    )
            y = ys[-1].copy()
            if progress is not None:
                progress(float(ts[-1]), t_end)
            if status == dop853.STATUS_EVENT:
                last = found[-1]
                stop = f"{last.name} at {iso(last.time)}"
                break
        t = np.concatenate(t_all)
        yy = np.concatenate(y_all)
        cond = np.concatenate(cond_all)
        saved = {
            "altitude": cond[:, 0],
            "latitude": cond[:, 1],
            "longitude": cond[:, 2],
            "density": cond[:, 3],
        }
        all_events = sorted(found + burn_events, key=lambda e: e.t)
        return Trajectory(epoch, t, yy, all_events, stop, saved)


_STATUS_TEXT = {
    dop853.STATUS_STEP_TOO_SMALL: "step size too small",
    dop853.STATUS_NOT_FINITE: "state became non-finite",
    dop853.STATUS_MAX_STEPS: "too many steps",
}


def _keep_last(ts: np.ndarray, t1: float, t_end: float, step: float, status: int) -> bool:
    """Whether a piece's end point belongs in the output: always at the run's end or at a
    terminal event; inside the run only when it lies on the sampling grid (``step`` > 0) or
    every step is kept (``step`` == 0)."""
    if status == dop853.STATUS_EVENT or t1 == t_end or step == 0.0 or ts.size == 1:
        return True
    if step < 0.0:
        return False
    k = ts[-1] / step
    return abs(k - round(k)) * step < 1e-6 and (ts.size < 2 or ts[-2] != ts[-1])


MIN_END_PIECE_S = 1e-3
"""Shortest last piece (s) :func:`chunk_cuts` leaves before the end of the time line."""


def chunk_cuts(epoch: Time, t_end: float, chunk: float) -> list[float]:
    """Cut times (s after ``epoch``) every ``chunk`` s inside ``(0, t_end)``, aligned to UTC
    midnight when ``chunk`` divides a day, so that pieces start where the daily space-weather
    indices (and the density grid's time nodes) change. No cut falls within 1 ms of ``t_end``:
    a UTC midnight a nanosecond before the end (float rounding of the epoch's MJD) would leave
    a piece shorter than the integrator's smallest step (:data:`MIN_END_PIECE_S`)."""
    day = 86400.0
    first = chunk
    if chunk <= day and (day / chunk).is_integer():
        frac = (epoch.utc.mjd % 1.0) * day
        first = chunk - (frac % chunk)
        if first < 1.0:
            first += chunk
    out = []
    t = first
    while t < t_end - MIN_END_PIECE_S:
        out.append(t)
        t += chunk
    return out


def _seconds(until: TimeLike | float, epoch: Time) -> float:
    if isinstance(until, int | float):
        if not math.isfinite(until):
            raise InputError(f"end time must be finite, got {until}")
        return float(until)
    return float((to_time(until) - epoch).to_value("s"))


def _altitude_band(y: np.ndarray) -> tuple[float, float]:
    """Perigee and apogee altitude (m above the polar and equatorial radii) of state y."""
    rp, ra = perigee_apogee_radius(y[:3], y[3:6])
    return float(rp) - WGS84_A * (1.0 - WGS84_F), float(ra) - WGS84_A * (1.0 - WGS84_F) + 25e3


def max_latitude(r: np.ndarray, v: np.ndarray) -> float:
    """Highest latitude (rad) the orbit plane(s) of state(s) (r, v) reach: min(i, pi - i)."""
    h = np.cross(r, v)
    inc = np.arccos(np.clip(h[..., 2] / np.linalg.norm(h, axis=-1), -1.0, 1.0))
    return float(np.max(np.minimum(inc, np.pi - inc)))


def _check_overlaps(burns: list[FiniteBurn]) -> None:
    for a, b in itertools.pairwise(burns):
        if b.start < a.end:
            raise BurnError(f"burns {a.name!r} and {b.name!r} overlap in time")
