"""Casualty risk and land distance of a controlled reentry (NASA-STD-8719.14C §4.7).

- Debris casualty area, Eq. 4.7-1: ``DA = sum_i (0.6 + sqrt(A_i))^2`` (A_i mean cross-section
  of each surviving piece, m^2; 0.6 m the "radius" of a standing person).
- Casualty expectation, Eq. 4.7-2: ``E = DA x PD``; for a controlled reentry PD is read at each
  impact point from the GPW v4.11 2020 population grid (0.5 deg), for an uncontrolled reentry it
  is the population density averaged over the orbit (uniform in argument of latitude and
  longitude, i.e. the time a circular orbit of that inclination spends over each latitude).
- Requirements (shared/reference/iss_deorbit_facts.md §1.6): 4.7-1a uncontrolled E < 1e-4;
  4.7-1b controlled: no surviving debris within 370 km of foreign land, nor within 50 km of the
  U.S. and the Antarctic ice; 4.7-1c P(burn failure) x E(uncontrolled) < 1e-4; §4.6.5.9
  effective perigee of the reentry trajectory no higher than 50 km.

Land is Natural Earth 1:110m (which omits small islands: see data/SOURCES.md).
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from scipy.spatial import cKDTree

from deorbit.core.geodesy import R_EARTH_MEAN
from deorbit.data import bundled_path
from deorbit.errors import DataError, InputError

HUMAN_RADIUS = 0.6
"""Projected "radius" of a person, m (NASA-STD-8719.14C Eq. 4.7-1)."""
RISK_LIMIT = 1e-4
"""Casualty expectation limit, 1:10,000 (NASA-STD-8719.14C Req. 4.7-1a and 4.7-1c)."""
FOREIGN_LAND_CLEARANCE = 370e3
"""Controlled reentry: no surviving debris closer than 370 km to foreign land, m (Req. 4.7-1b)."""
US_ANTARCTIC_CLEARANCE = 50e3
"""... nor within 50 km of U.S. territory and the Antarctic ice, m (Req. 4.7-1b)."""
EFFECTIVE_PERIGEE_LIMIT = 50e3
"""Effective perigee of a controlled reentry no higher than 50 km, m (NASA-STD-8719.14C
§4.6.5.9, §4.7.5.1.1)."""

_US = {"US1"}  # Natural Earth SOV_A3 of the United States (incl. Alaska, Hawaii, territories)
_ANTARCTICA = {"ATA"}  # Natural Earth ADM0_A3 of Antarctica
_DENSIFY_DEG = 0.1  # boundary vertices at most 0.1 deg apart (~11 km) for the distance tree


def piece_casualty_areas(areas: np.ndarray) -> np.ndarray:
    """Each piece's casualty area ``(0.6 + sqrt(A_i))^2``, m^2, for mean cross-sections
    ``areas`` m^2 (NASA-STD-8719.14C Eq. 4.7-1)."""
    a = np.asarray(areas, dtype=float)
    if a.size and (not np.all(np.isfinite(a)) or np.any(a < 0)):
        raise InputError("fragment areas must be finite and >= 0 m^2")
    return (HUMAN_RADIUS + np.sqrt(a)) ** 2


def casualty_area(areas: np.ndarray) -> float:
    """Debris casualty area ``sum (0.6 + sqrt(A_i))^2``, m^2 (NASA-STD-8719.14C Eq. 4.7-1)."""
    return float(np.sum(piece_casualty_areas(areas)))


# ----------------------------------------------------------------------------------------------
# Population
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationGrid:
    """People per m^2 on a regular lat/lon grid (row 0 at the north edge, column 0 at 180 W)."""

    density: np.ndarray
    cell_deg: float

    def at(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Population density, people/m^2, at points (rad)."""
        lat_d = np.degrees(np.asarray(lat, dtype=float))
        lon_d = (np.degrees(np.asarray(lon, dtype=float)) + 180.0) % 360.0 - 180.0
        nrow, ncol = self.density.shape
        row = np.clip(((90.0 - lat_d) / self.cell_deg).astype(int), 0, nrow - 1)
        col = np.clip(((lon_d + 180.0) / self.cell_deg).astype(int), 0, ncol - 1)
        return self.density[row, col]

    def orbit_average(self, inclination: float, n_u: int = 2048, n_lon: int = 720) -> float:
        """Mean density under a circular orbit of ``inclination`` rad, people/m^2: uniform in
        argument of latitude u (sin lat = sin i sin u) and in longitude."""
        u = (np.arange(n_u) + 0.5) * 2.0 * np.pi / n_u
        lat = np.arcsin(np.sin(inclination) * np.sin(u))
        lon = (np.arange(n_lon) + 0.5) * 2.0 * np.pi / n_lon - np.pi
        la, lo = np.meshgrid(lat, lon, indexing="ij")
        return float(self.at(la, lo).mean())


@cache
def population_grid() -> PopulationGrid:
    """GPW v4.11 UN-WPP-adjusted population 2020 (bundled), as people/m^2."""
    path = bundled_path("population", "gpw4_unwpp_popcount_2020_30arcmin.asc.gz")
    with gzip.open(path, "rt") as f:
        header = {}
        for _ in range(6):
            key, value = f.readline().split()
            header[key.lower()] = float(value)
        counts = np.loadtxt(f)
    n_cols, n_rows, cell = int(header["ncols"]), int(header["nrows"]), header["cellsize"]
    if counts.shape != (n_rows, n_cols):
        raise DataError(f"{path}: grid is {counts.shape}, header says {(n_rows, n_cols)}")
    counts = np.where(counts == header["nodata_value"], 0.0, counts)
    lat_top = 90.0 - np.arange(n_rows) * cell
    # area of a cell on the sphere of mean radius: R^2 dlon (sin lat_top - sin lat_bottom)
    band = np.sin(np.radians(lat_top)) - np.sin(np.radians(lat_top - cell))
    area = R_EARTH_MEAN**2 * math.radians(cell) * band
    return PopulationGrid(counts / area[:, None], cell)


# ----------------------------------------------------------------------------------------------
# Land
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LandSet:
    """A set of land polygons (lon/lat degrees) with a k-d tree of their densified boundary on
    the unit sphere, for fast distance queries."""

    name: str
    geometry: shapely.Geometry
    tree: cKDTree

    def distance(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Great-circle distance (mean-radius sphere, m) from points (rad) to this land; 0 on land.
        Accurate to the boundary densification (~11 km) and the sphere (~0.5 %)."""
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        xyz = _unit(lat, lon)
        chord, _ = self.tree.query(xyz.reshape(-1, 3))
        d = 2.0 * R_EARTH_MEAN * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
        d = d.reshape(lat.shape)
        lon_d = (np.degrees(lon) + 180.0) % 360.0 - 180.0
        inside = shapely.contains_xy(self.geometry, lon_d, np.degrees(lat))
        return np.where(inside, 0.0, d)


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    c = np.cos(lat)
    return np.stack([c * np.cos(lon), c * np.sin(lon), np.sin(lat)], axis=-1)


def _land_set(name: str, geoms: list[shapely.Geometry]) -> LandSet:
    union = shapely.union_all(geoms)
    boundary = shapely.segmentize(union.boundary, _DENSIFY_DEG)
    pts = shapely.get_coordinates(boundary)
    xyz = _unit(np.radians(pts[:, 1]), np.radians(pts[:, 0]))
    shapely.prepare(union)
    return LandSet(name, union, cKDTree(xyz))


@cache
def land() -> dict[str, LandSet]:
    """Natural Earth 1:110m land split as Req. 4.7-1b needs it: ``foreign`` (all but the U.S.
    and Antarctica), ``us_antarctica``, and ``all``."""
    path = bundled_path("population", "naturalearth_110m_admin0_countries_popest.geojson.gz")
    with gzip.open(path, "rt") as f:
        data = json.load(f)
    foreign, us_ant, every = [], [], []
    for feat in data["features"]:
        geom = shapely.geometry.shape(feat["geometry"])
        props = feat["properties"]
        every.append(geom)
        if props.get("SOV_A3") in _US or props.get("ADM0_A3") in _ANTARCTICA:
            us_ant.append(geom)
        else:
            foreign.append(geom)
    return {
        "foreign": _land_set("foreign land", foreign),
        "us_antarctica": _land_set("U.S. and Antarctica", us_ant),
        "all": _land_set("land", every),
    }


def distance_to_land(lat: np.ndarray, lon: np.ndarray, which: str = "all") -> np.ndarray:
    """Distance (m) from points (rad) to ``which`` land (``all``, ``foreign``,
    ``us_antarctica``); 0 on land."""
    sets = land()
    if which not in sets:
        raise InputError(f"unknown land set {which!r}; use one of {', '.join(sets)}")
    return sets[which].distance(lat, lon)


# ----------------------------------------------------------------------------------------------
# Expectations and compliance
# ----------------------------------------------------------------------------------------------


def controlled_expectation(lat: np.ndarray, lon: np.ndarray, areas: np.ndarray) -> float:
    """Casualty expectation of pieces landing at (lat, lon) rad with areas m^2: the sum of each
    piece's casualty area times the population density where it lands."""
    return float(np.sum(piece_casualty_areas(areas) * population_grid().at(lat, lon)))


def uncontrolled_expectation(areas: np.ndarray, inclination: float) -> float:
    """Casualty expectation of an uncontrolled reentry of pieces with areas m^2 from an orbit of
    ``inclination`` rad: DA x orbit-averaged population density (Eq. 4.7-2)."""
    return casualty_area(areas) * population_grid().orbit_average(inclination)


@dataclass(frozen=True)
class Requirement:
    """One row of the compliance table."""

    requirement: str
    limit: str
    value: str
    passed: bool


def land_clearance(lat: np.ndarray, lon: np.ndarray) -> tuple[float, float]:
    """Smallest distance (m) of impact points to foreign land and to the U.S./Antarctica."""
    return (
        float(np.min(distance_to_land(lat, lon, "foreign"))),
        float(np.min(distance_to_land(lat, lon, "us_antarctica"))),
    )


def compliance_table(
    lat: np.ndarray,
    lon: np.ndarray,
    areas: np.ndarray,
    effective_perigee: float,
    failure_probability: float,
    uncontrolled_risk: float,
    in_zone_fraction: float | None = None,
) -> list[Requirement]:
    """The NASA-STD-8719.14C checks for a controlled reentry whose surviving pieces land at
    (lat, lon) rad; ``effective_perigee`` m after the final burn; ``failure_probability`` of the
    final burn and the ``uncontrolled_risk`` (E) if it fails."""
    if not 0.0 <= failure_probability <= 1.0:
        raise InputError(f"burn failure probability must be in [0, 1], got {failure_probability}")
    foreign, us_ant = land_clearance(lat, lon)
    e_ctrl = controlled_expectation(lat, lon, areas)
    rows = [
        Requirement(
            "4.7-1b no debris near foreign land",
            f">= {FOREIGN_LAND_CLEARANCE / 1e3:.0f} km",
            f"{foreign / 1e3:.0f} km",
            foreign >= FOREIGN_LAND_CLEARANCE,
        ),
        Requirement(
            "4.7-1b no debris near U.S./Antarctic ice",
            f">= {US_ANTARCTIC_CLEARANCE / 1e3:.0f} km",
            f"{us_ant / 1e3:.0f} km",
            us_ant >= US_ANTARCTIC_CLEARANCE,
        ),
        Requirement(
            "4.7-1a casualty expectation (nominal)",
            f"< {RISK_LIMIT:g}",
            f"{e_ctrl:.2e}",
            e_ctrl < RISK_LIMIT,
        ),
        Requirement(
            "4.7-1c P(burn failure) x E(uncontrolled)",
            f"< {RISK_LIMIT:g}",
            f"{failure_probability:g} x {uncontrolled_risk:.2e} = "
            f"{failure_probability * uncontrolled_risk:.2e}",
            failure_probability * uncontrolled_risk < RISK_LIMIT,
        ),
        Requirement(
            "4.6.5.9 effective perigee",
            f"<= {EFFECTIVE_PERIGEE_LIMIT / 1e3:.0f} km",
            f"{effective_perigee / 1e3:.0f} km",
            effective_perigee <= EFFECTIVE_PERIGEE_LIMIT,
        ),
    ]
    if in_zone_fraction is not None:
        rows.append(
            Requirement(
                "all pieces inside the target zone",
                "100 %",
                f"{100 * in_zone_fraction:.1f} %",
                in_zone_fraction >= 1.0,
            )
        )
    return rows
