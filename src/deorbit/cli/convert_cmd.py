"""``deorbit convert``: GeoJSON (zones, footprints, ground tracks) and CCSDS OEM trajectories to
KML or CZML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from deorbit.cli._app import app, console
from deorbit.errors import InputError

_TARGETS = ("kml", "czml")


def convert_file(src: Path, to: str, out: Path | None = None) -> Path:
    """Convert ``src`` (.geojson/.json or .oem) to ``to`` (kml or czml); returns the path
    written (``src`` with the new suffix unless ``out`` is given)."""
    import numpy as np
    from astropy.time import TimeDelta

    from deorbit.core.geodesy import ecef_to_geodetic
    from deorbit.core.time import to_time
    from deorbit.formats import czml, kml
    from deorbit.formats.geojson import read_geojson
    from deorbit.formats.oem import read_oem_fixed

    to = to.lower()
    if to not in _TARGETS:
        raise InputError(f"--to {to!r}: choose one of {', '.join(_TARGETS)}")
    if not src.is_file():
        raise InputError(f"no such file: {src}")
    out = out or src.with_suffix("." + to)
    suffix = src.suffix.lower()
    if suffix in (".geojson", ".json"):
        fc = read_geojson(src)
        if to == "kml":
            return kml.write_kml(out, kml.geojson_to_kml(fc, src.stem))
        # features on the ground have no time; the document packet still needs a clock
        t0 = to_time("2000-01-01T00:00:00Z")
        packets = [czml.document_packet(src.stem, t0, t0 + TimeDelta(3600, format="sec"))]
        return czml.write_czml(out, packets + czml.geojson_packets(fc, src.stem))
    if suffix == ".oem":
        times, r_fixed, meta = read_oem_fixed(src)
        name = meta.get("OBJECT_NAME", src.stem)
        if to == "czml":
            packets = [
                czml.document_packet(name, times[0], times[-1]),
                czml.trajectory_packet(meta.get("OBJECT_ID", name), name, times, r_fixed),
            ]
            return czml.write_czml(out, packets)
        lat, lon, alt = ecef_to_geodetic(r_fixed)
        return kml.write_kml(
            out, kml.trajectory_kml(name, times, np.degrees(lat), np.degrees(lon), alt)
        )
    raise InputError(f"{src}: convert reads .geojson/.json or .oem files")


@app.command()
def convert(
    file: Annotated[Path, typer.Argument(help="A .geojson or CCSDS .oem file.")],
    to: Annotated[str, typer.Option("--to", help="kml or czml.")],
    out: Annotated[Path | None, typer.Option("--out", help="Output file.")] = None,
) -> None:
    """Convert zones, footprints and ground tracks (GeoJSON) or trajectories (OEM) to KML
    (Google Earth) or CZML (Cesium)."""
    written = convert_file(file, to, out)
    console.print(f"written: {written}")
