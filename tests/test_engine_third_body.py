"""The Sun and the Moon as third bodies (optional, numerical propagation)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import TEME, get_body
from astropy.time import Time
from scipy.integrate import solve_ivp

from deorbit.cli import main
from deorbit.core.constants import GM_EARTH, WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import days_since_j2000
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.gravity import third_body_acceleration_array
from deorbit.environment.atmosphere import Exponential
from deorbit.propagation.numerical import NumericalPropagator

SAT = Spacecraft(500.0, 2.0, 2.2)


def _tt_days(t: Time) -> float:
    return float(days_since_j2000(t, "tt"))


@pytest.mark.parametrize("when", ["2010-03-03T05:00:00", "2024-05-10T18:30:00"])
def test_acceleration_matches_astropys_ephemeris(when):
    """Same formula with astropy's Sun and Moon (ERFA's built-in ephemeris, transformed to
    TEME): within 1.5 % (measured 0.3-0.5 %; the Moon's low-precision series is good to
    about 1 % in distance, Vallado 2013 Alg. 31)."""
    t = Time(when, scale="utc")
    # GM written out here, not taken from deorbit.core.constants: JPL DE430 (Folkner et al.
    # 2014, IPN Progress Report 42-196): 132712440041.9394 and 4902.800066 km^3/s^2
    bodies = [
        (get_body(b, t).transform_to(TEME(obstime=t)).cartesian.xyz.to_value(u.m), gm)
        for b, gm in (("sun", 1.327124400419394e20), ("moon", 4.902800066e12))
    ]
    for r in ([6778e3, 0.0, 0.0], [4000e3, -3500e3, 4000e3], [-2000e3, 6000e3, -2500e3]):
        r = np.array(r)
        ref = sum(
            gm * ((s - r) / np.linalg.norm(s - r) ** 3 - s / np.linalg.norm(s) ** 3)
            for s, gm in bodies
        )
        ours = third_body_acceleration_array(r, _tt_days(t))
        # a few 1e-7 m/s^2 in low orbit: the Moon's tidal term about 1e-6, the Sun's half that
        assert 1e-7 < np.linalg.norm(ref) < 3e-6
        assert np.linalg.norm(ours - ref) < 0.015 * np.linalg.norm(ref)


def test_numerical_propagation_with_sun_and_moon_matches_scipy():
    """Point mass + Sun + Moon over one day from 700 km: our Cowell run against SciPy's DOP853
    on the same accelerations (t = 0 at the state's epoch, TT days from the epoch's own TT)."""
    t0 = Time("2026-01-01T00:00:00", scale="utc")
    state = State.from_keplerian(t0, WGS84_A + 700e3, 0.001, math.radians(98.0), 0.4, 0.2, 0.1)
    tt0 = _tt_days(t0)

    def f(t, y):
        r = y[:3]
        a = -GM_EARTH * r / np.linalg.norm(r) ** 3
        a = a + third_body_acceleration_array(r, tt0 + t / 86400.0)
        return np.concatenate([y[3:], a])

    day = 86400.0
    ref = solve_ivp(
        f, (0.0, day), np.concatenate([state.r, state.v]), method="DOP853", rtol=1e-11, atol=1e-6
    )
    with_bodies = NumericalPropagator(
        ForceModel(None, zonal_degree=0, third_body=True), rtol=1e-11, atol=1e-6
    ).propagate(state, SAT, day, output_step=-1)
    without = NumericalPropagator(
        ForceModel(None, zonal_degree=0), rtol=1e-11, atol=1e-6
    ).propagate(state, SAT, day, output_step=-1)
    # measured 1.7e-5 m (2026-11-24)
    assert np.linalg.norm(with_bodies.r[-1] - ref.y[:3, -1]) < 0.01
    # the perturbation itself moves the satellite by 154 m in that day (measured)
    assert np.linalg.norm(with_bodies.r[-1] - without.r[-1]) > 50.0


def test_off_by_default_and_named_when_on():
    assert ForceModel().third_body is False
    assert "Sun and Moon" in ForceModel(third_body=True).describe()
    assert "Sun and Moon" not in ForceModel().describe()


def test_the_fall_models_keep_the_sun_and_moon():
    """The footprint's and the Monte Carlo's ground-level models are copies of the run's model
    (atmosphere to the surface; J2 only for the falls), not rebuilt without the flag."""
    from deorbit.montecarlo.controlled import _fall_forces
    from deorbit.reentry.footprint import ground_forces

    forces = ForceModel(Exponential(), third_body=True)
    assert ground_forces(forces).third_body and _fall_forces(forces).third_body
    assert _fall_forces(forces).zonal_degree == 2
    assert _fall_forces(ForceModel(Exponential(), gravity_field=8)).gravity_field == 0
    assert ground_forces(forces).grid["alt_min_m"] == 0.0


def test_cli_propagate_third_body(tmp_path, capsys):
    from deorbit.formats.oem import read_oem

    args = ["propagate", "--days", "0.5", "--atmosphere", "exponential", "--json"]
    assert main([*args, "--out", str(tmp_path / "on.oem"), "--third-body"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "Sun and Moon" in summary["forces"]
    assert main([*args, "--out", str(tmp_path / "off.oem")]) == 0
    capsys.readouterr()
    _t, r_on, _v, _m = read_oem(tmp_path / "on.oem")
    _t, r_off, _v, _m = read_oem(tmp_path / "off.oem")
    # half a day of the ISS: the Sun and Moon move it by 68.6 m (measured 2026-11-24)
    assert 5.0 < np.linalg.norm(r_on[-1] - r_off[-1]) < 2000.0


def test_cli_third_body_with_sgp4_is_one_line_and_exit_code_2(capsys):
    assert main(["propagate", "--model", "sgp4", "--third-body"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "numerical" in err[0]
