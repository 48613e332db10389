"""The decay engine's forces and integrator, checked against analytic results and SciPy."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from deorbit.core.constants import GM_EARTH, R_EARTH_EGM, WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.equations import cowell_rhs
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.gravity import J2, J_ZONAL, gravity_acceleration
from deorbit.dynamics.thrust import FiniteBurn, ImpulsiveBurn
from deorbit.environment.atmosphere import Exponential
from deorbit.errors import BurnError, SpacecraftError
from deorbit.propagation import dop853
from deorbit.propagation.events import AltitudeCrossing, Apsis
from deorbit.propagation.numerical import NumericalPropagator

EPOCH = "2026-01-01T00:00:00"
ISS_LIKE = Spacecraft(420_000.0, 1500.0, 2.2, propellant=5000.0)


def iss_state(alt_km: float = 420.0, e: float = 0.0005) -> State:
    return State.from_keplerian(EPOCH, WGS84_A + alt_km * 1e3, e, math.radians(51.6), 0.3, 0.2, 0.1)


def test_j2_matches_egm2008_value():
    # J2 = 1.0826267e-3 (WGS 84 / EGM96 zero-tide value, NIMA TR8350.2 Table 3.1 via C20);
    # the EGM2008 tide-free C20 differs from it by 4.4e-7 relative (permanent-tide convention).
    assert J2 == pytest.approx(1.0826267e-3, rel=1e-6)
    assert J_ZONAL[3] == pytest.approx(-2.5324e-6, rel=1e-4)  # -sqrt(7) C30


def test_zonal_acceleration_is_the_gradient_of_the_potential():
    """Finite-difference gradient of U = mu/r (1 - sum J_n (R/r)^n P_n(z/r))."""
    from numpy.polynomial import legendre

    def potential(r: np.ndarray) -> float:
        rn = np.linalg.norm(r)
        s = sum(
            J_ZONAL[n] * (R_EARTH_EGM / rn) ** n * legendre.legval(r[2] / rn, np.eye(7)[n])
            for n in range(2, 7)
        )
        return GM_EARTH / rn * (1 - s)

    r = np.array([3.1e6, -4.2e6, 4.4e6])
    grad = np.array([(potential(r + h) - potential(r - h)) / 2.0 for h in np.eye(3)])
    assert np.allclose(gravity_acceleration(r, 6), grad, atol=2e-8)


def test_j2_closed_form():
    """The J2 acceleration in closed form (Vallado 2013, eq. 8-30)."""
    r = np.array([4.0e6, 1.0e6, 5.0e6])
    x, y, z = r
    rn = np.linalg.norm(r)
    k = 1.5 * J2 * (R_EARTH_EGM / rn) ** 2
    u2 = (z / rn) ** 2
    expected = (
        -GM_EARTH
        / rn**3
        * np.array(
            [x * (1 - k * (5 * u2 - 1)), y * (1 - k * (5 * u2 - 1)), z * (1 - k * (5 * u2 - 3))]
        )
    )
    assert np.allclose(gravity_acceleration(r, 2), expected, rtol=1e-13)


def _grid_and_params(forces: ForceModel, state: State, sc: Spacecraft):
    grid = forces.density_grid(state.epoch.mjd, state.epoch.mjd + 1)
    return forces.parameters(sc, state.epoch, grid), grid.as_numba()


def test_compiled_integrator_matches_scipy_dop853():
    """Same right-hand side, same method: our compiled DOP853 and scipy's agree to ~1e-6 m."""
    state = iss_state()
    forces = ForceModel(Exponential())
    p, g = _grid_and_params(forces, state, ISS_LIKE)
    y0 = np.concatenate([state.r, state.v, [ISS_LIKE.mass]])

    def f(t, y):
        out = np.empty(7)
        cowell_rhs(t, y, p, g, out)
        return out

    ref = solve_ivp(f, (0, 6000.0), y0, method="DOP853", rtol=1e-10, atol=1e-4)
    forces_prop = NumericalPropagator(ForceModel(Exponential()), rtol=1e-10, atol=1e-4)
    ours = forces_prop.propagate(state, ISS_LIKE, 6000.0, output_step=-1)
    assert np.linalg.norm(ours.r[-1] - ref.y[:3, -1]) < 1e-3


def test_two_body_orbit_closes_after_one_period():
    """Point-mass gravity: after exactly one Keplerian period the state returns (analytic)."""
    state = iss_state(500.0, 0.01)
    a = float(state.keplerian().a)
    period = 2 * math.pi * math.sqrt(a**3 / GM_EARTH)
    tr = NumericalPropagator(ForceModel(None, zonal_degree=0)).propagate(
        state, ISS_LIKE, period, output_step=-1
    )
    assert np.linalg.norm(tr.r[-1] - state.r) < 5e-3  # rtol 1e-10 over ~6,000 s


@settings(max_examples=8, deadline=None)
@given(
    alt=st.floats(300.0, 1200.0),
    e=st.floats(0.0, 0.05),
    inc=st.floats(0.0, 180.0),
)
def test_energy_is_conserved_without_drag(alt, e, inc):
    """With point-mass + J2 gravity the energy v^2/2 - U (U including J2) is constant."""
    state = State.from_keplerian(EPOCH, WGS84_A + alt * 1e3, e, math.radians(inc), 1.0, 2.0, 0.5)

    def energy(r, v):
        rn = np.linalg.norm(r)
        u2 = (r[2] / rn) ** 2
        pot = GM_EARTH / rn * (1 - J2 * (R_EARTH_EGM / rn) ** 2 * (1.5 * u2 - 0.5))
        return 0.5 * v @ v - pot

    tr = NumericalPropagator(ForceModel(None, zonal_degree=2)).propagate(
        state, ISS_LIKE, 86400.0, output_step=-1
    )
    e0, e1 = energy(state.r, state.v), energy(tr.r[-1], tr.v[-1])
    assert abs((e1 - e0) / e0) < 1e-9  # integrator tolerance rtol 1e-10, one day


def test_energy_strictly_decreases_with_drag():
    state = iss_state(300.0)
    tr = NumericalPropagator(ForceModel(Exponential(), zonal_degree=0)).propagate(
        state, ISS_LIKE, 86400.0, output_step=600.0
    )
    energy = 0.5 * np.sum(tr.v**2, axis=1) - GM_EARTH / np.linalg.norm(tr.r, axis=1)
    assert np.all(np.diff(energy) < 0)


def test_forward_then_backward_returns_to_the_start():
    state = iss_state()
    prop = NumericalPropagator(ForceModel(None, zonal_degree=6), rtol=1e-12, atol=1e-6)
    fwd = prop.propagate(state, ISS_LIKE, 20_000.0, output_step=-1)
    # backward: the compiled integrator with t1 < t0
    forces = ForceModel(None, zonal_degree=6)
    p, g = _grid_and_params(forces, state, ISS_LIKE)
    y_end = fwd.y[-1].copy()
    empty_i = np.zeros(0, dtype=np.int64)
    ts, ys, *_ = dop853.integrate(
        y_end,
        20_000.0,
        0.0,
        p,
        g,
        1e-12,
        1e-6,
        1800.0,
        -1.0,
        0.0,
        True,
        empty_i,
        np.zeros(0),
        empty_i,
        np.zeros(0, dtype=np.bool_),
        1_000_000,
    )
    assert ts[-1] == 0.0
    assert np.linalg.norm(ys[-1, :3] - state.r) < 0.05


def test_j2_nodal_regression_matches_the_analytic_rate():
    """dRAAN/dt = -3/2 n J2 (R/p)^2 cos i (Vallado 2013, eq. 9-41): ISS ~ -5 deg/day."""
    state = iss_state(420.0, 0.0001)
    a = float(state.keplerian().a)
    days = 5.0
    tr = NumericalPropagator(ForceModel(None, zonal_degree=2)).propagate(
        state, ISS_LIKE, days * 86400.0, output_step=600.0
    )
    h = np.cross(tr.r, tr.v)
    raan = np.unwrap(np.arctan2(h[:, 0], -h[:, 1]))
    slope = np.polyfit(tr.t, raan, 1)[0]
    n = math.sqrt(GM_EARTH / a**3)
    analytic = -1.5 * n * J2 * (R_EARTH_EGM / a) ** 2 * math.cos(math.radians(51.6))
    # osculating vs mean a differ by ~(J2 R^2/a); 0.5 % covers it
    assert slope == pytest.approx(analytic, rel=5e-3)
    assert math.degrees(slope * 86400) == pytest.approx(-5.0, abs=0.2)


def test_altitude_event_is_located_exactly():
    state = iss_state(250.0)
    tr = NumericalPropagator(ForceModel(Exponential())).propagate(
        state, ISS_LIKE, 30 * 86400.0, events=[AltitudeCrossing(200e3)], output_step=-1
    )
    ev = tr.event("altitude 200 km")
    assert ev is not None and tr.stop_reason.startswith("altitude 200 km")
    from deorbit.dynamics.conditions import geodetic

    forces = ForceModel(Exponential())
    p, _ = _grid_and_params(forces, state, ISS_LIKE)
    _lat, _lon, alt = geodetic(ev.t, *ev.y[:3], p)
    assert alt == pytest.approx(200e3, abs=0.5)


def test_apsis_events_alternate():
    state = iss_state(500.0, 0.02)
    tr = NumericalPropagator(ForceModel(None)).propagate(
        state, ISS_LIKE, 3 * 5700.0, events=[Apsis("perigee"), Apsis("apogee")], output_step=-1
    )
    names = [e.name for e in tr.events]
    assert names[:4] in (["apogee", "perigee"] * 2, ["perigee", "apogee"] * 2)
    perigees = [e for e in tr.events if e.name == "perigee"]
    r = [np.linalg.norm(e.y[:3]) for e in perigees]
    k = state.keplerian()
    assert r[0] == pytest.approx(float(k.a * (1 - k.e)), abs=15e3)  # J2 short-period


def test_impulsive_retrograde_burn_lowers_the_opposite_side_as_vis_viva_says():
    state = iss_state(400.0, 0.0)
    dv = 20.0
    burn = ImpulsiveBurn(time=0.0, delta_v=dv, isp=300.0)
    tr = NumericalPropagator(ForceModel(None, zonal_degree=0)).propagate(
        state, ISS_LIKE, 3000.0, burns=[burn], output_step=10.0
    )
    r0 = np.linalg.norm(state.r)
    v1 = np.linalg.norm(state.v) - dv
    a1 = 1 / (2 / r0 - v1**2 / GM_EARTH)
    rp_expected = 2 * a1 - r0
    assert np.min(np.linalg.norm(tr.r, axis=1)) == pytest.approx(rp_expected, abs=50.0)
    # rocket equation: m1 = m0 exp(-dv / (Isp g0))
    assert tr.mass[-1] == pytest.approx(ISS_LIKE.mass * math.exp(-dv / (300.0 * 9.80665)))


def test_finite_burn_consumes_propellant_and_slows_the_orbit():
    state = iss_state(400.0)
    burn = FiniteBurn(start=600.0, duration=300.0, thrust=4000.0, isp=300.0)
    tr = NumericalPropagator(ForceModel(None)).propagate(
        state, ISS_LIKE, 1800.0, burns=[burn], output_step=-1
    )
    assert tr.mass[-1] == pytest.approx(ISS_LIKE.mass - burn.propellant, rel=1e-9)
    assert [e.name for e in tr.events] == ["burn start", "burn end"]
    assert float(tr.quantities()["perigee_altitude"][-1]) < 400e3 - 5e3


def test_impossible_burns_are_refused():
    state = iss_state()
    big = FiniteBurn(start=0.0, duration=10_000.0, thrust=4000.0, isp=300.0)
    with pytest.raises(BurnError, match="short by"):
        NumericalPropagator(ForceModel(None)).propagate(state, ISS_LIKE, 20_000.0, burns=[big])
    with pytest.raises(BurnError):
        FiniteBurn(start=0.0, duration=-1.0, thrust=10.0, isp=300.0)
    with pytest.raises(BurnError):
        ImpulsiveBurn(time=0.0, delta_v=1.0, isp=300.0, direction=(0.0, 0.0, 0.0))
    with pytest.raises(SpacecraftError):
        Spacecraft(-5.0, 10.0)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(1, 40), st.floats(-1e-6, 1e-6))
def test_chunk_cuts_leave_no_sliver_at_the_end(day_fraction, days, jitter):
    """Cuts are inside (0, t_end), increasing, at least 1 ms before the end even when a UTC
    midnight falls a rounding error before it (then the last piece would be shorter than any
    integrator step)."""
    from astropy.time import Time

    from deorbit.propagation.numerical import chunk_cuts

    epoch = Time(60_000.0 + day_fraction, format="mjd", scale="utc")
    t_end = days * 86400.0 - day_fraction * 86400.0 + jitter
    if t_end <= 0:
        return
    cuts = chunk_cuts(epoch, t_end, 86400.0)
    assert all(0.0 < c < t_end - 1e-3 for c in cuts)
    assert all(b > a for a, b in itertools.pairwise(cuts))
