"""Long-term propagation: the orbit-averaged model against the numerical one, and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from deorbit.cli import main
from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import Exponential, Scaled
from deorbit.propagation.averaged import lifetime
from deorbit.propagation.events import AltitudeCrossing
from deorbit.propagation.mean_elements import mean_elements, osculating_state
from deorbit.propagation.numerical import NumericalPropagator

EPOCH = "2026-01-01T00:00:00"


def _state(alt_km: float, e: float = 0.0005, inc: float = 51.6) -> State:
    return State.from_keplerian(EPOCH, WGS84_A + alt_km * 1e3, e, math.radians(inc), 0.3, 0.2, 0.1)


@pytest.mark.parametrize(
    ("label", "alt_km", "spacecraft"),
    [
        # ISS-like: 420 t, 1,500 m^2, Cd 2.2 (the benchmark configuration)
        ("ISS-like", 330.0, Spacecraft(420_000.0, 1500.0, 2.2)),
        # a 3U CubeSat: 4 kg, 0.03 m^2 mean area
        ("CubeSat", 300.0, Spacecraft(4.0, 0.03, 2.2)),
    ],
)
def test_averaged_lifetime_agrees_with_numerical_within_two_percent(label, alt_km, spacecraft):
    state = _state(alt_km)
    forces = ForceModel(Exponential())
    num = NumericalPropagator(ForceModel(Exponential())).propagate(
        state, spacecraft, 5 * 365 * 86400.0, events=[AltitudeCrossing(120e3)], output_step=-1
    )
    assert num.stop_reason.startswith("altitude 120 km")
    res = lifetime(state, spacecraft, forces)
    assert res.days is not None
    numerical_days = num.t[-1] / 86400.0
    assert abs(res.days - numerical_days) / numerical_days < 0.02, (label, res.days, numerical_days)


def test_denser_atmosphere_never_lengthens_the_lifetime():
    state = _state(350.0)
    sc = Spacecraft(1000.0, 5.0, 2.2)
    days = [lifetime(state, sc, ForceModel(Scaled(Exponential(), k))).days for k in (0.7, 1.0, 1.5)]
    assert days[0] > days[1] > days[2]


def test_mean_elements_round_trip():
    state = _state(400.0, 0.001)
    mean = mean_elements(state)
    osc = osculating_state(mean, 0.3)
    again = mean_elements(osc)
    assert again.a == pytest.approx(mean.a, abs=2.0)
    # e and i are not iterated: their J2 short-period terms are ~J2 (R/a)^2 ~ 1e-3 (Brouwer
    # 1959); only a, which sets the density and so the lifetime, is matched exactly
    assert again.e == pytest.approx(mean.e, abs=1e-3)
    assert again.i == pytest.approx(mean.i, abs=1e-3)


def test_cli_propagate_writes_a_trajectory(tmp_path, capsys):
    out = tmp_path / "iss.csv"
    code = main(
        ["propagate", "--days", "0.1", "--atmosphere", "exponential", "--out", str(out), "--json"]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["norad_id"] == 25544
    assert 380 < summary["end_altitude_km"] < 450
    import pandas as pd

    df = pd.read_csv(out)
    assert len(df) == summary["points"]
    assert np.all(np.isfinite(df["altitude_km"]))


def test_cli_propagate_writes_oem(tmp_path):
    from deorbit.formats.oem import read_oem

    out = tmp_path / "iss.oem"
    assert (
        main(["propagate", "--days", "0.05", "--atmosphere", "exponential", "--out", str(out)]) == 0
    )
    _times, r, _v, meta = read_oem(out)
    assert meta["REF_FRAME"] == "TEME" and meta["TIME_SYSTEM"] == "UTC"
    assert np.all(np.linalg.norm(r, axis=1) > WGS84_A)


@pytest.mark.parametrize(
    "argv",
    [
        ["propagate", "--days", "-1"],
        ["propagate", "--mass", "-5", "--area", "3"],
        ["propagate", "--atmosphere", "jacchia"],
        ["propagate", "/nonexistent/file.tle"],
        ["lifetime", "--levels", "MEDIUM"],
    ],
)
def test_cli_bad_input_is_one_line_and_exit_code_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
    assert "Traceback" not in err[0]


def test_cli_lifetime_constant_activity(capsys):
    code = main(["lifetime", "--f107", "150", "--ap", "15", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    (row,) = result["scenarios"]
    # ISS from its July 2026 elements with no reboost: more than a year at F10.7 = 150
    assert row["days"] is not None and row["days"] > 365


def test_averaged_propagation_stops_cleanly_at_its_floor():
    """Without a stop altitude, a decaying orbit ends at the averaging floor (an event), never
    with an arithmetic error below the ground."""
    from deorbit.propagation.averaged import AVERAGING_FLOOR_EVENT, AveragedPropagator

    state = _state(250.0, 0.001)
    hist = AveragedPropagator(ForceModel(Exponential())).propagate(
        mean_elements(state), Spacecraft(100.0, 1.0, 2.2), 365 * 86400.0
    )
    assert hist.events[-1][0] == AVERAGING_FLOOR_EVENT
    assert hist.stop_reason.startswith(AVERAGING_FLOOR_EVENT)
    assert 90e3 < hist.perigee_altitude[-1] < 101e3


def test_a_dense_object_below_the_hand_over_is_followed_to_the_interface():
    # 20 t, 1 m^2 from 190 km: past the 180 km hand-over in about 16 days, then more than 100
    # days of numerical arc (longer than the first arcs tried) to 120 km
    state = _state(190.0)
    sc = Spacecraft(20_000.0, 1.0, 2.2)
    res = lifetime(state, sc, ForceModel(Exponential()))
    num = NumericalPropagator(ForceModel(Exponential())).propagate(
        state, sc, 365 * 86400.0, events=[AltitudeCrossing(120e3)], output_step=-1
    )
    assert res.days is not None
    assert res.days - res.mean_history.t[-1] / 86400.0 > 30.0
    numerical_days = num.t[-1] / 86400.0
    assert abs(res.days - numerical_days) / numerical_days < 0.01
    # the arc goes on from where each leg stopped (times increase, the 4 and 30-day legs keep
    # their 30 s output; only the last leg, to the horizon, is sampled more coarsely)
    arc = res.final_arc
    assert np.all(np.diff(arc.t) > 0)
    first_month = arc.t < 30 * 86400.0
    assert np.diff(arc.t[first_month]).max() == pytest.approx(30.0)
    assert arc.event("reentry interface").t == pytest.approx(arc.t[-1])


def test_a_horizon_that_ends_below_the_hand_over_says_no_reentry():
    state = _state(190.0)
    res = lifetime(state, Spacecraft(20_000.0, 1.0, 2.2), ForceModel(Exponential()), 0.2)
    assert res.reentry is None and res.days is None
    assert res.stop_reason.startswith("no reentry within 0.2 years")
    assert res.final_arc is not None
