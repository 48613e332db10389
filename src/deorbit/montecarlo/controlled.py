"""Non-linear, vectorised Monte Carlo of the final phase of a controlled reentry.

Around a targeted plan (:func:`deorbit.mission.targeting.plan_final_burn`) every sample flies
the whole final phase itself, as arrays over samples (:class:`EnsemblePropagator`, compiled,
parallel over samples; no Python loop over samples):

1. **Final burn.** Without the lowering series dispersed, all samples start from the plan's
   own trajectory state a little before the earliest dispersed ignition (the lowering burns
   flown as planned). With it (``disperse_series``), every sample starts from the plan's
   initial state and flies its own dispersed lowering burns and the ~4-day coast in its own
   atmosphere; then (``retarget``) its final burn is re-timed, as operations re-plan it from
   tracking after the series: its own state 30 min before ignition (navigation taken as
   perfect) is flown through the planned burn in the NOMINAL atmosphere (the team does not
   know the sample's density error), and the ignition moves by that predicted breakup point's
   along-track offset from the plan's, over the ground speed; the sample then flies the
   re-timed burn in its own atmosphere.
   Each sample flies its OWN finite burn: ignition ``start + timing``, duration
   x ``burn_magnitude`` (cut-off error), thrust x ``thrust`` (same Isp: the mass flow scales
   with it), direction tilted off the planned axis by ``pointing`` rad towards a uniformly
   random azimuth about it. The stack then flies through the atmosphere (density x
   ``density_scale``) to its own breakup altitude (``breakup_altitude``).
2. **Fragments.** At breakup, one piece per fragment class
   (:mod:`deorbit.montecarlo.fragment_classes`: K classes by ballistic coefficient, the
   extremes kept) is released with a separation velocity of ``breakup_dv`` m/s in an
   isotropically random direction and its ballistic coefficient x ``fragment_beta``; every piece
   flies from its own breakup instant to the ground (same atmosphere realisation).
3. **Outcomes per sample.** Impact points of the K pieces; the footprint (polyline of the
   impacts ordered downrange) is inside the zone when every point of it is; the smallest
   distance of that polyline to foreign land and to any land (Natural Earth 1:110m); the
   footprint length and width along/across the sample's breakup ground track; its centre
   (mid-way between heel and toe on that track) and the centre's offset along/across the
   nominal footprint's track from the nominal centre.

Every random number comes from a stream keyed by the seed and the parameter name
(:func:`deorbit.montecarlo.dispersions.stream`), drawn for all samples before the work is
split: with ``scheduler`` set, blocks of samples run as Dask tasks, and the result is identical
for any block size or number of workers (each sample's integration does not depend on the
others; the atmosphere's tabulated extent is fixed for the whole run).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from astropy.time import Time, TimeDelta

from deorbit.core.constants import WGS84_A, WGS84_F
from deorbit.core.frames import subpoint, teme_to_itrs
from deorbit.core.geodesy import destination
from deorbit.core.kepler import perigee_apogee_radius
from deorbit.core.spacecraft import Spacecraft
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.thrust import FiniteBurn
from deorbit.errors import BurnError, InputError, PropagationError
from deorbit.mission.targeting import TargetingResult
from deorbit.montecarlo.dispersions import FINAL_PHASE_DISPERSIONS, Dispersion, draw, stream
from deorbit.montecarlo.envelope import contour_features
from deorbit.montecarlo.fragment_classes import (
    DEFAULT_CLASSES,
    FragmentClass,
    fragment_classes,
)
from deorbit.propagation.ensemble import EnsemblePropagator, SampleBurns
from deorbit.propagation.events import AltitudeCrossing
from deorbit.propagation.numerical import max_latitude
from deorbit.reentry.breakup import BREAKUP_DELTA_V, random_directions
from deorbit.reentry.casualty import FOREIGN_LAND_CLEARANCE, distance_to_land
from deorbit.reentry.footprint import MAX_FALL_TIME, along_cross, ground_azimuth, ground_forces
from deorbit.reentry.fragments import FragmentList
from deorbit.reentry.zones import TargetZone

KNOWN_DISPERSIONS = tuple(FINAL_PHASE_DISPERSIONS)
"""Parameter names :func:`run_final_phase` understands (see the module docstring)."""
BURN_DISPERSIONS = ("burn_magnitude", "pointing", "timing", "thrust")
"""The dispersions of a burn's execution; the lowering series' burns draw their own values of
these (streams ``"<name> (<burn name>)"``, same distributions as the final burn's)."""
OUTCOME_CONTROLLED, OUTCOME_NO_BREAKUP, OUTCOME_EARLY = 0, 1, 2
OUTCOMES = {
    OUTCOME_CONTROLLED: "controlled",
    OUTCOME_NO_BREAKUP: "no breakup within the window after the final burn",
    OUTCOME_EARLY: "breakup before the final burn",
}
"""Per-sample outcome codes of :attr:`MonteCarloResult.outcome`."""
LEAD_TIME = 60.0
"""Samples start at least this many seconds (s) before the earliest dispersed ignition."""
MAX_ENTRY_TIME = 6 * 3600.0
"""Longest flight from the end of the final burn to breakup we wait for, s."""
RETARGET_LEAD = 1800.0
"""When the lowering series is dispersed and re-targeted, each sample's final burn is re-timed
from its own state this many seconds (about a third of a revolution) before the planned
ignition (room for shifts of several minutes either way)."""
DEFAULT_BLOCK = 500
"""Samples per block (a progress step; a Dask task)."""
LINE_SUBDIVISIONS = 4
"""Points per segment of a footprint polyline for the zone and land checks."""
RTOL = 1e-9
"""Relative tolerance of the Monte Carlo's integrations (the propagator default is 1e-10): the
position error it allows over the 40-minute final phase is metres, against footprint
dispersions of kilometres to hundreds of kilometres; it halves the step count."""
COAST_RTOL = 1e-7
"""Relative tolerance of the dispersed lowering series and the ~4-day coast: against
:data:`RTOL` the footprint centres move by at most 2.2 km (our comparison, 1,000 samples of the
ISS case, whose centres spread over +-1,200 km along the track), and the Monte Carlo is a third
faster."""
FALL_RTOL = 1e-8
"""Relative tolerance of the fragments' fall (absolute :data:`FALL_ATOL`): against 1e-9 /
1e-4 the impact points move by < 8 m (our comparison, 2,000 pieces of the ISS case) and the
fall, most of the Monte Carlo's time, is a third faster."""
FALL_ATOL = 1e-3
"""Absolute tolerance of the fall, m and m/s."""
_RUN_LOCK = threading.Lock()  # one compiled ensemble at a time per process (it uses all cores)
ENVELOPE_LEVELS = (0.5, 0.9, 0.99)
TERMINAL_EVENT = "terminal descent"
TERMINAL_REF_ALTITUDE = 28e3
"""Altitude (m) at which a piece of ballistic coefficient :data:`TERMINAL_REF_BETA` has lost
its horizontal speed relative to the air (see :func:`terminal_altitude`)."""
TERMINAL_REF_BETA = 5.0
"""Reference ballistic coefficient, kg/m^2."""
TERMINAL_SCALE_HEIGHT = 7e3
"""Density scale height of the lower atmosphere used to move that altitude with beta, m (the
US Standard Atmosphere 1976 scale height is 6-8.5 km between 0 and 50 km)."""


def terminal_altitude(beta: np.ndarray, density_scale: np.ndarray | float = 1.0) -> np.ndarray:
    """Altitude (m) below which a falling piece of ballistic coefficient ``beta`` kg/m^2 drops
    vertically at its terminal speed; the Monte Carlo stops it there and takes its sub-point as
    the impact point (no winds: the air co-rotates, so a vertical fall keeps latitude and
    longitude).

    Terminal conditions are reached where the density is proportional to beta:
    ``h = 28 km - 7 km x ln(beta / (5 kg/m^2 x density_scale))``, 0 when negative. The 28 km at
    beta = 5 kg/m^2 comes from our own runs (ISS entry, NRLMSISE-00, F10.7 150, Ap 15): the
    sub-point at 28 km is within 10 m of the impact for beta 2-5, and the law keeps the residual
    below 50 m for beta 2-1000 (``tests/test_controlled_montecarlo.py`` compares the stop with
    the full fall). It saves most of the fall time of the light pieces, which spend up to
    45 min at a few tens of m/s in the lower atmosphere, where the explicit integrator's step is
    limited by the drag time constant v/g (a few seconds)."""
    b = np.asarray(beta, dtype=float) / (TERMINAL_REF_BETA * np.asarray(density_scale))
    h = TERMINAL_REF_ALTITUDE - TERMINAL_SCALE_HEIGHT * np.log(b)
    return np.clip(h, 0.0, TERMINAL_REF_ALTITUDE + TERMINAL_SCALE_HEIGHT * math.log(5.0))


@dataclass
class MonteCarloResult:
    """Per-sample draws and outcomes of :func:`run_final_phase` (SI: rad, m, s).

    ``impact_lat``/``impact_lon`` are (N, K): the K fragment classes' impact points of each
    sample (classes ordered by increasing ballistic coefficient: heel first, toe last).
    ``outcome`` (N,) holds each sample's :data:`OUTCOMES` code; a sample that is not
    controlled (no breakup within :data:`MAX_ENTRY_TIME` of its final burn, or a breakup
    before it) has no footprint: its ground figures are NaN, it is left out of every footprint
    statistic and counts as a failure in :attr:`p_inside` and :attr:`p_foreign_land_clear`.
    """

    n: int
    seed: int
    dispersions: dict[str, Dispersion]
    samples: dict[str, np.ndarray]
    classes: tuple[FragmentClass, ...]
    breakup_dv: float
    impact_lat: np.ndarray
    impact_lon: np.ndarray
    breakup_t: np.ndarray
    breakup_lat: np.ndarray
    breakup_lon: np.ndarray
    length: np.ndarray
    width: np.ndarray
    centre_lat: np.ndarray
    centre_lon: np.ndarray
    centre_along: np.ndarray
    centre_cross: np.ndarray
    inside: np.ndarray
    foreign_distance: np.ndarray
    land_distance: np.ndarray
    outcome: np.ndarray
    series_dispersed: bool
    nominal_centre: tuple[float, float]
    nominal_azimuth: float
    epoch: Time
    zone_name: str = ""
    extra: dict = field(default_factory=dict)
    retargeted: bool = False

    @property
    def controlled(self) -> np.ndarray:
        """(N,) True where the sample came down under control (it has a footprint)."""
        return self.outcome == OUTCOME_CONTROLLED

    @property
    def p_uncontrolled(self) -> float:
        """Fraction of samples that did not come down under control (:data:`OUTCOMES`)."""
        return float(np.mean(~self.controlled))

    @property
    def p_inside(self) -> float:
        """Probability that every surviving piece of a sample lands inside the zone (an
        uncontrolled sample counts as outside)."""
        return float(np.mean(self.inside & self.controlled))

    @property
    def p_foreign_land_clear(self) -> float:
        """Fraction of samples whose footprint stays at least 370 km from foreign land
        (NASA-STD-8719.14C Req. 4.7-1b, :data:`FOREIGN_LAND_CLEARANCE`); an uncontrolled
        sample counts as not clear."""
        ok = self.controlled
        return float(
            np.mean(ok & (np.where(ok, self.foreign_distance, 0.0) >= FOREIGN_LAND_CLEARANCE))
        )

    def impact_along_cross(self) -> tuple[np.ndarray, np.ndarray]:
        """The controlled samples' impact points (M, K) along/across the nominal track from
        the nominal centre, m."""
        ok = self.controlled
        lat, lon = self.impact_lat[ok], self.impact_lon[ok]
        a, c = along_cross(
            self.nominal_centre[0],
            self.nominal_centre[1],
            self.nominal_azimuth,
            lat.ravel(),
            lon.ravel(),
        )
        return a.reshape(lat.shape), c.reshape(lat.shape)

    def summary(self) -> dict:
        """JSON-able summary: n, seed, p_inside, p_uncontrolled (with the count of each
        outcome), distance quantiles (km), footprint extent and centre-spread quantiles (km),
        the dispersions used and the fragment classes. Quantiles are over the controlled
        samples only (None when there is none); ``note`` says so."""
        ok = self.controlled

        def pct(x: np.ndarray, levels: list[float], digits: int) -> list[float] | None:
            if not ok.any():
                return None
            return [round(float(y) / 1e3, digits) for y in np.percentile(x[ok], levels)]

        def named(keys: tuple[str, ...], values: list[float] | None) -> dict | None:
            return None if values is None else dict(zip(keys, values, strict=True))

        def q(x: np.ndarray) -> dict | None:
            return named(("min", "p01", "p05", "p50"), pct(x, [0, 1, 5, 50], 1))

        def spread(x: np.ndarray) -> dict | None:
            return named(("p05", "p50", "p95"), pct(x, [5, 50, 95], 2))

        counts = {OUTCOMES[code]: int(np.sum(self.outcome == code)) for code in OUTCOMES}
        return {
            "n": int(self.n),
            "seed": int(self.seed),
            "zone": self.zone_name,
            "p_inside": self.p_inside,
            "p_foreign_land_clear": self.p_foreign_land_clear,
            "p_uncontrolled": self.p_uncontrolled,
            "outcomes": counts,
            "lowering_burns_dispersed": self.series_dispersed,
            "note": (
                f"{int(ok.sum())} of {self.n} samples came down under control; distances, "
                "footprint extents and centre spreads are over those only, and an uncontrolled "
                "sample counts as a failure in p_inside and p_foreign_land_clear. "
                + (
                    "Every sample flies its own dispersed lowering burns and coast; its final "
                    "burn is then re-timed from its own state 30 min before ignition (perfect "
                    "navigation, predicted in the nominal atmosphere) and flown with its own "
                    "errors in its own atmosphere."
                    if self.retargeted
                    else "Every sample flies its own dispersed lowering burns and coast, then "
                    "ignites its final burn at the planned time (dispersed), without "
                    "re-targeting: an upper bound on the spread."
                    if self.series_dispersed
                    else "Every sample ignites its final burn at the planned time (dispersed)."
                )
            ),
            "final_burn_retargeted": self.retargeted,
            "foreign_land_km": q(self.foreign_distance),
            "land_km": q(self.land_distance),
            "footprint_length_km": named(("p50", "p95"), pct(self.length, [50, 95], 1)),
            "footprint_width_km": named(("p50", "p95"), pct(self.width, [50, 95], 2)),
            "centre_along_km": spread(self.centre_along),
            "centre_cross_km": spread(self.centre_cross),
            "nominal_centre_deg": [
                round(math.degrees(self.nominal_centre[0]), 4),
                round(math.degrees(self.nominal_centre[1]), 4),
            ],
            "dispersions": {
                name: {"kind": d.kind, "a": d.a, "b": d.b} for name, d in self.dispersions.items()
            },
            "breakup_dv_m_s": self.breakup_dv,
            "fragment_classes": [
                {
                    "beta_kg_m2": round(c.beta, 3),
                    "pieces": c.count,
                    "types": list(c.names),
                }
                for c in self.classes
            ],
        }

    def envelope_geojson(self, levels: Sequence[float] = ENVELOPE_LEVELS) -> dict:
        """GeoJSON FeatureCollection of the footprint-envelope contours: per level L, the
        (highest-density) polygon holding at least a fraction L of all impact points
        (:mod:`deorbit.montecarlo.envelope`); every feature has the property ``level``, from
        the widest (largest level) to the narrowest."""
        a, c = self.impact_along_cross()
        feats = contour_features(
            a, c, self.nominal_centre[0], self.nominal_centre[1], self.nominal_azimuth, levels
        )
        return {"type": "FeatureCollection", "features": feats}

    def samples_table(self) -> dict[str, np.ndarray]:
        """Per-sample columns (draws in SI, outcomes in km/deg), e.g. for a Parquet file."""
        cols: dict[str, np.ndarray] = {"sample": np.arange(self.n)}
        for name, values in self.samples.items():
            cols[name] = np.asarray(values)
        cols["breakup_t_s"] = self.breakup_t
        cols["breakup_lat_deg"] = np.degrees(self.breakup_lat)
        cols["breakup_lon_deg"] = np.degrees(self.breakup_lon)
        cols["centre_lat_deg"] = np.degrees(self.centre_lat)
        cols["centre_lon_deg"] = np.degrees(self.centre_lon)
        cols["centre_along_km"] = self.centre_along / 1e3
        cols["centre_cross_km"] = self.centre_cross / 1e3
        cols["length_km"] = self.length / 1e3
        cols["width_km"] = self.width / 1e3
        cols["inside"] = self.inside
        cols["outcome"] = np.array([OUTCOMES[int(c)] for c in self.outcome])
        cols["foreign_land_km"] = self.foreign_distance / 1e3
        cols["land_km"] = self.land_distance / 1e3
        cols["heel_lat_deg"] = np.degrees(self.impact_lat[:, 0])
        cols["heel_lon_deg"] = np.degrees(self.impact_lon[:, 0])
        cols["toe_lat_deg"] = np.degrees(self.impact_lat[:, -1])
        cols["toe_lon_deg"] = np.degrees(self.impact_lon[:, -1])
        return cols


# ----------------------------------------------------------------------------------------------
# Set-up (drawn once for all samples) and one block of samples
# ----------------------------------------------------------------------------------------------


@dataclass
class _Setup:
    """Everything a block needs; all per-sample arrays cover every sample."""

    epoch: Time
    t_start: float
    y_start: np.ndarray
    stack: Spacecraft
    forces: ForceModel
    fall_forces: ForceModel
    burns: SampleBurns
    series: list[SampleBurns]
    series_until: list[float]
    density_scale: np.ndarray
    breakup_altitude: np.ndarray
    beta_factor: np.ndarray
    breakup_dirs: np.ndarray  # (N, K, 3)
    breakup_dv: float
    classes: tuple[FragmentClass, ...]
    until: float
    band: tuple[float, float]
    fall_band: tuple[float, float]
    lat_max: float
    zone: TargetZone
    retarget: tuple[float, float, float, float] | None = None
    """(the plan's breakup lat, lon rad, ground azimuth rad there, ground speed m/s at the
    final burn), or None: no re-timing of the final burn."""


@dataclass
class _Block:
    """Outcomes of samples ``idx``."""

    idx: np.ndarray
    impact_lat: np.ndarray
    impact_lon: np.ndarray
    breakup_t: np.ndarray
    breakup_lat: np.ndarray
    breakup_lon: np.ndarray
    length: np.ndarray
    width: np.ndarray
    centre_lat: np.ndarray
    centre_lon: np.ndarray
    inside: np.ndarray
    foreign: np.ndarray
    land: np.ndarray
    outcome: np.ndarray


def _fall_forces(forces: ForceModel) -> ForceModel:
    """The atmosphere down to the ground (:func:`ground_forces`) with gravity to J2 only (the
    full field, if any, off too): over the few minutes of a fragment's fall J3-J6 move its
    impact by < 1 m (our comparison on the ISS case), and the zonal sum is a quarter of the
    fall's cost."""
    g = ground_forces(forces)
    return dataclasses.replace(g, zonal_degree=min(g.zonal_degree, 2), gravity_field=0)


def _tilt(axis: np.ndarray, angle: np.ndarray, azimuth: np.ndarray) -> np.ndarray:
    """Unit vectors ``angle`` rad off the unit ``axis`` (3,), towards ``azimuth`` rad about it."""
    helper = np.array([0.0, 0.0, 1.0]) if abs(axis[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    p1 = np.cross(axis, helper)
    p1 /= np.linalg.norm(p1)
    p2 = np.cross(axis, p1)
    perp = np.cos(azimuth)[:, None] * p1 + np.sin(azimuth)[:, None] * p2
    return np.cos(angle)[:, None] * axis + np.sin(angle)[:, None] * perp


def _polyline(lat: np.ndarray, lon: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, ...]:
    """(N, M) points (rad) of each sample's impacts in ``order`` (N, K), joined by straight
    lat/lon segments of :data:`LINE_SUBDIVISIONS` points (longitude unwrapped per segment)."""
    la = np.take_along_axis(lat, order, axis=1)
    lo = np.take_along_axis(lon, order, axis=1)
    s = np.arange(LINE_SUBDIVISIONS) / LINE_SUBDIVISIONS
    dla = np.diff(la, axis=1)
    dlo = (np.diff(lo, axis=1) + np.pi) % (2 * np.pi) - np.pi
    seg_la = la[:, :-1, None] + s[None, None, :] * dla[:, :, None]
    seg_lo = lo[:, :-1, None] + s[None, None, :] * dlo[:, :, None]
    n = lat.shape[0]
    pla = np.concatenate([seg_la.reshape(n, -1), la[:, -1:]], axis=1)
    plo = np.concatenate([seg_lo.reshape(n, -1), lo[:, -1:]], axis=1)
    return pla, (plo + np.pi) % (2 * np.pi) - np.pi


def _check_propellant(s: _Setup, burn: SampleBurns, idx: np.ndarray, mass: np.ndarray) -> None:
    """Each sample's burn within the propellant it has left (BurnError naming the sample)."""
    left = s.stack.propellant - (s.stack.mass - mass)
    over = burn.propellant > left + 1e-9
    if over.any():
        j = int(np.flatnonzero(over)[0])
        raise BurnError(
            f"{burn.name}: Monte Carlo sample #{int(idx[j])} needs {burn.propellant[j]:.1f} kg of "
            f"propellant, {max(left[j], 0.0):.1f} kg left (short by "
            f"{burn.propellant[j] - left[j]:.1f} kg)"
        )


def _retiming(s: _Setup, res) -> np.ndarray:
    """Shift (s) of each sample's final-burn ignition from a predicted flight ``res`` (the
    sample's own state after its coast, flown with the planned ignition in the NOMINAL
    atmosphere, as the operations team would predict it): its breakup point's along-track
    offset from the plan's breakup point divided by the ground speed (downrange: earlier)."""
    lat0, lon0, azimuth, speed = s.retarget
    when = s.epoch + TimeDelta(res.t_end, format="sec")
    lat_d, lon_d, _ = subpoint(when, res.y[:, :3])
    along, _ = along_cross(lat0, lon0, azimuth, np.radians(lat_d), np.radians(lon_d))
    reached = np.array([name == "breakup" for name in res.event_name])
    return np.where(reached, -np.asarray(along, dtype=float) / speed, 0.0)


def _run_block(setup: _Setup, idx: np.ndarray) -> _Block:
    """Fly samples ``idx``: their lowering series and coast (when dispersed), final burns,
    entries to breakup, fragment classes to the ground. Samples that break up before their
    final burn or do not reach breakup within :data:`MAX_ENTRY_TIME` of it are outcomes
    (:data:`OUTCOMES`), not errors; they fly no fragments and their ground figures are NaN."""
    m = idx.size
    k = len(setup.classes)
    s = setup
    breakup = [AltitudeCrossing(float(np.median(s.breakup_altitude)), -1, True, "breakup")]
    y = np.repeat(s.y_start[None, :], m, axis=0)
    t_now = s.t_start
    outcome = np.zeros(m, dtype=np.int64)
    with _RUN_LOCK:
        ens = EnsemblePropagator(s.forces, rtol=RTOL)
        coast = EnsemblePropagator(s.forces, rtol=COAST_RTOL)

        def fly(burn: SampleBurns, until: float, live: np.ndarray, prop=ens, scale=None):
            _check_propellant(s, burn.take(np.flatnonzero(live)), idx[live], y[live, 6])
            return prop.propagate(
                s.epoch,
                y[:, :3],
                y[:, 3:6],
                s.stack,
                until,
                mass=y[:, 6],
                density_scale=s.density_scale[idx] if scale is None else scale,
                events=breakup,
                event_altitudes=s.breakup_altitude[idx, None],
                start_time=np.where(live, t_now, until),
                burns=burn,
                altitude_band=s.band,
                max_latitude=s.lat_max,
            )

        # the dispersed lowering series and the coast, stage by stage
        for series_burn, until in zip(s.series, s.series_until, strict=True):
            live = outcome == 0
            res = fly(series_burn.take(idx), until, live, coast)
            early = live & np.array([name is not None for name in res.event_name])
            outcome[early] = OUTCOME_EARLY
            y = np.where(live[:, None], res.y, y)
            t_now = until
        live = outcome == 0
        final = s.burns.take(idx)
        if s.retarget is not None and s.series:
            predicted = fly(final, s.until, live, scale=np.ones(m))
            final = replace(final, start=final.start + _retiming(s, predicted))
        res = fly(final, s.until, live)
        reached = np.array([name == "breakup" for name in res.event_name])
        outcome[live & ~reached] = OUTCOME_NO_BREAKUP
        ok = np.flatnonzero(outcome == 0)
        yb_all = res.y
        tb_all = np.where(outcome == 0, res.t_end, np.nan)
        mo = ok.size
        tb, yb = res.t_end[ok], yb_all[ok]
        if mo:
            # K pieces per sample, sample-major: piece (j, c) at row j * K + c
            beta = np.array([c.beta for c in s.classes])[None, :] * s.beta_factor[idx[ok], None]
            mass = np.repeat(np.array([c.mass for c in s.classes])[None, :], mo, axis=0)
            r = np.repeat(yb[:, :3], k, axis=0)
            v = np.repeat(yb[:, 3:6], k, axis=0) + s.breakup_dv * s.breakup_dirs[idx[ok]].reshape(
                -1, 3
            )
            cda = (mass / beta).ravel()
            scale = np.repeat(s.density_scale[idx[ok]], k)
            fall = EnsemblePropagator(s.fall_forces, rtol=FALL_RTOL, atol=FALL_ATOL).propagate(
                s.epoch,
                r,
                v,
                Spacecraft(float(mass[0, 0]), 1.0),
                s.until + MAX_FALL_TIME,
                mass=mass.ravel(),
                cda=cda,
                density_scale=scale,
                events=[AltitudeCrossing(0.0, -1, True, TERMINAL_EVENT)],
                event_altitudes=terminal_altitude(mass.ravel() / cda, scale)[:, None],
                start_time=np.repeat(tb, k),
                altitude_band=s.fall_band,
                max_latitude=s.lat_max,
            )
    nan = np.full(m, np.nan)
    out = {
        name: nan.copy()
        for name in ("b_lat", "b_lon", "length", "width", "c_lat", "c_lon", "foreign", "land")
    }
    lat_all, lon_all = np.full((m, k), np.nan), np.full((m, k), np.nan)
    inside_all = np.zeros(m, dtype=bool)
    if mo == 0:
        return _Block(
            idx, lat_all, lon_all, tb_all, out["b_lat"], out["b_lon"], out["length"],
            out["width"], out["c_lat"], out["c_lon"], inside_all, out["foreign"], out["land"],
            outcome,
        )  # fmt: skip
    missing = [
        j
        for j, name in enumerate(fall.event_name)
        if name not in (TERMINAL_EVENT, "surface impact")
    ]
    if missing:
        j = missing[0]
        raise PropagationError(
            f"Monte Carlo sample #{int(idx[ok[j // k]])}: a fragment (class beta "
            f"{s.classes[j % k].beta:.1f} kg/m^2) did not reach the ground within "
            f"{MAX_FALL_TIME:.0f} s of breakup"
        )
    t_imp = s.epoch + TimeDelta(fall.t_end, format="sec")
    lat_d, lon_d, _ = subpoint(t_imp, fall.y[:, :3])
    lat = np.radians(lat_d).reshape(mo, k)
    lon = np.radians(lon_d).reshape(mo, k)
    t_b = s.epoch + TimeDelta(tb, format="sec")
    b_lat_d, b_lon_d, _ = subpoint(t_b, yb[:, :3])
    b_lat, b_lon = np.radians(b_lat_d), np.radians(b_lon_d)
    az = ground_azimuth(t_b, yb[:, :3], yb[:, 3:6])
    # along/across each sample's own breakup ground track (as Footprint measures it)
    along, cross = along_cross(b_lat[:, None], b_lon[:, None], az[:, None], lat, lon)
    mid = 0.5 * (along.max(axis=1) + along.min(axis=1))
    c_lat, c_lon = destination(b_lat, b_lon, az, mid)
    order = np.argsort(along, axis=1)
    pla, plo = _polyline(lat, lon, order)
    lat_all[ok], lon_all[ok] = lat, lon
    inside_all[ok] = s.zone.contains(pla.ravel(), plo.ravel()).reshape(pla.shape).all(axis=1)
    for name, values in (
        ("b_lat", b_lat),
        ("b_lon", b_lon),
        ("length", along.max(axis=1) - along.min(axis=1)),
        ("width", cross.max(axis=1) - cross.min(axis=1)),
        ("c_lat", c_lat),
        ("c_lon", c_lon),
        ("foreign", distance_to_land(pla.ravel(), plo.ravel(), "foreign").reshape(pla.shape)),
        ("land", distance_to_land(pla.ravel(), plo.ravel(), "all").reshape(pla.shape)),
    ):
        out[name][ok] = values if values.ndim == 1 else values.min(axis=1)
    return _Block(
        idx, lat_all, lon_all, tb_all, out["b_lat"], out["b_lon"], out["length"], out["width"],
        out["c_lat"], out["c_lon"], inside_all, out["foreign"], out["land"], outcome,
    )  # fmt: skip


def _require_positive(drawn: dict[str, np.ndarray], seed: int, what: str = "") -> None:
    """InputError naming the dispersion and the first sample (of ``what``) whose drawn value
    is not finite and > 0."""
    for name, values in drawn.items():
        bad = ~(np.isfinite(values) & (values > 0.0))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"dispersion {name!r} drew a non-positive value for sample #{j}{what} "
                f"(seed {seed}): use a narrower spread"
            )


def _dispersed_burn(
    burn: FiniteBurn, disp: dict[str, Dispersion], n: int, seed: int, suffix: str
) -> tuple[SampleBurns, dict[str, np.ndarray]]:
    """``n`` dispersed executions of ``burn`` (module docstring, item 1) and the draws, keyed
    ``<dispersion><suffix>`` (their streams' names; ``suffix`` "" for the final burn)."""
    own = {name + suffix: disp[name] for name in BURN_DISPERSIONS if name in disp}
    d = draw(own, n, seed) if own else {}
    one = np.ones(n)
    timing = d.get("timing" + suffix, 0.0 * one)
    duration = burn.duration * d.get("burn_magnitude" + suffix, one)
    thrust = burn.thrust * d.get("thrust" + suffix, one)
    pointing = d.get("pointing" + suffix, 0.0 * one)
    _require_positive({"burn_magnitude": duration, "thrust": thrust}, seed, f" of {burn.name!r}")
    azimuth = stream(seed, "pointing_azimuth" + suffix).uniform(0.0, 2.0 * np.pi, n)
    direction = _tilt(np.asarray(burn.direction, dtype=float), pointing, azimuth)
    sb = SampleBurns(
        burn.start + timing,
        duration,
        thrust,
        np.full(n, burn.isp),
        direction,
        burn.frame,
        burn.name,
    )
    return sb, {**d, "pointing_azimuth" + suffix: azimuth}


def _setup(
    plan: TargetingResult,
    spacecraft: Spacecraft,
    forces: ForceModel,
    fragments: FragmentList,
    zone: TargetZone,
    n: int,
    seed: int,
    disp: dict[str, Dispersion],
    breakup_dv: float,
    n_classes: int,
    disperse_series: bool = True,
    retarget: bool = True,
) -> tuple[_Setup, dict[str, np.ndarray]]:
    unknown = sorted(set(disp) - set(KNOWN_DISPERSIONS))
    if unknown:
        raise InputError(
            f"unknown dispersion(s) {', '.join(unknown)}; known: {', '.join(KNOWN_DISPERSIONS)}"
        )
    if not (math.isfinite(breakup_dv) and breakup_dv >= 0):
        raise InputError(f"breakup delta-v must be >= 0 m/s, got {breakup_dv}")
    s = draw({k: d for k, d in disp.items() if k not in BURN_DISPERSIONS}, n, seed)
    one = np.ones(n)
    burn: FiniteBurn = plan.final_burn
    burns, drawn_burn = _dispersed_burn(burn, disp, n, seed, "")
    s = {**drawn_burn, **s}
    rho = s.get("density_scale", one)
    h_b = s.get("breakup_altitude", np.full(n, plan.entry.breakup_altitude))
    beta_f = s.get("fragment_beta", one)
    _require_positive(
        {"density_scale": rho, "fragment_beta": beta_f, "breakup_altitude": h_b}, seed
    )
    traj = plan.entry.trajectory
    others = plan.lowering_burns
    series: list[SampleBurns] = []
    series_until: list[float] = []
    retiming = None
    if disperse_series and others:
        # every sample flies its own lowering series from the plan's initial state
        for x in others:
            if not isinstance(x, FiniteBurn):
                raise InputError(f"{x.name}: only finite lowering burns can be dispersed")
            sb, extra = _dispersed_burn(x, disp, n, seed, f" ({x.name})")
            series.append(sb)
            s = {**s, **extra}
        stages = [*series, burns]
        for a, b in itertools.pairwise(stages):
            until = float(b.start.min()) - (RETARGET_LEAD if retarget and b is burns else LEAD_TIME)
            if until <= float(np.max(a.start + a.duration)):
                raise InputError(
                    f"dispersed ignitions of {b.name!r} reach back into {a.name!r}: reduce the "
                    "timing dispersion"
                )
            series_until.append(until)
        t_start = float(traj.t[0])
        y_start = np.asarray(traj.y[0], dtype=float).copy()
        r_max = float(np.max(np.linalg.norm(traj.y[:, :3], axis=1)))
        if retarget:
            fp = plan.footprint
            retiming = (
                fp.breakup_lat,
                fp.breakup_lon,
                fp.azimuth,
                _ground_speed(traj, burn.start),
            )
    else:
        after = max([0.0] + [x.end for x in others if x.end <= burn.start])
        wanted = float(burns.start.min()) - LEAD_TIME
        if wanted < after:
            raise InputError(
                f"dispersed final-burn ignitions reach {burn.start - wanted:.0f} s before the "
                "plan's final burn, back into the previous burn or the start: reduce the timing "
                "dispersion"
            )
        k0 = int(np.searchsorted(traj.t, wanted, side="right")) - 1
        if k0 < 0 or traj.t[k0] < after:
            raise InputError("the plan's trajectory has no state before the dispersed ignitions")
        t_start = float(traj.t[k0])
        y_start = np.asarray(traj.y[k0], dtype=float).copy()
        r_max = float(perigee_apogee_radius(y_start[:3], y_start[3:6])[1])
    used = spacecraft.mass - float(y_start[6])
    stack = Spacecraft(
        float(y_start[6]),
        spacecraft.drag_area,
        spacecraft.cd,
        propellant=max(spacecraft.propellant - used, 0.0),
        name=spacecraft.name,
    )
    classes = fragment_classes(fragments, n_classes)
    dirs = random_directions(stream(seed, "breakup_direction"), n * len(classes))
    polar = WGS84_A * (1.0 - WGS84_F)
    setup = _Setup(
        epoch=traj.epoch,
        t_start=t_start,
        y_start=y_start,
        stack=stack,
        forces=forces,
        fall_forces=_fall_forces(forces),
        burns=burns,
        series=series,
        series_until=series_until,
        density_scale=rho,
        breakup_altitude=h_b,
        beta_factor=beta_f,
        breakup_dirs=dirs.reshape(n, len(classes), 3),
        breakup_dv=float(breakup_dv),
        classes=classes,
        until=float(np.max(burns.start + burns.duration)) + MAX_ENTRY_TIME,
        band=(0.0, r_max - polar + 25e3),
        fall_band=(0.0, float(np.max(h_b)) + 25e3),
        lat_max=max_latitude(y_start[:3], y_start[3:6]) + math.radians(1.0),
        zone=zone,
        retarget=retiming,
    )
    return setup, s


def _ground_speed(traj, t: float) -> float:
    """The nominal stack's Earth-relative ground speed (m/s, scaled to the surface) at ``t`` s
    (trajectory interpolated linearly between its output points, a few seconds apart)."""
    y = np.array([np.interp(t, traj.t, traj.y[:, j]) for j in range(6)])
    when = traj.epoch + TimeDelta(t, format="sec")
    r_itrs, v_itrs = teme_to_itrs(when, y[None, :3], y[None, 3:6])
    r_f, v_f = np.asarray(r_itrs).reshape(3), np.asarray(v_itrs).reshape(3)
    rn = float(np.linalg.norm(r_f))
    v_h = v_f - (v_f @ r_f) / rn**2 * r_f
    return float(np.linalg.norm(v_h)) * WGS84_A / rn


def run_final_phase(
    plan: TargetingResult,
    spacecraft: Spacecraft,
    forces: ForceModel,
    fragments: FragmentList,
    zone: TargetZone,
    n: int,
    seed: int = 0,
    dispersions: dict[str, Dispersion] | None = None,
    breakup_dv: float = BREAKUP_DELTA_V,
    *,
    classes: int = DEFAULT_CLASSES,
    scheduler: object | None = None,
    block_size: int = DEFAULT_BLOCK,
    progress: Callable[[int, int], None] | None = None,
    disperse_series: bool = True,
    retarget: bool = True,
) -> MonteCarloResult:
    """``n`` dispersed, non-linear samples of the final phase of ``plan`` (module docstring).

    ``spacecraft`` is the stack the plan was made for (its propellant bounds the burns);
    ``dispersions`` maps names of :data:`KNOWN_DISPERSIONS` to :class:`Dispersion` (default
    :data:`FINAL_PHASE_DISPERSIONS`; a missing name is not dispersed, ``{}`` flies the nominal
    plan); ``breakup_dv`` m/s is the separation speed of the pieces; ``classes`` the number of
    fragment classes. ``scheduler``: ``None`` runs the blocks in this process; otherwise the
    blocks of ``block_size`` samples become Dask tasks run by that scheduler (a Dask scheduler
    name such as ``"threads"``, a ``distributed.Client``, or a scheduler address
    ``"tcp://host:port"``); the numbers are the same either way. ``progress(done, n)`` is
    called after each block. ``disperse_series``: every sample flies its own dispersed
    lowering series and coast (when the plan has one); ``retarget``: then each sample's final
    burn is re-timed from its own state :data:`RETARGET_LEAD` s before ignition, as operations
    would after tracking the series (False: the planned ignition time, an upper bound on the
    spread).

    Raises
    ------
    InputError
        Bad ``n``, unknown dispersion names, draws that make no physical sense.
    BurnError
        A dispersed burn needs more propellant than is left.
    PropagationError
        A piece does not reach the ground in time (a sample that does not reach breakup is an
        outcome: :attr:`MonteCarloResult.outcome`).
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"number of samples must be an integer >= 1, got {n!r}")
    if block_size < 1:
        raise InputError(f"block size must be >= 1, got {block_size}")
    disp = dict(FINAL_PHASE_DISPERSIONS if dispersions is None else dispersions)
    setup, drawn = _setup(
        plan, spacecraft, forces, fragments, zone, int(n), int(seed), disp, breakup_dv, classes,
        disperse_series, retarget,
    )  # fmt: skip
    blocks = [np.arange(i, min(i + block_size, n)) for i in range(0, n, block_size)]
    if scheduler is None:
        parts = []
        for idx in blocks:
            parts.append(_run_block(setup, idx))
            if progress is not None:
                progress(int(idx[-1]) + 1, int(n))
    else:
        parts = _run_dask(setup, blocks, scheduler, progress, int(n))
    return _collect(plan, setup, parts, int(n), int(seed), disp, drawn, zone)


def _run_dask(
    setup: _Setup,
    blocks: list[np.ndarray],
    scheduler: object,
    progress: Callable[[int, int], None] | None,
    n: int,
) -> list[_Block]:
    """The blocks as Dask delayed tasks on ``scheduler`` (name, Client or address)."""
    import dask

    shared = dask.delayed(setup, traverse=False)  # one copy for all tasks
    tasks = [dask.delayed(_run_block)(shared, idx) for idx in blocks]
    if isinstance(scheduler, str) and "://" in scheduler:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - distributed is installed with dask[complete]
            raise InputError("a scheduler address needs dask.distributed installed") from None
        try:
            client = Client(scheduler, timeout=10)
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        with client:
            parts = list(dask.compute(*tasks, scheduler=client))
    else:
        parts = list(dask.compute(*tasks, scheduler=scheduler))
    if progress is not None:
        progress(n, n)
    return parts


def _collect(
    plan: TargetingResult,
    setup: _Setup,
    parts: list[_Block],
    n: int,
    seed: int,
    disp: dict[str, Dispersion],
    drawn: dict[str, np.ndarray],
    zone: TargetZone,
) -> MonteCarloResult:
    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    fp = plan.footprint
    c0 = fp.centre
    c_lat, c_lon = cat("centre_lat"), cat("centre_lon")
    ca, cc = np.full(c_lat.shape, np.nan), np.full(c_lat.shape, np.nan)
    ok = np.isfinite(c_lat)
    ca[ok], cc[ok] = along_cross(c0[0], c0[1], fp.azimuth, c_lat[ok], c_lon[ok])
    return MonteCarloResult(
        n=n,
        seed=seed,
        dispersions=disp,
        samples=drawn,
        classes=setup.classes,
        breakup_dv=setup.breakup_dv,
        impact_lat=cat("impact_lat"),
        impact_lon=cat("impact_lon"),
        breakup_t=cat("breakup_t"),
        breakup_lat=cat("breakup_lat"),
        breakup_lon=cat("breakup_lon"),
        length=cat("length"),
        width=cat("width"),
        centre_lat=c_lat,
        centre_lon=c_lon,
        centre_along=ca,
        centre_cross=cc,
        inside=cat("inside"),
        foreign_distance=cat("foreign"),
        land_distance=cat("land"),
        outcome=cat("outcome"),
        series_dispersed=bool(setup.series),
        retargeted=bool(setup.series) and setup.retarget is not None,
        nominal_centre=(float(c0[0]), float(c0[1])),
        nominal_azimuth=float(fp.azimuth),
        epoch=setup.epoch,
        zone_name=zone.name,
    )
