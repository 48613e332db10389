"""Coverage of the final-phase targeting (the posigrade phasing burn) and the Monte Carlo of the
whole final phase (dispersed lowering burns, uncontrolled samples as an outcome), issue #6.

Start states are those of ``benchmarks/targeting_coverage.py``: circular 225 km, 51.64 deg
(ISS), epoch 2030-09-01 + k days, node k x 137.50776 deg (golden angle); stack, USDV engine and
targeting settings from the bundled scenario, AVERAGE solar forecast.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from astropy.time import TimeDelta

from deorbit.cli import main
from deorbit.core.constants import WGS84_A
from deorbit.core.geodesy import geodesic_distance
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import to_time
from deorbit.errors import InputError
from deorbit.mission.descent import forces_for
from deorbit.mission.scenario import load_scenario
from deorbit.mission.targeting import (
    EFFECTIVE_PERIGEE_GOAL,
    PHASING_BURN,
    PROGRADE,
    Engine,
    plan_final_burn,
    plan_final_phase,
    plan_phasing_burn,
    targeting_settings,
)
from deorbit.montecarlo.controlled import (
    OUTCOME_CONTROLLED,
    OUTCOME_EARLY,
    OUTCOME_NO_BREAKUP,
    run_final_phase,
)
from deorbit.montecarlo.dispersions import Dispersion
from deorbit.propagation.mean_elements import mean_elements
from deorbit.propagation.numerical import NumericalPropagator
from deorbit.reentry.fragments import default_iss_fragments
from deorbit.reentry.zones import SPOUA_PROXY

CROSS_LIMIT_KM = 25.0  # the bound on the footprint centre's cross-track miss
GOLDEN_ANGLE_DEG = 137.50776  # 360 x (2 - golden ratio)
PERIGEE_TOLERANCE_KM = 3.0  # as tests/test_controlled_targeting.py: drag + finite-burn arc


def coverage_state(k: int) -> State:
    """Start state ``k`` of the coverage sweep."""
    epoch = to_time("2030-09-01T00:00:00Z") + TimeDelta(k * 86400.0, format="sec")
    raan = math.radians((k * GOLDEN_ANGLE_DEG) % 360.0)
    return State.from_keplerian(epoch, WGS84_A + 225e3, 0.0, math.radians(51.64), raan, 0.0, 0.0)


@pytest.fixture(scope="module")
def setting():
    sc_file = load_scenario("iss")
    fin = sc_file.phases.final
    usdv = sc_file.vehicles[fin.vehicle]
    stack = Spacecraft(
        sc_file.station.mass_kg + usdv.mass_kg,
        sc_file.station.drag_area_m2[sc_file.station.attitude],
        sc_file.station.cd,
        propellant=usdv.propellant_kg * (1.0 - fin.propellant_margin),
    )
    return stack, forces_for(sc_file, "AVERAGE"), Engine(usdv.thrust_n, usdv.isp_s), fin


@pytest.fixture(scope="module")
def hardest(setting):
    """State 14 of the sweep, the hardest found (2026-11 run): no series perigee of 160-210 km
    and no start delay of 0-2 days brings a revolution within 25 km (best 24 km, 54-81 km for
    its neighbours 12 and 13); it needs a phasing burn ~28 km above the stack's mean perigee."""
    stack, forces, engine, fin = setting
    return plan_final_phase(
        coverage_state(14), stack, forces, engine, zone=SPOUA_PROXY, **targeting_settings(fin)
    )


@pytest.fixture(scope="module")
def lowered(setting):
    """State 2 of the sweep: a two-burn lowering series to ~175 km (no phasing burn)."""
    stack, forces, engine, fin = setting
    return plan_final_phase(
        coverage_state(2), stack, forces, engine, zone=SPOUA_PROXY, **targeting_settings(fin)
    )


def test_hardest_state_plans_within_the_bound_with_a_phasing_burn(hardest, setting):
    stack = setting[0]
    plan = hardest
    assert abs(plan.cross_miss) <= CROSS_LIMIT_KM * 1e3
    assert abs(plan.along_miss) <= 5e3
    # the long final burn from the raised orbit still leaves the effective perigee under the
    # 50 km ceiling of NASA-STD-8719.14C §4.6.5.9 (delta-v added where it would not)
    assert plan.effective_perigee <= EFFECTIVE_PERIGEE_GOAL + 1e3
    phasing = plan.lowering_burns
    assert [b.name for b in phasing] == [PHASING_BURN]
    assert phasing[0].direction == pytest.approx(PROGRADE)
    # Δv and propellant accounted: the phasing burn is the first entry of delta_v, positive
    assert plan.phasing_delta_v == pytest.approx(plan.delta_v[0]) and plan.phasing_delta_v > 0
    assert sum(b.propellant for b in plan.burns) < stack.propellant
    # the series perigee lies above the stack's mean perigee (a longer period)
    me = mean_elements(plan.state, 6)
    assert plan.series_perigee > me.a * (1 - me.e) - WGS84_A


def test_lowering_is_preferred_where_it_reaches(lowered):
    assert lowered.phasing_delta_v == 0.0
    assert all(b.name.startswith("perigee-lowering") for b in lowered.lowering_burns)
    assert abs(lowered.cross_miss) <= 5e3  # the scenario's tolerance


def test_phasing_burn_raises_the_perigee_as_planned(setting):
    stack, forces, engine, _fin = setting
    state = coverage_state(0)
    me = mean_elements(state, forces.zonal_degree)
    rp0 = me.a * (1 - me.e) - WGS84_A
    burns, dvs, planned = plan_phasing_burn(state, stack.mass, engine, rp0 + 20e3)
    # ~0.3 m/s per km of perigee at 225 km (v / 4a = 7780 / (4 x 6598 km)), vis-viva
    assert dvs[0] == pytest.approx(20 * 7780.0 / (4 * 6598.0), rel=0.05)
    traj = NumericalPropagator(forces).propagate(
        state, stack, burns[0].end + 600.0, burns=burns, output_step=60.0
    )
    ev = traj.event(f"{PHASING_BURN} end")
    after = mean_elements(State(ev.time, ev.y[:3], ev.y[3:6]), forces.zonal_degree)
    # 20 km above the stack is above the burn point too: the raised apsis is the new apogee
    got = after.a * (1 + after.e) - WGS84_A
    assert got == pytest.approx(planned[0], abs=PERIGEE_TOLERANCE_KM * 1e3)
    assert after.a > me.a  # a longer period
    with pytest.raises(InputError, match="not above"):
        plan_phasing_burn(state, stack.mass, engine, rp0 - 5e3)


# ----------------------------------------------------------------------------------------------
# Monte Carlo of the whole final phase
# ----------------------------------------------------------------------------------------------


def test_zero_dispersion_series_flight_reproduces_the_plan(lowered, setting):
    """With nothing dispersed every sample flies the plan's lowering burns, 4-day coast and
    final burn from the plan's start: breakup within 5 km of the plan's own (same forces,
    rtol 1e-9 against the plan's 1e-10 over ~4 days)."""
    stack, forces, _e, _f = setting
    frags = default_iss_fragments()
    res = run_final_phase(lowered, stack, forces, frags, SPOUA_PROXY, 2, seed=0, dispersions={})
    assert res.series_dispersed and np.all(res.outcome == OUTCOME_CONTROLLED)
    fp = lowered.footprint
    d = geodesic_distance(res.breakup_lat, res.breakup_lon, fp.breakup_lat, fp.breakup_lon)
    assert np.all(d < 5e3)


def test_lowering_burns_draw_their_own_errors(hardest, setting):
    stack, forces, _e, _f = setting
    frags = default_iss_fragments()
    disp = {"timing": Dispersion("normal", 0.0, 2.0)}
    res = run_final_phase(hardest, stack, forces, frags, SPOUA_PROXY, 4, seed=1, dispersions=disp)
    own = res.samples[f"timing ({PHASING_BURN})"]
    assert own.shape == (4,) and not np.array_equal(own, res.samples["timing"])
    fast = run_final_phase(
        hardest, stack, forces, frags, SPOUA_PROXY, 4, seed=1, dispersions=disp,
        disperse_series=False,
    )  # fmt: skip
    assert not fast.series_dispersed and f"timing ({PHASING_BURN})" not in fast.samples
    # the final burn's own draws do not depend on the switch (streams keyed by name)
    np.testing.assert_array_equal(fast.samples["timing"], res.samples["timing"])


def test_retargeting_after_the_series_narrows_the_along_track_spread(lowered, setting):
    """Density errors over the 4-day coast move each sample along its track by up to hundreds
    of km; re-timing the final burn from the sample's own state (what operations do after
    tracking the series) takes most of that out; without it the spread is an upper bound."""
    stack, forces, _e, _f = setting
    frags = default_iss_fragments()
    disp = {"density_scale": Dispersion("lognormal", 1.0, 0.15)}
    kw = {"dispersions": disp, "seed": 3}
    fixed = run_final_phase(lowered, stack, forces, frags, SPOUA_PROXY, 40, retarget=False, **kw)
    timed = run_final_phase(lowered, stack, forces, frags, SPOUA_PROXY, 40, **kw)
    assert timed.retargeted and not fixed.retargeted
    assert "re-timed" in timed.summary()["note"] and "upper bound" in fixed.summary()["note"]
    # the series and coast are the same in both runs: so are the samples that decay early
    assert fixed.p_uncontrolled == timed.p_uncontrolled < 0.1
    spread_fixed = np.nanmax(fixed.centre_along) - np.nanmin(fixed.centre_along)
    spread_timed = np.nanmax(timed.centre_along) - np.nanmin(timed.centre_along)
    assert spread_fixed > 200e3  # a 15 % density error over 4 days
    assert spread_timed < 0.7 * spread_fixed


def test_uncontrolled_samples_are_counted_not_errors(setting):
    """A final burn cut to 1-100 % of its duration: the short ones leave the stack in orbit
    beyond the 6-h window; they are counted (p_uncontrolled), left out of the footprint
    statistics, and count as outside the zone."""
    stack, forces, engine, _f = setting
    frags = default_iss_fragments()
    state = coverage_state(3)
    plan = plan_final_burn(state, stack, forces, engine, fragments=frags)
    disp = {"burn_magnitude": Dispersion("uniform", 0.01, 1.0)}
    res = run_final_phase(plan, stack, forces, frags, SPOUA_PROXY, 24, seed=2, dispersions=disp)
    bad = res.outcome == OUTCOME_NO_BREAKUP
    assert 0 < bad.sum() < 24
    assert res.p_uncontrolled == pytest.approx(bad.mean())
    short = res.samples["burn_magnitude"][bad]
    assert short.max() < res.samples["burn_magnitude"][~bad].min()  # the shortest burns
    assert np.all(np.isnan(res.impact_lat[bad])) and np.all(np.isfinite(res.impact_lat[~bad]))
    assert res.p_inside <= 1.0 - res.p_uncontrolled
    summary = json.loads(json.dumps(res.summary()))
    assert summary["p_uncontrolled"] == pytest.approx(bad.mean())
    assert summary["outcomes"]["controlled"] == int((~bad).sum())
    assert "came down under control" in summary["note"]
    assert all(math.isfinite(v) for v in summary["foreign_land_km"].values())
    a, _c = res.impact_along_cross()
    assert a.shape == (int((~bad).sum()), len(res.classes))
    # all uncontrolled: no statistics, still no error
    none = run_final_phase(
        plan, stack, forces, frags, SPOUA_PROXY, 3, seed=2,
        dispersions={"burn_magnitude": Dispersion("uniform", 0.01, 0.02)},
    )  # fmt: skip
    assert none.p_uncontrolled == 1.0 and none.p_inside == 0.0
    assert none.summary()["foreign_land_km"] is None


def test_early_decay_during_the_coast_is_an_outcome(lowered, setting):
    """An atmosphere 4-6 times denser brings the lowered stack down during the 4-day coast,
    before its final burn."""
    stack, forces, _e, _f = setting
    frags = default_iss_fragments()
    disp = {"density_scale": Dispersion("uniform", 4.0, 6.0)}
    res = run_final_phase(lowered, stack, forces, frags, SPOUA_PROXY, 3, seed=0, dispersions=disp)
    assert np.all(res.outcome == OUTCOME_EARLY)
    assert res.summary()["outcomes"]["breakup before the final burn"] == 3


def test_cli_final_runs_the_monte_carlo(capsys):
    code = main(["final", "--epoch", "2030-09-03T00:00:00Z", "--samples", "6", "--seed", "1",
                 "--json"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    mc = out["montecarlo"]
    assert mc["n"] == 6 and mc["seed"] == 1 and mc["lowering_burns_dispersed"] is True
    assert sum(mc["outcomes"].values()) == 6
    assert mc["p_uncontrolled"] == pytest.approx(1.0 - mc["outcomes"]["controlled"] / 6)
    assert mc["p_inside"] <= 1.0 - mc["p_uncontrolled"]  # an uncontrolled sample is outside


def test_cli_final_bad_sample_count_is_one_line(capsys):
    code = main(["final", "--epoch", "2030-09-03T00:00:00Z", "--samples", "-1"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--samples" in err and "Traceback" not in err
