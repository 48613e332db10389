"""World maps drawn without any map service: Natural Earth land (bundled with the package) as
filled polygons on longitude/latitude axes (plate carrée), with ground tracks, zones,
footprints and Monte Carlo envelopes on top. plotly's geo traces would fetch their world
outline from a CDN, so they are not used."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
import plotly.graph_objects as go
import shapely

from deorbit.data import bundled_path
from deorbit.formats.geojson import split_antimeridian
from deorbit.report.theme import LAND, LAND_EDGE, OCEAN, ZONE, style

LAND_FILE = ("population", "naturalearth_110m_admin0_countries_popest.geojson.gz")
"""Natural Earth 1:110m admin-0 countries, bundled for the casualty model (data/SOURCES.md)."""


@cache
def land_outline() -> tuple[tuple[float | None, ...], tuple[float | None, ...]]:
    """Exterior rings of the land (all countries merged), as lon and lat degree sequences
    with None between rings (plotly draws each ring as its own filled shape)."""
    with gzip.open(bundled_path(*LAND_FILE), "rt") as fh:
        data = json.load(fh)
    union = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in data["features"]])
    lon: list[float | None] = []
    lat: list[float | None] = []
    for poly in getattr(union, "geoms", [union]):
        x, y = poly.exterior.coords.xy
        lon += [round(v, 3) for v in x] + [None]
        lat += [round(v, 3) for v in y] + [None]
    return tuple(lon), tuple(lat)


def _joined(pieces: Iterable[np.ndarray]) -> tuple[list[float | None], list[float | None]]:
    lon: list[float | None] = []
    lat: list[float | None] = []
    for p in pieces:
        lon += [float(v) for v in p[:, 0]] + [None]
        lat += [float(v) for v in p[:, 1]] + [None]
    return lon, lat


def world_map(
    lon_range: Sequence[float] = (-180.0, 180.0),
    lat_range: Sequence[float] = (-90.0, 90.0),
    height: int = 520,
) -> go.Figure:
    """An empty map (land only) over ``lon_range`` x ``lat_range`` degrees, one degree of
    longitude as wide as one of latitude."""
    lon, lat = land_outline()
    fig = go.Figure(
        go.Scatter(
            x=lon,
            y=lat,
            mode="lines",
            fill="toself",
            fillcolor=LAND,
            line={"color": LAND_EDGE, "width": 0.6},
            name="land (Natural Earth 1:110m)",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    style(fig, height=height)
    fig.update_layout(plot_bgcolor=OCEAN, margin={"l": 50, "r": 10, "t": 40, "b": 40})
    grid = {"showgrid": True, "gridcolor": "#dde6ee", "zeroline": False}
    fig.update_xaxes(
        range=list(lon_range),
        title="longitude (deg)",
        constrain="domain",
        dtick=30 if lon_range[1] - lon_range[0] > 90 else 10,
        **grid,
    )
    fig.update_yaxes(
        range=list(lat_range),
        title="latitude (deg)",
        scaleanchor="x",
        scaleratio=1,
        dtick=30 if lat_range[1] - lat_range[0] > 90 else 10,
        **grid,
    )
    return fig


def add_track(
    fig: go.Figure,
    lon: Sequence[float],
    lat: Sequence[float],
    name: str,
    colour: str,
    dash: str | None = None,
    width: float = 2.0,
) -> None:
    """A ground track (degrees), cut where it crosses the antimeridian."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    ok = np.isfinite(lon_a) & np.isfinite(lat_a)
    if ok.sum() < 2:
        return
    # NaN separates pieces already cut; each run of finite points is cut at the antimeridian
    pieces = []
    for run in np.split(np.arange(lon_a.size), np.flatnonzero(~ok)):
        run = run[ok[run]]
        if run.size >= 2:
            pieces += split_antimeridian(lon_a[run], lat_a[run])
    x, y = _joined(pieces)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            name=name,
            line={"color": colour, "width": width, "dash": dash},
            hovertemplate="%{y:.2f}°, %{x:.2f}°<extra>" + name + "</extra>",
        )
    )


def add_polygon(
    fig: go.Figure,
    rings: Sequence[Sequence[Sequence[float]]],
    name: str,
    colour: str,
    opacity: float = 0.18,
    dash: str | None = None,
) -> None:
    """Polygons given as exterior rings of [lon, lat] degree pairs, filled translucent."""
    lon, lat = _joined(np.asarray(ring, dtype=float) for ring in rings if len(ring))
    if not lon:
        return
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    fig.add_trace(
        go.Scatter(
            x=lon,
            y=lat,
            mode="lines",
            fill="toself",
            name=name,
            fillcolor=f"rgba({r},{g},{b},{opacity})",
            line={"color": colour, "width": 1.5, "dash": dash},
            hoverinfo="name",
        )
    )


def add_points(
    fig: go.Figure,
    lon: Sequence[float],
    lat: Sequence[float],
    name: str,
    colour: str,
    text: Sequence[str] | None = None,
    size: float = 6,
    symbol: str = "circle",
) -> None:
    """Markers at (lon, lat) degrees; ``text`` shows on hover."""
    if len(lon) == 0:
        return
    fig.add_trace(
        go.Scatter(
            x=list(lon),
            y=list(lat),
            mode="markers",
            name=name,
            text=list(text or []) or None,
            marker={
                "color": colour,
                "size": size,
                "symbol": symbol,
                "line": {"color": "#fff", "width": 0.5},
            },
            hovertemplate="%{text}<br>%{y:.2f}°, %{x:.2f}°<extra>" + name + "</extra>"
            if text
            else "%{y:.2f}°, %{x:.2f}°<extra>" + name + "</extra>",
        )
    )


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry.get("type") == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def _lines(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "LineString":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiLineString":
        return list(geometry["coordinates"])
    return []


def add_line_geometry(
    fig: go.Figure, geometry: dict, name: str, colour: str, width: float = 2.0
) -> None:
    """A GeoJSON LineString or MultiLineString (degrees) as one track trace: its pieces (cut
    at the antimeridian) joined with gaps, so that it has one legend entry."""
    lon: list[float] = []
    lat: list[float] = []
    for line in _lines(geometry):
        arr = np.asarray(line, dtype=float)
        lon += [*arr[:, 0], np.nan]
        lat += [*arr[:, 1], np.nan]
    add_track(fig, lon, lat, name, colour, width=width)


def add_footprint(fig: go.Figure, collection: dict, label: str, colour: str) -> list[float]:
    """Draw a footprint FeatureCollection (:func:`deorbit.reentry.footprint.footprint_geojson`):
    the ground track, the footprint hull, the surviving pieces, the breakup and aim points and
    the target zone. Returns the longitudes and latitudes drawn (for zooming), flattened."""
    drawn: list[float] = []
    impacts: list[tuple[float, float, str]] = []
    for feat in collection.get("features", []):
        geom = feat.get("geometry") or {}
        props = feat.get("properties") or {}
        kind = str(props.get("kind", ""))
        if kind == "impact" and geom.get("type") == "Point":
            lo, la = geom["coordinates"][:2]
            impacts.append(
                (lo, la, f"{props.get('fragment', 'piece')}, {props.get('mass_kg', '?')} kg")
            )
        elif kind == "footprint":
            add_polygon(fig, _rings(geom), f"{label} footprint", colour, opacity=0.3)
        elif kind == "target zone":
            add_polygon(
                fig,
                _rings(geom),
                f"zone: {props.get('name', 'target zone')}",
                ZONE,
                opacity=0.08,
                dash="dash",
            )
            for ring in _rings(geom):
                drawn += [c for p in ring for c in p[:2]]
        elif kind == "ground track":
            add_line_geometry(fig, geom, f"{label} final ground track", colour)
        elif kind in ("breakup", "aim point") and geom.get("type") == "Point":
            lo, la = geom["coordinates"][:2]
            add_points(
                fig,
                [lo],
                [la],
                f"{label} {kind}" if kind == "breakup" else kind,
                colour if kind == "breakup" else ZONE,
                size=11,
                symbol="star" if kind == "breakup" else "x",
            )
            drawn += [lo, la]
    if impacts:
        lo, la, text = zip(*impacts, strict=True)
        add_points(
            fig, lo, la, f"{label} surviving pieces ({len(impacts)})", colour, text=text, size=5
        )
        drawn += [c for p in zip(lo, la, strict=True) for c in p]
    return drawn


def add_envelope(fig: go.Figure, collection: dict, label: str, colour: str) -> None:
    """Monte Carlo envelope polygons (property ``level``: a quantile or a name), dashed."""
    for feat in collection.get("features", []):
        props = feat.get("properties") or {}
        rings = _rings(feat.get("geometry") or {})
        lvl = props.get("level", "")
        lvl_text = f"{lvl:.0%}" if isinstance(lvl, (int, float)) and lvl <= 1 else str(lvl)
        add_polygon(
            fig,
            rings,
            f"{label} Monte Carlo envelope {lvl_text}".strip(),
            colour,
            opacity=0.07,
            dash="dot",
        )


def focus(coords: Sequence[float], pad_deg: float = 8.0) -> tuple[list[float], list[float]] | None:
    """Axis ranges around a flattened [lon, lat, lon, lat, ...] list, padded; None if empty."""
    if len(coords) < 2:
        return None
    arr = np.asarray(coords, dtype=float).reshape(-1, 2)
    lo0, lo1 = arr[:, 0].min() - pad_deg, arr[:, 0].max() + pad_deg
    la0, la1 = arr[:, 1].min() - pad_deg, arr[:, 1].max() + pad_deg
    return [max(lo0, -180.0), min(lo1, 180.0)], [max(la0, -90.0), min(la1, 90.0)]
