"""KML 2.2 (OGC 07-147r2) for Google Earth and GIS tools: ground tracks, footprints, zones and
3-D trajectories.

Written with the standard library's ElementTree. Coordinates are ``lon,lat[,alt]`` tuples in
degrees and metres (OGC 07-147r2 §16.9); features keep their GeoJSON properties as
``ExtendedData`` so that :func:`read_kml` gives the same collection back. Colours are KML's
``aabbggrr`` hex (OGC 07-147r2 §16.8).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from astropy.time import Time

from deorbit.errors import InputError
from deorbit.formats.atomic import write_text_atomic
from deorbit.formats.czml import Rgba, kind_colour

KML_NS = "http://www.opengis.net/kml/2.2"
"""The KML 2.2 namespace (OGC 07-147r2 §6.1)."""
_NS = {"k": KML_NS}


def _q(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def kml_colour(rgba: Rgba) -> str:
    """``aabbggrr`` hex of an (r, g, b, a) colour."""
    r, g, b, a = (int(c) for c in rgba)
    return f"{a:02x}{b:02x}{g:02x}{r:02x}"


def _coords(points: Iterable[Sequence[float]]) -> str:
    out = []
    for p in points:
        vals = [float(x) for x in p[:3]]
        if not all(math.isfinite(x) for x in vals):
            raise InputError("KML: non-finite coordinate")
        out.append(",".join(f"{x:.6f}" if k < 2 else f"{x:.1f}" for k, x in enumerate(vals)))
    return " ".join(out)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    e = ET.SubElement(parent, _q(tag))
    if text is not None:
        e.text = text
    return e


def _geometry(parent: ET.Element, geometry: dict, absolute: bool = False) -> None:
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coords([coords]))
    elif kind == "LineString":
        ls = _sub(parent, "LineString")
        if absolute:
            _sub(ls, "altitudeMode", "absolute")
        else:
            _sub(ls, "tessellate", "1")
        _sub(ls, "coordinates", _coords(coords))
    elif kind == "Polygon":
        poly = _sub(parent, "Polygon")
        _sub(poly, "tessellate", "1")
        for k, ring in enumerate(coords):
            bound = _sub(poly, "outerBoundaryIs" if k == 0 else "innerBoundaryIs")
            _sub(_sub(bound, "LinearRing"), "coordinates", _coords(ring))
    elif kind in ("MultiLineString", "MultiPolygon", "MultiPoint"):
        single = kind[len("Multi") :]
        multi = _sub(parent, "MultiGeometry")
        for part in coords:
            _geometry(multi, {"type": single, "coordinates": part}, absolute)
    else:
        raise InputError(f"KML: unsupported GeoJSON geometry type {kind!r}")


def _style(doc: ET.Element, kind: str) -> str:
    sid = "style-" + "".join(c if c.isalnum() else "-" for c in kind)
    if doc.find(f"k:Style[@id='{sid}']", _NS) is None:
        colour = kind_colour(kind)
        st = ET.Element(_q("Style"), id=sid)
        line = _sub(st, "LineStyle")
        _sub(line, "color", kml_colour((*colour[:3], 255)))
        _sub(line, "width", "2")
        _sub(_sub(st, "PolyStyle"), "color", kml_colour(colour))
        icon = _sub(st, "IconStyle")
        _sub(icon, "color", kml_colour((*colour[:3], 255)))
        _sub(icon, "scale", "0.6")
        # styles go before the placemarks (OGC 07-147r2 §9.1: StyleSelector precedes Feature)
        doc.insert(1, st)
    return sid


def _document(name: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element(_q("kml"))
    doc = _sub(root, "Document")
    _sub(doc, "name", name)
    return root, doc


def _placemark(doc: ET.Element, name: str, props: dict, kind: str) -> ET.Element:
    pm = _sub(doc, "Placemark")
    _sub(pm, "name", name)
    _sub(pm, "styleUrl", "#" + _style(doc, kind))
    if props:
        ext = _sub(pm, "ExtendedData")
        for key, value in props.items():
            d = _sub(ext, "Data")
            d.set("name", str(key))
            _sub(d, "value", "" if value is None else str(value))
    return pm


def _serialise(root: ET.Element) -> str:
    ET.indent(root, space=" ")
    # the default namespace, re-registered here because other libraries (fastkml) register a
    # "kml:" prefix for it globally
    ET.register_namespace("", KML_NS)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def kml_document(
    name: str,
    collection: dict | None = None,
    trajectories: Sequence[tuple[str, Time, np.ndarray, np.ndarray, np.ndarray]] = (),
) -> str:
    """KML text with one Placemark per feature of a GeoJSON FeatureCollection (styled by its
    ``kind`` property, properties kept as ExtendedData) and one per 3-D trajectory
    ``(name, times, lat_deg, lon_deg, alt_m)``: an absolute-altitude LineString with the time
    span it covers (geodetic degrees, height above the ellipsoid in m)."""
    if collection is not None and collection.get("type") != "FeatureCollection":
        raise InputError("KML: expected a GeoJSON FeatureCollection")
    root, doc = _document(name)
    for feat in (collection or {}).get("features", []):
        props = dict(feat.get("properties") or {})
        kind = str(props.get("kind", "feature"))
        pm = _placemark(doc, str(props.get("name", kind)), props, kind)
        _geometry(pm, feat.get("geometry") or {})
    for label, times, lat_deg, lon_deg, alt_m in trajectories:
        lat, lon, alt = (np.asarray(x, dtype=float) for x in (lat_deg, lon_deg, alt_m))
        if not (lat.shape == lon.shape == alt.shape) or lat.size < 2 or lat.size != len(times):
            raise InputError(f"KML trajectory {label!r}: lat, lon, alt, times must be equal, >= 2")
        pm = _placemark(doc, label, {"kind": "trajectory", "name": label}, "ground track")
        span = _sub(pm, "TimeSpan")
        _sub(span, "begin", str(times[0].utc.isot) + "Z")
        _sub(span, "end", str(times[-1].utc.isot) + "Z")
        _geometry(
            pm,
            {"type": "LineString", "coordinates": np.column_stack([lon, lat, alt]).tolist()},
            absolute=True,
        )
    return _serialise(root)


def geojson_to_kml(collection: dict, name: str = "deorbit") -> str:
    """KML text for a GeoJSON FeatureCollection (see :func:`kml_document`, which checks it)."""
    return kml_document(name, collection)


def trajectory_kml(
    name: str, times: Time, lat_deg: np.ndarray, lon_deg: np.ndarray, alt_m: np.ndarray
) -> str:
    """KML of one 3-D trajectory (see :func:`kml_document`)."""
    return kml_document(name, None, [(name, times, lat_deg, lon_deg, alt_m)])


def write_kml(path: str | Path, text: str) -> Path:
    """Write KML ``text`` to ``path`` atomically (checked to parse as KML first)."""
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise InputError(f"KML: not well-formed XML ({exc})") from None
    if root.tag != _q("kml"):
        raise InputError("KML: the root element must be kml in the KML 2.2 namespace")
    return write_text_atomic(path, text)


def _parse_coords(text: str | None, where: str) -> list[list[float]]:
    pts = []
    for tup in (text or "").split():
        try:
            pts.append([float(x) for x in tup.split(",")])
        except ValueError:
            raise InputError(f"KML: bad coordinate tuple {tup!r} in {where}") from None
    return pts


def _read_geometry(el: ET.Element, where: str) -> dict:
    tag = el.tag.split("}")[-1]
    if tag == "Point":
        return {
            "type": "Point",
            "coordinates": _parse_coords(el.findtext("k:coordinates", "", _NS), where)[0],
        }
    if tag == "LineString":
        return {
            "type": "LineString",
            "coordinates": _parse_coords(el.findtext("k:coordinates", "", _NS), where),
        }
    if tag == "Polygon":
        rings = [
            _parse_coords(
                el.findtext("k:outerBoundaryIs/k:LinearRing/k:coordinates", "", _NS), where
            )
        ]
        rings += [
            _parse_coords(c.text, where)
            for c in el.findall("k:innerBoundaryIs/k:LinearRing/k:coordinates", _NS)
        ]
        return {"type": "Polygon", "coordinates": rings}
    if tag == "MultiGeometry":
        parts = [_read_geometry(child, where) for child in el]
        kinds = {p["type"] for p in parts}
        if len(kinds) != 1:
            raise InputError(f"KML: mixed MultiGeometry in {where} is not supported")
        return {"type": "Multi" + kinds.pop(), "coordinates": [p["coordinates"] for p in parts]}
    raise InputError(f"KML: unsupported geometry {tag!r} in {where}")


_GEOMETRY_TAGS = ("Point", "LineString", "Polygon", "MultiGeometry")


def read_kml(path: str | Path) -> dict:
    """The Placemarks of a KML file as a GeoJSON FeatureCollection (properties from
    ExtendedData, ``name`` from the Placemark's name when absent)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise InputError(f"cannot read KML: {exc}", str(path)) from None
    if root.tag != _q("kml"):
        raise InputError("not a KML 2.2 document (root element is not kml)", str(path))
    feats = []
    for k, pm in enumerate(root.iter(_q("Placemark"))):
        where = f"{path} Placemark {k + 1}"
        props = {
            d.get("name"): d.findtext("k:value", "", _NS)
            for d in pm.iterfind("k:ExtendedData/k:Data", _NS)
        }
        props.setdefault("name", pm.findtext("k:name", "", _NS))
        geom = next((c for c in pm if c.tag.split("}")[-1] in _GEOMETRY_TAGS), None)
        if geom is None:
            raise InputError(f"KML: no geometry in {where}")
        feats.append(
            {"type": "Feature", "geometry": _read_geometry(geom, where), "properties": props}
        )
    return {"type": "FeatureCollection", "features": feats}
