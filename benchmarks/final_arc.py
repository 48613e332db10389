"""Final-arc benchmark: ``lifetime()`` (averaged to the 180 km hand-over, then the numerical
arc in legs) against one plain Cowell run to 120 km, for dense objects that stay below the
hand-over for days to months.

Run from the repository root::

    python benchmarks/final_arc.py

Objects of 2, 5 and 20 t, 1 m^2, Cd 2.2, from a 190 km, e = 0.0005, i = 51.6 deg orbit with the
exponential atmosphere (no space weather needed). The reference is
``NumericalPropagator.propagate`` to the 120 km crossing in one call (output only at the ends).
Printed: days to 120 km, days below the hand-over, wall time (warm, best of 2) and the output
points of the final arc.
"""

from __future__ import annotations

import math

from _timing import best_of
from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import Exponential
from deorbit.propagation.averaged import lifetime
from deorbit.propagation.events import AltitudeCrossing
from deorbit.propagation.numerical import NumericalPropagator


def main() -> None:
    state = State.from_keplerian(
        "2026-01-01T00:00:00", WGS84_A + 190e3, 0.0005, math.radians(51.6), 0.3, 0.2, 0.1
    )
    print(
        "| mass | lifetime() d | Cowell d | diff | below hand-over d | lifetime() s | Cowell s "
        "| ratio | arc points |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mass in (2000.0, 5000.0, 20000.0):
        sc = Spacecraft(mass, 1.0, 2.2)
        t_l, res = best_of(lambda sc=sc: lifetime(state, sc, ForceModel(Exponential())))
        t_c, num = best_of(
            lambda sc=sc: NumericalPropagator(ForceModel(Exponential())).propagate(
                state, sc, 365 * 86400.0, events=[AltitudeCrossing(120e3)], output_step=-1
            )
        )
        d_c = num.t[-1] / 86400.0
        below = res.days - res.mean_history.t[-1] / 86400.0
        diff = 100 * (res.days - d_c) / d_c
        print(
            f"| {mass / 1e3:g} t | {res.days:.4f} | {d_c:.4f} | {diff:+.2f} % | {below:.2f} "
            f"| {t_l:.3f} | {t_c:.3f} | {t_l / t_c:.2f} | {len(res.final_arc.t)} |"
        )


if __name__ == "__main__":
    main()
