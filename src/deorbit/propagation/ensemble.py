"""Ensemble propagation: N samples (different initial states, drag scale, Cd A, mass) at once.

The samples run through the same compiled DOP853 kernel as :mod:`deorbit.propagation.numerical`,
in parallel threads (``numba.prange``) over the sample axis, a piece of the time line (one day)
at a time; samples that reach a terminal event (the reentry interface, the surface) drop out.
Each sample may have its own start time, event altitudes and finite burn (start, duration,
thrust, Isp, direction as arrays: :class:`SampleBurns`); its integration is cut at its own burn
start and end, exactly as the single-spacecraft propagator cuts at a burn. No Python loop runs
over samples.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numba
import numpy as np
from astropy.time import Time

from deorbit.core.constants import G0, WGS84_A, WGS84_F
from deorbit.core.kepler import perigee_apogee_radius
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.time import TimeLike
from deorbit.dynamics import layout as L
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.thrust import FiniteBurn
from deorbit.errors import BurnError, InputError, PropagationError
from deorbit.propagation import dop853
from deorbit.propagation.events import AltitudeCrossing
from deorbit.propagation.numerical import (
    _FRAME_CODE,
    SURFACE,
    _seconds,
    chunk_cuts,
)
from deorbit.propagation.numerical import max_latitude as _max_latitude


@numba.njit(cache=True)
def _integrate_one(y, ta, t1, p, grid, rtol, atol, h_max, kinds, values, dirs, terms, b0, b1):
    """One sample from ``ta`` to ``t1``, cut at its burn start ``b0`` and end ``b1`` (thrust on
    inside ``[b0, b1)``). Returns (y_end, t_end, event index or -1, status)."""
    cuts = np.empty(4)
    cuts[0] = ta
    m = 1
    if ta < b0 < t1:
        cuts[m] = b0
        m += 1
    if ta < b1 < t1:
        cuts[m] = b1
        m += 1
    cuts[m] = t1
    m += 1
    t_end = ta
    ev = -1
    st = dop853.STATUS_DONE
    for i in range(m - 1):
        s0 = cuts[i]
        s1 = cuts[i + 1]
        p[L.THRUST_ON] = 1.0 if (b0 <= s0 < b1) else 0.0
        ts, ys, _ev_t, _ev_y, ev_i, st, _nfev = dop853.integrate(
            y,
            s0,
            s1,
            p,
            grid,
            rtol,
            atol,
            h_max,
            -1.0,
            0.0,
            True,
            kinds,
            values,
            dirs,
            terms,
            10_000_000,
        )
        y = ys[-1].copy()
        t_end = ts[-1]
        if st != dop853.STATUS_DONE:
            if st == dop853.STATUS_EVENT:
                ev = ev_i[ev_i.shape[0] - 1]
            break
    return y, t_end, ev, st


@numba.njit(cache=True, parallel=True)
def _integrate_many(
    y0, active, t0, t1, P, grid, rtol, atol, h_max, kinds, values, dirs, terms, t_start, b0, b1
):
    """Every active sample k from ``max(t0, t_start[k])`` to ``t1`` (skipped when it starts at
    or after ``t1``), its event altitudes ``values[k]``, its burn ``[b0[k], b1[k])``."""
    n, _m = y0.shape
    y_end = y0.copy()
    t_event = np.full(n, np.nan)
    i_event = np.full(n, -1, dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    for k in numba.prange(n):
        ta = max(t0, t_start[k])
        if not active[k] or ta >= t1:
            continue
        p = P[k].copy()
        y, te, ie, st = _integrate_one(
            y0[k].copy(),
            ta,
            t1,
            p,
            grid,
            rtol,
            atol,
            h_max,
            kinds,
            values[k],
            dirs,
            terms,
            b0[k],
            b1[k],
        )
        y_end[k] = y
        status[k] = st
        if st == dop853.STATUS_EVENT:
            t_event[k] = te
            i_event[k] = ie
    return y_end, t_event, i_event, status


@dataclass(frozen=True)
class SampleBurns:
    """One finite burn per sample, as arrays of length N: ``start`` (s after the ensemble's
    epoch), ``duration`` s, ``thrust`` N, ``isp`` s and unit ``direction`` (N, 3) in the local
    orbital ``frame`` (``VNC`` or ``RSW``, shared by all samples), as
    :class:`deorbit.dynamics.thrust.FiniteBurn` holds them for one burn."""

    start: np.ndarray
    duration: np.ndarray
    thrust: np.ndarray
    isp: np.ndarray
    direction: np.ndarray
    frame: str = "VNC"
    name: str = "burn"

    @classmethod
    def of(cls, burn: FiniteBurn, n: int) -> SampleBurns:
        """The same ``burn`` for ``n`` samples."""
        return cls(
            np.full(n, burn.start),
            np.full(n, burn.duration),
            np.full(n, burn.thrust),
            np.full(n, burn.isp),
            np.repeat(np.asarray(burn.direction, dtype=float)[None, :], n, axis=0),
            burn.frame,
            burn.name,
        )

    def take(self, idx: np.ndarray) -> SampleBurns:
        """The burns of samples ``idx`` (indices or a boolean mask), in that order."""
        return SampleBurns(
            self.start[idx],
            self.duration[idx],
            self.thrust[idx],
            self.isp[idx],
            self.direction[idx],
            self.frame,
            self.name,
        )

    def checked(self, n: int) -> SampleBurns:
        """The arrays as float arrays of length ``n``, unit directions; raises
        :class:`BurnError` naming the first bad sample."""
        arrays = {}
        for key in ("start", "duration", "thrust", "isp"):
            a = np.asarray(getattr(self, key), dtype=float)
            if a.shape != (n,):
                raise BurnError(f"{self.name}: {key} must hold {n} values, got shape {a.shape}")
            bad = ~np.isfinite(a) if key == "start" else ~(np.isfinite(a) & (a > 0))
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                raise BurnError(f"{self.name}: {key} of sample #{k} is invalid ({a[k]!r})")
            arrays[key] = a
        d = np.asarray(self.direction, dtype=float)
        if d.shape != (n, 3):
            raise BurnError(f"{self.name}: direction must be ({n}, 3), got shape {d.shape}")
        norm = np.linalg.norm(d, axis=1)
        bad = ~(np.isfinite(norm) & (norm > 0))
        if bad.any():
            raise BurnError(
                f"{self.name}: direction of sample #{int(np.flatnonzero(bad)[0])} is not a "
                "non-zero finite vector"
            )
        if self.frame not in _FRAME_CODE:
            raise BurnError(f"{self.name}: frame must be one of {tuple(_FRAME_CODE)}")
        return SampleBurns(
            arrays["start"],
            arrays["duration"],
            arrays["thrust"],
            arrays["isp"],
            d / norm[:, None],
            self.frame,
            self.name,
        )

    @property
    def propellant(self) -> np.ndarray:
        """Propellant each sample's burn consumes, kg (mass flow ``T / (Isp g0)`` x duration)."""
        return np.asarray(self.thrust) / (np.asarray(self.isp) * G0) * np.asarray(self.duration)


@dataclass
class EnsembleResult:
    """Per sample: final state ``y`` (N, 7) at ``t_end`` s, the time (s after the epoch) of the
    terminal event that stopped it (NaN if none) and that event's name."""

    epoch: Time
    y: np.ndarray
    t_end: np.ndarray
    event_time: np.ndarray
    event_name: list[str | None]


@dataclass
class EnsemblePropagator:
    """Cowell propagation of many samples at once (same forces, per-sample parameters)."""

    forces: ForceModel
    rtol: float = 1e-10
    atol: float = 1e-4
    max_step: float = 1800.0
    chunk: float = 86400.0

    def propagate(
        self,
        epoch: Time,
        r: np.ndarray,
        v: np.ndarray,
        spacecraft: Spacecraft,
        until: TimeLike | float,
        *,
        mass: np.ndarray | None = None,
        cda: np.ndarray | None = None,
        density_scale: np.ndarray | None = None,
        events: Sequence[AltitudeCrossing] = (),
        event_altitudes: np.ndarray | None = None,
        start_time: np.ndarray | None = None,
        burns: SampleBurns | None = None,
        altitude_band: tuple[float, float] | None = None,
        max_latitude: float | None = None,
        progress: Callable[[float, float], None] | None = None,
    ) -> EnsembleResult:
        """Propagate N samples from positions ``r`` (N, 3) m and velocities ``v`` (N, 3) m/s.

        Sample k's state is given at ``start_time[k]`` s after ``epoch`` (default 0 for all;
        it rests until then). ``mass`` (kg), ``cda`` (Cd A, m^2) and ``density_scale`` are
        per-sample arrays (default: the spacecraft's values and 1). ``event_altitudes``
        (N, len(events)) m replaces the altitudes of ``events`` per sample. ``burns`` gives
        each sample its own finite burn (thrust on in ``[start, start + duration)``, mass flow
        ``T / (Isp g0)``), flown as :class:`~deorbit.propagation.numerical.NumericalPropagator`
        flies a :class:`~deorbit.dynamics.thrust.FiniteBurn`: the integration is cut at the
        burn's start and end. ``altitude_band`` (m) and ``max_latitude`` (rad) fix the extent
        of the tabulated atmosphere instead of deriving it from the samples' orbits (needed
        when the burns lower the orbit within a chunk, and to make results independent of
        which samples run together). Terminal events stop single samples.

        Raises
        ------
        InputError
            Arrays of the wrong shape or with non-positive values.
        BurnError
            A burn needs more propellant than the spacecraft carries.
        PropagationError
            The integrator failed for a sample.
        """
        r = np.atleast_2d(np.asarray(r, dtype=float))
        v = np.atleast_2d(np.asarray(v, dtype=float))
        n = r.shape[0]
        if r.shape != (n, 3) or v.shape != (n, 3):
            raise InputError(f"ensemble needs r and v of shape (N, 3), got {r.shape}, {v.shape}")
        mass = np.full(n, spacecraft.mass) if mass is None else np.asarray(mass, dtype=float)
        cda = np.full(n, spacecraft.cda) if cda is None else np.asarray(cda, dtype=float)
        scale = np.ones(n) if density_scale is None else np.asarray(density_scale, dtype=float)
        for name, arr in (("mass", mass), ("cda", cda), ("density_scale", scale)):
            if arr.shape != (n,) or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
                raise InputError(f"ensemble {name} must be {n} positive finite values")
        t_start = np.zeros(n) if start_time is None else np.asarray(start_time, dtype=float)
        if t_start.shape != (n,) or not np.all(np.isfinite(t_start)) or np.any(t_start < 0):
            raise InputError(f"ensemble start_time must be {n} finite values >= 0 s")
        t_end = _seconds(until, epoch)
        specs = [*events, SURFACE]
        kinds = np.array([s.kernel()[0] for s in specs], dtype=np.int64)
        values = np.array([s.kernel()[1] for s in specs], dtype=np.float64)
        dirs = np.array([s.kernel()[2] for s in specs], dtype=np.int64)
        terms = np.array([s.kernel()[3] for s in specs], dtype=np.bool_)
        values = np.repeat(values[None, :], n, axis=0)
        if event_altitudes is not None:
            alts = np.asarray(event_altitudes, dtype=float)
            if alts.shape != (n, len(events)) or not np.all(np.isfinite(alts)):
                raise InputError(
                    f"ensemble event_altitudes must be ({n}, {len(events)}) finite values, "
                    f"got shape {alts.shape}"
                )
            values[:, : len(events)] = alts
        values = np.ascontiguousarray(values)
        b0, b1 = np.full(n, np.inf), np.full(n, np.inf)
        if burns is not None:
            burns = burns.checked(n)
            need = burns.propellant
            over = need > spacecraft.propellant + 1e-9
            if over.any():
                k = int(np.flatnonzero(over)[0])
                raise BurnError(
                    f"{burns.name}: sample #{k} needs {need[k]:.1f} kg of propellant, "
                    f"{spacecraft.propellant:.1f} kg on board "
                    f"(short by {need[k] - spacecraft.propellant:.1f} kg)"
                )
            b0, b1 = burns.start, burns.start + burns.duration
        y = np.concatenate([r, v, mass[:, None]], axis=1)
        active = t_start < t_end
        t_stop = np.where(active, t_end, t_start)
        ev_time = np.full(n, np.nan)
        ev_index = np.full(n, -1, dtype=np.int64)
        cuts = [0.0, *chunk_cuts(epoch, t_end, self.chunk), t_end]
        mjd0 = epoch.utc.mjd
        for t0, t1 in itertools.pairwise(cuts):
            if not active.any():
                break
            if not (active & (t_start < t1)).any():
                continue
            if altitude_band is None:
                rp, ra = perigee_apogee_radius(y[active, :3], y[active, 3:6])
                polar = WGS84_A * (1.0 - WGS84_F)
                band = (float(rp.min()) - polar, float(ra.max()) - polar + 25e3)
            else:
                band = (float(altitude_band[0]), float(altitude_band[1]))
            lat_max = (
                _max_latitude(y[active, :3], y[active, 3:6])
                if max_latitude is None
                else float(max_latitude)
            )
            grid = self.forces.density_grid(
                mjd0 + t0 / 86400.0,
                mjd0 + t1 / 86400.0,
                band,
                horizon_mjd=mjd0 + t_end / 86400.0,
                max_latitude=lat_max,
            )
            p = self.forces.parameters(spacecraft, epoch, grid)
            P = np.repeat(p[None, :], n, axis=0)
            P[:, L.CDA] = cda
            P[:, L.DENSITY_SCALE] = scale * self.forces.density_scale
            if burns is not None:
                P[:, L.THRUST] = burns.thrust
                P[:, L.ISP] = burns.isp
                P[:, L.THRUST_FRAME] = _FRAME_CODE[burns.frame]
                P[:, L.THRUST_DIR : L.THRUST_DIR + 3] = burns.direction
            y_new, t_ev, i_ev, status = _integrate_many(
                y,
                active,
                t0,
                t1,
                P,
                grid.as_numba(),
                self.rtol,
                self.atol,
                self.max_step,
                kinds,
                values,
                dirs,
                terms,
                t_start,
                b0,
                b1,
            )
            bad = active & np.isin(
                status,
                [dop853.STATUS_STEP_TOO_SMALL, dop853.STATUS_NOT_FINITE, dop853.STATUS_MAX_STEPS],
            )
            if bad.any():
                raise PropagationError(
                    f"ensemble integration failed for {int(bad.sum())} sample(s), first #"
                    f"{int(np.flatnonzero(bad)[0])}"
                )
            stopped = active & (status == dop853.STATUS_EVENT)
            ev_time[stopped] = t_ev[stopped]
            ev_index[stopped] = i_ev[stopped]
            t_stop[stopped] = t_ev[stopped]
            y = y_new
            active &= ~stopped
            if progress is not None:
                progress(t1, t_end)
        labels = [s.label for s in specs]
        names = [labels[i] if i >= 0 else None for i in ev_index]
        return EnsembleResult(epoch, y, t_stop, ev_time, names)
