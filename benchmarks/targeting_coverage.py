"""Benchmark: coverage of the final-phase targeting over start states.

A sweep of ISS start states at the start of the final phase (default 24): circular 225 km
orbits at 51.64 deg, epochs one day apart from 2030-09-01 (AVERAGE solar forecast, the bundled
scenario's atmosphere), right ascensions of the node spread over 360 deg by the golden angle
(137.5 deg per state) so that the ground track's phase modulo the ~22.4 deg between
revolutions is spread evenly. Stack, USDV engine and every targeting setting come from the
bundled scenario (``src/deorbit/mission/scenarios/iss.toml``, ``phases.final``), as
``deorbit plan`` uses them.

Per state it prints: feasible or not, the footprint centre's cross/along-track miss, the levers
used (series start delay, series perigee, phasing burn, revolution and branch of the final
pass), the USDV Δv, and the time taken; then the coverage fraction (plans within the
scenario's ``cross_track_limit_km``).

Run: ``python benchmarks/targeting_coverage.py [N] [--delay-max DAYS] [--no-phasing-burn]
[--states i,j,...]``; ``--delay-max`` and ``--no-phasing-burn`` override the scenario to measure
the levers one at a time.
"""

from __future__ import annotations

import math
import os
import sys
import time

from astropy.time import TimeDelta

from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.core.time import iso, to_time
from deorbit.errors import InfeasibleError
from deorbit.mission.descent import forces_for
from deorbit.mission.scenario import load_scenario
from deorbit.mission.targeting import Engine, plan_final_phase, targeting_settings
from deorbit.reentry.zones import zone_named

DAY = 86400.0
START_ALTITUDE = 225e3
"""Circular start altitude, m (the scenario's 220 km lowest point of the mean orbit plus the
J2 swing of the osculating radius, as the descent hands over)."""
INCLINATION = math.radians(51.64)  # ISS, NASA facts (scenario comment)
GOLDEN_ANGLE = math.radians(137.50776)  # 360 deg x (2 - golden ratio)
FIRST_EPOCH = "2030-09-01T00:00:00Z"


def start_states(n: int) -> list[State]:
    """``n`` circular start states (see the module docstring)."""
    t0 = to_time(FIRST_EPOCH)
    out = []
    for k in range(n):
        raan = (k * GOLDEN_ANGLE) % (2 * math.pi)
        out.append(
            State.from_keplerian(
                t0 + TimeDelta(k * DAY, format="sec"),
                WGS84_A + START_ALTITUDE,
                0.0,
                INCLINATION,
                raan,
                0.0,
                0.0,
            )
        )
    return out


def main(n: int, delay_max: float | None, phasing_burn: bool, only: list[int] | None) -> None:
    sc_file = load_scenario("iss")
    fin = sc_file.phases.final
    usdv = sc_file.vehicles[fin.vehicle]
    mass = sc_file.station.mass_kg + usdv.mass_kg
    propellant = usdv.propellant_kg * (1.0 - fin.propellant_margin)
    area = sc_file.station.drag_area_m2[sc_file.station.attitude]
    stack = Spacecraft(mass, area, sc_file.station.cd, propellant=propellant, name="ISS stack")
    engine = Engine(usdv.thrust_n, usdv.isp_s)
    forces = forces_for(sc_file, "AVERAGE")
    settings = targeting_settings(fin)
    if delay_max is not None:
        settings["delays"] = tuple(k * DAY for k in range(math.floor(delay_max) + 1))
    if not phasing_burn:
        settings["phasing_raise"] = 0.0
    limit = settings["cross_limit"]
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    print(
        f"stack {mass:,.0f} kg, propellant {propellant:,.0f} kg, engine {usdv.thrust_n:g} N / "
        f"{usdv.isp_s:g} s; delays {[d / DAY for d in settings['delays']]} days; phasing burn "
        f"up to {settings['phasing_raise'] / 1e3:g} km above the stack's mean perigee"
    )
    head = (
        f"{'#':>2} {'epoch':<17} {'node':>6} {'result':<10} {'cross km':>8} {'along km':>8} "
        f"{'delay d':>7} {'perigee':>7} {'phase m/s':>9} {'rev':>4} {'br':>3} {'dv m/s':>7} "
        f"{'time s':>6}"
    )
    print(head)
    ok = 0
    done = 0
    worst: tuple[float, int] = (-1.0, -1)
    t_all = time.perf_counter()
    for k, state in enumerate(start_states(n)):
        if only is not None and k not in only:
            continue
        done += 1
        node = math.degrees(state.keplerian().raan)
        t = time.perf_counter()
        try:
            plan = plan_final_phase(state, stack, forces, engine, zone=zone_named(fin.zone),
                                    **settings)  # fmt: skip
        except InfeasibleError as exc:
            dt = time.perf_counter() - t
            print(f"{k:>2} {iso(state.epoch)[:16]:<17} {node:6.1f} infeasible {'':>8} {'':>8} "
                  f"{'':>7} {'':>7} {'':>9} {'':>4} {'':>3} {'':>7} {dt:6.1f}  {exc}")  # fmt: skip
            continue
        dt = time.perf_counter() - t
        cross, along = plan.cross_miss / 1e3, plan.along_miss / 1e3
        good = abs(plan.cross_miss) <= limit
        ok += good
        if abs(cross) > worst[0]:
            worst = (abs(cross), k)
        print(
            f"{k:>2} {iso(state.epoch)[:16]:<17} {node:6.1f} {'feasible' if good else 'over':<10} "
            f"{cross:8.2f} {along:8.2f} {plan.series_delay / DAY:7.0f} "
            f"{plan.series_perigee / 1e3:7.1f} {plan.phasing_delta_v:9.2f} {plan.revolution:4d} "
            f"{plan.branch:+3d} {sum(plan.delta_v):7.2f} {dt:6.1f}"
        )
    total = time.perf_counter() - t_all
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"coverage: {ok}/{done} = {ok / max(done, 1):.0%} within {limit / 1e3:g} km; "
        f"worst feasible |cross| {worst[0]:.2f} km (state {worst[1]}); total {total:.0f} s"
    )


if __name__ == "__main__":
    argv = sys.argv[1:]
    delay = None
    only = None
    pos = []
    i = 0
    while i < len(argv):
        if argv[i] == "--delay-max":
            delay = float(argv[i + 1])
            i += 2
        elif argv[i] == "--states":
            only = [int(x) for x in argv[i + 1].split(",")]
            i += 2
        elif argv[i].startswith("--"):
            i += 1
        else:
            pos.append(argv[i])
            i += 1
    main(int(pos[0]) if pos else 24, delay, "--no-phasing-burn" not in argv, only)
