"""Earth gravity: point mass plus zonal harmonics J2…J6 (default), or the full EGM96 field to
degree 20 (optional); the Sun and the Moon as third bodies (optional).

The zonal coefficients are the unnormalised ``J_n = -sqrt(2n+1) * Cbar_n0`` of EGM2008
(Pavlis, Holmes, Kenyon & Factor 2012, "The development and evaluation of the Earth
Gravitational Model 2008 (EGM2008)", J. Geophys. Res. 117, B04406; coefficients from the
``EGM2008_to2190_TideFree`` file distributed by NGA):

====  ==========================
 n    Cbar_n0 (EGM2008, tide-free)
====  ==========================
 2    -0.484165143790815e-03
 3     0.957161207093473e-06
 4     0.539965866638991e-06
 5     0.686702913736681e-07
 6    -0.149953927978527e-06
====  ==========================

The acceleration is the gradient of
``U = mu/r * (1 - sum_n J_n (R/r)^n P_n(z/r))`` with Legendre polynomials ``P_n`` evaluated by
their three-term recursion, so any maximum degree from 1 (point mass) to 6 uses one code path.
Positions in metres in an Earth-centred frame whose z axis is the rotation axis (TEME / GCRS
for this purpose), accelerations in m/s^2.
"""

from __future__ import annotations

import math
from importlib import resources

import numba
import numpy as np

from deorbit.core.constants import GM_EARTH, GM_MOON, GM_SUN, R_EARTH_EGM
from deorbit.core.earth_rotation import moon_position_mod, sun_position_mod
from deorbit.dynamics.compile import FASTMATH
from deorbit.errors import InputError

# EGM2008 normalised zonal coefficients Cbar_n0, n = 2..6 (source in the module docstring).
_CBAR_N0 = {
    2: -0.484165143790815e-03,
    3: 0.957161207093473e-06,
    4: 0.539965866638991e-06,
    5: 0.686702913736681e-07,
    6: -0.149953927978527e-06,
}
MAX_ZONAL_DEGREE = 6

J_ZONAL = np.zeros(MAX_ZONAL_DEGREE + 1)
"""Unnormalised zonal coefficients, ``J_ZONAL[n] = J_n`` (J_0 = J_1 = 0)."""
for _n, _c in _CBAR_N0.items():
    J_ZONAL[_n] = -math.sqrt(2 * _n + 1) * _c

J2 = float(J_ZONAL[2])
"""EGM2008 J2 (dimensionless), 1.0826e-3."""


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def zonal_acceleration(
    x: float, y: float, z: float, mu: float, r_ref: float, jn: np.ndarray, degree: int
) -> tuple[float, float, float]:
    """Acceleration (m/s^2) of point mass plus zonal terms J_2…J_degree at (x, y, z) m.

    ``jn[n]`` holds J_n; ``degree`` < 2 gives the point mass alone.
    """
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    inv_r = 1.0 / r
    u = z * inv_r
    # dU/dr at fixed u and dU/du at fixed r (U = +mu/r - mu * sum J_n R^n r^-(n+1) P_n(u)).
    du_dr = -mu * inv_r * inv_r
    du_du = 0.0
    if degree >= 2:
        p_nm1 = 1.0  # P_0
        p_n = u  # P_1
        dp_n = 1.0  # P_1'
        rr = r_ref * inv_r
        rr_n = rr  # (R/r)^1
        for n in range(2, degree + 1):
            # Bonnet: n P_n = (2n-1) u P_{n-1} - (n-1) P_{n-2};  P_n' = n P_{n-1} + u P_{n-1}'
            p_new = ((2 * n - 1) * u * p_n - (n - 1) * p_nm1) / n
            dp_new = n * p_n + u * dp_n
            p_nm1, p_n = p_n, p_new
            dp_n = dp_new
            rr_n *= rr
            c = mu * jn[n] * rr_n * inv_r  # mu J_n R^n / r^(n+1)
            du_dr += c * (n + 1) * inv_r * p_n
            du_du -= c * dp_n
    # a = dU/dr * r_hat + dU/du * (z_hat - u r_hat) / r
    radial = du_dr - du_du * u * inv_r
    ax = radial * x * inv_r
    ay = radial * y * inv_r
    az = radial * z * inv_r + du_du * inv_r
    return ax, ay, az


def gravity_acceleration(
    r: np.ndarray, degree: int = MAX_ZONAL_DEGREE, mu: float = GM_EARTH, r_ref: float = R_EARTH_EGM
) -> np.ndarray:
    """Vectorised :func:`zonal_acceleration` for positions ``r`` of shape (N, 3) or (3,), m.

    Returns accelerations of the same shape, m/s^2.
    """
    if not 0 <= degree <= MAX_ZONAL_DEGREE:
        raise ValueError(f"zonal degree must be 0..{MAX_ZONAL_DEGREE}, got {degree}")
    pts = np.atleast_2d(np.asarray(r, dtype=float))
    out = np.empty_like(pts)
    for k in range(pts.shape[0]):
        out[k] = zonal_acceleration(pts[k, 0], pts[k, 1], pts[k, 2], mu, r_ref, J_ZONAL, degree)
    return out.reshape(np.shape(r))


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def third_body_acceleration(
    x: float, y: float, z: float, tt_days: float
) -> tuple[float, float, float]:
    """Perturbing acceleration of the Sun and the Moon (point masses) on a satellite at
    ``(x, y, z)`` (m, TEME), m/s^2: for each body at ``s`` from the Earth,
    ``GM (s - r) / |s - r|^3 - GM s / |s|^3`` (the direct pull minus the Earth's own
    acceleration towards the body; Montenbruck & Gill 2000, "Satellite Orbits", eq. 3.37).
    Positions from the low-precision series of :mod:`deorbit.core.earth_rotation` (Sun about
    0.01 deg, Moon about 0.3 deg and 1 % in distance); ``tt_days``: TT days from J2000.0."""
    ax = 0.0
    ay = 0.0
    az = 0.0
    for body in range(2):
        if body == 0:
            sx, sy, sz = sun_position_mod(tt_days)
            gm = GM_SUN
        else:
            sx, sy, sz = moon_position_mod(tt_days)
            gm = GM_MOON
        dx = sx - x
        dy = sy - y
        dz = sz - z
        d3 = (dx * dx + dy * dy + dz * dz) ** 1.5
        s3 = (sx * sx + sy * sy + sz * sz) ** 1.5
        ax += gm * (dx / d3 - sx / s3)
        ay += gm * (dy / d3 - sy / s3)
        az += gm * (dz / d3 - sz / s3)
    return ax, ay, az


def third_body_acceleration_array(r: np.ndarray, tt_days: np.ndarray | float) -> np.ndarray:
    """Vectorised :func:`third_body_acceleration` for positions ``r`` (N, 3) or (3,), m, at TT
    days ``tt_days`` (scalar or (N,)): accelerations, m/s^2, the shape of ``r``."""
    pts = np.atleast_2d(np.asarray(r, dtype=float))
    tt = np.broadcast_to(np.asarray(tt_days, dtype=float), pts.shape[:1])
    out = np.empty_like(pts)
    for k in range(pts.shape[0]):
        out[k] = third_body_acceleration(pts[k, 0], pts[k, 1], pts[k, 2], float(tt[k]))
    return out.reshape(np.shape(r))


# --------------------------------------------------------------------------------------------
# Full spherical-harmonic field (optional): EGM96 to degree and order 20, bundled
# --------------------------------------------------------------------------------------------

FIELD_MAX_DEGREE = 20
"""Highest degree and order of the bundled field (``data/gravity/EGM96_deg20.gfc``)."""


def load_field(degree: int) -> np.ndarray:
    """Unnormalised coefficients of EGM96 to ``degree`` x ``degree`` as one flat array: the
    ``(degree + 1)^2`` C_nm (row n, column m) then the ``(degree + 1)^2`` S_nm.

    The file holds the fully normalised Cbar_nm, Sbar_nm of EGM96 (Lemoine et al. 1998,
    NASA/TP-1998-206861; ICGEM format, tide-free, GM 3.986004415e14 m^3/s^2, R 6378136.3 m),
    truncated at degree 20 (provenance in ``data/SOURCES.md``). Unnormalised:
    ``C_nm = Cbar_nm sqrt((2 - delta_m0) (2n + 1) (n - m)! / (n + m)!)``
    (Montenbruck & Gill 2000, "Satellite Orbits", eq. 3.13)."""
    if not 2 <= degree <= FIELD_MAX_DEGREE:
        raise InputError(f"gravity field degree must be 2..{FIELD_MAX_DEGREE}, got {degree}")
    path = resources.files("deorbit.data") / "gravity" / "EGM96_deg20.gfc"
    c = np.zeros((degree + 1, degree + 1))
    s = np.zeros((degree + 1, degree + 1))
    with resources.as_file(path) as p, open(p) as fh:
        in_body = False
        for line in fh:
            if not in_body:
                in_body = line.startswith("end_of_head")
                continue
            key, n, m, cbar, sbar = line.split()[:5]
            n, m = int(n), int(m)
            if key != "gfc" or n > degree:
                continue
            norm = math.sqrt(
                (1.0 if m == 0 else 2.0)
                * (2 * n + 1)
                * math.factorial(n - m)
                / math.factorial(n + m)
            )
            c[n, m] = float(cbar) * norm
            s[n, m] = float(sbar) * norm
    return np.concatenate([c.ravel(), s.ravel()])


FIELD_GM = 3.986004415e14
"""GM of the EGM96 coefficients, m^3/s^2 (the file's header)."""
FIELD_R = 6378136.3
"""Reference radius of the EGM96 coefficients, m (the file's header)."""


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def field_acceleration(
    x: float, y: float, z: float, coef: np.ndarray, degree: int
) -> tuple[float, float, float]:
    """Gravity of the full field to ``degree`` x ``degree`` at the Earth-fixed position
    ``(x, y, z)`` (m), m/s^2 in the same frame, point mass included. ``coef``: the flat
    unnormalised C then S of :func:`load_field`. The V_nm, W_nm recursions and the acceleration
    sums of Montenbruck & Gill 2000, "Satellite Orbits", sec. 3.2.4-3.2.5 (eqs. 3.29-3.33).
    GM and R are EGM96's own (:data:`FIELD_GM`, :data:`FIELD_R`), with which its coefficients
    were determined; its GM differs from :data:`~deorbit.core.constants.GM_EARTH` by 7.5e-10
    (relative), which drifts a 400 km orbit along its track by under a metre a day."""
    nn = degree + 2  # V, W to degree + 1
    size = degree + 1
    v = np.zeros((nn, nn))
    w = np.zeros((nn, nn))
    r2 = x * x + y * y + z * z
    rr = FIELD_R
    x0 = rr * x / r2
    y0 = rr * y / r2
    z0 = rr * z / r2
    rho = rr * rr / r2
    v[0, 0] = rr / math.sqrt(r2)
    w[0, 0] = 0.0
    for m in range(nn):
        if m > 0:
            v[m, m] = (2 * m - 1) * (x0 * v[m - 1, m - 1] - y0 * w[m - 1, m - 1])
            w[m, m] = (2 * m - 1) * (x0 * w[m - 1, m - 1] + y0 * v[m - 1, m - 1])
        if m + 1 < nn:
            v[m + 1, m] = (2 * m + 1) * z0 * v[m, m]
            w[m + 1, m] = (2 * m + 1) * z0 * w[m, m]
        for n in range(m + 2, nn):
            v[n, m] = ((2 * n - 1) * z0 * v[n - 1, m] - (n + m - 1) * rho * v[n - 2, m]) / (n - m)
            w[n, m] = ((2 * n - 1) * z0 * w[n - 1, m] - (n + m - 1) * rho * w[n - 2, m]) / (n - m)
    ax = 0.0
    ay = 0.0
    az = 0.0
    for n in range(degree + 1):
        for m in range(n + 1):
            c = coef[n * size + m]
            s = coef[size * size + n * size + m]
            if m == 0:
                ax -= c * v[n + 1, 1]
                ay -= c * w[n + 1, 1]
                az -= (n + 1) * c * v[n + 1, 0]
            else:
                f = (n - m + 2) * (n - m + 1)
                ax += 0.5 * (
                    -c * v[n + 1, m + 1]
                    - s * w[n + 1, m + 1]
                    + f * (c * v[n + 1, m - 1] + s * w[n + 1, m - 1])
                )
                ay += 0.5 * (
                    -c * w[n + 1, m + 1]
                    + s * v[n + 1, m + 1]
                    + f * (-c * w[n + 1, m - 1] + s * v[n + 1, m - 1])
                )
                az += (n - m + 1) * (-c * v[n + 1, m] - s * w[n + 1, m])
    k = FIELD_GM / (rr * rr)
    return k * ax, k * ay, k * az
