"""Controlled reentry targeting: the perigee-lowering series, the cross-track control of the
final revolution, and `deorbit plan` running the final phase (issue #6).

Stated bounds: the footprint centre within 25 km of the aim across the track (the issue's
bound; the scenario asks for 5 km and the ISS AVERAGE case gets ~4 km) and 5 km along it; the
mean perigee after each lowering burn within 3 km of the planned one (one revolution of drag,
~0.3 km at 200 km, plus the finite-burn arc of ~300 s).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from deorbit.cli import main
from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import to_time
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import NRLMSIS
from deorbit.environment.space_weather import ConstantSpaceWeather
from deorbit.errors import InfeasibleError, InputError
from deorbit.mission.descent import initial_mean, plan_level, start_elements
from deorbit.mission.final_phase import run_final_phase_for_level
from deorbit.mission.scenario import load_scenario, parse_scenario, scenario_text
from deorbit.mission.targeting import Engine, plan_final_phase, plan_lowering_burns
from deorbit.propagation.mean_elements import mean_elements
from deorbit.propagation.numerical import NumericalPropagator
from deorbit.reentry.zones import SPOUA_PROXY

CROSS_BOUND_KM = 25.0
ALONG_BOUND_KM = 5.0
PERIGEE_TOLERANCE_KM = 3.0

FINAL_KEYS = {
    "level",
    "burns",
    "final_burn_utc",
    "revolution",
    "along_miss_km",
    "cross_miss_km",
    "effective_perigee_km",
    "footprint",
    "foreign_land_km",
    "us_antarctica_km",
    "casualty_expectation",
    "compliance",
    "failures",
    "montecarlo",
    "zone",
}
BURN_KEYS = {
    "name",
    "vehicle",
    "start_utc",
    "duration_s",
    "delta_v_m_s",
    "propellant_kg",
    "perigee_after_km",
}
FOOTPRINT_KEYS = {
    "length_km",
    "width_km",
    "pieces",
    "centre_lat_deg",
    "centre_lon_deg",
    "heel_lat_lon_deg",
    "toe_lat_lon_deg",
    "breakup_time",
    "breakup_lat_deg",
    "breakup_lon_deg",
}


@pytest.fixture(scope="module")
def plan_out(plan_average):
    return plan_average


@pytest.fixture(scope="module")
def final(plan_out) -> dict:
    return json.loads((plan_out / "final_average.json").read_text())


@pytest.fixture(scope="module")
def level():
    scn = load_scenario("iss")
    mean0 = initial_mean(start_elements(scn), scn.environment.zonal_degree)
    return scn, plan_level(scn, mean0, "AVERAGE")


# -- the results folder ----------------------------------------------------------------------


def test_results_folder_holds_the_final_phase_files(plan_out, final):
    names = {p.name for p in plan_out.iterdir()}
    assert {
        "summary.json",
        "final_average.json",
        "footprint_average.geojson",
        "montecarlo_average.geojson",
        "final_average.oem",
        "final_average.czml",
        "final_average.kml",
        "traffic_schedule.csv",
        "crew_aboard.csv",
        "report.html",
    } <= names
    assert not [n for n in names if n.startswith(".")]  # no temporary files left
    assert FINAL_KEYS <= set(final)
    assert final["level"] == "average"
    # two lowering burns (scenario) or one phasing burn, then the final burn
    names = [b["name"] for b in final["burns"]]
    assert names[-1] == "final burn"
    assert names[:-1] in (["perigee-lowering burn 1", "perigee-lowering burn 2"], ["phasing burn"])
    for burn in final["burns"]:
        assert BURN_KEYS <= set(burn)
    assert FOOTPRINT_KEYS <= set(final["footprint"])
    assert {"name", "aim_lat_deg", "aim_lon_deg"} <= set(final["zone"])
    for row in final["compliance"]:
        assert {"requirement", "limit", "value", "pass"} <= set(row)
    assert {f["case"] for f in final["failures"]} >= {"not executed", "stopped halfway"}
    for f in final["failures"]:
        assert {"case", "outcome", "casualty_expectation", "foreign_land_km"} <= set(f)
    mc = final["montecarlo"]
    assert mc["n"] >= 1 and sum(mc["outcomes"].values()) == mc["n"]
    assert mc["zone"] == final["zone"]["name"]


def test_geojson_files_are_feature_collections(plan_out):
    fp = json.loads((plan_out / "footprint_average.geojson").read_text())
    mc = json.loads((plan_out / "montecarlo_average.geojson").read_text())
    assert fp["type"] == "FeatureCollection" and mc["type"] == "FeatureCollection"
    kinds = {f["properties"]["kind"] for f in fp["features"]}
    assert {"footprint", "impact", "breakup", "ground track", "target zone"} <= kinds


def test_summary_carries_the_final_phase_headline(plan_out, final):
    summary = json.loads((plan_out / "summary.json").read_text())
    head = summary["levels"][0]["final_phase"]
    for key in (
        "final_burn_utc",
        "cross_miss_km",
        "along_miss_km",
        "foreign_land_km",
        "casualty_expectation",
        "p_inside",
        "all_pass",
    ):
        assert key in head
    assert head["final_burn_utc"] == final["final_burn_utc"]
    assert head["p_inside"] == final["montecarlo"]["p_inside"]
    assert head["all_pass"] == all(r["pass"] for r in final["compliance"])
    ms = summary["levels"][0]["milestones"]
    assert ms["final burn"][:19] == final["final_burn_utc"][:19]


# -- cross-track control ---------------------------------------------------------------------


def test_iss_footprint_centre_on_the_aim_across_and_along_the_track(final):
    assert abs(final["cross_miss_km"]) < CROSS_BOUND_KM
    assert abs(final["along_miss_km"]) < ALONG_BOUND_KM
    # the footprint centre is then close to Point Nemo (48 52.6'S 123 23.6'W, reference §1.6)
    fp = final["footprint"]
    lat0, lon0 = (
        math.radians(final["zone"]["aim_lat_deg"]),
        math.radians(final["zone"]["aim_lon_deg"]),
    )
    lat, lon = math.radians(fp["centre_lat_deg"]), math.radians(fp["centre_lon_deg"])
    d = 6371.0 * math.acos(
        min(
            1.0,
            math.sin(lat) * math.sin(lat0) + math.cos(lat) * math.cos(lat0) * math.cos(lon - lon0),
        )
    )
    assert d < math.hypot(CROSS_BOUND_KM, ALONG_BOUND_KM) + 1.0
    # and every piece clears foreign land by the NASA-STD-8719.14C 370 km (Req. 4.7-1b)
    assert final["foreign_land_km"] >= 370.0


def test_final_burn_about_four_days_after_the_series(final):
    # "a series of burns ... and then four days later ... the final re-entry burn" (Weigel,
    # reference §1.3); the scenario lets the final burn move half a day
    first = to_time(final["burns"][0]["start_utc"])
    last = to_time(final["final_burn_utc"])
    assert abs((last - first).to_value("day") - 4.0) <= 0.5 + 0.01
    assert final["effective_perigee_km"] <= 50.0  # NASA-STD-8719.14C §4.6.5.9


# -- the lowering series ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def forces() -> ForceModel:
    # constant moderate indices: F10.7 = 150 sfu, Ap = 15 (a mid-cycle level, our choice)
    return ForceModel(NRLMSIS(ConstantSpaceWeather(150.0, 150.0, 15.0), "00"))


@pytest.mark.parametrize(("burns", "perigee_km"), [(1, 190.0), (2, 180.0), (3, 170.0)])
def test_lowering_burns_lower_the_perigee_as_planned(forces, burns, perigee_km):
    state = State.from_keplerian(
        "2030-09-12T00:00:00Z", WGS84_A + 225e3, 0.0, math.radians(51.64), 0.3, 0.0, 0.0
    )
    sc = Spacecraft(478_000.0, 1492.3, 2.05, propellant=16_000.0)
    plan, dvs, planned = plan_lowering_burns(state, sc.mass, Engine(12_000.0, 300.0), burns,
                                             perigee_km * 1e3)  # fmt: skip
    assert len(plan) == burns and planned[-1] == pytest.approx(perigee_km * 1e3)
    assert all(dv > 0 for dv in dvs)
    assert np.all(np.diff(planned) < 0)  # each burn lowers the perigee further
    traj = NumericalPropagator(forces).propagate(
        state, sc, plan[-1].end + 600.0, burns=plan, output_step=60.0
    )
    for burn, want in zip(plan, planned, strict=True):
        ev = traj.event(f"{burn.name} end")
        me = mean_elements(State(ev.time, ev.y[:3], ev.y[3:6]), forces.zonal_degree)
        got = me.a * (1 - me.e) - WGS84_A
        assert got == pytest.approx(want, abs=PERIGEE_TOLERANCE_KM * 1e3)
    # propellant never negative: the stack lost exactly the burns' propellant
    assert traj.y[-1, 6] == pytest.approx(sc.mass - sum(b.propellant for b in plan), rel=1e-9)
    assert sc.propellant - sum(b.propellant for b in plan) > 0


def test_series_perigee_above_the_stack_is_refused(forces):
    state = State.from_keplerian(
        "2030-09-12T00:00:00Z", WGS84_A + 200e3, 0.0, math.radians(51.64), 0.0, 0.0, 0.0
    )
    with pytest.raises(InputError, match="not below"):
        plan_lowering_burns(state, 478_000.0, Engine(12_000.0, 300.0), 2, 210e3)
    sc = Spacecraft(478_000.0, 1492.3, 2.05, propellant=16_000.0)
    with pytest.raises(InfeasibleError, match="mean perigee"):
        plan_final_phase(state, sc, forces, Engine(12_000.0, 300.0), series_perigee=220e3,
                         perigee_range=(215e3, 230e3))  # fmt: skip


def test_plan_propellant_ledger_is_coherent(level):
    scn, res = level
    plan = res.final_phase
    assert plan is not None and res.feasible
    acc = res.ledger.accounts["usdv"]
    burned = sum(b.propellant for b in plan.burns)
    booked = sum(b.propellant for b in res.burns if b.vehicle == "usdv")
    assert booked == pytest.approx(burned, rel=1e-3)
    assert acc.used == pytest.approx(booked, rel=1e-9)
    assert acc.shortfall == 0 and acc.remaining > 0
    assert res.final_start.spacecraft.propellant > burned  # tanks never run dry
    assert SPOUA_PROXY.contains(plan.footprint.lat, plan.footprint.lon).all()
    fin = scn.phases.final
    if plan.phasing_delta_v > 0:  # a phasing burn raised the perigee instead of a series
        assert plan.series_perigee / 1e3 > fin.perigee_range[1]
    else:
        assert fin.perigee_range[0] <= plan.series_perigee / 1e3 <= fin.perigee_range[1]
    # the robust part of the range (or the phasing burn) serves this start: no fragile series
    assert plan.series_perigee / 1e3 >= fin.series_perigee_robust_km - 0.5


# -- reproducibility, infeasibility ----------------------------------------------------------


def test_same_seed_same_numbers(level):
    scn, res = level
    a = run_final_phase_for_level(scn, res, samples=20, seed=3)
    b = run_final_phase_for_level(scn, res, samples=20, seed=3)
    assert json.dumps(a.data, sort_keys=True, default=str) == json.dumps(
        b.data, sort_keys=True, default=str
    )
    assert a.montecarlo.p_inside == b.montecarlo.p_inside


def test_level_without_final_phase_says_why(level):
    scn, res = level
    from dataclasses import replace

    broken = replace(res, final_phase=None, final_phase_error="no revolution passes the aim")
    with pytest.raises(InfeasibleError, match="AVERAGE: final phase infeasible: no revolution"):
        run_final_phase_for_level(scn, broken, samples=5)


def test_scenario_rejects_series_perigee_outside_its_range():
    text, _ = scenario_text("iss")
    bad = text.replace(
        "series_perigee_range_km = [160, 210]", "series_perigee_range_km = [185, 210]"
    )
    assert bad != text
    from deorbit.errors import ScenarioError

    with pytest.raises(ScenarioError, match="series_perigee_km"):
        parse_scenario(bad, "bad.toml")


def test_cli_plan_rejects_bad_sample_count(capsys, tmp_path):
    assert main(["plan", "--levels", "AVERAGE", "--samples", "0", "--out", str(tmp_path)]) == 2
    assert "--samples" in capsys.readouterr().err


def test_plan_with_no_feasible_final_phase_stops_with_the_reason(level):
    from dataclasses import replace

    from deorbit.cli.plan_cmd import final_phase_or_reason, require_a_final_phase, summary_dict
    from deorbit.mission.descent import DescentPlan

    scn, res = level
    broken = replace(res, final_phase=None, final_phase_error="the stack reenters")
    plan = DescentPlan(scn, start_elements(scn), [broken])
    reason = final_phase_or_reason(scn, broken, samples=5)
    assert isinstance(reason, str) and "reenters" in reason
    with pytest.raises(InfeasibleError, match=r"no final phase can be planned: .*reenters"):
        require_a_final_phase({broken.level: reason})
    # with other levels planned, the infeasible one is a row of the summary
    summary = summary_dict(plan, {"AVERAGE": "AVERAGE: final phase infeasible: why"})
    assert summary["levels"][0]["final_phase"] == {
        "infeasible": "AVERAGE: final phase infeasible: why"
    }


def test_cli_final_prints_the_lowering_burns(capsys):
    code = main(["final", "--epoch", "2030-09-12T00:00:00Z", "--series-burns", "2", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    names = [b["name"] for b in out["burns"]]
    assert names == ["perigee-lowering burn 1", "perigee-lowering burn 2", "final burn"]
    assert out["burns"][0]["perigee_after_km"] > out["burns"][1]["perigee_after_km"]
    assert abs(out["cross_miss_km"]) < CROSS_BOUND_KM
    assert abs(out["along_miss_km"]) < ALONG_BOUND_KM


def test_cli_final_bad_perigee_range(capsys):
    code = main(["final", "--epoch", "2030-09-12T00:00:00Z", "--perigee-range", "150"])
    assert code == 2
    assert "--perigee-range" in capsys.readouterr().err
