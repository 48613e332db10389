"""Catalogue screening: which objects of a catalogue snapshot reenter within a horizon, and when.

One element set per object (the newest), so no drag fit: the ballistic factor comes from B*.
Near-circular orbits (e <= :data:`MAX_ECCENTRICITY`) decay by the King-Hele rate
``da/dt = -F rho (Cd A / m) sqrt(mu a)`` (King-Hele, "Satellite Orbits in an Atmosphere", 1987,
eq. 3.5 for e = 0; ``F`` the atmosphere-rotation factor, :func:`wind_factor`), eccentric ones
by the orbit-averaged Gauss equations in a and e (:func:`decay_times_eccentric`); every object
and sample is integrated at once (numpy arrays, per-element adaptive steps) with a density
table: NRLMSIS-00 averaged along circular orbits of five inclinations, at the height above the
ellipsoid, and over local time, per altitude and day, for each solar forecast level (observed
weather up to the catalogue date). The orbit radius is SGP4's mean radius over one revolution
(:func:`orbit_mean_radius`), not the Brouwer mean a. Checked against the averaged propagator
(``lifetime``) on catalogue objects: docs/validation.md, tests/test_screen_catalog.py.

* First pass: every object once at the pessimistic end (drag scale :data:`FIRST_PASS_SCALE`,
  STRONG forecast); those that do not reach 120 km within the horizon need no ensemble.
* Ensemble for the rest: per object ``samples`` draws of a log-normal density error (17 %),
  a log-normal B* error (:data:`BSTAR_LOG_SIGMA`) about the calibrated B* drag factor
  (:data:`BSTAR_DRAG_FACTOR`) and the solar level (1/4, 1/2, 1/4), both median 1, from a
  generator seeded with ``(seed, NORAD id)`` -- so the result does not depend on how objects
  are split over processes or Dask workers.

Not screened (listed when their perigee is below 300 km): orbits with
e > :data:`MAX_SCREENED_ECCENTRICITY` and sets with B* <= 0.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from astropy.time import Time, TimeDelta

from deorbit.core.constants import GM_EARTH, OMEGA_EARTH, WGS84_A, WGS84_F
from deorbit.core.elements import ElementSet
from deorbit.core.time import iso
from deorbit.environment.atmosphere import NRLMSIS
from deorbit.environment.space_weather import CelestrakSpaceWeather, default_space_weather
from deorbit.errors import InputError, SpaceWeatherRangeError
from deorbit.estimation.drag_fit import BSTAR_DRAG_FACTOR, BSTAR_TOTAL_LOG_SIGMA
from deorbit.reentry.window import DENSITY_SIGMA, LEVEL_WEIGHTS

INTERFACE_M = 120e3
TABLE_ALT_M = np.arange(100e3, 1000e3 + 1, 10e3)
BSTAR_LOG_SIGMA = math.sqrt(BSTAR_TOTAL_LOG_SIGMA**2 - math.log1p(DENSITY_SIGMA) ** 2)
"""The screen's B* term, 1-sigma of ln k (0.61): the calibration's total spread less the
density term the screen draws on its own, in quadrature."""
FIRST_PASS_SCALE = math.exp(3.0 * BSTAR_TOTAL_LOG_SIGMA)
"""Pessimistic drag multiplier of the first pass (on top of :data:`BSTAR_DRAG_FACTOR`): +3
sigma of the combined density and B* log-normal errors, exp(3 x 0.63) = 6.6."""
MAX_ECCENTRICITY = 0.02
"""Above this eccentricity an orbit decays by :func:`decay_times_eccentric` (a and e)."""
MAX_SCREENED_ECCENTRICITY = 0.9
"""Above this (near-parabolic), not screened."""
CHUNK = 250


MEAN_RADIUS_SAMPLES = 24
"""SGP4 points over one revolution for the orbit's mean radius."""


def orbit_mean_radius(element_set: ElementSet) -> float:
    """Mean geocentric radius (m) over one revolution from the set's epoch, by SGP4.

    This, not SGP4's Brouwer mean ``a``, is the radius of the circular orbit the decay model
    flies: the two differ by the J2 short-period terms, -2.6 to +4.7 km in the 2026-07 active
    catalogue depending on inclination, while the mean radius matches the mean a of our own
    mean elements (:func:`deorbit.propagation.mean_elements.mean_elements`, the averaged
    propagator's) within about 0.4 km (measured on the catalogue's low objects)."""
    sat = element_set.satrec
    frac = np.arange(MEAN_RADIUS_SAMPLES) / MEAN_RADIUS_SAMPLES * element_set.period / 86400.0
    err, r, _v = sat.sgp4_array(np.full(frac.size, sat.jdsatepoch), sat.jdsatepochF + frac)
    if np.any(err != 0):
        return float(element_set.semi_major_axis)
    return float(np.linalg.norm(r, axis=1).mean() * 1e3)


def wind_factor(a: float, inclination: float) -> float:
    """King-Hele's atmospheric-rotation factor ``F = (1 - a w cos i / v)^2`` for a circular
    orbit of radius ``a`` (m) and inclination (rad), ``v = sqrt(mu / a)``, ``w`` the Earth's
    rotation rate: drag acts on the speed relative to the co-rotating air (King-Hele,
    "Satellite Orbits in an Atmosphere", 1987, section 2.4). About 0.94 at 53 deg, 1.01 for
    sun-synchronous orbits."""
    v = math.sqrt(GM_EARTH / a)
    return (1.0 - a * OMEGA_EARTH * math.cos(inclination) / v) ** 2


def parse_horizon(text: str) -> float:
    """'90d', '12w', '1y' or a number of days -> days."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dwy]?)\s*", text)
    if not m:
        raise InputError(f"horizon {text!r}: use e.g. 90d, 12w or 1y")
    value = float(m.group(1)) * {"": 1.0, "d": 1.0, "w": 7.0, "y": 365.25}[m.group(2)]
    if not 0 < value <= 3650:
        raise InputError(f"horizon {text!r} must be between 0 and 10 years")
    return value


INCLINATION_NODES_DEG = (0.0, 40.0, 55.0, 70.0, 90.0)
"""Inclinations (folded to 0-90 deg) at which the orbit-averaged density is tabulated."""
ORBIT_SAMPLES = 6
"""Points along the orbit (argument of latitude) per table entry."""
TABLE_LONGITUDES = 4
"""Longitudes (local times at 12 UT: 12, 18, 0, 6 h) per table entry."""


@dataclass(frozen=True)
class DensityTable:
    """log density (kg/m^3) on (level, day, inclination node, altitude above the equatorial
    radius); days from ``mjd0``. A 3-D table (level, day, altitude) is one inclination."""

    mjd0: float
    levels: tuple[str, ...]
    log_rho: np.ndarray  # (L, D, I, A) or (L, D, A)

    def inclination_position(self, inclination_rad: np.ndarray) -> np.ndarray:
        """Fractional index of each inclination among :data:`INCLINATION_NODES_DEG`."""
        inc = np.degrees(np.asarray(inclination_rad, dtype=float))
        folded = np.minimum(inc, 180.0 - inc)
        if self.log_rho.ndim == 3:
            return np.zeros_like(folded)
        return np.interp(folded, INCLINATION_NODES_DEG, np.arange(len(INCLINATION_NODES_DEG)))

    def log_density(self, level, t_days, alt_m, incl_pos=None):
        """Interpolated log density for arrays of the same shape (linear in day, inclination
        and altitude); ``incl_pos`` from :meth:`inclination_position` (default: node 0)."""
        r = self.log_rho if self.log_rho.ndim == 4 else self.log_rho[:, :, None, :]
        d = np.clip(t_days, 0.0, r.shape[1] - 1.000001)
        i = d.astype(int)
        fd = d - i
        x = np.clip((alt_m - TABLE_ALT_M[0]) / 10e3, 0.0, TABLE_ALT_M.size - 1.000001)
        j = x.astype(int)
        fx = x - j
        if incl_pos is None or r.shape[2] == 1:
            q = np.zeros_like(j)
            fq = np.zeros_like(fx)
        else:
            qq = np.clip(incl_pos, 0.0, r.shape[2] - 1.000001)
            q = qq.astype(int)
            fq = qq - q

        def at(ii, qi):
            return r[level, ii, qi, j] * (1 - fx) + r[level, ii, qi, j + 1] * fx

        q1 = np.minimum(q + 1, r.shape[2] - 1)
        lo = at(i, q) * (1 - fq) + at(i, q1) * fq
        hi = at(i + 1, q) * (1 - fq) + at(i + 1, q1) * fq
        out = lo * (1 - fd) + hi * fd
        # below the table: extend with the lowest layer's scale height
        below = alt_m < TABLE_ALT_M[0]
        if np.any(below):
            slope = (r[level, i, q, 1] - r[level, i, q, 0]) / 10e3
            out = np.where(below, r[level, i, q, 0] + slope * (alt_m - TABLE_ALT_M[0]), out)
        return out


def density_table(first: Time, as_of: Time, days: float) -> DensityTable:
    """See :func:`_density_table` (cached per process: the same catalogue screened twice, or
    with another seed, reuses the table)."""
    return _density_table(float(first.utc.mjd), float(as_of.utc.mjd), float(days))


@functools.lru_cache(maxsize=4)
def _density_table(first_mjd: float, as_of_mjd: float, days: float) -> DensityTable:
    """NRLMSIS-00 averaged along circular orbits of each inclination node: :data:`ORBIT_SAMPLES`
    arguments of latitude (latitude ``asin(sin i sin u)``) x :data:`TABLE_LONGITUDES` longitudes
    at 12 UT of each day from ``first`` to ``days`` after ``as_of`` (observed weather up to
    ``as_of``). The table's altitude is ``a - WGS84_A``; the density is taken at the height
    above the ellipsoid at each latitude, ``a - R(lat)`` with ``R = WGS84_A (1 - f sin^2 lat)``
    (first order in the flattening), up to 21 km higher near the poles."""
    first = Time(first_mjd, format="mjd", scale="utc")
    as_of = Time(as_of_mjd, format="mjd", scale="utc")
    try:
        sources = {lv: default_space_weather(lv, as_of=as_of) for lv in LEVEL_WEIGHTS}
    except SpaceWeatherRangeError:
        sources = {"OBSERVED": CelestrakSpaceWeather()}
    mjd0 = math.floor(first.utc.mjd)
    n_days = math.ceil(as_of.utc.mjd - mjd0 + days) + 2
    mjd = mjd0 + 0.5 + np.arange(n_days)
    inc = np.radians(np.array(INCLINATION_NODES_DEG))
    u = (np.arange(ORBIT_SAMPLES) + 0.5) * 2 * np.pi / ORBIT_SAMPLES
    lat = np.arcsin(np.sin(inc)[:, None] * np.sin(u)[None, :])  # (I, U)
    lon = np.radians(np.arange(TABLE_LONGITUDES) * 360.0 / TABLE_LONGITUDES)
    M, LA, LO, AL = np.meshgrid(mjd, np.arange(inc.size * u.size), lon, TABLE_ALT_M, indexing="ij")
    LAT = lat.ravel()[LA]
    H = np.minimum(AL + WGS84_A * WGS84_F * np.sin(LAT) ** 2, 1000e3)
    # days well before the prediction day have the same (observed) weather for every level:
    # computed once. The 81-day centred F10.7 mean of the last 40 observed days already
    # reaches into each level's forecast, so those are computed per level.
    cut = math.floor(as_of.utc.mjd) - 41
    n_obs = int(np.searchsorted(mjd, cut)) if len(sources) > 1 else 0
    tables = []
    shared = None
    for src in sources.values():
        model = NRLMSIS(src, "00")
        if shared is None and n_obs > 0:
            rho = model.density(M[:n_obs], LAT[:n_obs], LO[:n_obs], H[:n_obs])
            rho = rho.reshape(n_obs, inc.size, u.size, lon.size, TABLE_ALT_M.size)
            shared = np.log(rho.mean(axis=(2, 3)))
        rho = model.density(M[n_obs:], LAT[n_obs:], LO[n_obs:], H[n_obs:])  # (D, I*U, LON, A)
        rho = rho.reshape(n_days - n_obs, inc.size, u.size, lon.size, TABLE_ALT_M.size)
        part = np.log(rho.mean(axis=(2, 3)))
        tables.append(part if shared is None else np.concatenate((shared, part)))
    # t_days = 0 is the first node, 12 UT of the first day
    return DensityTable(mjd0 + 0.5, tuple(sources), np.stack(tables))


def decay_times(
    a0: np.ndarray,
    t0_days: np.ndarray,
    cda_per_kg: np.ndarray,
    level: np.ndarray,
    table: DensityTable,
    t_end: float,
    incl_pos: np.ndarray | None = None,
) -> np.ndarray:
    """Days (after the table start) at which each orbit's mean altitude reaches 120 km; inf if
    not before ``t_end`` days. Vectorised Heun steps, per element at most 1 day and at most
    2 km of altitude. ``incl_pos``: each orbit's inclination position in the table
    (:meth:`DensityTable.inclination_position`; default the first node)."""
    a = np.array(a0, dtype=float)
    t = np.array(t0_days, dtype=float)
    out = np.full(a.shape, np.inf)
    active = (a - WGS84_A > INTERFACE_M) & (t < t_end)
    out[(a - WGS84_A <= INTERFACE_M)] = t[(a - WGS84_A <= INTERFACE_M)]

    q = np.zeros(a.shape) if incl_pos is None else np.asarray(incl_pos, dtype=float)

    def rate(ai, ti, bi, li, qi):  # da/dt in m/day
        rho = np.exp(table.log_density(li, ti, ai - WGS84_A, qi))
        return -rho * bi * np.sqrt(GM_EARTH * ai) * 86400.0

    for _ in range(20000):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        ai, ti, bi, li, qi = a[idx], t[idx], cda_per_kg[idx], level[idx], q[idx]
        k1 = rate(ai, ti, bi, li, qi)
        dt = np.minimum(1.0, 2e3 / np.maximum(-k1, 1e-9))  # <= 2 km of altitude per step
        k2 = rate(np.maximum(ai + dt * k1, WGS84_A + 60e3), ti + dt, bi, li, qi)
        a_new = ai + 0.5 * dt * (k1 + k2)
        t_new = ti + dt
        crossed = a_new - WGS84_A <= INTERFACE_M
        # linear interpolation of the crossing inside the step
        frac = np.where(crossed, (ai - WGS84_A - INTERFACE_M) / np.maximum(ai - a_new, 1e-9), 1.0)
        t_cross = ti + frac * dt
        done_idx = idx[crossed]
        out[done_idx] = t_cross[crossed]
        a[idx], t[idx] = a_new, t_new
        active[done_idx] = False
        active[idx[t_new >= t_end]] = False
    return out


ECCENTRIC_QUADRATURE = 128
"""Points in eccentric anomaly for the orbit average of an eccentric orbit's drag."""


def decay_times_eccentric(
    a0: np.ndarray,
    e0: np.ndarray,
    t0_days: np.ndarray,
    cda_per_kg: np.ndarray,
    level: np.ndarray,
    table: DensityTable,
    t_end: float,
    incl_pos: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`decay_times` for eccentric orbits: days (after the table start) at which the
    perigee altitude ``a (1 - e) - WGS84_A`` reaches 120 km (inf if not before ``t_end``).

    Orbit-averaged Gauss equations for a drag deceleration ``D = rho v^2 (Cd A/m) / 2`` along
    the velocity, averaged over the mean anomaly with ``dM = (1 - e cos E) dE``:
    ``da/dt = -(a^2 (Cd A/m) / mu) <rho v^3 (1 - e cos E)>`` and
    ``de/dt = -(1 - e^2) (Cd A/m) <rho v cos E>``, ``<.>`` the mean over E, with
    ``v^2 = (mu / a)(1 + e cos E)/(1 - e cos E)`` (e.g. Vallado, "Fundamentals of
    Astrodynamics and Applications", 4th ed., 2013, section 9.6, Gauss's form with a tangential
    perturbation); for e = 0 this is the circular King-Hele rate of :func:`decay_times`.
    Heun steps of at most 1 day and 2 km of perigee altitude."""
    a = np.array(a0, dtype=float)
    e = np.array(e0, dtype=float)
    t = np.array(t0_days, dtype=float)
    q = np.zeros(a.shape) if incl_pos is None else np.asarray(incl_pos, dtype=float)
    out = np.full(a.shape, np.inf)
    hp = a * (1 - e) - WGS84_A
    out[hp <= INTERFACE_M] = t[hp <= INTERFACE_M]
    active = (hp > INTERFACE_M) & (t < t_end)
    big_e = (np.arange(ECCENTRIC_QUADRATURE) + 0.5) * 2 * np.pi / ECCENTRIC_QUADRATURE
    cos_e = np.cos(big_e)[None, :]

    def rates(ai, ei, ti, bi, li, qi):  # (da/dt, de/dt) per day
        ei = np.clip(ei, 0.0, 0.99)[:, None]
        r = ai[:, None] * (1 - ei * cos_e)
        shape = r.shape
        rho = np.exp(
            table.log_density(
                np.broadcast_to(li[:, None], shape),
                np.broadcast_to(ti[:, None], shape),
                r - WGS84_A,
                np.broadcast_to(qi[:, None], shape),
            )
        )
        v = np.sqrt(GM_EARTH / ai[:, None] * (1 + ei * cos_e) / (1 - ei * cos_e))
        da = -(ai**2) * bi / GM_EARTH * np.mean(rho * v**3 * (1 - ei * cos_e), axis=1)
        de = -(1 - ei[:, 0] ** 2) * bi * np.mean(rho * v * cos_e, axis=1)
        return da * 86400.0, de * 86400.0

    for _ in range(20000):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        ai, ei, ti = a[idx], e[idx], t[idx]
        bi, li, qi = cda_per_kg[idx], level[idx], q[idx]
        da1, de1 = rates(ai, ei, ti, bi, li, qi)
        dhp = da1 * (1 - ei) - ai * de1
        dt = np.minimum(1.0, 2e3 / np.maximum(-dhp, 1e-9))
        a2 = np.maximum(ai + dt * da1, WGS84_A + 60e3)
        e2 = np.clip(ei + dt * de1, 0.0, 0.99)
        da2, de2 = rates(a2, e2, ti + dt, bi, li, qi)
        a_new = ai + 0.5 * dt * (da1 + da2)
        e_new = np.clip(ei + 0.5 * dt * (de1 + de2), 0.0, 0.99)
        t_new = ti + dt
        hp0 = ai * (1 - ei) - WGS84_A
        hp1 = a_new * (1 - e_new) - WGS84_A
        crossed = hp1 <= INTERFACE_M
        frac = np.where(crossed, (hp0 - INTERFACE_M) / np.maximum(hp0 - hp1, 1e-9), 1.0)
        done_idx = idx[crossed]
        out[done_idx] = (ti + frac * dt)[crossed]
        a[idx], e[idx], t[idx] = a_new, e_new, t_new
        active[done_idx] = False
        active[idx[t_new >= t_end]] = False
    return out


def _times(cands, scale, level, table, t_end) -> np.ndarray:
    """Decay times of candidates (repeated per sample: ``scale``/``level`` of shape (n, S)),
    circular ones by :func:`decay_times`, eccentric ones by :func:`decay_times_eccentric`."""
    n, samples = scale.shape
    out = np.empty((n, samples))
    ecc = np.array([c.eccentricity > MAX_ECCENTRICITY for c in cands], dtype=bool)
    for sel, eccentric in ((np.flatnonzero(~ecc), False), (np.flatnonzero(ecc), True)):
        if sel.size == 0:
            continue
        sub = [cands[i] for i in sel]
        a0 = np.repeat([c.a for c in sub], samples)
        t0 = np.repeat([c.epoch_days for c in sub], samples)
        b = np.repeat([c.cda_per_kg for c in sub], samples) * scale[sel].ravel()
        q = np.repeat(table.inclination_position(np.array([c.inclination for c in sub])), samples)
        lv = level[sel].ravel()
        if eccentric:
            e0 = np.repeat([c.eccentricity for c in sub], samples)
            tt = decay_times_eccentric(a0, e0, t0, b, lv, table, t_end, q)
        else:
            tt = decay_times(a0, t0, b, lv, table, t_end, q)
        out[sel] = tt.reshape(sel.size, samples)
    return out


@dataclass(frozen=True)
class Candidate:
    """What a worker needs of one object (picklable, small)."""

    norad_id: int
    name: str
    epoch_days: float  # days after the table start
    a: float
    cda_per_kg: float
    inclination: float = 0.0  # rad
    eccentricity: float = 0.0


def screen_cda_per_kg(s: ElementSet) -> float:
    """The screen's median drag of one set, Cd A / m in m^2/kg: the B*-implied value times
    :data:`BSTAR_DRAG_FACTOR`."""
    return BSTAR_DRAG_FACTOR * s.drag_area_per_mass


def candidate(s: ElementSet, mjd0: float) -> Candidate:
    """The screen's view of one element set (``mjd0``: the table start, MJD UTC)."""
    # far above the atmosphere the J2 terms do not matter (and SGP4 calls cost); the mean
    # radius of an eccentric orbit is a (1 + e^2 / 2)
    a_eff = s.semi_major_axis
    if s.perigee_altitude < 1200e3:
        a_eff = orbit_mean_radius(s) / (1.0 + 0.5 * s.eccentricity**2)
    r_p = a_eff * (1.0 - s.eccentricity)
    return Candidate(
        s.norad_id,
        s.label,
        float(s.epoch.utc.mjd - mjd0),
        a_eff,
        # the wind factor at the perigee, where the drag acts (King-Hele)
        screen_cda_per_kg(s) * wind_factor(r_p, s.inclination),
        float(s.inclination),
        float(s.eccentricity) if s.eccentricity > MAX_ECCENTRICITY else 0.0,
    )


@dataclass(frozen=True)
class PropagatorCheck:
    """One object's reentry (days after its epoch) by the screen's model and by the averaged
    propagator's :func:`~deorbit.propagation.averaged.lifetime` (inf: not within the horizon;
    nan: the propagator failed, ``note`` says why); ``horizon_days`` after the epoch."""

    norad_id: int
    name: str
    perigee_km: float
    eccentricity: float
    screen_days: float
    lifetime_days: float
    horizon_days: float
    note: str = ""

    @property
    def ratio(self) -> float:
        """screen / lifetime."""
        return self.screen_days / self.lifetime_days


def compare_with_lifetime(
    objs: Sequence[ElementSet], horizon_days: float, level: str = "AVERAGE"
) -> list[PropagatorCheck]:
    """The screen's decay time of each set at its median parameters (drag scale 1, the
    ``level`` forecast) against :func:`deorbit.propagation.averaged.lifetime` from the same
    SGP4 state, with the same Cd A/m (:func:`screen_cda_per_kg`) and the same weather
    (observed to the newest epoch, then the forecast)."""
    from deorbit.core.spacecraft import Spacecraft
    from deorbit.core.state import State
    from deorbit.dynamics.forces import ForceModel
    from deorbit.errors import DeorbitError
    from deorbit.propagation.averaged import lifetime
    from deorbit.propagation.sgp4 import osculating_state_at_epoch

    epochs = np.array([s.epoch.utc.mjd for s in objs])
    start = Time(float(epochs.max()), format="mjd", scale="utc")
    table = density_table(Time(float(epochs.min()), format="mjd", scale="utc"), start, horizon_days)
    lv = table.levels.index(level) if level in table.levels else 0
    t_end = float(start.utc.mjd - table.mjd0 + horizon_days)
    cands = [candidate(s, table.mjd0) for s in objs]
    screen_t = _times(cands, np.ones((len(cands), 1)), np.full((len(cands), 1), lv), table, t_end)
    try:
        weather = default_space_weather(level, as_of=start)
    except SpaceWeatherRangeError:
        weather = CelestrakSpaceWeather()
    forces = ForceModel(NRLMSIS(weather, "00"))
    out = []
    for s, c, ts in zip(objs, cands, screen_t[:, 0], strict=True):
        horizon = t_end - c.epoch_days
        note = ""
        try:
            r, v = osculating_state_at_epoch(s)
            sc = Spacecraft(1.0, screen_cda_per_kg(s) / 2.2, 2.2)
            res = lifetime(State(s.epoch, r, v), sc, forces, horizon_years=horizon / 365.25)
            lt = res.days if res.days is not None else math.inf
        except DeorbitError as exc:
            lt, note = math.nan, f"{type(exc).__name__}: {exc}"
        out.append(
            PropagatorCheck(
                s.norad_id,
                s.label,
                s.perigee_altitude / 1e3,
                s.eccentricity,
                float(ts - c.epoch_days),
                float(lt),
                float(horizon),
                note,
            )
        )
    return out


@dataclass(frozen=True)
class ScreenHit:
    """An object that reenters within the horizon (median), with its 5-95 % window (days
    after the table start) and the fraction of samples that reenter within the horizon."""

    norad_id: int
    name: str
    median_days: float
    p05_days: float
    p95_days: float
    fraction: float


def _ensemble_chunk(
    cands: Sequence[Candidate], table: DensityTable, t_end: float, samples: int, seed: int
) -> list[ScreenHit]:
    n = len(cands)
    if n == 0:
        return []
    lv_w = np.array([LEVEL_WEIGHTS.get(lv, 1.0) for lv in table.levels])
    lv_w = lv_w / lv_w.sum()
    s_rho = math.log1p(DENSITY_SIGMA)
    s_b = BSTAR_LOG_SIGMA
    scale = np.empty((n, samples))
    level = np.empty((n, samples), dtype=int)
    for i, c in enumerate(cands):
        rng = np.random.default_rng([seed, c.norad_id])
        z = rng.standard_normal((2, samples))
        scale[i] = np.exp(s_rho * z[0] + s_b * z[1])  # median 1, as in reentry.window
        level[i] = rng.choice(len(lv_w), size=samples, p=lv_w)
    times = _times(cands, scale, level, table, t_end)
    hits = []
    for i, c in enumerate(cands):
        ti = times[i]
        frac = float(np.mean(np.isfinite(ti)))
        big = np.where(np.isfinite(ti), ti, 1e9)
        q05, q50, q95 = np.percentile(big, [5, 50, 95], method="inverted_cdf")
        q05, q50, q95 = (q if q < 1e9 else math.inf for q in (q05, q50, q95))
        if frac >= 0.05:
            hits.append(ScreenHit(c.norad_id, c.name, float(q50), float(q05), float(q95), frac))
    return hits


@dataclass
class ScreenResult:
    """Screening of a catalogue: hits (sorted by median date), counts, what was not screened.
    Days in the hits count from ``start`` (12 UT of the oldest set's day)."""

    start: Time
    horizon_days: float
    objects: int
    candidates: int
    hits: list[ScreenHit]
    not_screened: list[tuple[int, str, str]]
    weather: str

    def date(self, days: float) -> Time | None:
        """Table-relative days -> date (None for beyond the horizon)."""
        return None if not np.isfinite(days) else self.start + TimeDelta(days, format="jd")

    def rows(self) -> list[dict]:
        """JSON-ready rows."""
        out = []
        for h in self.hits:
            p95 = self.date(h.p95_days)
            out.append(
                {
                    "norad_id": h.norad_id,
                    "name": h.name,
                    "median": iso(self.date(h.median_days)) if np.isfinite(h.median_days) else None,
                    "p05": iso(self.date(h.p05_days)) if np.isfinite(h.p05_days) else None,
                    "p95": iso(p95) if p95 is not None else None,
                    "fraction_within_horizon": h.fraction,
                }
            )
        return out


def screen(
    sets: Sequence[ElementSet],
    horizon_days: float = 90.0,
    samples: int = 100,
    seed: int = 1,
    workers: int | None = None,
    scheduler: str | None = None,
) -> ScreenResult:
    """Screen the newest set of every object in ``sets`` (see the module docstring).

    ``workers``: local processes (default: the CPU count; 1 = in this process);
    ``scheduler``: a Dask scheduler address (then Dask runs the chunks). Results are identical
    for the same seed whatever the split.
    """
    newest: dict[int, ElementSet] = {}
    for s in sets:
        if s.norad_id not in newest or s.epoch.mjd > newest[s.norad_id].epoch.mjd:
            newest[s.norad_id] = s
    if not newest:
        raise InputError("the catalogue holds no element sets")
    objs = sorted(newest.values(), key=lambda s: s.norad_id)
    epochs = np.array([s.epoch.utc.mjd for s in objs])
    start = Time(float(np.max(epochs)), format="mjd", scale="utc")
    table = density_table(
        Time(float(np.min(epochs)), format="mjd", scale="utc"), start, horizon_days
    )
    t_end = float(start.utc.mjd - table.mjd0 + horizon_days)
    not_screened = []
    cands = []
    for s in objs:
        if s.eccentricity > MAX_SCREENED_ECCENTRICITY:
            if s.perigee_altitude < 300e3:
                not_screened.append((s.norad_id, s.label, f"eccentric (e = {s.eccentricity:.3f})"))
            continue
        if not s.bstar > 0:
            if s.semi_major_axis - WGS84_A < 300e3:
                not_screened.append((s.norad_id, s.label, f"B* = {s.bstar:g} gives no drag"))
            continue
        cands.append(candidate(s, table.mjd0))
    # first pass: pessimistic single run per object, STRONG (or the only) level
    strong = table.levels.index("STRONG") if "STRONG" in table.levels else 0
    first = _times(
        cands,
        np.full((len(cands), 1), FIRST_PASS_SCALE),
        np.full((len(cands), 1), strong),
        table,
        t_end,
    )[:, 0]
    keep = [c for c, t in zip(cands, first, strict=True) if np.isfinite(t)]
    chunks = [keep[i : i + CHUNK] for i in range(0, len(keep), CHUNK)]
    args = (table, t_end, samples, seed)
    if scheduler is not None:
        from dask.distributed import Client

        with Client(scheduler) as client:
            futures = [client.submit(_ensemble_chunk, ch, *args, pure=False) for ch in chunks]
            parts = client.gather(futures)
    else:
        n_workers = workers or os.cpu_count() or 1
        if n_workers <= 1 or len(chunks) <= 1:
            parts = [_ensemble_chunk(ch, *args) for ch in chunks]
        else:
            with ProcessPoolExecutor(max_workers=n_workers) as pool:
                parts = list(pool.map(_ensemble_chunk, chunks, *[[x] * len(chunks) for x in args]))
    hits = [h for part in parts for h in part]
    hits.sort(key=lambda h: (h.median_days, h.p05_days, h.norad_id))
    weather = "observed then forecast" if "AVERAGE" in table.levels else "observed (hindcast)"
    return ScreenResult(
        Time(table.mjd0, format="mjd", scale="utc"),
        horizon_days,
        len(objs),
        len(keep),
        hits,
        not_screened,
        weather,
    )
