"""Monte Carlo of the final phase: seeded streams, the non-linear flight of each sample,
fragment classes, envelope contours, Dask blocks, the CLI.

The scenario is the ISS final phase of ``benchmarks/footprint.py``: 220 km circular, 51.64 deg,
450 t stack with 16 t propellant (shared/reference/iss_deorbit_facts.md §1.3, §1.5), an assumed
18 kN / Isp 300 s engine, NRLMSISE-00 at F10.7 = 150, Ap = 15, the bundled 262-piece list.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from astropy.time import TimeDelta
from hypothesis import given, settings
from hypothesis import strategies as st

from deorbit.cli import main
from deorbit.core.constants import WGS84_A
from deorbit.core.frames import subpoint
from deorbit.core.geodesy import geodesic_distance
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import NRLMSIS
from deorbit.environment.space_weather import ConstantSpaceWeather
from deorbit.errors import InputError
from deorbit.mission.targeting import Engine, plan_final_burn
from deorbit.montecarlo.controlled import run_final_phase, terminal_altitude
from deorbit.montecarlo.dispersions import FINAL_PHASE_DISPERSIONS, Dispersion, draw
from deorbit.montecarlo.envelope import hdr_regions
from deorbit.montecarlo.fragment_classes import fragment_classes
from deorbit.propagation.ensemble import EnsemblePropagator
from deorbit.propagation.events import AltitudeCrossing
from deorbit.reentry.footprint import ground_forces
from deorbit.reentry.fragments import FragmentList, FragmentType, default_iss_fragments
from deorbit.reentry.zones import SPOUA_PROXY, box_zone

R_EARTH_KM = 6371.0  # mean Earth radius, km (IUGG), for small-angle distances in tests


@given(st.integers(0, 2**31), st.integers(1, 50))
def test_streams_are_keyed_by_name(seed, n):
    full = draw(FINAL_PHASE_DISPERSIONS, n, seed)
    only = draw({"timing": FINAL_PHASE_DISPERSIONS["timing"]}, n, seed)
    np.testing.assert_array_equal(full["timing"], only["timing"])


def test_bad_dispersion():
    with pytest.raises(InputError):
        Dispersion("uniform", 2.0, 1.0)
    with pytest.raises(InputError):
        Dispersion("gaussian", 0.0, 1.0)


# ----------------------------------------------------------------------------------------------
# Fragment classes
# ----------------------------------------------------------------------------------------------

_types = st.lists(
    st.builds(
        FragmentType,
        st.text("abcdef", min_size=1, max_size=4),
        st.integers(1, 30),
        st.floats(1.0, 1e4),
        st.floats(0.01, 30.0),
        st.floats(0.8, 2.0),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(_types, st.integers(2, 12))
def test_classes_keep_the_pieces_and_the_extreme_betas(types, k):
    frags = FragmentList(tuple(types), "hypothesis")
    classes = fragment_classes(frags, k)
    betas = [t.ballistic_coefficient for t in types]
    assert 1 <= len(classes) <= k
    assert sum(c.count for c in classes) == frags.count
    assert classes[0].beta == pytest.approx(min(betas), rel=1e-12)
    assert classes[-1].beta == pytest.approx(max(betas), rel=1e-12)
    assert all(a.beta <= b.beta * (1 + 1e-12) for a, b in itertools.pairwise(classes))


def test_default_list_in_eight_classes():
    classes = fragment_classes(default_iss_fragments(), 8)
    assert len(classes) == 8
    assert sum(c.count for c in classes) == 262  # the bundled list's pieces
    with pytest.raises(InputError):
        fragment_classes(default_iss_fragments(), 1)


# ----------------------------------------------------------------------------------------------
# The ISS final phase
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def iss():
    state = State.from_keplerian(
        "2030-01-15T00:00:00Z", WGS84_A + 220e3, 0.0005, math.radians(51.64), 1.0, 0.0, 0.0
    )
    forces = ForceModel(NRLMSIS(ConstantSpaceWeather(150.0, 150.0, 15.0), "00"))
    sc = Spacecraft(450_000.0, 1492.3, 2.05, propellant=16_000.0)
    frags = default_iss_fragments()
    plan = plan_final_burn(state, sc, forces, Engine(18_000.0, 300.0), fragments=frags)
    return plan, sc, forces, frags


@pytest.fixture(scope="module")
def base(iss):
    plan, sc, forces, frags = iss
    return run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, 48, seed=3)


def test_terminal_descent_stop_lands_where_the_full_fall_lands(iss):
    """The Monte Carlo stops each piece at :func:`terminal_altitude` and takes its sub-point:
    within 50 m of flying it to the ground (the law's stated accuracy), for beta 2-1000."""
    plan, _sc, forces, _frags = iss
    beta = np.array([2.0, 5.0, 15.0, 50.0, 100.0, 364.0, 1000.0])
    n = beta.size
    y = plan.entry.y
    r, v = np.repeat(y[None, :3], n, 0), np.repeat(y[None, 3:6], n, 0)
    ens = EnsemblePropagator(ground_forces(forces))
    kw = {"mass": np.full(n, 100.0), "cda": 100.0 / beta}
    full = ens.propagate(plan.entry.time, r, v, Spacecraft(100.0, 1.0), 7200.0, **kw)
    stop = ens.propagate(
        plan.entry.time,
        r,
        v,
        Spacecraft(100.0, 1.0),
        7200.0,
        events=[AltitudeCrossing(0.0, -1, True, "terminal")],
        event_altitudes=terminal_altitude(beta)[:, None],
        **kw,
    )
    la0, lo0, _ = subpoint(plan.entry.time + TimeDelta(full.t_end, format="sec"), full.y[:, :3])
    la1, lo1, _ = subpoint(plan.entry.time + TimeDelta(stop.t_end, format="sec"), stop.y[:, :3])
    d = geodesic_distance(np.radians(la0), np.radians(lo0), np.radians(la1), np.radians(lo1))
    assert np.all(d < 50.0), d
    # and it saves flight time where it matters: the light pieces stop minutes earlier
    assert stop.t_end[0] < full.t_end[0] - 1000.0


def test_zero_dispersion_reproduces_the_nominal_footprint(iss):
    """With nothing dispersed every sample flies the plan's own burn: its breakup is the
    plan's (same kernel, < 100 m), its 8-class footprint centre within 15 km of the 262-piece
    nominal centre, length within 5 % and width within 2 km (the K-class claim of
    deorbit.montecarlo.fragment_classes)."""
    plan, sc, forces, frags = iss
    res = run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, 4, seed=0, dispersions={})
    fp = plan.footprint
    d_b = geodesic_distance(res.breakup_lat, res.breakup_lon, fp.breakup_lat, fp.breakup_lon)
    assert np.all(d_b < 100.0)
    assert np.all(np.hypot(res.centre_along, res.centre_cross) < 15e3)
    assert np.all(np.abs(res.length - fp.length) < 0.05 * fp.length)
    assert np.all(np.abs(res.width - fp.width) < 2e3)
    assert res.p_inside == 1.0


def test_same_seed_same_numbers(iss, base):
    plan, sc, forces, frags = iss
    again = run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, 48, seed=3)
    other = run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, 48, seed=4)
    np.testing.assert_array_equal(base.impact_lat, again.impact_lat)
    np.testing.assert_array_equal(base.foreign_distance, again.foreign_distance)
    assert base.summary() == again.summary()
    assert not np.array_equal(base.impact_lat, other.impact_lat)


def test_blocks_and_dask_give_the_same_numbers(iss, base):
    """Draws are made for all samples before the split and each sample's flight is its own:
    blocks of 5 on Dask's threaded scheduler and on a distributed LocalCluster reproduce the
    single in-process run exactly."""
    plan, sc, forces, frags = iss
    threaded = run_final_phase(
        plan, sc, forces, frags, SPOUA_PROXY, 48, seed=3, scheduler="threads", block_size=5
    )
    np.testing.assert_array_equal(base.impact_lon, threaded.impact_lon)
    np.testing.assert_array_equal(base.land_distance, threaded.land_distance)
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        dist = run_final_phase(
            plan, sc, forces, frags, SPOUA_PROXY, 48, seed=3, scheduler=client, block_size=17
        )
    np.testing.assert_array_equal(base.impact_lat, dist.impact_lat)
    np.testing.assert_array_equal(base.centre_along, dist.centre_along)


def test_more_pointing_error_spreads_the_centres_wider(iss):
    plan, sc, forces, frags = iss
    spread = {}
    for sigma_deg in (0.2, 3.0):
        disp = {"pointing": Dispersion("normal", 0.0, math.radians(sigma_deg))}
        res = run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, 24, seed=7, dispersions=disp)
        spread[sigma_deg] = np.percentile(np.hypot(res.centre_along, res.centre_cross), 90)
    assert spread[3.0] > 3.0 * spread[0.2]


def test_probability_and_distances(iss, base):
    plan, sc, forces, frags = iss
    assert base.p_inside > 0.9  # the SPOUA proxy is 25 deg x 70 deg around Point Nemo
    assert np.all(base.land_distance <= base.foreign_distance + 1e-6)
    assert np.all(base.land_distance > 1000e3)  # Point Nemo is ~2,700 km from land
    assert base.p_foreign_land_clear == 1.0  # so 370 km (Req. 4.7-1b) is met by every sample
    tiny = box_zone("tiny", -49.5, -48.5, -124.0, -123.0, -48.9, -123.4)
    small = run_final_phase(plan, sc, forces, frags, tiny, 6, seed=5)
    assert small.p_inside == 0.0  # 900-km footprints cannot fit a 1-degree box
    summary = json.loads(json.dumps(base.summary()))
    assert summary["n"] == 48 and summary["seed"] == 3
    assert set(summary["foreign_land_km"]) == {"min", "p01", "p05", "p50"}
    assert summary["footprint_length_km"]["p50"] > 500.0
    assert summary["dispersions"]["timing"] == {"kind": "normal", "a": 0.0, "b": 2.0}


def test_bad_inputs_are_named(iss):
    plan, sc, forces, frags = iss
    with pytest.raises(InputError, match="unknown dispersion"):
        run_final_phase(
            plan,
            sc,
            forces,
            frags,
            SPOUA_PROXY,
            2,
            dispersions={"wind": Dispersion("normal", 0, 1)},
        )
    with pytest.raises(InputError, match="samples"):
        run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, 0)
    with pytest.raises(InputError, match="thrust"):
        disp = {"thrust": Dispersion("normal", 0.0, 1e-3)}  # ~half the draws negative
        run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, 10, dispersions=disp)
    with pytest.raises(InputError, match="'density_scale' drew a non-positive value for sample"):
        disp = {"density_scale": Dispersion("normal", 0.0, 1e-3)}
        run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, 10, dispersions=disp)


# ----------------------------------------------------------------------------------------------
# Envelope contours
# ----------------------------------------------------------------------------------------------


def test_envelope_contours_are_nested_and_hold_their_fraction(base):
    gj = base.envelope_geojson((0.5, 0.9, 0.99))
    assert gj["type"] == "FeatureCollection"
    contours = {f["properties"]["level"]: f for f in gj["features"] if "level" in f["properties"]}
    assert set(contours) == {0.5, 0.9, 0.99}
    polys = {lv: shapely.geometry.shape(f["geometry"]) for lv, f in contours.items()}
    assert polys[0.99].buffer(1e-6).contains(polys[0.5])
    assert polys[0.9].buffer(1e-6).contains(polys[0.5])
    assert polys[0.99].area > polys[0.5].area
    for lv, f in contours.items():
        assert f["properties"]["fraction_of_impacts"] >= lv
    # all in the South Pacific around Point Nemo
    c = polys[0.5].centroid
    assert -160.0 < c.x < -90.0 and -60.0 < c.y < -30.0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(20, 400))
def test_hdr_regions_hold_their_fraction(seed, n):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, 300e3, n)
    c = rng.normal(0.0, 20e3, n)
    regions = hdr_regions(a, c, (0.5, 0.9))
    for lv, region in regions.items():
        inside = shapely.intersects_xy(region, a, c)
        assert inside.mean() >= lv
    assert regions[0.9].buffer(1e-3).contains(regions[0.5])


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------


def test_cli_montecarlo_writes_its_three_files(tmp_path, capsys):
    out = tmp_path / "mc"
    code = main(
        [
            "montecarlo",
            "--epoch",
            "2030-01-15T00:00:00Z",
            "--samples",
            "20",
            "--seed",
            "2",
            "--out",
            str(out),
            "--scheduler",
            "threads",
            "--block-size",
            "7",
            "--json",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["n"] == 20
    summary = json.loads((out / "montecarlo.json").read_text())
    assert summary["n"] == 20 and summary["seed"] == 2
    assert printed["p_inside"] == summary["p_inside"]
    assert summary["epoch"] == "2030-01-15T00:00:00Z"
    gj = json.loads((out / "montecarlo.geojson").read_text())
    assert sorted(f["properties"].get("level", 0) for f in gj["features"])[-3:] == [0.5, 0.9, 0.99]
    table = pd.read_parquet(out / "samples.parquet")
    assert len(table) == 20
    assert {"timing", "pointing", "inside", "foreign_land_km", "length_km"} <= set(table.columns)
    # the per-sample table and the summary tell the same story
    in_zone = table["inside"] & (table["outcome"] == "controlled")
    assert summary["p_inside"] == pytest.approx(in_zone.mean())
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_cli_montecarlo_bad_input_is_one_line(tmp_path, capsys):
    code = main(
        ["montecarlo", "--epoch", "2030-01-15T00:00:00Z", "--samples", "0", "--out", str(tmp_path)]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "--samples" in err and "Traceback" not in err


@settings(max_examples=10, deadline=None)
@given(st.floats(-179.9, -178.0) | st.floats(178.0, 179.9), st.floats(-60.0, 60.0))
def test_envelope_next_to_the_antimeridian_is_cut_there(aim_lon, aim_lat):
    """RFC 7946 3.1.9: a contour that passes +-180 is cut there; every longitude stays in
    [-180, 180] and the pieces, shifted back, cover what the unwrapped contour covered."""
    from deorbit.formats.geojson import wrap_polygons
    from deorbit.montecarlo.envelope import contour_features, to_lonlat

    rng = np.random.default_rng(1)
    along, cross = rng.normal(0.0, 400e3, 400), rng.normal(0.0, 30e3, 400)
    lat0, lon0, az = np.radians(aim_lat), np.radians(aim_lon), np.radians(90.0)
    feats = contour_features(along, cross, lat0, lon0, az, (0.9,))
    geom = shapely.geometry.shape(feats[0]["geometry"])
    lo, _, hi, _ = geom.bounds
    assert -180.0 <= lo and hi <= 180.0
    assert geom.geom_type == "MultiPolygon"  # 400 km east-west of a point < 2 deg from 180
    unwrapped = to_lonlat(hdr_regions(along, cross, (0.9,))[0.9], lat0, lon0, az)
    assert wrap_polygons(unwrapped).area == pytest.approx(unwrapped.area, rel=1e-9)
    assert geom.area == pytest.approx(unwrapped.area, rel=1e-3)  # 1e-5 deg rounding
