"""3-D and GIS exports of a ``deorbit plan`` results folder: for each solar level, the final
orbits (``final_<level>.oem``) with the debris footprint, target zone and Monte Carlo envelope
(``footprint_<level>.geojson``, ``montecarlo_<level>.geojson`` when present) as one CZML
document for Cesium and one KML document for Google Earth."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deorbit.core.geodesy import ecef_to_geodetic
from deorbit.formats import czml, kml
from deorbit.formats.geojson import feature_collection, read_geojson
from deorbit.formats.oem import read_oem_fixed


def write_level_exports(out_dir: str | Path) -> list[Path]:
    """Write ``final_<level>.czml`` and ``final_<level>.kml`` for every ``final_<level>.oem`` in
    ``out_dir``; returns the paths written (none when the folder has no final arcs)."""
    out = Path(out_dir)
    written: list[Path] = []
    for oem in sorted(out.glob("final_*.oem")):
        level = oem.stem.removeprefix("final_")
        times, r_fixed, meta = read_oem_fixed(oem)
        name = f"{meta.get('OBJECT_NAME', 'object')} final orbits ({level.upper()})"
        features: list[dict] = []
        for extra in (f"footprint_{level}.geojson", f"montecarlo_{level}.geojson"):
            if (out / extra).is_file():
                features += read_geojson(out / extra)["features"]
        collection = feature_collection(features)
        packets = [
            czml.document_packet(name, times[0], times[-1]),
            czml.trajectory_packet(f"{level}/trajectory", name, times, r_fixed),
            *czml.geojson_packets(collection, level),
        ]
        written.append(czml.write_czml(out / f"final_{level}.czml", packets))
        lat, lon, alt = ecef_to_geodetic(r_fixed)
        text = kml.kml_document(
            name, collection, [(name, times, np.degrees(lat), np.degrees(lon), alt)]
        )
        written.append(kml.write_kml(out / f"final_{level}.kml", text))
    return written
