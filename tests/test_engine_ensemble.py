"""Ensemble propagation: many samples at once, equal to one-at-a-time propagation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.thrust import RETROGRADE, FiniteBurn
from deorbit.environment.atmosphere import Exponential
from deorbit.errors import BurnError, InputError
from deorbit.propagation.ensemble import EnsemblePropagator, SampleBurns
from deorbit.propagation.events import AltitudeCrossing
from deorbit.propagation.numerical import NumericalPropagator

SC = Spacecraft(500.0, 2.0, 2.2)


def _state(alt_km: float) -> State:
    return State.from_keplerian(
        "2026-03-01T00:00:00", WGS84_A + alt_km * 1e3, 0.001, math.radians(97.0), 1.0, 0.5, 0.0
    )


def test_each_sample_equals_its_own_single_propagation():
    st = _state(300.0)
    scales = np.array([0.5, 1.0, 2.0])
    r = np.repeat(st.r[None], 3, axis=0)
    v = np.repeat(st.v[None], 3, axis=0)
    ens = EnsemblePropagator(ForceModel(Exponential())).propagate(
        st.epoch, r, v, SC, 2 * 86400.0, density_scale=scales
    )
    for k, s in enumerate(scales):
        single = NumericalPropagator(ForceModel(Exponential(), density_scale=s)).propagate(
            st, SC, 2 * 86400.0, output_step=-1
        )
        assert np.linalg.norm(ens.y[k, :3] - single.r[-1]) < 1e-3
    # more drag, lower orbit
    radii = np.linalg.norm(ens.y[:, :3], axis=1)
    energy = 0.5 * np.sum(ens.y[:, 3:6] ** 2, axis=1) - 3.986004418e14 / radii
    assert energy[0] > energy[1] > energy[2]


def test_samples_stop_at_their_own_terminal_events():
    st = _state(200.0)
    r = np.repeat(st.r[None], 2, axis=0)
    v = np.repeat(st.v[None], 2, axis=0)
    ens = EnsemblePropagator(ForceModel(Exponential())).propagate(
        st.epoch,
        r,
        v,
        SC,
        20 * 86400.0,
        cda=np.array([4.4, 8.8]),
        events=[AltitudeCrossing(120e3, name="reentry interface")],
    )
    assert ens.event_name == ["reentry interface", "reentry interface"]
    # twice the drag area: reaches 120 km in about half the time (within 10 %)
    assert ens.event_time[1] == pytest.approx(ens.event_time[0] / 2, rel=0.1)


def test_bad_sample_arrays_are_refused():
    st = _state(300.0)
    with pytest.raises(InputError):
        EnsemblePropagator(ForceModel(Exponential())).propagate(
            st.epoch, st.r[None], st.v[None], SC, 100.0, mass=np.array([-1.0])
        )


# --------------------------------------------------------------------------------------------
# Per-sample finite burns, start times and event altitudes
# --------------------------------------------------------------------------------------------

BURN_SC = Spacecraft(20_000.0, 20.0, 2.2, propellant=3_000.0)
_EXP = ForceModel(Exponential())


def _burn(start: float = 600.0, duration: float = 300.0, direction=RETROGRADE) -> FiniteBurn:
    return FiniteBurn(start, duration, 4_000.0, 300.0, direction, "VNC", "test burn")


@pytest.mark.parametrize("forces", [ForceModel(Exponential()), None], ids=["exponential", "msis"])
def test_one_sample_with_a_burn_equals_the_single_propagator(forces):
    """The ensemble flies a FiniteBurn exactly as NumericalPropagator does: same cuts at burn
    start and end, same kernel; < 1 m apart 20 min after the burn (a stated tolerance; the two
    differ only by the atmosphere grid's extent)."""
    if forces is None:
        from deorbit.environment.atmosphere import NRLMSIS
        from deorbit.environment.space_weather import ConstantSpaceWeather

        forces = ForceModel(NRLMSIS(ConstantSpaceWeather(150.0, 150.0, 15.0), "00"))
    st = _state(250.0)
    burn = _burn(direction=(-0.9, 0.3, 0.1))
    until = burn.end + 1200.0
    single = NumericalPropagator(forces).propagate(st, BURN_SC, until, burns=[burn], output_step=-1)
    ens = EnsemblePropagator(forces).propagate(
        st.epoch, st.r[None], st.v[None], BURN_SC, until, burns=SampleBurns.of(burn, 1)
    )
    assert np.linalg.norm(ens.y[0, :3] - single.r[-1]) < 1.0
    # the propellant burnt: mass flow T / (Isp g0) x duration (rocket equation's mass flow)
    assert ens.y[0, 6] == pytest.approx(BURN_SC.mass - burn.propellant, rel=1e-9)
    # and the burn did something: 100 km-scale change from the coast
    coast = EnsemblePropagator(forces).propagate(st.epoch, st.r[None], st.v[None], BURN_SC, until)
    assert np.linalg.norm(coast.y[0, :3] - ens.y[0, :3]) > 1e4


def test_samples_fly_their_own_burns():
    """Three samples in one call equal three single runs with their own burns (start, duration,
    thrust, direction differ)."""
    forces = ForceModel(Exponential())
    st = _state(250.0)
    own = [
        _burn(600.0, 300.0),
        _burn(650.0, 200.0, (-1.0, 0.05, 0.0)),
        FiniteBurn(500.0, 400.0, 3_000.0, 310.0, (-1.0, 0.0, 0.02), "VNC", "test burn"),
    ]
    burns = SampleBurns(
        np.array([b.start for b in own]),
        np.array([b.duration for b in own]),
        np.array([b.thrust for b in own]),
        np.array([b.isp for b in own]),
        np.array([b.direction for b in own]),
    )
    until = 2400.0
    r = np.repeat(st.r[None], 3, axis=0)
    v = np.repeat(st.v[None], 3, axis=0)
    ens = EnsemblePropagator(forces).propagate(st.epoch, r, v, BURN_SC, until, burns=burns)
    for k, b in enumerate(own):
        single = NumericalPropagator(forces).propagate(
            st, BURN_SC, until, burns=[b], output_step=-1
        )
        assert np.linalg.norm(ens.y[k, :3] - single.r[-1]) < 1.0
        assert ens.y[k, 6] == pytest.approx(single.mass[-1], rel=1e-12)


def test_start_times_and_event_altitudes_per_sample():
    """A sample given at t = 600 s rests until then: starting the single run from that state
    gives the same end; per-sample event altitudes stop each sample at its own altitude."""
    forces = ForceModel(Exponential())
    st = _state(200.0)
    later = NumericalPropagator(forces).propagate(st, SC, 600.0, output_step=-1)
    r = np.stack([st.r, later.r[-1]])
    v = np.stack([st.v, later.v[-1]])
    ens = EnsemblePropagator(forces).propagate(
        st.epoch, r, v, SC, 3600.0, start_time=np.array([0.0, 600.0])
    )
    assert np.linalg.norm(ens.y[0, :3] - ens.y[1, :3]) < 1.0
    stop = EnsemblePropagator(forces).propagate(
        st.epoch,
        r[:1].repeat(2, 0),
        v[:1].repeat(2, 0),
        SC,
        20 * 86400.0,
        events=[AltitudeCrossing(150e3, name="low")],
        event_altitudes=np.array([[190e3], [180e3]]),
    )
    assert stop.event_name == ["low", "low"]
    assert stop.event_time[0] < stop.event_time[1]
    alt = np.linalg.norm(stop.y[:, :3], axis=1) - WGS84_A
    # geodetic altitude vs radius above the equatorial radius: within the 21 km flattening
    assert np.all(np.abs(alt - np.array([190e3, 180e3])) < 22e3)


def test_a_burn_larger_than_the_propellant_is_refused():
    st = _state(250.0)
    big = FiniteBurn(100.0, 1e4, 4_000.0, 300.0)  # 13.6 t of propellant, 3 t on board
    with pytest.raises(BurnError, match="sample #0"):
        EnsemblePropagator(ForceModel(Exponential())).propagate(
            st.epoch, st.r[None], st.v[None], BURN_SC, 2e4, burns=SampleBurns.of(big, 1)
        )
    with pytest.raises(BurnError, match="duration of sample #1"):
        bad = SampleBurns.of(_burn(), 2)
        bad.duration[1] = -1.0
        EnsemblePropagator(ForceModel(Exponential())).propagate(
            st.epoch,
            np.repeat(st.r[None], 2, 0),
            np.repeat(st.v[None], 2, 0),
            BURN_SC,
            2e3,
            burns=bad,
        )


@settings(max_examples=15, deadline=None)
@given(hst.permutations(range(4)))
def test_samples_are_independent_of_their_neighbours(perm):
    """Sample k's result depends on sample k alone: permuting the samples permutes the results
    bit for bit (what makes a Monte Carlo split into blocks equal to one run)."""
    forces = _EXP
    st0 = _state(250.0)
    n = 4
    burns = SampleBurns(
        np.array([500.0, 550.0, 600.0, 650.0]),
        np.array([300.0, 200.0, 250.0, 100.0]),
        np.array([4000.0, 3500.0, 4200.0, 3000.0]),
        np.full(n, 300.0),
        np.array([[-1.0, 0.0, 0.0], [-1.0, 0.1, 0.0], [-1.0, 0.0, 0.1], [-0.9, -0.1, 0.0]]),
    )
    r = np.repeat(st0.r[None], n, axis=0)
    v = np.repeat(st0.v[None], n, axis=0) + np.arange(n)[:, None] * 0.1
    scale = np.array([0.8, 1.0, 1.2, 1.5])
    p = np.array(perm)
    ens = EnsemblePropagator(forces)
    a = ens.propagate(st0.epoch, r, v, BURN_SC, 1500.0, burns=burns, density_scale=scale)
    b = ens.propagate(
        st0.epoch, r[p], v[p], BURN_SC, 1500.0, burns=burns.take(p), density_scale=scale[p]
    )
    np.testing.assert_array_equal(a.y[p], b.y)
