"""Force-model settings and their translation into the compiled kernels' parameter vector.

A :class:`ForceModel` is configuration (data): gravity degree, the atmosphere model (``None``
for no drag), a density scale factor, and how finely the atmosphere is tabulated for the
propagator (:class:`deorbit.environment.density_grid.DensityGrid`). Drag is atmosphere model x
spacecraft drag model (``Cd A / m``), relative to an atmosphere that co-rotates with the Earth.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from astropy.time import Time

from deorbit.core.constants import G0, GM_EARTH, R_EARTH_EGM
from deorbit.core.earth_rotation import gmst82, gmst82_rate
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.time import days_since_j2000
from deorbit.dynamics import layout as L
from deorbit.dynamics.gravity import FIELD_MAX_DEGREE, J_ZONAL, MAX_ZONAL_DEGREE, load_field
from deorbit.dynamics.grid_cache import GridCache
from deorbit.environment.atmosphere import AtmosphereModel, Exponential
from deorbit.environment.density_grid import DensityGrid
from deorbit.environment.space_weather import KIND_MONTHLY_PREDICTED, ConstantSpaceWeather
from deorbit.errors import DeorbitError, InputError

# Grid spacing for propagation: 10 km in altitude, 10 deg in latitude, 2 h in local solar time,
# one node a day (daily space-weather indices; every CONSTANT_WEATHER_STEP_DAYS where the
# indices are constant or a smooth monthly forecast); accuracy against direct NRLMSIS is measured in
# tests/test_density_grid*.py. With constant indices only the season changes: one node every
# CONSTANT_WEATHER_STEP_DAYS, tabulated CONSTANT_WEATHER_BLOCK_DAYS at a time.
DEFAULT_GRID = {
    "t_step_days": 1.0,
    "alt_min_m": 80e3,
    "alt_max_m": 1000e3,
    "alt_step_m": 10e3,
    "alt_step_top_m": None,
    "lat_step_deg": 10.0,
    "lst_step_h": 2.0,
}
CONSTANT_WEATHER_STEP_DAYS = 10.0
CONSTANT_WEATHER_BLOCK_DAYS = 90
BAND_MARGIN = 40e3
BAND_ROUNDING = 50e3
LATITUDE_MARGIN_DEG = 10.0
"""Latitude tabulated beyond the orbit's highest latitude, degrees (at least one node)."""
"""Band limits are rounded out to multiples of this (m), so a decaying orbit reuses a grid."""
"""Altitude margin (m) tabulated below the lowest and above the highest point of the orbit."""
# The exponential model depends on altitude only: one latitude/LST cell, 1 km nodes from the
# ground (log-linear interpolation between nodes is exact inside each of its layers).
EXPONENTIAL_GRID = {
    "t_step_days": 1.0,
    "alt_min_m": 0.0,
    "alt_step_m": 1e3,
    "alt_step_top_m": None,
    "lat_step_deg": 90.0,
    "lst_step_h": 12.0,
    "one_sided_nodes": False,
}


@dataclass
class ForceModel:
    """Which forces act, and how.

    Attributes
    ----------
    atmosphere:
        Atmosphere model for drag, or ``None`` for no drag.
    zonal_degree:
        Highest zonal harmonic (0/1 point mass, 2 = J2, …, 6 = J2…J6).
    density_scale:
        Multiplier on the model density (uncertainty studies, fitted drag scale).
    grid:
        Overrides of :data:`DEFAULT_GRID` (keyword arguments of ``DensityGrid.build``).
    third_body:
        Add the Sun's and the Moon's point-mass perturbations (numerical propagation only; the
        orbit-averaged equations leave them out, see :mod:`deorbit.dynamics.equations`).
    gravity_field:
        0 (default): the zonal model to ``zonal_degree``. 2..20: the full EGM96 field to that
        degree and order instead (numerical propagation only; the averaged equations keep
        the zonal J2 drift).
    """

    atmosphere: AtmosphereModel | None = None
    zonal_degree: int = MAX_ZONAL_DEGREE
    density_scale: float = 1.0
    grid: dict[str, Any] = field(default_factory=dict)
    third_body: bool = False
    gravity_field: int = 0
    _cache: GridCache = field(default_factory=GridCache, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.zonal_degree <= MAX_ZONAL_DEGREE:
            raise InputError(f"zonal degree must be 0..{MAX_ZONAL_DEGREE}, got {self.zonal_degree}")
        if self.gravity_field != 0 and not 2 <= self.gravity_field <= FIELD_MAX_DEGREE:
            raise InputError(
                f"gravity field degree must be 2..{FIELD_MAX_DEGREE} (or 0 for the zonal "
                f"model), got {self.gravity_field}"
            )
        if not (math.isfinite(self.density_scale) and self.density_scale > 0):
            raise InputError(f"density scale must be > 0, got {self.density_scale}")

    @property
    def drag(self) -> bool:
        """True when an atmosphere is set."""
        return self.atmosphere is not None

    def describe(self) -> str:
        """One line for logs and reports."""
        g = "point mass" if self.zonal_degree < 2 else f"J2..J{self.zonal_degree}"
        if self.gravity_field:
            g = f"EGM96 {self.gravity_field}x{self.gravity_field} (numerical only)"
        d = (
            f"drag: {self.atmosphere.name} x {self.density_scale:g}"
            if self.atmosphere
            else "no drag"
        )
        sun_moon = "; Sun and Moon (numerical only)" if self.third_body else ""
        return f"gravity {g}{sun_moon}; {d}"

    def density_grid(
        self,
        mjd_start: float,
        mjd_end: float,
        alt_band: tuple[float, float] | None = None,
        spacing: dict[str, Any] | None = None,
        horizon_mjd: float | None = None,
        max_latitude: float | None = None,
    ) -> DensityGrid:
        """The atmosphere tabulated over at least ``[mjd_start, mjd_end]`` (UTC MJD), cached.

        ``alt_band`` (m) limits the tabulated altitudes to where the orbit flies (rounded out
        to the grid step, with :data:`BAND_MARGIN` either side); outside it the kernel
        extrapolates with the local scale height. This cuts the build cost roughly tenfold.
        ``spacing`` overrides the default spacing (the user's :attr:`grid` still wins).
        Under constant indices the grid is built for blocks of up to
        :data:`CONSTANT_WEATHER_BLOCK_DAYS`, never past ``horizon_mjd`` (the run's end).
        ``max_latitude`` (rad), the highest latitude the orbit reaches, limits the tabulated
        latitudes (with :data:`LATITUDE_MARGIN_DEG` to spare).
        """
        if self.atmosphere is None:
            # a tiny grid that is never read (drag off), so the kernels have one signature
            return _dummy_grid()
        opts = dict(DEFAULT_GRID)
        if isinstance(self.atmosphere, Exponential):
            opts.update(EXPONENTIAL_GRID)
        elif constant_weather(self.atmosphere) or smooth_weather(self.atmosphere, mjd_start):
            # constant indices have no steps at midnight to keep: continuous in time
            opts["t_step_days"] = CONSTANT_WEATHER_STEP_DAYS
            opts["one_sided_nodes"] = False
        if alt_band is not None and not isinstance(self.atmosphere, Exponential):
            step = BAND_ROUNDING
            lo = max(opts["alt_min_m"], math.floor((alt_band[0] - BAND_MARGIN) / step) * step)
            hi = min(opts["alt_max_m"], math.ceil((alt_band[1] + BAND_MARGIN) / step) * step)
            opts["alt_min_m"], opts["alt_max_m"] = lo, max(hi, lo + 2 * step)
        if max_latitude is not None and not isinstance(self.atmosphere, Exponential):
            reach = math.degrees(abs(max_latitude)) + LATITUDE_MARGIN_DEG
            opts["lat_max_deg"] = min(90.0, 5.0 * math.ceil(reach / 5.0))
        opts.update(spacing or {})
        opts.update(self.grid)
        grid = self._cache.find(mjd_start, mjd_end, opts)
        if grid is not None:
            return grid
        smooth = constant_weather(self.atmosphere) or smooth_weather(self.atmosphere, mjd_start)
        block = CONSTANT_WEATHER_BLOCK_DAYS if smooth else 1
        start = math.floor(mjd_start)
        end = start + block
        if horizon_mjd is not None:
            end = min(end, math.ceil(horizon_mjd))
        end = max(end, math.ceil(mjd_end), start + 1)
        grid = DensityGrid.build(self.atmosphere, start, end, **opts)
        self._cache.add(start, end, opts, grid)
        return grid

    def parameters(self, spacecraft: Spacecraft, epoch: Time, grid: DensityGrid) -> np.ndarray:
        """The kernels' parameter vector for ``spacecraft`` with t = 0 at ``epoch``."""
        n_coef = 2 * (self.gravity_field + 1) ** 2 if self.gravity_field else 0
        p = np.zeros(L.SIZE + n_coef)
        if self.gravity_field:
            p[L.FIELD_DEGREE] = self.gravity_field
            p[L.SIZE :] = _field(self.gravity_field)
        p[L.MODEL] = 0.0
        p[L.MU] = GM_EARTH
        p[L.R_REF] = R_EARTH_EGM
        p[L.ZONAL_DEGREE] = self.zonal_degree
        p[L.J_FIRST : L.J_FIRST + MAX_ZONAL_DEGREE + 1] = J_ZONAL
        p[L.DRAG_ON] = 1.0 if self.drag else 0.0
        p[L.CDA] = spacecraft.cda
        p[L.DENSITY_SCALE] = self.density_scale
        ut1 = epoch.ut1
        days = (ut1.jd1 - 2451545.0) + ut1.jd2
        p[L.THETA0] = gmst82(float(days), 0.0)
        p[L.OMEGA_EARTH] = gmst82_rate(float(days))
        p[L.GRID_T0] = (epoch.utc.mjd - grid.epoch_mjd) * 86400.0
        p[L.G0] = G0
        p[L.N_QUAD] = 36
        p[L.AVG_J2] = 1.0 if self.zonal_degree >= 2 else 0.0
        if self.third_body:  # the TT conversion only when the Sun and Moon need it
            p[L.THIRD_BODY] = 1.0
            p[L.TT0] = float(days_since_j2000(epoch, "tt"))
        return p


@functools.lru_cache(maxsize=4)
def _field(degree: int) -> np.ndarray:
    """The bundled field's coefficients (read once per degree)."""
    return load_field(degree)


def constant_weather(model: AtmosphereModel) -> bool:
    sw = getattr(model, "space_weather", None)
    return isinstance(sw, ConstantSpaceWeather)


def smooth_weather(model: AtmosphereModel, mjd: float) -> bool:
    """True when the model's space weather is a smooth forecast (monthly predictions or a
    solar-cycle scenario, no day-to-day steps) from ``mjd`` on, for a whole grid block."""
    sw = getattr(model, "space_weather", None)
    kind_at = getattr(sw, "kind_at", None)
    if kind_at is None:
        return False
    probe = np.array([mjd, mjd + CONSTANT_WEATHER_BLOCK_DAYS])
    try:
        kinds = np.asarray(kind_at(probe))
    except DeorbitError:
        return False
    return bool(np.all(kinds >= KIND_MONTHLY_PREDICTED))


_DUMMY: list[DensityGrid] = []


def _dummy_grid() -> DensityGrid:
    if not _DUMMY:
        _DUMMY.append(
            DensityGrid.build(
                Exponential(),
                51544.0,
                51545.0,
                alt_min_m=0.0,
                alt_step_m=500e3,
                lat_step_deg=90.0,
                lst_step_h=12.0,
                alt_step_top_m=None,
                one_sided_nodes=False,
            )
        )
    return _DUMMY[0]
