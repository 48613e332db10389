"""Optional force models: the Sun and the Moon, and the full EGM96 gravity field, in our compiled
Cowell propagator, against references, and the cost of switching them on.

Run from the repository root::

    python benchmarks/force_options.py

1. Point mass + Sun + Moon, one day from a 700 km, e = 0.001, i = 98 deg orbit: our
   ``NumericalPropagator`` (DOP853, compiled) against ``scipy.integrate.solve_ivp`` (DOP853,
   the right-hand side in Python calling the same acceleration kernel), both at rtol 1e-11,
   atol 1e-6. Printed: wall time of each (warm, best of 2), the ratio and the final distance.
2. The full force model (J2..J6, NRLMSISE-00 with the AVERAGE solar forecast, drag), five days
   of an ISS-like orbit from 420 km, default tolerances: with and without the Sun and Moon
   (warm, best of 3).
3. The EGM96 field, 20 x 20: our compiled acceleration against satkit's (Rust, the same
   algorithm and coefficients) over 10,000 positions, and five days of the same ISS-like orbit
   with the field instead of J2..J6 (cost and how far it moves the satellite). satkit is a
   benchmark-only dependency; without it that comparison is skipped with a message.
"""

from __future__ import annotations

import math

import numpy as np
from astropy.time import Time
from scipy.integrate import solve_ivp

from _timing import best_of
from deorbit.core.constants import GM_EARTH, WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import days_since_j2000
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.gravity import field_acceleration, load_field, third_body_acceleration_array
from deorbit.environment.atmosphere import NRLMSIS
from deorbit.environment.space_weather import default_space_weather
from deorbit.propagation.numerical import NumericalPropagator

DAY = 86400.0


def main() -> None:
    t0 = Time("2026-01-01T00:00:00", scale="utc")
    tt0 = float(days_since_j2000(t0, "tt"))
    sat = Spacecraft(500.0, 2.0, 2.2)
    state = State.from_keplerian(t0, WGS84_A + 700e3, 0.001, math.radians(98.0), 0.4, 0.2, 0.1)

    def rhs(t, y):
        r = y[:3]
        a = -GM_EARTH * r / np.linalg.norm(r) ** 3
        return np.concatenate([y[3:], a + third_body_acceleration_array(r, tt0 + t / DAY)])

    prop = NumericalPropagator(
        ForceModel(None, zonal_degree=0, third_body=True), rtol=1e-11, atol=1e-6
    )
    prop.propagate(state, sat, 600.0, output_step=-1)  # compile / warm
    t_ours, ours = best_of(lambda: prop.propagate(state, sat, DAY, output_step=-1))
    y0 = np.concatenate([state.r, state.v])
    t_ref, ref = best_of(
        lambda: solve_ivp(rhs, (0.0, DAY), y0, method="DOP853", rtol=1e-11, atol=1e-6)
    )
    miss = float(np.linalg.norm(ours.r[-1] - ref.y[:3, -1]))
    print("point mass + Sun + Moon, 1 day from 700 km (rtol 1e-11)")
    print(f"  deorbit (compiled DOP853): {t_ours:8.3f} s")
    print(f"  scipy solve_ivp DOP853   : {t_ref:8.3f} s   ratio {t_ref / t_ours:6.1f}x")
    print(f"  final positions differ by {miss:.2e} m")

    iss = Spacecraft(420_000.0, 1500.0, 2.2)
    s2 = State.from_keplerian(t0, WGS84_A + 420e3, 0.0005, math.radians(51.6), 0.3, 0.2, 0.1)
    sw = default_space_weather("AVERAGE")
    runs = {}
    for on in (False, True):
        p = NumericalPropagator(ForceModel(NRLMSIS(sw, "00"), third_body=on))
        p.propagate(s2, iss, 5 * DAY, output_step=-1)  # compile / grid
        runs[on] = best_of(lambda p=p: p.propagate(s2, iss, 5 * DAY, output_step=-1), 3)
    moved = float(np.linalg.norm(runs[True][1].r[-1] - runs[False][1].r[-1]))
    print("full force model (J2..J6, NRLMSISE-00 AVERAGE, drag), ISS-like, 5 days from 420 km")
    print(f"  without Sun and Moon: {runs[False][0]:8.3f} s")
    cost = runs[True][0] / runs[False][0]
    print(f"  with Sun and Moon   : {runs[True][0]:8.3f} s   cost x{cost:.2f}")
    print(f"  the Sun and Moon move the final position by {moved:.1f} m")

    rng = np.random.default_rng(1)
    pts = rng.normal(size=(10_000, 3))
    pts *= (WGS84_A + rng.uniform(150e3, 2000e3, 10_000))[:, None] / np.linalg.norm(pts, axis=1)[
        :, None
    ]
    coef = load_field(20)
    field_acceleration(*pts[0], coef, 20)  # compile

    def ours():
        return np.array([field_acceleration(x, y, z, coef, 20) for x, y, z in pts])

    t_f, a_f = best_of(ours)
    print("EGM96 20 x 20 acceleration, 10,000 positions at 150-2,000 km")
    print(f"  deorbit (numba, called from Python): {t_f:8.3f} s")
    try:
        import satkit
    except ImportError:
        print("  satkit not installed: reference skipped")
    else:

        def ref():
            return np.array(
                [satkit.gravity(p, model=satkit.gravmodel.egm96, degree=20) for p in pts]
            )

        t_s, a_s = best_of(ref)
        rel = np.linalg.norm(a_f - a_s, axis=1) / np.linalg.norm(a_s, axis=1)
        print(f"  satkit (Rust, called from Python)  : {t_s:8.3f} s   ratio {t_s / t_f:6.2f}x")
        print(f"  largest relative difference {rel.max():.1e}")
    runs = {}
    for deg in (0, 20):
        p = NumericalPropagator(ForceModel(NRLMSIS(sw, "00"), gravity_field=deg))
        p.propagate(s2, iss, 5 * DAY, output_step=-1)  # compile / grid
        runs[deg] = best_of(lambda p=p: p.propagate(s2, iss, 5 * DAY, output_step=-1), 3)
    moved = float(np.linalg.norm(runs[20][1].r[-1] - runs[0][1].r[-1]))
    print("full force model, ISS-like, 5 days from 420 km: J2..J6 against EGM96 20 x 20")
    print(f"  J2..J6          : {runs[0][0]:8.3f} s")
    print(f"  EGM96 20 x 20   : {runs[20][0]:8.3f} s   cost x{runs[20][0] / runs[0][0]:.2f}")
    print(f"  the field moves the final position by {moved:.1f} m")


if __name__ == "__main__":
    main()
