"""The optional full gravity field (EGM96 to degree and order 20)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import lpmv

from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.gravity import (
    FIELD_GM,
    FIELD_R,
    field_acceleration,
    load_field,
    zonal_acceleration,
)
from deorbit.errors import InputError
from deorbit.propagation.numerical import NumericalPropagator

POINTS = [
    (6778e3, 0.0, 0.0),
    (4000e3, -3500e3, 4000e3),
    (-2000e3, 6000e3, -2500e3),
    (100e3, 200e3, 6700e3),  # near the pole
]


def _potential(x: float, y: float, z: float, coef: np.ndarray, degree: int) -> float:
    """U = GM/r sum (R/r)^n P_nm(sin phi) (C cos m lam + S sin m lam), written out with
    SciPy's associated Legendre functions (whose Condon-Shortley phase (-1)^m is removed)."""
    size = degree + 1
    c = coef[: size * size].reshape(size, size)
    s = coef[size * size :].reshape(size, size)
    r = math.sqrt(x * x + y * y + z * z)
    sphi = z / r
    lam = math.atan2(y, x)
    u = 0.0
    for n in range(degree + 1):
        for m in range(n + 1):
            p = (-1) ** m * lpmv(m, n, sphi)
            u += (
                (FIELD_R / r) ** n * p * (c[n, m] * math.cos(m * lam) + s[n, m] * math.sin(m * lam))
            )
    return FIELD_GM / r * u


@pytest.mark.parametrize("degree", [2, 8, 20])
def test_acceleration_is_the_gradient_of_the_potential(degree):
    """Against the numerical gradient of the potential summed directly: the recursions, the
    signs and the un-normalisation all enter."""
    coef = load_field(degree)
    for x, y, z in POINTS:
        a = np.array(field_acceleration(x, y, z, coef, degree))
        # fourth-order central differences, 100 m: truncation ~1e-15, round-off ~1e-9 m/s^2
        h = 100.0
        g = np.zeros(3)
        for k in range(3):
            e = np.zeros(3)
            e[k] = h
            u = [_potential(*(np.array([x, y, z]) + j * e), coef, degree) for j in (-2, -1, 1, 2)]
            g[k] = (u[0] - 8.0 * u[1] + 8.0 * u[2] - u[3]) / (12.0 * h)
        # the non-central part (~1e-2 m/s^2 for J2 and above) to 1e-6 of itself
        central = -FIELD_GM * np.array([x, y, z]) / math.sqrt(x * x + y * y + z * z) ** 3
        assert np.linalg.norm(a - g) < 1e-6 * np.linalg.norm(a - central) + 1e-9


def test_the_zonal_part_is_our_zonal_model():
    """With the tesseral terms zeroed, the field is the zonal model with EGM96's J_n."""
    coef = load_field(6).copy()
    size = 7
    c = coef[: size * size].reshape(size, size)
    j = np.zeros(7)
    j[2:] = -c[2:, 0]
    c[:, 1:] = 0.0
    coef[size * size :] = 0.0
    for x, y, z in POINTS:
        ours = np.array(field_acceleration(x, y, z, coef, 6))
        ref = np.array(zonal_acceleration(x, y, z, FIELD_GM, FIELD_R, j, 6))
        assert np.linalg.norm(ours - ref) < 1e-12 * np.linalg.norm(ref)


def test_matches_satkit_egm96():
    """An independent implementation (satkit, Rust, Montenbruck & Gill's algorithm, its own
    EGM96 file): within 1e-9 of the acceleration."""
    satkit = pytest.importorskip(
        "satkit", reason="satkit is not installed (a benchmark dependency, not in the test extra)"
    )
    for degree in (4, 12, 20):
        coef = load_field(degree)
        for x, y, z in POINTS:
            ours = np.array(field_acceleration(x, y, z, coef, degree))
            ref = np.asarray(
                satkit.gravity(np.array([x, y, z]), model=satkit.gravmodel.egm96, degree=degree)
            )
            assert np.linalg.norm(ours - ref) < 1e-9 * np.linalg.norm(ref)


def test_degree_outside_the_bundled_field_is_an_input_error():
    for bad in (1, 21, -3):
        with pytest.raises(InputError, match="gravity field degree"):
            ForceModel(gravity_field=bad)


def test_propagation_with_the_field_moves_a_low_orbit():
    """One day from 400 km: the 20 x 20 field against the J2..J6 zonal model moves the
    satellite by 573 m (measured 2026-11-24; 2 x 2: 459 m, 8 x 8: 1119 m)."""
    state = State.from_keplerian(
        "2026-01-01T00:00:00", WGS84_A + 400e3, 0.001, math.radians(51.6), 0.3, 0.2, 0.1
    )
    sat = Spacecraft(500.0, 2.0, 2.2)
    zonal = NumericalPropagator(ForceModel(None)).propagate(state, sat, 86400.0, output_step=-1)
    field = NumericalPropagator(ForceModel(None, gravity_field=20)).propagate(
        state, sat, 86400.0, output_step=-1
    )
    moved = np.linalg.norm(field.r[-1] - zonal.r[-1])
    assert 200.0 < moved < 2000.0
    assert "EGM96" in ForceModel(gravity_field=20).describe()


def test_cli_propagate_gravity_field(tmp_path, capsys):
    import json

    from deorbit.cli import main

    args = ["propagate", "--days", "0.2", "--atmosphere", "exponential", "--json"]
    assert main([*args, "--gravity-field", "12"]) == 0
    assert "EGM96 12x12" in json.loads(capsys.readouterr().out)["forces"]
    assert main([*args, "--gravity-field", "40"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "gravity field degree" in err[0]


def test_unnormalised_coefficients_are_the_published_ones():
    """Un-normalised EGM96 C22, S22 and C31 as tabulated in Vallado 2013, "Fundamentals of
    Astrodynamics and Applications", 4th ed., App. D (EGM-96, unnormalised): 1.57446037456e-6,
    -9.03803806639e-7 and 2.19263852917e-6."""
    coef = load_field(4)
    size = 5
    c = coef[: size * size].reshape(size, size)
    s = coef[size * size :].reshape(size, size)
    assert c[2, 2] == pytest.approx(1.57446037456e-6, rel=1e-9)
    assert s[2, 2] == pytest.approx(-9.03803806639e-7, rel=1e-9)
    assert c[3, 1] == pytest.approx(2.19263852917e-6, rel=1e-9)


def test_the_equations_of_motion_rotate_the_field_with_the_earth():
    """cowell_rhs (drag off) at 5 h after the epoch against the field evaluated at the position
    turned into the Earth-fixed frame by astropy's IAU 1982 mean sidereal time and the
    acceleration turned back: a wrong direction or a frozen Earth would miss by the tesseral
    part (~1e-5 m/s^2)."""
    from astropy.time import Time, TimeDelta

    from deorbit.dynamics.equations import cowell_rhs

    epoch = Time("2026-03-01T00:00:00", scale="utc")
    state = State.from_keplerian(epoch, WGS84_A + 400e3, 0.001, 0.9, 0.3, 0.2, 0.1)
    forces = ForceModel(None, gravity_field=20)
    grid = forces.density_grid(epoch.mjd, epoch.mjd + 1)
    p = forces.parameters(Spacecraft(500.0, 2.0, 2.2), epoch, grid)
    t = 5 * 3600.0
    y = np.array([*state.r, *state.v, 500.0])
    out = np.empty(7)
    cowell_rhs(t, y, p, grid.as_numba(), out)
    th = (epoch + TimeDelta(t, format="sec")).sidereal_time("mean", "greenwich", model="IAU1982")
    th = th.to_value("rad")
    c, s = math.cos(th), math.sin(th)
    fx, fy, fz = field_acceleration(
        c * y[0] + s * y[1], -s * y[0] + c * y[1], y[2], load_field(20), 20
    )
    ref = np.array([c * fx - s * fy, s * fx + c * fy, fz])
    assert np.linalg.norm(out[3:6] - ref) < 1e-9
    frozen = np.array(field_acceleration(y[0], y[1], y[2], load_field(20), 20))
    assert np.linalg.norm(out[3:6] - frozen) > 1e-6
