"""Controlled reentry: casualty area, land rules, footprint physics, targeting, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deorbit.cli import main
from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.thrust import FiniteBurn
from deorbit.environment.atmosphere import NRLMSIS
from deorbit.environment.space_weather import ConstantSpaceWeather
from deorbit.errors import InputError
from deorbit.mission.targeting import Engine, fly_plan, plan_final_burn
from deorbit.reentry.casualty import (
    casualty_area,
    compliance_table,
    distance_to_land,
    population_grid,
)
from deorbit.reentry.fragments import default_iss_fragments, parse_fragments
from deorbit.reentry.zones import POINT_NEMO_LAT_DEG, POINT_NEMO_LON_DEG, SPOUA_PROXY

EPOCH = "2030-01-15T00:00:00Z"
INC = math.radians(51.64)


@pytest.fixture(scope="module")
def forces() -> ForceModel:
    # constant moderate indices: F10.7 = 150 sfu, Ap = 15 (a mid-cycle level, our choice)
    return ForceModel(NRLMSIS(ConstantSpaceWeather(150.0, 150.0, 15.0), "00"))


@pytest.fixture(scope="module")
def state() -> State:
    return State.from_keplerian(EPOCH, WGS84_A + 220e3, 0.0005, INC, 1.0, 0.0, 0.0)


@pytest.fixture(scope="module")
def stack() -> Spacecraft:
    return Spacecraft(450_000.0, 1492.3, 2.05, propellant=16_000.0)


# -- casualty area, population, land --------------------------------------------------------


def test_casualty_area_hand_example():
    # NASA-STD-8719.14C Eq. 4.7-1 by hand: (0.6 + 1)^2 + (0.6 + 2)^2 + (0.6 + 0)^2
    # = 2.56 + 6.76 + 0.36 = 9.68 m^2
    assert casualty_area(np.array([1.0, 4.0, 0.0])) == pytest.approx(9.68)


@given(st.lists(st.floats(0.0, 100.0), min_size=1, max_size=20))
def test_casualty_area_at_least_sum_of_areas(areas):
    a = np.array(areas)
    assert casualty_area(a) >= a.sum() + 0.36 * a.size - 1e-9


def test_casualty_area_refuses_negative():
    with pytest.raises(InputError):
        casualty_area(np.array([1.0, -1.0]))


def test_controlled_expectation_refuses_bad_areas_instead_of_nan():
    """The per-point expectation uses the same Eq. 4.7-1 areas: a NaN or negative area is an
    error, never a NaN expectation."""
    from deorbit.reentry.casualty import controlled_expectation

    lat, lon = np.radians([-48.9, -48.9]), np.radians([-123.4, -123.4])
    for bad in ([1.0, np.nan], [1.0, -1.0]):
        with pytest.raises(InputError, match="finite and >= 0"):
            controlled_expectation(lat, lon, np.array(bad))


def test_point_nemo_far_from_land():
    # Point Nemo is ~2,688 km from the nearest land (NOAA via Space.com, iss_deorbit_facts §1.6);
    # Natural Earth 1:110m has no small islands, so we allow 10 %.
    lat, lon = math.radians(POINT_NEMO_LAT_DEG), math.radians(POINT_NEMO_LON_DEG)
    d = float(distance_to_land(lat, lon)[0])
    assert d == pytest.approx(2688e3, rel=0.10)


def test_paris_is_on_land_and_population_grid_total():
    assert distance_to_land(math.radians(48.85), math.radians(2.35))[0] == 0.0
    g = population_grid()
    # total 2020 population of the bundled GPW grid: 7.758e9 (data/SOURCES.md)
    lat_top = 90.0 - np.arange(360) * 0.5
    band = np.sin(np.radians(lat_top)) - np.sin(np.radians(lat_top - 0.5))
    area = 6371008.8**2 * math.radians(0.5) * band
    assert float((g.density * area[:, None]).sum()) == pytest.approx(7.758e9, rel=1e-3)


def test_footprint_overlapping_land_fails_370_km_rule():
    # impacts strung across Chile (foreign land) and out to sea
    lat = np.radians(np.full(5, -33.0))
    lon = np.radians(np.array([-80.0, -76.0, -72.0, -70.5, -68.0]))
    rows = compliance_table(lat, lon, np.ones(5), 20e3, 0.1, 1e-4)
    land_row = rows[0]
    assert "foreign" in land_row.requirement and not land_row.passed


def test_open_ocean_passes_370_km_rule():
    lat = np.radians(np.array([-48.0, -48.5, -49.0]))
    lon = np.radians(np.array([-125.0, -123.0, -121.0]))
    rows = compliance_table(lat, lon, np.ones(3), 20e3, 0.1, 5e-4)
    assert rows[0].passed and rows[1].passed and rows[2].passed
    assert rows[3].passed  # 0.1 x 5e-4 = 5e-5 < 1e-4
    assert rows[4].passed  # 20 km <= 50 km


# -- fragments -------------------------------------------------------------------------------


def test_default_fragment_list():
    f = default_iss_fragments()
    assert f.count == 262 and f.total_mass == pytest.approx(78_670.0)


def test_fragment_csv_errors_name_line():
    text = "name,count,mass_kg,area_m2,cd\ntank,2,100,0.5,1.0\nbad,1,-5,1,1\n"
    with pytest.raises(InputError, match=r"frag\.csv:3"):
        parse_fragments(text, "frag.csv")


# -- footprint physics and targeting ---------------------------------------------------------


@pytest.fixture(scope="module")
def small_fragments():
    return parse_fragments(
        "name,count,mass_kg,area_m2,cd\n"
        "heavy,3,5000,10,1.2\nmedium,3,200,1,1.1\nlight,3,20,4,1.4\n",
        "test",
    )


def _burn(start: float) -> FiniteBurn:
    return FiniteBurn(start, 1500.0, 18_000.0, 300.0)


def test_heavy_pieces_land_downrange_of_light_ones(state, stack, forces, small_fragments):
    entry, fp = fly_plan(state, stack, forces, [_burn(1000.0)], small_fragments)
    assert entry.reached and fp is not None
    heavy = fp.along[fp.type == 0].mean()
    light = fp.along[fp.type == 2].mean()
    assert heavy > light + 50e3  # the toe holds the high ballistic coefficients
    assert fp.length > 100e3 and fp.width < 0.2 * fp.length


def test_earlier_burn_moves_impact_uprange(state, stack, forces, small_fragments):
    _e1, late = fly_plan(state, stack, forces, [_burn(1000.0)], small_fragments)
    _e2, early = fly_plan(state, stack, forces, [_burn(940.0)], small_fragments)
    c_lat, c_lon = early.centre
    from deorbit.reentry.footprint import along_cross

    a, _ = along_cross(*late.centre, late.azimuth, np.array([c_lat]), np.array([c_lon]))
    # 60 s earlier: the footprint centre moves uprange by roughly 60 s of ground track (~400 km)
    assert -600e3 < a[0] < -200e3


def test_same_seed_same_footprint(state, stack, forces, small_fragments):
    _a, fp1 = fly_plan(state, stack, forces, [_burn(1000.0)], small_fragments, seed=7)
    _b, fp2 = fly_plan(state, stack, forces, [_burn(1000.0)], small_fragments, seed=7)
    _c, fp3 = fly_plan(state, stack, forces, [_burn(1000.0)], small_fragments, seed=8)
    np.testing.assert_array_equal(fp1.lat, fp2.lat)
    assert not np.array_equal(fp1.lat, fp3.lat)


def test_targeting_centres_footprint_on_point_nemo(state, stack, forces, small_fragments):
    plan = plan_final_burn(state, stack, forces, Engine(18_000.0, 300.0), fragments=small_fragments)
    assert abs(plan.along_miss) <= 5e3
    assert abs(plan.cross_miss) < 300e3  # best revolution of the day passes within 300 km
    assert plan.effective_perigee <= 50e3
    assert SPOUA_PROXY.contains(plan.footprint.lat, plan.footprint.lon).all()
    # 66 m/s lowers the perigee from 220 km to 0 km (iss_deorbit_facts §1.5: 66.2 m/s)
    assert plan.final_delta_v == pytest.approx(66.2, abs=2.0)


# -- CLI -------------------------------------------------------------------------------------


def test_cli_replay_bundled_iss(tmp_path, capsys):
    out = tmp_path / "fp.geojson"
    code = main(
        ["replay", "--burn", "2026-07-10T04:30:00Z,dv=130", "--geojson", str(out), "--json"]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pieces"] == 262 and summary["length_km"] > 50
    gj = json.loads(out.read_text())
    kinds = {f["properties"]["kind"] for f in gj["features"]}
    assert {"footprint", "impact", "breakup", "ground track"} <= kinds


def test_cli_replay_bad_burn(capsys):
    assert main(["replay", "--burn", "2026-07-10T04:30:00Z,speed=3"]) == 2
    assert "unknown key" in capsys.readouterr().err


def test_cli_replay_too_small_burn_says_so(capsys):
    code = main(["replay", "--burn", "2026-07-10T04:30:00Z,dv=1", "--days", "0.2"])
    assert code == 2
    assert "no breakup" in capsys.readouterr().err
