"""Debris footprint: fly every released piece to the ground and describe where they landed.

The pieces fly as one ensemble (:class:`deorbit.propagation.ensemble.EnsemblePropagator`, per
piece Cd A and mass) from breakup to the ellipsoid surface, through an atmosphere tabulated
down to 0 km. The footprint's length and width are measured along and across the ground track
(the azimuth of the Earth-relative velocity at breakup), from the breakup sub-point.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import shapely
from astropy.time import Time, TimeDelta

from deorbit.core.frames import subpoint, teme_to_itrs
from deorbit.core.geodesy import destination, geodesic_inverse
from deorbit.core.spacecraft import Spacecraft
from deorbit.dynamics.forces import ForceModel
from deorbit.errors import PropagationError
from deorbit.formats.geojson import feature_collection, point_feature, track_features
from deorbit.propagation.ensemble import EnsemblePropagator
from deorbit.reentry.breakup import FragmentCloud
from deorbit.reentry.fragments import FragmentList
from deorbit.reentry.zones import TargetZone

MAX_FALL_TIME = 7200.0
"""Longest flight from breakup to the ground we wait for, s (heavy pieces take minutes)."""


def ground_forces(forces: ForceModel) -> ForceModel:
    """The same force model (every setting kept) with the atmosphere tabulated down to the
    surface, and a grid cache of its own."""
    return dataclasses.replace(forces, grid={**forces.grid, "alt_min_m": 0.0})


def ground_azimuth(t: Time, r_teme: np.ndarray, v_teme: np.ndarray) -> float | np.ndarray:
    """Azimuth (rad, clockwise from north) of the Earth-relative velocity at TEME state(s):
    a float for one state (``r_teme`` of shape (3,)), an (N,) array for (N, 3) states."""
    one = np.ndim(r_teme) == 1
    r, v = teme_to_itrs(t, np.atleast_2d(r_teme), np.atleast_2d(v_teme))
    r, v = np.asarray(r).reshape(-1, 3), np.asarray(v).reshape(-1, 3)
    lon = np.arctan2(r[:, 1], r[:, 0])
    lat = np.arctan2(r[:, 2], np.hypot(r[:, 0], r[:, 1]))  # geocentric is enough for a direction
    east = np.column_stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)])
    north = np.column_stack([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
    az = np.arctan2(np.sum(v * east, axis=1), np.sum(v * north, axis=1))
    return float(az[0]) if one else az


def along_cross(
    lat0: float, lon0: float, azimuth: float, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Along-track and cross-track (right of track positive) offsets, m, of points (rad) from
    (lat0, lon0) for a track heading ``azimuth`` rad (geodesic distance and bearing)."""
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    d, az, _ = geodesic_inverse(lat0, lon0, lat, lon)
    d = np.asarray(d, dtype=float)
    az = np.where(d > 0, az, azimuth)
    return d * np.cos(az - azimuth), d * np.sin(az - azimuth)


@dataclass
class Footprint:
    """Impact points of the pieces and the footprint's extent.

    Angles in rad, distances in m, ``impact_t`` in s after ``epoch``.
    """

    epoch: Time
    lat: np.ndarray
    lon: np.ndarray
    impact_t: np.ndarray
    mass: np.ndarray
    area: np.ndarray
    type: np.ndarray
    names: tuple[str, ...]
    breakup_lat: float
    breakup_lon: float
    azimuth: float
    along: np.ndarray
    cross: np.ndarray

    @property
    def length(self) -> float:
        """Extent along the ground track, m."""
        return float(self.along.max() - self.along.min())

    @property
    def width(self) -> float:
        """Extent across the ground track, m."""
        return float(self.cross.max() - self.cross.min())

    @property
    def centre(self) -> tuple[float, float]:
        """Mid-point between heel and toe on the track line (lat, lon), rad."""
        mid = 0.5 * (self.along.max() + self.along.min())
        la, lo = destination(self.breakup_lat, self.breakup_lon, self.azimuth, mid)
        return float(la), float(lo)

    @property
    def toe(self) -> tuple[float, float]:
        """Impact point farthest downrange (lat, lon), rad."""
        k = int(np.argmax(self.along))
        return float(self.lat[k]), float(self.lon[k])

    @property
    def heel(self) -> tuple[float, float]:
        """Impact point nearest uprange (lat, lon), rad."""
        k = int(np.argmin(self.along))
        return float(self.lat[k]), float(self.lon[k])

    def hull(self, buffer_deg: float = 0.05) -> shapely.Polygon:
        """Convex hull of the impact points in (lon, lat) degrees, longitudes unwrapped around
        the footprint so that it never jumps at the antimeridian."""
        lon = np.degrees(self.lon)
        ref = lon[0]
        lon = ref + (lon - ref + 180.0) % 360.0 - 180.0
        pts = shapely.MultiPoint(np.column_stack([lon, np.degrees(self.lat)]))
        return pts.convex_hull.buffer(buffer_deg)


def fly_fragments(
    epoch: Time,
    cloud: FragmentCloud,
    forces: ForceModel,
    fragments: FragmentList,
    max_fall_time: float = MAX_FALL_TIME,
) -> Footprint:
    """Fly the released pieces (TEME at ``epoch``) to the ground; the footprint.

    Raises
    ------
    PropagationError
        A piece did not reach the ground within ``max_fall_time`` s.
    """
    ens = EnsemblePropagator(ground_forces(forces))
    template = Spacecraft(float(cloud.mass[0]), float(cloud.area[0]), float(cloud.cd[0]))
    res = ens.propagate(
        epoch, cloud.r, cloud.v, template, max_fall_time, mass=cloud.mass, cda=cloud.cda
    )
    missing = [k for k, name in enumerate(res.event_name) if name != "surface impact"]
    if missing:
        raise PropagationError(
            f"{len(missing)} piece(s) did not reach the ground within {max_fall_time:.0f} s "
            f"after breakup (first: {fragments.types[int(cloud.type[missing[0]])].name})"
        )
    times = epoch + TimeDelta(res.t_end, format="sec")
    lat_d, lon_d, _ = subpoint(times, res.y[:, :3])
    lat, lon = np.radians(lat_d), np.radians(lon_d)
    b_lat, b_lon, _ = subpoint(epoch, cloud.r[0])
    v_mean = cloud.v.mean(axis=0)
    az = ground_azimuth(epoch, cloud.r[0], v_mean)
    b_lat, b_lon = float(np.radians(b_lat)), float(np.radians(b_lon))
    along, cross = along_cross(b_lat, b_lon, az, lat, lon)
    return Footprint(
        epoch,
        lat,
        lon,
        np.asarray(res.t_end, dtype=float),
        cloud.mass,
        cloud.area,
        cloud.type,
        tuple(t.name for t in fragments.types),
        b_lat,
        b_lon,
        az,
        along,
        cross,
    )


def footprint_geojson(
    fp: Footprint,
    track_lat: np.ndarray | None = None,
    track_lon: np.ndarray | None = None,
    zone: TargetZone | None = None,
    properties: dict | None = None,
) -> dict:
    """GeoJSON FeatureCollection: the impact points, the footprint hull, the breakup point,
    optionally the stack's ground track (rad arrays) and the target zone with its aim."""
    feats = []
    hull = fp.hull()
    feats.append(
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(hull),
            "properties": {
                "kind": "footprint",
                "length_km": round(fp.length / 1e3, 3),
                "width_km": round(fp.width / 1e3, 3),
                **(properties or {}),
            },
        }
    )
    for k in range(fp.lat.size):
        feats.append(
            point_feature(
                float(np.degrees(fp.lon[k])),
                float(np.degrees(fp.lat[k])),
                {
                    "kind": "impact",
                    "fragment": fp.names[int(fp.type[k])],
                    "mass_kg": float(fp.mass[k]),
                    "time": (fp.epoch + TimeDelta(fp.impact_t[k], format="sec")).utc.isot + "Z",
                },
            )
        )
    feats.append(
        point_feature(
            math.degrees(fp.breakup_lon), math.degrees(fp.breakup_lat), {"kind": "breakup"}
        )
    )
    if track_lat is not None and track_lon is not None:
        feats.append(
            track_features(np.degrees(track_lon), np.degrees(track_lat), {"kind": "ground track"})
        )
    if zone is not None:
        feats.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(zone.polygon),
                "properties": {"kind": "target zone", "name": zone.name, "source": zone.source},
            }
        )
        feats.append(point_feature(zone.aim_lon_deg, zone.aim_lat_deg, {"kind": "aim point"}))
    return feature_collection(feats)
