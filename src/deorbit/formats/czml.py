"""CZML (Cesium Language) for 3-D viewing of trajectories, footprints and zones in CesiumJS.

A CZML document is a JSON array of packets; the first is the ``document`` packet that carries
the version and the clock (CZML Guide, "Packet" and "Clock", github.com/AnalyticalGraphicsInc/
czml-writer/wiki). Trajectories are written as sampled positions in the Earth-fixed frame
(``referenceFrame: FIXED``, metres, Cartesian), so Cesium needs no inertial-frame data to show
them; times are ISO 8601 UTC offsets in seconds from the packet's ``epoch``. Points, lines and
polygons on the ground use ``cartographicDegrees`` (longitude, latitude, height m).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta

from deorbit.errors import InputError
from deorbit.formats.atomic import write_text_atomic
from deorbit.formats.jsonfile import read_json_file

CZML_VERSION = "1.0"
"""The CZML version Cesium reads (CZML Guide: the document packet's ``version``)."""

Rgba = tuple[int, int, int, int]

KIND_COLOURS: dict[str, Rgba] = {
    "ground track": (31, 119, 180, 255),
    "footprint": (214, 39, 40, 110),
    "impact": (214, 39, 40, 255),
    "breakup": (255, 127, 14, 255),
    "target zone": (44, 160, 44, 70),
    "aim point": (44, 160, 44, 255),
    "footprint envelope": (148, 103, 189, 70),
}
"""Default colour per GeoJSON ``kind`` property (the matplotlib "tab10" palette)."""
OTHER_KIND_COLOUR: Rgba = (127, 127, 127, 200)
"""The colour of a feature whose ``kind`` is not in :data:`KIND_COLOURS` (tab10 grey)."""


def kind_colour(kind: str) -> Rgba:
    """The RGBA colour of a GeoJSON feature ``kind`` (shared by the CZML and KML writers)."""
    return KIND_COLOURS.get(kind, OTHER_KIND_COLOUR)


def _stamp(t: Time) -> str:
    """ISO 8601 UTC to the millisecond with a ``Z`` (CZML dates are ISO 8601)."""
    return str(t.utc.isot) + "Z"


def _colour(rgba: Rgba) -> dict:
    if len(rgba) != 4 or any(not 0 <= int(c) <= 255 for c in rgba):
        raise InputError(f"colour must be four integers 0-255 (RGBA), got {rgba!r}")
    return {"rgba": [int(c) for c in rgba]}


def document_packet(name: str, start: Time, end: Time, multiplier: float = 60.0) -> dict:
    """The document packet: name, version and a clock running from ``start`` to ``end``
    ``multiplier`` times faster than real time."""
    if not (end > start):
        raise InputError(f"CZML clock: end {_stamp(end)} is not after start {_stamp(start)}")
    interval = f"{_stamp(start)}/{_stamp(end)}"
    return {
        "id": "document",
        "name": name,
        "version": CZML_VERSION,
        "clock": {
            "interval": interval,
            "currentTime": _stamp(start),
            "multiplier": float(multiplier),
            "range": "LOOP_STOP",
            "step": "SYSTEM_CLOCK_MULTIPLIER",
        },
    }


def trajectory_packet(
    packet_id: str,
    name: str,
    times: Time,
    r_fixed: np.ndarray,
    colour: Rgba = KIND_COLOURS["ground track"],
) -> dict:
    """Sampled Earth-fixed positions ``r_fixed`` (N, 3) m at ``times``: a point moving along a
    path (Lagrange interpolation of degree 5, as Cesium's examples use for orbits) that trails
    the whole arc behind it."""
    r = np.asarray(r_fixed, dtype=float)
    if r.ndim != 2 or r.shape[1] != 3 or r.shape[0] != len(times):
        raise InputError(f"trajectory {packet_id!r}: positions must be (N, 3) with N = times")
    if r.shape[0] < 2:
        raise InputError(f"trajectory {packet_id!r}: needs at least two samples")
    if not np.all(np.isfinite(r)):
        raise InputError(f"trajectory {packet_id!r}: non-finite positions")
    t = (times - times[0]).to_value("s")
    if np.any(np.diff(t) <= 0):
        raise InputError(f"trajectory {packet_id!r}: times must increase strictly")
    samples = np.column_stack([t, r])
    return {
        "id": packet_id,
        "name": name,
        "availability": f"{_stamp(times[0])}/{_stamp(times[-1])}",
        "position": {
            "epoch": _stamp(times[0]),
            "referenceFrame": "FIXED",
            "interpolationAlgorithm": "LAGRANGE",
            "interpolationDegree": 5,
            # metres to the millimetre, seconds to the millisecond
            "cartesian": [round(float(x), 3) for x in samples.ravel()],
        },
        "point": {"pixelSize": 8, "color": _colour(colour)},
        "path": {
            "material": {"solidColor": {"color": _colour(colour)}},
            "width": 2,
            "leadTime": 0,
            "trailTime": float(t[-1]),
            "resolution": 30,
        },
        "label": {"text": name, "pixelOffset": {"cartesian2": [12, 0]}, "scale": 0.5},
    }


def _cartographic(coords: Iterable[Sequence[float]]) -> list[float]:
    flat: list[float] = []
    for c in coords:
        lon, lat = float(c[0]), float(c[1])
        h = float(c[2]) if len(c) > 2 else 0.0
        if not (math.isfinite(lon) and math.isfinite(lat) and math.isfinite(h)):
            raise InputError("CZML: non-finite coordinate")
        flat += [round(lon, 6), round(lat, 6), round(h, 1)]
    return flat


def _geometry_packets(
    geometry: dict, packet_id: str, name: str, colour: Rgba, description: str | None
) -> list[dict]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    base: dict = {"id": packet_id, "name": name}
    if description:
        base["description"] = description
    if kind == "Point":
        return [
            {
                **base,
                "position": {"cartographicDegrees": _cartographic([coords])},
                "point": {"pixelSize": 6, "color": _colour(colour)},
            }
        ]
    if kind in ("LineString", "MultiLineString"):
        lines = [coords] if kind == "LineString" else coords
        return [
            {
                **base,
                "id": packet_id if len(lines) == 1 else f"{packet_id}/{k}",
                "polyline": {
                    "positions": {"cartographicDegrees": _cartographic(line)},
                    "width": 2,
                    "material": {"solidColor": {"color": _colour(colour)}},
                    "clampToGround": True,
                },
            }
            for k, line in enumerate(lines)
        ]
    if kind in ("Polygon", "MultiPolygon"):
        polys = [coords] if kind == "Polygon" else coords
        out = []
        for k, rings in enumerate(polys):
            poly: dict = {
                "positions": {"cartographicDegrees": _cartographic(rings[0])},
                "material": {"solidColor": {"color": _colour(colour)}},
                "outline": True,
                "outlineColor": _colour((*colour[:3], 255)),
                "height": 0,
            }
            if len(rings) > 1:
                poly["holes"] = {"cartographicDegrees": [_cartographic(h) for h in rings[1:]]}
            out.append({**base, "id": packet_id if len(polys) == 1 else f"{packet_id}/{k}"})
            out[-1]["polygon"] = poly
        return out
    raise InputError(f"CZML: unsupported GeoJSON geometry type {kind!r}")


def geojson_packets(collection: dict, prefix: str = "feature") -> list[dict]:
    """CZML packets for the features of a GeoJSON FeatureCollection (points, lines, polygons),
    coloured by their ``kind`` property; the properties become the packet's description."""
    if collection.get("type") != "FeatureCollection":
        raise InputError("CZML: expected a GeoJSON FeatureCollection")
    packets: list[dict] = []
    for k, feat in enumerate(collection.get("features", [])):
        props = feat.get("properties") or {}
        kind = str(props.get("kind", "feature"))
        name = str(props.get("name", kind))
        desc = "<br>".join(f"{key}: {value}" for key, value in props.items()) or None
        packets += _geometry_packets(
            feat.get("geometry") or {},
            f"{prefix}/{k}/{kind}",
            name,
            kind_colour(kind),
            desc,
        )
    return packets


def check_czml(packets: Sequence[dict]) -> None:
    """Raise :class:`InputError` unless ``packets`` is a CZML document: a list of objects, the
    first the ``document`` packet with a version, every id present and unique, and every sampled
    position a whole number of (time, x, y, z) groups."""
    if not isinstance(packets, list) or not packets:
        raise InputError("CZML: a document is a non-empty JSON array of packets")
    if packets[0].get("id") != "document" or "version" not in packets[0]:
        raise InputError("CZML: the first packet must be the document packet with a version")
    seen: set[str] = set()
    for p in packets:
        pid = p.get("id")
        if not isinstance(pid, str) or not pid:
            raise InputError("CZML: every packet needs a non-empty string id")
        if pid in seen:
            raise InputError(f"CZML: duplicate packet id {pid!r}")
        seen.add(pid)
        cart = (p.get("position") or {}).get("cartesian")
        if cart is not None and (len(cart) % 4 or "epoch" not in p["position"]):
            raise InputError(f"CZML: packet {pid!r} has malformed sampled positions")


def write_czml(path: str | Path, packets: Sequence[dict]) -> Path:
    """Check ``packets`` (:func:`check_czml`) and write them to ``path`` atomically."""
    packets = list(packets)
    check_czml(packets)
    return write_text_atomic(path, json.dumps(packets, separators=(",", ":")))


def read_czml(path: str | Path) -> list[dict]:
    """Read and check a CZML document."""
    packets = read_json_file(path, "CZML")
    check_czml(packets)
    return packets


def sampled_positions(packet: dict) -> tuple[Time, np.ndarray]:
    """Times and (N, 3) positions m of a packet's sampled Cartesian position."""
    pos = packet.get("position") or {}
    if "cartesian" not in pos or "epoch" not in pos:
        raise InputError(f"CZML packet {packet.get('id')!r} has no sampled positions")
    a = np.asarray(pos["cartesian"], dtype=float).reshape(-1, 4)
    t0 = Time(pos["epoch"].replace("Z", ""), scale="utc")
    return t0 + TimeDelta(a[:, 0], format="sec"), a[:, 1:]
