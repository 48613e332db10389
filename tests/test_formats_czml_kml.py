"""CZML and KML exports: what we write is read back identically by our readers, and is valid
for independent readers (czml3's pydantic models of the CZML packet schema; fastkml's KML 2.2
parser)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from astropy.time import Time, TimeDelta
from hypothesis import given, settings
from hypothesis import strategies as st

from deorbit.cli import main
from deorbit.core.constants import GM_EARTH, WGS84_A
from deorbit.core.frames import teme_to_itrs
from deorbit.errors import InputError
from deorbit.formats import czml, kml
from deorbit.formats.geojson import feature_collection, point_feature, track_features

czml3 = pytest.importorskip("czml3", reason="czml3 (test extra) checks CZML against its schema")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # fastkml warns that lxml is absent (pretty printing only)
    fastkml = pytest.importorskip("fastkml", reason="fastkml (test extra) parses KML 2.2")

T0 = Time("2030-09-01T00:00:00", scale="utc")


def _orbit(n: int = 61, step: float = 10.0) -> tuple[Time, np.ndarray]:
    """A 400 km circular orbit (two-body, 51.6 deg inclination) sampled every ``step`` s,
    TEME positions m."""
    a = WGS84_A + 400e3
    u = 0.5 + math.sqrt(GM_EARTH / a**3) * np.arange(n) * step
    r_pf = np.column_stack([a * np.cos(u), a * np.sin(u), np.zeros_like(u)])
    i, node = math.radians(51.6), 0.3
    rot = np.array(
        [
            [math.cos(node), -math.sin(node) * math.cos(i), math.sin(node) * math.sin(i)],
            [math.sin(node), math.cos(node) * math.cos(i), -math.cos(node) * math.sin(i)],
            [0.0, math.sin(i), math.cos(i)],
        ]
    )
    return T0 + TimeDelta(np.arange(n) * step, format="sec"), r_pf @ rot.T


def _zone_collection() -> dict:
    return feature_collection(
        [
            point_feature(-123.39, -48.88, {"kind": "aim point", "name": "Point Nemo"}),
            track_features(
                np.array([170.0, 179.0, -178.0, -170.0]),
                np.array([-40.0, -41.0, -42.0, -43.0]),
                {"kind": "ground track"},
            ),
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [-160.0, -30.0],
                            [-90.0, -30.0],
                            [-90.0, -45.0],
                            [-160.0, -45.0],
                            [-160.0, -30.0],
                        ]
                    ],
                },
                "properties": {"kind": "target zone", "name": "SPOUA", "area_km2": 1.25e7},
            },
        ]
    )


def _validate_czml(packets: list[dict]) -> None:
    czml3.Document(packets=[czml3.Packet(**p) for p in packets])


# ---------------------------------------------------------------------------------------------
# CZML


def test_czml_trajectory_round_trip(tmp_path):
    """Sampled Earth-fixed positions come back to the millimetre and the millisecond."""
    times, r_teme = _orbit()
    r_fixed, _ = teme_to_itrs(times, r_teme)
    packets = [
        czml.document_packet("ISS final orbits", times[0], times[-1]),
        czml.trajectory_packet("iss", "ISS", times, r_fixed),
    ]
    path = czml.write_czml(tmp_path / "iss.czml", packets)
    back = czml.read_czml(path)
    t_back, r_back = czml.sampled_positions(back[1])
    assert np.max(np.abs((t_back - times).to_value("s"))) < 1e-3
    assert np.max(np.linalg.norm(r_back - r_fixed, axis=1)) <= 1e-3
    # Earth-fixed really means rotated from TEME: same radius, different vectors
    assert np.allclose(np.linalg.norm(r_fixed, axis=1), np.linalg.norm(r_teme, axis=1), rtol=1e-9)
    assert np.max(np.linalg.norm(r_fixed - r_teme, axis=1)) > 1e5
    _validate_czml(back)


def test_czml_geojson_features_match_and_validate(tmp_path):
    fc = _zone_collection()
    packets = [czml.document_packet("zone", T0, T0 + TimeDelta(60, format="sec"))]
    packets += czml.geojson_packets(fc, "spoua")
    _validate_czml(packets)
    # a MultiLineString cut at the antimeridian becomes one polyline per piece
    lines = [p for p in packets if "polyline" in p]
    assert len(lines) == 2
    poly = next(p for p in packets if "polygon" in p)
    flat = np.array(poly["polygon"]["positions"]["cartographicDegrees"]).reshape(-1, 3)
    ring = np.array(fc["features"][2]["geometry"]["coordinates"][0])
    assert np.allclose(flat[:, :2], ring)
    assert "area_km2" in poly["description"]
    point = next(p for p in packets if "point" in p)
    assert point["position"]["cartographicDegrees"][:2] == [-123.39, -48.88]


@pytest.mark.parametrize(
    "packets, message",
    [
        ([], "non-empty"),
        ([{"id": "a", "version": "1.0"}], "first packet"),
        ([{"id": "document", "version": "1.0"}, {"id": "x"}, {"id": "x"}], "duplicate"),
        (
            [
                {"id": "document", "version": "1.0"},
                {"id": "p", "position": {"epoch": "x", "cartesian": [0, 1, 2]}},
            ],
            "malformed",
        ),
    ],
)
def test_czml_rejects_malformed_documents(packets, message):
    with pytest.raises(InputError, match=message):
        czml.check_czml(packets)


def test_czml_bad_inputs(tmp_path):
    times, r = _orbit(5)
    with pytest.raises(InputError, match="non-finite"):
        czml.trajectory_packet(
            "x", "x", times, np.where(np.arange(15).reshape(5, 3) == 4, np.nan, r)
        )
    with pytest.raises(InputError, match="increase"):
        czml.trajectory_packet("x", "x", times[::-1], r)
    with pytest.raises(InputError, match="after start"):
        czml.document_packet("x", times[-1], times[0])
    bad = tmp_path / "bad.czml"
    bad.write_text("[{\n  'id': 1}]")
    with pytest.raises(InputError, match="not JSON") as exc:
        czml.read_czml(bad)
    assert exc.value.line == 2
    assert not list(tmp_path.glob(".*"))  # no stray temp files


# ---------------------------------------------------------------------------------------------
# KML


def test_kml_round_trip_and_fastkml(tmp_path):
    fc = _zone_collection()
    path = kml.write_kml(tmp_path / "zone.kml", kml.geojson_to_kml(fc, "SPOUA"))
    back = kml.read_kml(path)
    assert [f["geometry"]["type"] for f in back["features"]] == [
        f["geometry"]["type"] for f in fc["features"]
    ]
    for a, b in zip(fc["features"], back["features"], strict=True):
        assert json.dumps(
            np.round(np.array(_flat(a["geometry"]["coordinates"])), 6).tolist()
        ) == json.dumps(np.round(np.array(_flat(b["geometry"]["coordinates"])), 6).tolist())
        # properties survive as text (KML ExtendedData holds strings)
        assert {k: str(v) for k, v in a["properties"].items()}.items() <= b["properties"].items()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = fastkml.KML.parse(str(path))
    placemarks = doc.features[0].features
    assert [p.name for p in placemarks] == ["Point Nemo", "ground track", "SPOUA"]


def _flat(coords) -> list[float]:
    if isinstance(coords, (int, float)):
        return [float(coords)]
    out: list[float] = []
    for c in coords:
        out += _flat(c)
    return out


def test_kml_trajectory_keeps_altitude(tmp_path):
    times, _ = _orbit(10)
    lat = np.linspace(-40, -45, 10)
    lon = np.linspace(-130, -120, 10)
    alt = np.linspace(220e3, 80e3, 10)
    path = kml.write_kml(tmp_path / "t.kml", kml.trajectory_kml("ISS", times, lat, lon, alt))
    f = kml.read_kml(path)["features"][0]
    xyz = np.array(f["geometry"]["coordinates"])
    assert np.allclose(xyz[:, 0], lon) and np.allclose(xyz[:, 1], lat)
    assert np.allclose(xyz[:, 2], alt, atol=0.05)
    assert "<altitudeMode>absolute</altitudeMode>" in path.read_text()


def test_kml_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="FeatureCollection"):
        kml.geojson_to_kml({"type": "Feature"})
    with pytest.raises(InputError, match="unsupported"):
        kml.geojson_to_kml(
            feature_collection([{"type": "Feature", "geometry": {"type": "Circle"}}])
        )
    bad = tmp_path / "x.kml"
    bad.write_text("<kml><Document>")
    with pytest.raises(InputError, match="cannot read KML"):
        kml.read_kml(bad)
    with pytest.raises(InputError, match="well-formed"):
        kml.write_kml(tmp_path / "y.kml", "<kml")
    assert not (tmp_path / "y.kml").exists()


lons = st.floats(-179.9, 179.9)
lats = st.floats(-89.0, 89.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(lons, lats), min_size=2, max_size=30))
def test_line_round_trips_through_kml_and_czml(points):
    """Any line: KML -> read gives it back to 1e-6 deg; CZML holds the same vertices."""
    line = [[round(x, 6), round(y, 6)] for x, y in points]
    fc = feature_collection(
        [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {},
            }
        ]
    )
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        back = kml.read_kml(kml.write_kml(Path(d) / "l.kml", kml.geojson_to_kml(fc)))
    got = np.array(back["features"][0]["geometry"]["coordinates"])
    assert np.allclose(got[:, :2], line, atol=1e-6)
    packet = czml.geojson_packets(fc)[0]
    flat = np.array(packet["polyline"]["positions"]["cartographicDegrees"]).reshape(-1, 3)
    assert np.allclose(flat[:, :2], line, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# CLI


def test_cli_convert_geojson_and_oem(tmp_path, capsys):
    from deorbit.formats.geojson import write_geojson
    from deorbit.formats.oem import write_oem

    src = write_geojson(tmp_path / "zone.geojson", _zone_collection())
    assert main(["convert", str(src), "--to", "kml"]) == 0
    assert kml.read_kml(tmp_path / "zone.kml")["features"]
    assert main(["convert", str(src), "--to", "czml", "--out", str(tmp_path / "z.czml")]) == 0
    _validate_czml(czml.read_czml(tmp_path / "z.czml"))
    times, r = _orbit(30)
    oem = tmp_path / "orbit.oem"
    write_oem(oem, times, r, np.zeros_like(r), object_name="ISS")
    assert main(["convert", str(oem), "--to", "czml"]) == 0
    packets = czml.read_czml(tmp_path / "orbit.czml")
    _validate_czml(packets)
    _, r_back = czml.sampled_positions(packets[1])
    # the OEM's TEME states rotated to Earth-fixed (not any vectors of the same radius); 1 cm:
    # the OEM (mm in km) and the CZML (mm) each round
    assert np.max(np.linalg.norm(r_back - teme_to_itrs(times, r)[0], axis=1)) <= 0.01
    assert main(["convert", str(oem), "--to", "kml"]) == 0
    f = kml.read_kml(tmp_path / "orbit.kml")["features"][0]
    assert np.allclose(np.array(f["geometry"]["coordinates"])[:, 2], 400e3, atol=30e3)
    capsys.readouterr()
    assert main(["convert", str(tmp_path / "missing.geojson"), "--to", "kml"]) == 2
    assert main(["convert", str(src), "--to", "shp"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("error:") for line in err)
    assert "no such file" in err[0] and "choose one of kml, czml" in err[1]


def test_results_folder_exports(tmp_path):
    """A plan results folder: every final arc becomes a CZML and a KML document holding the
    trajectory and the footprint/zone features next to it."""
    from deorbit.formats.geojson import write_geojson
    from deorbit.formats.oem import write_oem
    from deorbit.formats.results_exports import write_level_exports

    assert write_level_exports(tmp_path) == []
    times, r = _orbit(40)
    write_oem(tmp_path / "final_average.oem", times, r, np.zeros_like(r), object_name="ISS")
    write_geojson(tmp_path / "footprint_average.geojson", _zone_collection())
    written = write_level_exports(tmp_path)
    assert sorted(p.name for p in written) == ["final_average.czml", "final_average.kml"]
    packets = czml.read_czml(tmp_path / "final_average.czml")
    _validate_czml(packets)
    assert len(packets) == 2 + 4  # document, trajectory, point, 2 track pieces, polygon
    feats = kml.read_kml(tmp_path / "final_average.kml")["features"]
    assert [f["properties"]["kind"] for f in feats] == [
        "aim point",
        "ground track",
        "target zone",
        "trajectory",
    ]
    alt = np.array(feats[-1]["geometry"]["coordinates"])[:, 2]
    assert np.all((alt > 390e3) & (alt < 430e3))  # a 400 km circular orbit over the ellipsoid


def test_results_folder_exports_name_broken_files(tmp_path):
    """A footprint that is JSON but not a FeatureCollection, or an arc in a frame that cannot
    be made Earth-fixed, is an InputError naming the file, and nothing is written."""
    from deorbit.formats.geojson import read_geojson
    from deorbit.formats.oem import read_oem_fixed, write_oem
    from deorbit.formats.results_exports import write_level_exports

    times, r = _orbit(5)
    write_oem(tmp_path / "final_weak.oem", times, r, np.zeros_like(r))
    (tmp_path / "footprint_weak.geojson").write_text("[1, 2]")
    with pytest.raises(InputError, match="FeatureCollection") as exc:
        write_level_exports(tmp_path)
    assert "footprint_weak.geojson" in str(exc.value)
    (tmp_path / "footprint_weak.geojson").write_text('{"type": "FeatureCollection"}')
    with pytest.raises(InputError, match="'features' list"):
        write_level_exports(tmp_path)
    (tmp_path / "footprint_weak.geojson").write_text('{"type":\n "FeatureCollection",,}')
    with pytest.raises(InputError, match="not JSON") as exc:
        read_geojson(tmp_path / "footprint_weak.geojson")
    assert exc.value.line == 2
    write_oem(tmp_path / "gcrf.oem", times, r, np.zeros_like(r), frame="GCRS")
    with pytest.raises(InputError, match=r"'GCRF'.*Earth-fixed") as exc:
        read_oem_fixed(tmp_path / "gcrf.oem")
    assert "gcrf.oem" in str(exc.value)
    assert not list(tmp_path.glob("*.czml")) and not list(tmp_path.glob("*.kml"))


def test_real_plan_exports_validate(plan_average):
    """The CZML and KML that ``deorbit plan`` writes: valid for czml3 and fastkml, holding
    the final orbits down to the entry and the footprint, zone and Monte Carlo envelope."""
    packets = czml.read_czml(plan_average / "final_average.czml")
    _validate_czml(packets)
    ids = [p["id"] for p in packets]
    assert "average/trajectory" in ids
    assert any("target zone" in i for i in ids)
    assert sum("footprint envelope" in i for i in ids) >= 3  # the 50, 90 and 99 % contours
    _, r = czml.sampled_positions(packets[ids.index("average/trajectory")])
    alt_km = (np.linalg.norm(r, axis=1) - WGS84_A) / 1e3
    assert alt_km.max() > 200 and alt_km.min() < 130  # from ~220 km down through the entry
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = fastkml.KML.parse(str(plan_average / "final_average.kml"))
    assert len(doc.features[0].features) > 250  # the 262 pieces and the rest
