"""Reference frames: TEME (SGP4 output), GCRS (inertial), ITRS (Earth-fixed), geodetic.

Two paths:

* **Accurate** (this module, astropy + ERFA): :func:`teme_to_gcrs`, :func:`gcrs_to_teme`,
  :func:`gcrs_to_itrs`, :func:`itrs_to_gcrs`, :func:`teme_to_itrs`, :func:`itrs_to_teme`.
  astropy's TEME -> ITRS is Vallado et al. (2006)'s definition (IAU 1982 GMST from UT1, then
  polar motion); GCRS <-> ITRS is the IAU 2006/2000A CIO-based chain. Earth orientation
  (UT1-UTC, pole) comes from astropy's bundled IERS tables, offline (see
  :mod:`deorbit.core.time`); set ``t.delta_ut1_utc`` on the ``Time`` to impose your own UT1.
* **Simple Earth** (:func:`teme_to_ecef_simple`, numba kernels of
  :mod:`deorbit.core.earth_rotation`): GMST rotation only, optionally plus table polar motion;
  for hot loops and large arrays. Without polar motion it differs from the accurate path by
  up to 14 m for LEO (measured in ``tests/test_frames_kernels.py``).

All functions take ``t`` (an astropy ``Time``, scalar or N long, or anything
:func:`deorbit.core.time.to_time` reads), ``r`` of shape (3,) or (N, 3) in m and optional ``v``
of the same shape in m/s; they return ``(r, v)`` of the input shape (``v`` is None when not
given). Velocities are transformed with the frame rotation rate (astropy finite differences).

Dates beyond the IERS tables (``eop_coverage()``; predictions end about one year after the
table was published) are handled by astropy with the last UT1-UTC and the 50-year mean pole:
``beyond_eop="extrapolate"`` (default) accepts that (|UT1-UTC| < 0.9 s, so < 450 m at LEO
radius), ``beyond_eop="error"`` raises :class:`~deorbit.errors.FrameError` instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import astropy.units as u
import erfa
import numpy as np
from astropy.coordinates import (
    GCRS,
    ITRS,
    TEME,
    BaseCoordinateFrame,
    CartesianDifferential,
    CartesianRepresentation,
)
from astropy.coordinates.builtin_frames.utils import get_polar_motion
from astropy.time import Time
from astropy.utils import iers
from astropy.utils.exceptions import AstropyWarning

from deorbit.core import earth_rotation as _er
from deorbit.core.geodesy import ecef_to_geodetic
from deorbit.core.time import TimeLike, days_since_j2000, to_time
from deorbit.errors import DeorbitError, FrameError

BeyondEop = Literal["extrapolate", "error"]

# The policy for dates beyond the tables is :func:`check_eop`'s. astropy's notice that it falls
# back to the 50-year mean pole is silenced process-wide, by its message, not only inside
# :func:`_quiet`: ``warnings.catch_warnings`` is not thread-safe, and the Monte Carlo calls these
# functions from worker threads (the notice leaked from there in the test suite, 2026-11-24).
warnings.filterwarnings(
    "ignore",
    message="Tried to get polar motions for times (after|before) IERS data is valid",
    category=AstropyWarning,
)

Vectors = tuple[np.ndarray, np.ndarray | None]


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def _as_time(t: TimeLike) -> Time:
    try:
        return to_time(t)
    except DeorbitError as exc:
        raise FrameError(str(exc)) from exc


def _as_vectors(name: str, values: np.ndarray | None) -> np.ndarray | None:
    if values is None:
        return None
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise FrameError(f"{name} is not a numeric array: {values!r}") from exc
    if arr.ndim not in (1, 2) or arr.shape[-1] != 3:
        raise FrameError(f"{name} must have shape (3,) or (N, 3); got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise FrameError(f"{name} contains a non-finite value (NaN or inf)")
    return arr


def _prepare(
    t: TimeLike, r: np.ndarray, v: np.ndarray | None, beyond_eop: BeyondEop
) -> tuple[Time, np.ndarray, np.ndarray | None, bool]:
    """Validate and broadcast: returns (time, r [N,3], v [N,3] or None, single)."""
    time = _as_time(t)
    rr = _as_vectors("r", r)
    vv = _as_vectors("v", v)
    if vv is not None and vv.shape != rr.shape:
        raise FrameError(f"r has shape {rr.shape} but v has shape {vv.shape}")
    if time.ndim > 1:
        raise FrameError(f"times must be a scalar or 1-D; got shape {time.shape}")
    single = rr.ndim == 1 and time.ndim == 0
    rr2 = np.atleast_2d(rr)
    n_t = 1 if time.ndim == 0 else len(time)
    n = max(n_t, rr2.shape[0])
    if n_t not in (1, n) or rr2.shape[0] not in (1, n):
        raise FrameError(f"{n_t} times do not match {rr2.shape[0]} position vectors")
    rr2 = np.broadcast_to(rr2, (n, 3))
    vv2 = None if vv is None else np.broadcast_to(np.atleast_2d(vv), (n, 3))
    if time.ndim == 1 and n_t == 1 and n > 1:
        time = time[0]
    check_eop(time, beyond_eop)
    return time, rr2, vv2, single


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence astropy/ERFA notices about predicted or extrapolated Earth orientation and
    'dubious year' leap seconds; the policy is applied explicitly by :func:`check_eop`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", erfa.ErfaWarning)
        warnings.simplefilter("ignore", iers.IERSWarning)
        warnings.filterwarnings("ignore", module="astropy.coordinates")
        warnings.filterwarnings("ignore", module="astropy.utils.iers")
        yield


def eop_coverage() -> tuple[Time, Time]:
    """First and last date (UTC) of the Earth orientation table astropy uses (bundled
    IERS finals2000A: measured values, then about a year of predictions)."""
    table = iers.earth_orientation_table.get()
    mjd = np.asarray(table["MJD"].to_value(u.d) if hasattr(table["MJD"], "unit") else table["MJD"])
    return Time(float(mjd.min()), format="mjd", scale="utc"), Time(
        float(mjd.max()), format="mjd", scale="utc"
    )


def check_eop(t: Time, beyond_eop: BeyondEop = "extrapolate") -> None:
    """Apply the policy for dates outside the IERS tables (see the module docstring).

    Raises
    ------
    FrameError
        With ``beyond_eop="error"``, naming the first date outside the table and its span;
        for an unknown policy.
    """
    if beyond_eop not in ("extrapolate", "error"):
        raise FrameError(f"beyond_eop must be 'extrapolate' or 'error'; got {beyond_eop!r}")
    if beyond_eop == "extrapolate":
        return
    start, end = eop_coverage()
    mjd = np.atleast_1d(t.utc.mjd)
    outside = (mjd < start.mjd) | (mjd > end.mjd)
    if np.any(outside):
        first = Time(mjd[np.argmax(outside)], format="mjd", scale="utc")
        raise FrameError(
            f"date {first.isot}Z is outside the IERS Earth orientation table "
            f"({start.iso[:10]} to {end.iso[:10]}); pass beyond_eop='extrapolate' to accept "
            "the last UT1-UTC and the mean pole"
        )


# --------------------------------------------------------------------------------------------
# Accurate path (astropy)
# --------------------------------------------------------------------------------------------


def _transform(
    t: TimeLike,
    r: np.ndarray,
    v: np.ndarray | None,
    source: type[BaseCoordinateFrame],
    target: type[BaseCoordinateFrame],
    beyond_eop: BeyondEop,
) -> Vectors:
    time, rr, vv, single = _prepare(t, r, v, beyond_eop)
    rep = CartesianRepresentation(rr.T, unit=u.m, copy=False)
    if vv is not None:
        rep = rep.with_differentials(CartesianDifferential(vv.T, unit=u.m / u.s, copy=False))
    try:
        with _quiet():
            out = source(rep, obstime=time).transform_to(target(obstime=time))
            r_out = out.cartesian.xyz.to_value(u.m).T
            v_out = None if vv is None else out.velocity.d_xyz.to_value(u.m / u.s).T
    except (ValueError, TypeError, iers.IERSRangeError) as exc:
        raise FrameError(
            f"cannot transform {source.__name__} -> {target.__name__} at {time}: {exc}"
        ) from exc
    if not np.all(np.isfinite(r_out)) or (v_out is not None and not np.all(np.isfinite(v_out))):
        raise FrameError(
            f"{source.__name__} -> {target.__name__} gave a non-finite result at {time}"
        )
    if single:
        return r_out[0], None if v_out is None else v_out[0]
    return np.ascontiguousarray(r_out), None if v_out is None else np.ascontiguousarray(v_out)


def teme_to_gcrs_matrix(t: TimeLike) -> np.ndarray:
    """Rotation matrices M with r_GCRS = M r_TEME, shape (3, 3) or (N, 3, 3).

    Built from the same ERFA routines and Earth orientation that astropy's TEME -> ITRS ->
    CIRS -> GCRS chain uses (GMST 1982 + pole for TEME -> ITRS; IAU 2006/2000A
    c2i06a, ERA, pole and s' for GCRS -> ITRS), composed once instead of through astropy's
    finite-difference frame graph (about 10x faster for long arrays of times).
    """
    time = _as_time(t)
    with _quiet():
        ut1 = time.ut1
        tt = time.tt
        xp, yp = get_polar_motion(time)
        teme_to_itrs_m = erfa.c2tcio(
            np.eye(3), erfa.gmst82(ut1.jd1, ut1.jd2), erfa.pom00(xp, yp, 0.0)
        )
        gcrs_to_itrs_m = erfa.c2tcio(
            erfa.c2i06a(tt.jd1, tt.jd2),
            erfa.era00(ut1.jd1, ut1.jd2),
            erfa.pom00(xp, yp, erfa.sp00(tt.jd1, tt.jd2)),
        )
    return np.swapaxes(gcrs_to_itrs_m, -1, -2) @ teme_to_itrs_m


def _rotate_quasi_inertial(
    t: TimeLike, r: np.ndarray, v: np.ndarray | None, inverse: bool, beyond_eop: BeyondEop
) -> Vectors:
    """Rotate between two quasi-inertial frames: r' = M r, v' = M v + dM/dt r. Their relative
    rotation (precession, nutation, GMST - ERA) is about 2e-11 rad/s, i.e. 0.2 mm/s at
    10,000 km; dM/dt comes from a central difference over +-60 s."""
    time, rr, vv, single = _prepare(t, r, v, beyond_eop)
    m = teme_to_gcrs_matrix(time)
    if inverse:
        m = np.swapaxes(m, -1, -2)
    r_out = np.einsum("...ij,...j->...i", m, rr)
    v_out = None
    if vv is not None:
        step = 60.0 * u.s
        m_dot = (teme_to_gcrs_matrix(time + step) - teme_to_gcrs_matrix(time - step)) / 120.0
        if inverse:
            m_dot = np.swapaxes(m_dot, -1, -2)
        v_out = np.einsum("...ij,...j->...i", m, vv) + np.einsum("...ij,...j->...i", m_dot, rr)
    if single:
        return r_out[0], None if v_out is None else v_out[0]
    return r_out, v_out


def teme_to_gcrs(
    t: TimeLike, r: np.ndarray, v: np.ndarray | None = None, beyond_eop: BeyondEop = "extrapolate"
) -> Vectors:
    """TEME (SGP4 output) -> GCRS. r m, v m/s, shapes (3,) or (N, 3).

    Equal to astropy's ``TEME -> GCRS`` transform to < 1 mm and < 0.01 mm/s (tested), using
    :func:`teme_to_gcrs_matrix`.
    """
    return _rotate_quasi_inertial(t, r, v, False, beyond_eop)


def gcrs_to_teme(
    t: TimeLike, r: np.ndarray, v: np.ndarray | None = None, beyond_eop: BeyondEop = "extrapolate"
) -> Vectors:
    """GCRS -> TEME (inverse of :func:`teme_to_gcrs`). r m, v m/s, shapes (3,) or (N, 3)."""
    return _rotate_quasi_inertial(t, r, v, True, beyond_eop)


def gcrs_to_itrs(
    t: TimeLike, r: np.ndarray, v: np.ndarray | None = None, beyond_eop: BeyondEop = "extrapolate"
) -> Vectors:
    """GCRS -> ITRS (IAU 2006/2000A, CIO based). r m, v m/s (v Earth-relative on output)."""
    return _transform(t, r, v, GCRS, ITRS, beyond_eop)


def itrs_to_gcrs(
    t: TimeLike, r: np.ndarray, v: np.ndarray | None = None, beyond_eop: BeyondEop = "extrapolate"
) -> Vectors:
    """ITRS -> GCRS. r m, v m/s (v Earth-relative on input, inertial on output)."""
    return _transform(t, r, v, ITRS, GCRS, beyond_eop)


def teme_to_itrs(
    t: TimeLike, r: np.ndarray, v: np.ndarray | None = None, beyond_eop: BeyondEop = "extrapolate"
) -> Vectors:
    """TEME -> ITRS (Vallado et al. 2006: GMST 1982 + polar motion). r m, v m/s."""
    return _transform(t, r, v, TEME, ITRS, beyond_eop)


def itrs_to_teme(
    t: TimeLike, r: np.ndarray, v: np.ndarray | None = None, beyond_eop: BeyondEop = "extrapolate"
) -> Vectors:
    """ITRS -> TEME. r m, v m/s."""
    return _transform(t, r, v, ITRS, TEME, beyond_eop)


# --------------------------------------------------------------------------------------------
# Simple Earth path (numba kernels)
# --------------------------------------------------------------------------------------------


def polar_motion(t: TimeLike) -> tuple[np.ndarray, np.ndarray]:
    """IERS pole coordinates (xp, yp) in rad at ``t`` from astropy's bundled tables
    (the 50-year mean pole beyond them)."""
    time = _as_time(t)
    with _quiet():
        xp, yp = get_polar_motion(time)
    return np.asarray(xp, dtype=float), np.asarray(yp, dtype=float)


def teme_to_ecef_simple(
    t: TimeLike,
    r: np.ndarray,
    v: np.ndarray | None = None,
    with_polar_motion: bool = False,
) -> Vectors:
    """TEME -> Earth-fixed with the fast kernels: GMST (IAU 1982) from table UT1, then
    optionally the table polar motion (then equal to :func:`teme_to_itrs` to < 1 mm).

    Without polar motion the result is the PEF frame, up to 14 m from ITRS at LEO radius.
    """
    time, rr, vv, single = _prepare(t, r, v, "extrapolate")
    with _quiet():
        days = days_since_j2000(time, "ut1")
    r_pef, v_pef = _er.teme_to_pef_array(np.atleast_1d(days), 0.0, rr, vv)
    if with_polar_motion:
        xp, yp = polar_motion(time)
        xp = np.broadcast_to(np.atleast_1d(xp), (r_pef.shape[0],))
        yp = np.broadcast_to(np.atleast_1d(yp), (r_pef.shape[0],))
        r_pef = _pm_many(xp, yp, r_pef)
        v_pef = _pm_many(xp, yp, v_pef)
    v_out = None if vv is None else v_pef
    if single:
        return r_pef[0], None if v_out is None else v_out[0]
    return r_pef, v_out


def _pm_many(xp: np.ndarray, yp: np.ndarray, vec: np.ndarray) -> np.ndarray:
    out = np.empty_like(vec)
    for i in range(vec.shape[0]):
        out[i] = _er.pef_to_itrs(float(xp[i]), float(yp[i]), *vec[i])
    return out


# --------------------------------------------------------------------------------------------
# Ground track
# --------------------------------------------------------------------------------------------


def subpoint(
    t: TimeLike, r_teme: np.ndarray, beyond_eop: BeyondEop = "extrapolate"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sub-satellite point of TEME position(s) for reports and the CLI.

    Returns geodetic latitude (deg), longitude (deg, -180..180] and altitude above the WGS 84
    ellipsoid (km) — degrees and km because this is an edge function. Accurate path
    (astropy TEME -> ITRS, then :func:`deorbit.core.geodesy.ecef_to_geodetic`).
    """
    r_itrs, _ = teme_to_itrs(t, r_teme, None, beyond_eop)
    lat, lon, alt = ecef_to_geodetic(r_itrs)
    return np.degrees(lat), np.degrees(lon), alt / 1000.0
