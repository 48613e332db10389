"""The ISS descent plan end to end: milestones, propellant, solar ordering, reproducibility.

One CLI run (WEAK and STRONG solar activity, final phases with 50 Monte Carlo samples) feeds
most checks; it takes ~40 s.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from deorbit.cli import main
from deorbit.core.constants import WGS84_A
from deorbit.core.time import to_time
from deorbit.formats.oem import read_oem
from deorbit.mission.descent import (
    MONTH,
    _Descent,
    final_phase_start,
    forces_for,
    initial_mean,
    plan_level,
    start_elements,
)
from deorbit.mission.scenario import load_scenario, parse_scenario

ORDER = (
    "plan starts",
    "lowering starts",
    "USDV docks",
    "last crew leaves",
    "final sequence starts",
    "USDV burn series starts",
    "final burn",
    "entry interface 120 km",
)


@pytest.fixture(scope="module")
def plan_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    assert (
        main(["plan", "--levels", "WEAK,STRONG", "--samples", "50", "--out", str(out), "--json"])
        == 0
    )
    return out


@pytest.fixture(scope="module")
def summary(plan_out):
    return {lv["level"]: lv for lv in json.loads((plan_out / "summary.json").read_text())["levels"]}


def test_results_folder_is_complete(plan_out):
    names = {p.name for p in plan_out.iterdir()}
    assert {"summary.json", "timeline.csv", "trajectory.parquet"} <= names
    assert {"final_weak.oem", "final_strong.oem"} <= names
    assert not [n for n in names if n.startswith(".")]  # no temporary files left
    traj = pd.read_parquet(plan_out / "trajectory.parquet")
    assert set(traj["level"]) == {"WEAK", "STRONG"}
    assert traj["mean_altitude_km"].between(150, 450).all()
    _t, r, _v, meta = read_oem(plan_out / "final_strong.oem")
    assert len(r) > 10 and meta["OBJECT_NAME"] == "ISS" and meta["OBJECT_ID"] == "25544"


def test_decay_rate_near_400_km_is_the_observed_order(plan_out):
    # ISS decay ~70 m/day at 410 km (2023), ~83-125 m/day at ~416 km near the cycle-25
    # maximum (reference/iss_deorbit_facts.md §2.2); solar minimum 2007: ~90 m/day at 332 km.
    # Our 2026-27 operations band (405-420 km) in the declining cycle must be of that order.
    traj = pd.read_parquet(plan_out / "trajectory.parquet")
    ops = traj[(traj["mean_altitude_km"].between(405, 420)) & (traj["utc"].dt.year <= 2027)]
    for level in ("WEAK", "STRONG"):
        rate = ops[ops["level"] == level]["decay_rate_m_per_day"].dropna()
        assert len(rate) > 100
        assert 20.0 < rate.median() < 200.0
    weak = ops[ops["level"] == "WEAK"]["decay_rate_m_per_day"].median()
    strong = ops[ops["level"] == "STRONG"]["decay_rate_m_per_day"].median()
    assert strong > weak


@pytest.mark.parametrize("level", ["WEAK", "STRONG"])
def test_milestones_in_order_and_consistent_with_altitudes(summary, level):
    s = load_scenario("iss")
    lv = summary[level]
    ms, alt = lv["milestones"], lv["milestone_altitudes_km"]
    present = [m for m in ORDER if m in ms]
    assert present == list(ORDER)
    times = [to_time(ms[m]) for m in present]
    assert all(a <= b for a, b in itertools.pairwise(times))
    assert ms["lowering starts"].startswith(s.phases.operations.until[:10])
    # event-found altitude crossings
    assert alt["last crew leaves"] == pytest.approx(s.phases.crew_departure.altitude_km, abs=1.0)
    assert alt["final sequence starts"] <= s.phases.final.start_altitude_km + 5.0
    assert alt["USDV docks"] > alt["last crew leaves"] > alt["final sequence starts"]
    # USDV docks about 18 months before the final burn (policy), at least that early
    lead = (to_time(ms["final burn"]) - to_time(ms["USDV docks"])).to_value("s") / MONTH
    assert 17.9 <= lead <= 19.5
    # final burn ~4 days after the series starts (within the scenario's window, where the
    # targeting finds the revolution over the aim); effective perigee <= 50 km
    gap = (to_time(ms["final burn"]) - to_time(ms["USDV burn series starts"])).to_value("day")
    fin = s.phases.final
    assert abs(gap - fin.final_burn_after_days) <= fin.final_burn_window_days + 0.01
    # the series starts when the final sequence starts, or up to series_delay_max_days later
    wait = (to_time(ms["USDV burn series starts"]) - to_time(ms["final sequence starts"])).to_value(
        "day"
    )
    assert 0.0 <= wait <= fin.series_delay_max_days + 0.1
    assert lv["effective_perigee_km"] <= s.phases.final.effective_perigee_km
    assert lv["feasible"]


@pytest.mark.parametrize("level", ["WEAK", "STRONG"])
def test_propellant_never_negative(summary, plan_out, level):
    for veh in summary[level]["vehicles"]:
        assert veh["propellant_remaining_kg"] >= 0
        assert veh["propellant_used_kg"] >= 0
        assert veh["shortfall_kg"] == 0
    tl = pd.read_csv(plan_out / "timeline.csv")
    burns = tl[(tl["kind"] == "burn") & (tl["level"] == level)]
    assert (burns["propellant_kg"] > 0).all()
    per_vehicle = burns.groupby("vehicle")["propellant_kg"].sum()
    for veh in summary[level]["vehicles"]:
        assert per_vehicle[veh["vehicle"]] == pytest.approx(veh["propellant_used_kg"], rel=1e-9)


def test_stronger_sun_never_makes_the_descent_longer(summary):
    weak, strong = summary["WEAK"], summary["STRONG"]
    assert strong["descent_days"] <= weak["descent_days"]
    assert to_time(strong["milestones"]["final burn"]) <= to_time(weak["milestones"]["final burn"])


def test_plan_is_reproducible_from_the_scenario_file_alone(summary, capsys, tmp_path):
    assert main(["scenario", "show", "iss"]) == 0
    my = tmp_path / "my.toml"
    my.write_text(capsys.readouterr().out)
    scn = parse_scenario(my.read_text(), str(my))
    mean0 = initial_mean(start_elements(scn), scn.environment.zonal_degree)
    again = plan_level(scn, mean0, "STRONG", final_sequence=False)
    for name in ("USDV docks", "last crew leaves", "final sequence starts"):
        assert again.time_of(name).isot[:19] == summary["STRONG"]["milestones"][name][:19]


def test_final_phase_start_hands_over_when_the_final_sequence_starts(summary):
    fs = final_phase_start(load_scenario("iss"), "STRONG")
    planned = to_time(summary["STRONG"]["milestones"]["final sequence starts"])
    assert abs((fs.epoch - planned).to_value("s")) < 1.0
    altitude = (float(np.linalg.norm(fs.state.r)) - WGS84_A) / 1e3
    assert 200.0 < altitude < 240.0  # ~220 km (reference §1.3), osculating
    usdv = load_scenario("iss").vehicles["usdv"]
    assert fs.thrust == usdv.thrust_n and fs.isp == usdv.isp_s
    assert 0 < fs.spacecraft.propellant <= usdv.propellant_kg
    assert fs.spacecraft.mass > load_scenario("iss").station.mass_kg


def test_final_phase_headline_per_level(summary):
    for level in ("WEAK", "STRONG"):
        head = summary[level]["final_phase"]
        assert abs(head["cross_miss_km"]) < 25.0 and abs(head["along_miss_km"]) < 5.0
        assert head["final_burn_utc"][:19] == summary[level]["milestones"]["final burn"][:19]


def test_infeasible_policy_is_reported_with_the_shortfall():
    scn = load_scenario("iss")
    vehicles = dict(scn.vehicles)
    vehicles["russian_segment"] = vehicles["russian_segment"].model_copy(
        update={"propellant_kg": 500.0}
    )
    poor = scn.model_copy(update={"vehicles": vehicles})
    mean0 = initial_mean(start_elements(poor), poor.environment.zonal_degree)
    run = _Descent(poor, mean0, forces_for(poor, "STRONG")).operations()
    acc = run.ledger.accounts["russian_segment"]
    assert not run.ledger.feasible
    assert acc.shortfall > 0 and acc.remaining >= 0
    assert acc.shortfall == pytest.approx(acc.used - acc.usable)
