"""GeoJSON (RFC 7946) for ground tracks and reentry windows.

Coordinates are ``[longitude, latitude]`` in degrees (WGS 84), as RFC 7946 §3.1.1 requires.
Tracks are cut where they cross the antimeridian (RFC 7946 §3.1.9) so that no segment spans
the map the wrong way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deorbit.errors import InputError
from deorbit.formats.atomic import write_json_atomic
from deorbit.formats.jsonfile import read_json_file


def split_antimeridian(lon_deg: np.ndarray, lat_deg: np.ndarray) -> list[np.ndarray]:
    """Pieces of a track (each an (M, 2) array of lon, lat in degrees) cut wherever consecutive
    longitudes jump by more than 180 deg; the crossing point is interpolated onto +-180."""
    lon = np.asarray(lon_deg, dtype=float)
    lat = np.asarray(lat_deg, dtype=float)
    if lon.shape != lat.shape or lon.ndim != 1:
        raise InputError("track longitude and latitude must be 1-D arrays of equal length")
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        raise InputError("track has non-finite coordinates")
    pieces: list[np.ndarray] = []
    current = [[lon[0], lat[0]]] if lon.size else []
    for i in range(1, lon.size):
        d = lon[i] - lon[i - 1]
        if abs(d) > 180.0:
            # eastward over +180 (d < -180) or westward over -180 (d > 180)
            edge = 180.0 if d < 0 else -180.0
            unwrapped = lon[i] + (360.0 if d < 0 else -360.0)
            f = (edge - lon[i - 1]) / (unwrapped - lon[i - 1])
            lat_x = lat[i - 1] + f * (lat[i] - lat[i - 1])
            current.append([edge, lat_x])
            pieces.append(np.array(current))
            current = [[-edge, lat_x]]
        current.append([lon[i], lat[i]])
    if len(current) >= 2:
        pieces.append(np.array(current))
    return [p for p in pieces if len(p) >= 2]


def wrap_polygons(geom):
    """A shapely (Multi)Polygon in (lon, lat) degrees whose longitudes are unwrapped (they may
    pass +-180, e.g. around an aim point next to the antimeridian), cut at +-180 and shifted
    back into [-180, 180] as RFC 7946 section 3.1.9 asks. Geometries inside [-180, 180] come
    back unchanged."""
    import shapely
    from shapely import affinity

    lo, _, hi, _ = geom.bounds
    if lo >= -180.0 and hi <= 180.0:
        return geom
    parts = []
    for shift in range(-2, 3):  # unwrapped longitudes stay within two turns
        window = shapely.box(-180.0 + 360.0 * shift, -90.0, 180.0 + 360.0 * shift, 90.0)
        piece = geom.intersection(window)
        if not piece.is_empty:
            parts.append(affinity.translate(piece, xoff=-360.0 * shift))
    polygons = [g for part in parts for g in getattr(part, "geoms", [part]) if g.area > 0]
    return shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]


def track_features(
    lon_deg: np.ndarray,
    lat_deg: np.ndarray,
    properties: dict | None = None,
) -> dict:
    """A MultiLineString feature of the track, cut at the antimeridian."""
    pieces = split_antimeridian(lon_deg, lat_deg)
    return {
        "type": "Feature",
        "geometry": {
            "type": "MultiLineString",
            "coordinates": [[[round(x, 5), round(y, 5)] for x, y in p] for p in pieces],
        },
        "properties": dict(properties or {}),
    }


def point_feature(lon_deg: float, lat_deg: float, properties: dict | None = None) -> dict:
    """A Point feature."""
    if not (np.isfinite(lon_deg) and np.isfinite(lat_deg)):
        raise InputError("point has non-finite coordinates")
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon_deg, 5), round(lat_deg, 5)]},
        "properties": dict(properties or {}),
    }


def feature_collection(features: Sequence[dict]) -> dict:
    """A FeatureCollection of ``features``."""
    return {"type": "FeatureCollection", "features": list(features)}


def write_geojson(path: str | Path, collection: dict) -> Path:
    """Write ``collection`` to ``path`` atomically (temp file, then rename)."""
    return write_json_atomic(path, collection)


def read_geojson(path: str | Path) -> dict:
    """The FeatureCollection in ``path``; InputError naming the file (and the line, for broken
    JSON) when it cannot be read or is not a FeatureCollection with a ``features`` list."""
    data = read_json_file(path, "GeoJSON")
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError("expected a GeoJSON FeatureCollection", str(path))
    if not isinstance(data.get("features"), list):
        raise InputError("a GeoJSON FeatureCollection needs a 'features' list", str(path))
    return data
