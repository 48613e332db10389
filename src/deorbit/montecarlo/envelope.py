"""Footprint-envelope contours: the regions that hold a given fraction of all impact points.

The impact points are expressed on a local plane, along and across a reference ground track
(m, from :func:`deorbit.reentry.footprint.along_cross`). Their density is estimated on a grid
by a binned Gaussian kernel density estimate (a 2-D histogram smoothed with
``scipy.ndimage.gaussian_filter``; bandwidth per axis by Scott's rule, sigma x n^(-1/6) for two
dimensions, Scott 1992, "Multivariate Density Estimation", eq. 6.42). For a level L the region
is the set of grid cells whose density is at least the density found at the (1 - L) quantile of
the points themselves (a highest-density region): by construction it holds at least a fraction
L of the points. Each region is the union of its cells (shapely), grown by one cell side and
simplified by half of it (so it still holds every selected cell), and joined with the
next-inner region so that the contours stay nested.
Vertices go back to longitude/latitude with :func:`deorbit.core.geodesy.destination` (the exact
inverse of the along/cross mapping: distance ``hypot(a, c)`` on bearing
``azimuth + atan2(c, a)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from scipy.ndimage import gaussian_filter

from deorbit.core.geodesy import destination
from deorbit.errors import InputError
from deorbit.formats.geojson import wrap_polygons

GRID_CELLS = 160
"""Grid cells along each axis of the local plane."""
PAD_BANDWIDTHS = 3.0
"""Padding of the grid beyond the points, in kernel bandwidths."""
MIN_BANDWIDTH = 500.0
"""Smallest kernel bandwidth, m (a degenerate spread, e.g. one sample, still gets an area)."""


def hdr_regions(
    along: np.ndarray, cross: np.ndarray, levels: Sequence[float]
) -> dict[float, shapely.Geometry]:
    """Highest-density regions (polygons in the along/cross plane, m) holding at least each
    fraction of ``levels`` of the points; nested: each contains the next lower level's."""
    a = np.asarray(along, dtype=float).ravel()
    c = np.asarray(cross, dtype=float).ravel()
    if a.size == 0 or a.shape != c.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(c))):
        raise InputError("envelope: needs finite along/cross points of equal length")
    lv = sorted(float(x) for x in levels)
    if not lv or lv[0] <= 0.0 or lv[-1] >= 1.0:
        raise InputError(f"envelope levels must lie in (0, 1), got {list(levels)}")
    factor = a.size ** (-1.0 / 6.0)  # Scott's rule, d = 2
    h = np.array([max(np.std(a) * factor, MIN_BANDWIDTH), max(np.std(c) * factor, MIN_BANDWIDTH)])
    lo = np.array([a.min(), c.min()]) - PAD_BANDWIDTHS * h
    hi = np.array([a.max(), c.max()]) + PAD_BANDWIDTHS * h
    size = (hi - lo) / GRID_CELLS
    hist, ea, ec = np.histogram2d(a, c, bins=GRID_CELLS, range=[[lo[0], hi[0]], [lo[1], hi[1]]])
    dens = gaussian_filter(hist, sigma=h / size, mode="constant")
    ia = np.clip(((a - lo[0]) / size[0]).astype(int), 0, GRID_CELLS - 1)
    ic = np.clip(((c - lo[1]) / size[1]).astype(int), 0, GRID_CELLS - 1)
    at_points = dens[ia, ic]
    out: dict[float, shapely.Geometry] = {}
    inner: shapely.Geometry | None = None
    for level in lv:
        threshold = np.quantile(at_points, 1.0 - level, method="lower")
        cells = np.argwhere(dens >= threshold)
        boxes = shapely.box(
            ea[cells[:, 0]], ec[cells[:, 1]], ea[cells[:, 0] + 1], ec[cells[:, 1] + 1]
        )
        cell = float(size.min())
        # grown by one (smallest) cell side, then simplified by half of it: the simplified
        # outline stays outside every selected cell (Douglas-Peucker moves it < tolerance)
        region = shapely.union_all(boxes).buffer(cell, join_style="mitre").simplify(0.5 * cell)
        if inner is not None:
            region = shapely.union(region, inner)
        out[level] = region
        inner = region
    return out


def to_lonlat(geom: shapely.Geometry, lat0: float, lon0: float, azimuth: float) -> shapely.Geometry:
    """A geometry in the along/cross plane (m) of origin (``lat0``, ``lon0``) rad and track
    ``azimuth`` rad, as (lon, lat) degrees; longitudes unwrapped around ``lon0`` (no jump at the
    antimeridian inside one polygon)."""
    ref = math.degrees(lon0)

    def transform(xy: np.ndarray) -> np.ndarray:
        d = np.hypot(xy[:, 0], xy[:, 1])
        bearing = azimuth + np.arctan2(xy[:, 1], xy[:, 0])
        lat, lon = destination(np.full(d.shape, lat0), np.full(d.shape, lon0), bearing, d)
        lon_d = np.degrees(lon)
        lon_d = ref + (lon_d - ref + 180.0) % 360.0 - 180.0
        return np.column_stack([lon_d, np.degrees(lat)])

    return shapely.transform(geom, transform)


def contour_features(
    along: np.ndarray,
    cross: np.ndarray,
    lat0: float,
    lon0: float,
    azimuth: float,
    levels: Sequence[float],
) -> list[dict]:
    """GeoJSON features (property ``level``, and the area in km^2) of the nested regions; a
    region that passes the antimeridian is cut there (a MultiPolygon)."""
    regions = hdr_regions(along, cross, levels)
    a = np.asarray(along, dtype=float).ravel()
    c = np.asarray(cross, dtype=float).ravel()
    feats = []
    for level, region in sorted(regions.items(), reverse=True):
        inside = shapely.contains_xy(region, a, c) | shapely.touches(region, shapely.points(a, c))
        geo = wrap_polygons(to_lonlat(region, lat0, lon0, azimuth))
        mapped = shapely.geometry.mapping(geo)
        feats.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": mapped["type"],
                    "coordinates": _rounded(mapped["coordinates"]),
                },
                "properties": {
                    "kind": "footprint envelope",
                    "level": level,
                    "fraction_of_impacts": round(float(np.mean(inside)), 4),
                    "area_km2": round(region.area / 1e6, 1),
                },
            }
        )
    return feats


def _rounded(coords):
    """Coordinates rounded to 1e-5 deg (~1 m), tuples to lists (JSON)."""
    if isinstance(coords, (tuple, list)) and coords and isinstance(coords[0], float):
        return [round(float(x), 5) for x in coords]
    return [_rounded(c) for c in coords]
