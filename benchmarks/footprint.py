"""Benchmark: non-linear Monte Carlo of the ISS final phase (targeted plan, then N samples, each
flying its own dispersed final burn, entry and fragment classes to the ground).

Run: ``python benchmarks/footprint.py [N] [--profile] [--series] [--no-disperse-lowering]``
(default 10,000). Prints the timings, the machine load and the figures; ``--profile`` adds the
time of each phase (stack with its burns to breakup; fragment classes to the ground; ground
points, zone and land checks). ``--series`` plans the two-burn perigee-lowering series and the
final burn about four days later (:func:`plan_final_phase`, as ``deorbit plan`` does): every
sample then flies its own dispersed lowering burns and 4-day coast from the plan's initial
state, unless ``--no-disperse-lowering`` (samples start just before the final burn).
"""

from __future__ import annotations

import math
import os
import sys
import time

from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.environment.atmosphere import NRLMSIS
from deorbit.environment.space_weather import ConstantSpaceWeather
from deorbit.mission.targeting import Engine, plan_final_burn, plan_final_phase
from deorbit.montecarlo import controlled
from deorbit.montecarlo.controlled import run_final_phase
from deorbit.propagation import ensemble
from deorbit.reentry.fragments import default_iss_fragments
from deorbit.reentry.zones import SPOUA_PROXY


def _timed_propagate(log: list[tuple[int, float]]):
    """Wrap EnsemblePropagator.propagate to record (samples, seconds) per call."""
    original = ensemble.EnsemblePropagator.propagate

    def wrapper(self, epoch, r, *args, **kwargs):
        t = time.perf_counter()
        out = original(self, epoch, r, *args, **kwargs)
        log.append((len(r), time.perf_counter() - t))
        return out

    return original, wrapper


def main(n: int, profile: bool, series: bool = False, disperse_lowering: bool = True) -> None:
    state = State.from_keplerian(
        "2030-01-15T00:00:00Z", WGS84_A + 220e3, 0.0005, math.radians(51.64), 1.0, 0.0, 0.0
    )
    forces = ForceModel(NRLMSIS(ConstantSpaceWeather(150.0, 150.0, 15.0), "00"))
    sc = Spacecraft(450_000.0, 1492.3, 2.05, propellant=16_000.0)
    frags = default_iss_fragments()
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    t = time.perf_counter()
    if series:
        # the coverage sweep's start, 225 km circular; series perigees 185-210 km (under
        # F10.7 = 150 a 180 km series decays within the 4-day coast)
        state = State.from_keplerian(state.epoch, WGS84_A + 225e3, 0.0, math.radians(51.64),
                                     1.0, 0.0, 0.0)  # fmt: skip
        plan = plan_final_phase(state, sc, forces, Engine(18_000.0, 300.0), fragments=frags,
                                series_perigee=195e3, perigee_range=(185e3, 210e3))  # fmt: skip
        print(f"burns: {', '.join(b.name for b in plan.burns)}")
    else:
        plan = plan_final_burn(state, sc, forces, Engine(18_000.0, 300.0), fragments=frags)
    t_plan = time.perf_counter() - t
    kw = {"disperse_series": disperse_lowering}
    run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, 20, seed=0, **kw)  # compile / warm up
    log: list[tuple[int, float]] = []
    original, wrapper = _timed_propagate(log)
    if profile:
        ensemble.EnsemblePropagator.propagate = wrapper
    t = time.perf_counter()
    res = run_final_phase(plan, sc, forces, frags, SPOUA_PROXY, n, seed=1, **kw)
    t_mc = time.perf_counter() - t
    ensemble.EnsemblePropagator.propagate = original
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"targeting ({frags.count} pieces, {plan.iterations} iterations): {t_plan:.1f} s")
    fp = plan.footprint
    print(f"footprint nominal: {fp.length / 1e3:.0f} x {fp.width / 1e3:.1f} km")
    k = len(res.classes)
    print(f"Monte Carlo {n} samples x {k} fragment classes: {t_mc:.1f} s")
    if profile:
        # each block: the stack (one call per stage: lowering burns, final burn), its pieces
        stages = 1 + (len(plan.burns) - 1 if series and disperse_lowering else 0)
        per = stages + 1
        stack = sum(s for i, (_m, s) in enumerate(log) if i % per < stages)
        fall = sum(s for i, (_m, s) in enumerate(log) if i % per == stages)
        print(f"  stack (burn + entry to breakup): {stack:.1f} s")
        print(f"  fragments to the ground: {fall:.1f} s")
        print(f"  rest (ground points, zone, land, statistics): {t_mc - stack - fall:.1f} s")
    t = time.perf_counter()
    res.envelope_geojson()
    print(f"envelope contours (0.5, 0.9, 0.99): {time.perf_counter() - t:.2f} s")
    s = res.summary()
    print(f"P(all pieces inside zone) = {res.p_inside:.4f}; P(uncontrolled) = "
          f"{res.p_uncontrolled:.4f} {s['outcomes']}")  # fmt: skip
    print(f"distance to foreign land, km: {s['foreign_land_km']}")
    print(f"distance to any land, km: {s['land_km']}")
    print(f"footprint length km {s['footprint_length_km']}, width km {s['footprint_width_km']}")
    print(f"centre along km {s['centre_along_km']}, cross km {s['centre_cross_km']}")
    print(f"RTOL {controlled.RTOL}; numba threads {ensemble.numba.get_num_threads()}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(
        int(args[0]) if args else 10_000,
        "--profile" in sys.argv,
        "--series" in sys.argv,
        "--no-disperse-lowering" not in sys.argv,
    )
