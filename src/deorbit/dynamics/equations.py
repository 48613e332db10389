"""Equations of motion as compiled kernels.

Two state layouts share one integrator (:mod:`deorbit.propagation.dop853`):

* **Cowell** (``p[MODEL] == 0``): ``y = [x, y, z, vx, vy, vz, m]`` in TEME, m, m/s, kg.
  Acceleration = zonal gravity (or the full EGM96 field to ``p[FIELD_DEGREE]``, evaluated in
  the pseudo-Earth-fixed frame) + drag (atmosphere x spacecraft, relative to the co-rotating
  atmosphere) + thrust during a finite burn + optionally the Sun and the Moon
  (``p[THIRD_BODY]``); ``dm/dt = -T / (Isp g0)`` while firing.
* **Orbit-averaged** (``p[MODEL] == 1``): mean elements ``y = [a, ex, ey, i, raan, m]`` with
  ``ex = e cos(argp)``, ``ey = e sin(argp)`` (non-singular for circular orbits), m and rad.
  Drag enters through Gauss's variational equations averaged over the mean anomaly by quadrature
  in eccentric anomaly (``dM = (1 - e cos E) dE``), with the drag vector evaluated with the same
  atmosphere, geodetic altitude and co-rotating air as the Cowell model at every quadrature
  point (Vallado, "Fundamentals of Astrodynamics and Applications", 4th ed., §9.6 Gauss form;
  King-Hele, "Satellite Orbits in an Atmosphere", 1987, for the averaging). J2 adds the secular
  node and perigee drift (Vallado eqs. 9-41, 9-42). Short-period and J3 long-period terms are
  not modelled; the mean semi-major axis is defined so that ``a (1 + e^2/2)`` equals the
  time-averaged radius (see :mod:`deorbit.propagation.mean_elements`). The Sun and the Moon
  are left out of the averaged equations: their secular and long-period effect on a
  decaying low orbit's semi-major axis is nil to first order (a conservative perturbation
  changes the mean a only periodically), far below the drag.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from deorbit.core.constants import WGS84_A
from deorbit.dynamics import layout as L
from deorbit.dynamics.compile import FASTMATH
from deorbit.dynamics.conditions import flight_conditions, flight_conditions_xyz, geodetic
from deorbit.dynamics.gravity import (
    field_acceleration,
    third_body_acceleration,
    zonal_acceleration,
)

# Event kinds understood by :func:`event_value`.
EVENT_ALTITUDE = 1
"""Cowell: geodetic altitude minus the threshold (m)."""
EVENT_APSIS = 2
"""Cowell: radial velocity r.v (zero at perigee and apogee)."""
EVENT_MIN_ALTITUDE_AVG = 3
"""Averaged: lowest geodetic altitude around the mean orbit minus the threshold (m)."""
EVENT_MEAN_ALTITUDE_AVG = 4
"""Averaged: mean altitude a - R_eq minus the threshold (m)."""
EVENT_MASS = 5
"""Either model: mass minus the threshold (kg) - propellant exhausted."""


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def cowell_rhs(t: float, y: np.ndarray, p: np.ndarray, grid: tuple, out: np.ndarray) -> None:
    """Time derivative of the Cowell state, written into ``out`` (length 7)."""
    field_degree = int(p[L.FIELD_DEGREE])
    if field_degree > 0:
        # the full field in the pseudo-Earth-fixed frame (the co-rotating atmosphere's angle)
        th = p[L.THETA0] + p[L.OMEGA_EARTH] * t
        c = math.cos(th)
        s = math.sin(th)
        fx, fy, az = field_acceleration(
            c * y[0] + s * y[1], -s * y[0] + c * y[1], y[2], p[L.SIZE :], field_degree
        )
        ax = c * fx - s * fy
        ay = s * fx + c * fy
    else:
        ax, ay, az = zonal_acceleration(
            y[0],
            y[1],
            y[2],
            p[L.MU],
            p[L.R_REF],
            p[L.J_FIRST : L.J_FIRST + 7],
            int(p[L.ZONAL_DEGREE]),
        )
    if p[L.THIRD_BODY] > 0.0:
        bx, by, bz = third_body_acceleration(y[0], y[1], y[2], p[L.TT0] + t / 86400.0)
        ax += bx
        ay += by
        az += bz
    m = y[6]
    if p[L.DRAG_ON] > 0.0:
        _alt, _lat, _lon, rho, vrx, vry, vrz = flight_conditions(t, y, p, grid)
        vr = math.sqrt(vrx * vrx + vry * vry + vrz * vrz)
        k = -0.5 * rho * p[L.CDA] / m * vr
        ax += k * vrx
        ay += k * vry
        az += k * vrz
    dm = 0.0
    if p[L.THRUST_ON] > 0.0:
        ux, uy, uz = thrust_direction(y, p)
        f = p[L.THRUST] / m
        ax += f * ux
        ay += f * uy
        az += f * uz
        dm = -p[L.THRUST] / (p[L.ISP] * p[L.G0])
    out[0] = y[3]
    out[1] = y[4]
    out[2] = y[5]
    out[3] = ax
    out[4] = ay
    out[5] = az
    out[6] = dm


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def thrust_direction(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    """Inertial unit vector of the thrust from its local-orbital-frame components."""
    rx, ry, rz, vx, vy, vz = y[0], y[1], y[2], y[3], y[4], y[5]
    hx = ry * vz - rz * vy
    hy = rz * vx - rx * vz
    hz = rx * vy - ry * vx
    hn = math.sqrt(hx * hx + hy * hy + hz * hz)
    nx, ny, nz = hx / hn, hy / hn, hz / hn
    if p[L.THRUST_FRAME] == 0.0:  # VNC
        vn = math.sqrt(vx * vx + vy * vy + vz * vz)
        ex, ey, ez = vx / vn, vy / vn, vz / vn
        # co-normal C = V x N
        cx = ey * nz - ez * ny
        cy = ez * nx - ex * nz
        cz = ex * ny - ey * nx
        d0, d1, d2 = p[L.THRUST_DIR], p[L.THRUST_DIR + 1], p[L.THRUST_DIR + 2]
        return (
            d0 * ex + d1 * nx + d2 * cx,
            d0 * ey + d1 * ny + d2 * cy,
            d0 * ez + d1 * nz + d2 * cz,
        )
    rn = math.sqrt(rx * rx + ry * ry + rz * rz)
    ex, ey, ez = rx / rn, ry / rn, rz / rn
    # along-track S = W x R
    sx = ny * ez - nz * ey
    sy = nz * ex - nx * ez
    sz = nx * ey - ny * ex
    d0, d1, d2 = p[L.THRUST_DIR], p[L.THRUST_DIR + 1], p[L.THRUST_DIR + 2]
    return (
        d0 * ex + d1 * sx + d2 * nx,
        d0 * ey + d1 * sy + d2 * ny,
        d0 * ez + d1 * sz + d2 * nz,
    )


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _orbit_point(
    a: float, e: float, argp: float, inc: float, raan: float, big_e: float, mu: float
) -> tuple:
    """Position, velocity and anomalies of the point at eccentric anomaly ``big_e``."""
    ce = math.cos(big_e)
    se = math.sin(big_e)
    one_m = 1.0 - e * ce
    eta = math.sqrt(1.0 - e * e)
    r = a * one_m
    cnu = (ce - e) / one_m
    snu = eta * se / one_m
    u = argp + math.atan2(snu, cnu)
    cu = math.cos(u)
    su = math.sin(u)
    co = math.cos(raan)
    so = math.sin(raan)
    ci = math.cos(inc)
    si = math.sin(inc)
    rhx = co * cu - so * su * ci
    rhy = so * cu + co * su * ci
    rhz = su * si
    wx = so * si
    wy = -co * si
    wz = ci
    # along-track unit S = W x R
    sx = wy * rhz - wz * rhy
    sy = wz * rhx - wx * rhz
    sz = wx * rhy - wy * rhx
    pp = a * eta * eta
    sq = math.sqrt(mu / pp)
    vr = sq * e * snu
    vt = sq * (1.0 + e * cnu)
    return (r, cnu, snu, ce, cu, su, rhx, rhy, rhz, sx, sy, sz, wx, wy, wz, vr, vt)


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def averaged_rhs(t: float, y: np.ndarray, p: np.ndarray, grid: tuple, out: np.ndarray) -> None:
    """Time derivative of the mean elements ``[a, ex, ey, i, raan, m]``, written into ``out``."""
    a = y[0]
    ex = y[1]
    ey = y[2]
    inc = y[3]
    raan = y[4]
    m = y[5]
    mu = p[L.MU]
    e = math.sqrt(ex * ex + ey * ey)
    if not (a > 0.0 and e < 1.0):
        # an integrator's trial stage far past the end of a fast decay (a <= 0 or an open
        # orbit, or NaN): no orbit to average over. NaN derivatives make the integrator reject
        # the step and try a shorter one; an accepted non-finite state is its own error.
        for j in range(out.shape[0]):
            out[j] = math.nan
        return
    argp = math.atan2(ey, ex) if e > 0.0 else 0.0
    eta2 = 1.0 - e * e
    eta = math.sqrt(eta2)
    n = math.sqrt(mu / (a * a * a))
    pp = a * eta2
    da = 0.0
    de = 0.0
    edw = 0.0
    di = 0.0
    dr = 0.0
    if p[L.DRAG_ON] > 0.0:
        nq = int(p[L.N_QUAD])
        k_drag = -0.5 * p[L.CDA] / m
        sin_i = math.sin(inc)
        for q in range(nq):
            big_e = 2.0 * math.pi * q / nq
            (r, cnu, snu, ce, cu, su, rhx, rhy, rhz, sx, sy, sz, wx, wy, wz, vr, vt) = _orbit_point(
                a, e, argp, inc, raan, big_e, mu
            )
            px = r * rhx
            py = r * rhy
            pz = r * rhz
            vx = vr * rhx + vt * sx
            vy = vr * rhy + vt * sy
            vz = vr * rhz + vt * sz
            _alt, _lat, _lon, rho, vrx, vry, vrz = flight_conditions_xyz(
                t, px, py, pz, vx, vy, vz, p, grid
            )
            vrel = math.sqrt(vrx * vrx + vry * vry + vrz * vrz)
            k = k_drag * rho * vrel
            fx = k * vrx
            fy = k * vry
            fz = k * vrz
            fr = fx * rhx + fy * rhy + fz * rhz
            fs = fx * sx + fy * sy + fz * sz
            fw = fx * wx + fy * wy + fz * wz
            weight = (1.0 - e * ce) / nq
            da += weight * 2.0 / (n * eta) * (e * snu * fr + pp / r * fs)
            de += weight * eta / (n * a) * (snu * fr + (cnu + ce) * fs)
            edw += weight * eta / (n * a) * (-cnu * fr + (1.0 + r / pp) * snu * fs)
            hfac = r * fw / (n * a * a * eta)
            di += weight * hfac * cu
            if sin_i > 1e-9:
                dr += weight * hfac * su / sin_i
        edw -= e * math.cos(inc) * dr
    dw_j2 = 0.0
    if p[L.AVG_J2] > 0.0:
        j2 = p[L.J_FIRST + 2]
        fac = n * j2 * (p[L.R_REF] / pp) ** 2
        ci = math.cos(inc)
        dr += -1.5 * fac * ci
        dw_j2 = 0.75 * fac * (5.0 * ci * ci - 1.0)
    cw = math.cos(argp)
    sw = math.sin(argp)
    out[0] = da
    out[1] = de * cw - edw * sw - ey * dw_j2
    out[2] = de * sw + edw * cw + ex * dw_j2
    out[3] = di
    out[4] = dr
    out[5] = 0.0


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def rhs(t: float, y: np.ndarray, p: np.ndarray, grid: tuple, out: np.ndarray) -> None:
    """Dispatch to the Cowell or averaged equations by ``p[MODEL]``."""
    if p[L.MODEL] == 0.0:
        cowell_rhs(t, y, p, grid, out)
    else:
        averaged_rhs(t, y, p, grid, out)


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def min_altitude_mean_orbit(t: float, y: np.ndarray, p: np.ndarray) -> float:
    """Lowest geodetic altitude (m) over ``N_QUAD`` points of the mean orbit ``y`` at time t."""
    a = y[0]
    e = math.sqrt(y[1] * y[1] + y[2] * y[2])
    argp = math.atan2(y[2], y[1]) if e > 0.0 else 0.0
    nq = int(p[L.N_QUAD])
    lowest = 1e30
    for q in range(nq):
        big_e = 2.0 * math.pi * q / nq
        pt = _orbit_point(a, e, argp, y[3], y[4], big_e, p[L.MU])
        r = pt[0]
        _lat, _lon, alt = geodetic(t, r * pt[6], r * pt[7], r * pt[8], p)
        lowest = min(lowest, alt)
    return lowest


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def event_value(kind: int, value: float, t: float, y: np.ndarray, p: np.ndarray) -> float:
    """Value of the event function of ``kind`` (zero at the event) for state ``y`` at time t."""
    if kind == EVENT_ALTITUDE:
        _lat, _lon, alt = geodetic(t, y[0], y[1], y[2], p)
        return alt - value
    if kind == EVENT_APSIS:
        return y[0] * y[3] + y[1] * y[4] + y[2] * y[5]
    if kind == EVENT_MIN_ALTITUDE_AVG:
        return min_altitude_mean_orbit(t, y, p) - value
    if kind == EVENT_MEAN_ALTITUDE_AVG:
        return y[0] - WGS84_A - value
    if kind == EVENT_MASS:
        return y[6 if p[L.MODEL] == 0.0 else 5] - value
    return 1.0
