"""Wall time of the default ISS end-of-life plan (``deorbit plan``: three solar scenarios, each
with its controlled final phase: lowering series and final burn targeted along and across the
track, footprint, casualty risk, failure cases, Monte Carlo with the scenario's 1,000 samples).

Issue #6 asks `deorbit plan` to stay well under 90 s on the 2-core machine. There is no other
tool that plans this descent to run beside it, so this benchmark times deorbit alone and splits
the time into the first (compiling) run and a second run in the same process, and into the
descent and the final phase.

Run from the repository root: ``python benchmarks/plan.py``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from deorbit.cli.plan_cmd import final_phases, write_results
from deorbit.mission.descent import plan_descent
from deorbit.mission.scenario import load_scenario


def main() -> None:
    scenario = load_scenario("iss")
    for label in ("first run (includes numba compilation unless cached)", "second run"):
        t0 = time.perf_counter()
        plan = plan_descent(scenario)
        t1 = time.perf_counter()
        finals = final_phases(plan)
        with tempfile.TemporaryDirectory() as tmp:
            write_results(plan, Path(tmp), finals)
        t2 = time.perf_counter()
        rows = []
        for r in plan.results:
            f = finals[r.level]
            if isinstance(f, str):
                rows.append(f"{r.level} infeasible: {f}")
            else:
                d = f.data
                rows.append(
                    f"{r.level} {d['final_burn_utc'][:16]} cross {d['cross_miss_km']:+.1f} km "
                    f"along {d['along_miss_km']:+.1f} km P_in {f.montecarlo.p_inside:.3f}"
                )
        print(
            f"{label}: {t2 - t0:.1f} s (descent incl. targeting {t1 - t0:.1f} s, "
            f"footprint/risk/failures/Monte Carlo/files {t2 - t1:.1f} s)"
        )
        for row in rows:
            print("   ", row)


if __name__ == "__main__":
    main()
