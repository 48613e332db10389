"""Mean elements for the orbit-averaged propagator, and back to an osculating state.

The averaged model needs the orbit that the density "sees" on average. From an osculating state
we propagate one revolution numerically (gravity only) and fit the inverse radius as a function
of the argument of latitude ``u``:
``1/r(u) = C0 + C1 cos u + S1 sin u + C2 cos 2u + S2 sin 2u``. A Keplerian ellipse has
``1/r = (1 + e cos(u - argp)) / p`` exactly, at any eccentricity (the two-body conic equation,
Vallado, "Fundamentals of Astrodynamics and Applications", 4th ed., §2.3), so ``p = 1 / C0``,
``ex = e cos(argp) = C1 / C0``, ``ey = S1 / C0`` and ``a = p / (1 - e^2)``; the ``2u`` terms absorb
the J2 short-period oscillation. (An earlier fit of ``r`` itself to first order in e put the
mean ``a`` off by ~ a e^2: 0.6 km at e = 0.01, and an ellipse with e > 1 or a perigee inside the
Earth for e > 0.15.) Inclination and node are the averages over the revolution. The inverse
(for handing over to the numerical propagator near the end) iterates the osculating semi-major
axis until the numerically propagated revolution has the requested mean semi-major axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from astropy.time import Time

from deorbit.core.constants import GM_EARTH
from deorbit.core.kepler import Keplerian, cartesian_to_keplerian, keplerian_to_cartesian
from deorbit.core.state import State
from deorbit.errors import DecayedError, PropagationError


@dataclass(frozen=True)
class MeanElements:
    """Mean elements at ``epoch``: a (m), ex, ey, i (rad), raan (rad)."""

    epoch: Time
    a: float
    ex: float
    ey: float
    i: float
    raan: float

    @property
    def e(self) -> float:
        """Mean eccentricity."""
        return math.hypot(self.ex, self.ey)

    def vector(self, mass: float) -> np.ndarray:
        """The averaged propagator's state ``[a, ex, ey, i, raan, m]``."""
        return np.array([self.a, self.ex, self.ey, self.i, self.raan, mass])


def _one_revolution(state: State, forces_degree: int) -> tuple[np.ndarray, np.ndarray]:
    """(t, y) over one revolution with gravity only, sampled densely."""
    from deorbit.core.spacecraft import Spacecraft
    from deorbit.dynamics.forces import ForceModel
    from deorbit.propagation.numerical import NumericalPropagator

    k = state.keplerian()
    a = float(k.a)
    if not a > 6.4e6:
        raise DecayedError(f"semi-major axis {a / 1e3:.0f} km: the orbit is inside the atmosphere")
    period = 2 * math.pi * math.sqrt(a**3 / GM_EARTH)
    prop = NumericalPropagator(ForceModel(None, zonal_degree=forces_degree), rtol=1e-11, atol=1e-6)
    tr = prop.propagate(state, Spacecraft(1.0, 1.0), period, output_step=period / 720)
    return tr.t, tr.y


def mean_elements(state: State, zonal_degree: int = 6) -> MeanElements:
    """Mean elements of an osculating TEME state (see the module docstring)."""
    t, y = _one_revolution(state, zonal_degree)
    t, y = t[:-1], y[:-1]  # one full period, without the repeated end point
    k = cartesian_to_keplerian(y[:, :3], y[:, 3:6])
    u = np.unwrap(np.mod(k.argp + k.nu, 2 * np.pi))
    r = np.linalg.norm(y[:, :3], axis=1)
    design = np.stack([np.ones_like(u), np.cos(u), np.sin(u), np.cos(2 * u), np.sin(2 * u)], axis=1)
    c0, c1, s1, _c2, _s2 = np.linalg.lstsq(design, 1.0 / r, rcond=None)[0]
    ex = float(c1 / c0)
    ey = float(s1 / c0)
    e = math.hypot(ex, ey)
    if not e < 1.0:
        raise PropagationError(
            f"mean eccentricity {e:.3f} from the state at {state.epoch.utc.isot}: "
            "not a closed orbit"
        )
    a = 1.0 / c0 / (1.0 - e * e)
    raan = float(np.angle(np.mean(np.exp(1j * k.raan))))
    return MeanElements(
        state.epoch,
        float(a),
        ex,
        ey,
        float(np.mean(k.i)),
        raan % (2 * math.pi),
    )


def osculating_state(mean: MeanElements, arg_latitude: float = 0.0, zonal_degree: int = 6) -> State:
    """An osculating state whose numerically propagated revolution has the mean elements
    ``mean`` (semi-major axis matched to 1 m by iteration), at argument of latitude
    ``arg_latitude`` (rad)."""
    e = mean.e
    argp = math.atan2(mean.ey, mean.ex) if e > 0 else 0.0
    a_osc = mean.a
    state = None
    for _ in range(4):
        r, v = keplerian_to_cartesian(
            Keplerian(a_osc, e, mean.i, mean.raan, argp, (arg_latitude - argp) % (2 * math.pi))
        )
        state = State(mean.epoch, r, v)
        got = mean_elements(state, zonal_degree)
        if abs(got.a - mean.a) < 1.0:
            break
        a_osc += mean.a - got.a
    assert state is not None
    return state
