"""Wall time of the default ISS end-of-life plan, as ``deorbit plan`` runs it: three solar
scenarios, each with its descent and controlled final phase (lowering series and final burn
targeted along and across the track, footprint, casualty risk, failure cases, Monte Carlo with
the scenario's 1,000 samples), then the CZML/KML exports, the station traffic to the last
crew's departure and the HTML report.

Issue #6 asks `deorbit plan` to stay well under 90 s on the 2-core machine. No other tool plans
this descent, so this benchmark times deorbit alone: the levels side by side in worker
processes (the default, one per CPU) and one after another (``--workers 1``), and checks that
both give the same summary.

Run from the repository root: ``python benchmarks/plan.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from deorbit.cli import main as cli


def _run(args: list[str]) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        code = cli(["plan", "--out", tmp, "--json", *args])
        wall = time.perf_counter() - t0
        if code != 0:
            raise SystemExit(f"deorbit plan {' '.join(args)} failed with exit code {code}")
        return wall, json.loads((Path(tmp) / "summary.json").read_text())


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    parallel, summary = _run([])
    serial, summary_serial = _run(["--workers", "1"])
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"deorbit plan, levels in {os.cpu_count()} worker processes: {parallel:.1f} s")
    print(f"deorbit plan --workers 1: {serial:.1f} s")
    same = summary["levels"] == summary_serial["levels"]
    print(f"same summary either way: {same}")
    for lv in summary["levels"]:
        fp = lv.get("final_phase") or {}
        print(
            f"    {lv['level']}: final burn {lv['milestones'].get('final burn', '-')}, "
            f"descent {lv['descent_years']:.2f} y, cross {fp.get('cross_miss_km')} km, "
            f"along {fp.get('along_miss_km')} km, P_in {fp.get('p_inside')}"
        )


if __name__ == "__main__":
    main()
