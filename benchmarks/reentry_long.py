"""Long-horizon reentry prediction: the density-grid cache of a force model.

Run from the repository root::

    python benchmarks/reentry_long.py

The work: ``predict_reentry`` for the Fengyun-1C debris fragment 1999-025BCD (NORAD 30987) of
``../shared/data/tle/partial_histories/``, from its last set (2011-08-25, about 2.2 years to
go), 20 samples, no ground track. The prediction date is before the solar-cycle forecast, so
the weather is the observed history (one level) and the grids are one day long: the 7 node
runs of the ensemble and the first-pass run each fly some 800 days through the same days.

Compared in one run: the force models' cache as built (:class:`GridCache`, least recently used
out beyond 256 MiB) against the cache before it (64 grids, emptied when full), installed in the
same force models. Printed: wall time (one run each: a run takes minutes), grids built and
served from the cache, and the median interface time (identical when the cache changes nothing
but the time).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import deorbit.reentry.window as window
from deorbit.dynamics.grid_cache import GridCache
from deorbit.environment.density_grid import DensityGrid
from deorbit.formats.catalog import read_elements

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FILE = DATA / "tle" / "partial_histories" / "fy1c-debris_30987_1999-025BCD_2007-03_2011-08.tle"


class EmptiedWhenFull(GridCache):
    """The cache before: at most 64 grids, all forgotten when a 65th comes."""

    def add(self, start: int, end: int, opts: dict, grid: DensityGrid) -> None:
        if len(self) > 64:
            self.clear()
        super().add(start, end, opts, grid)


def run(cache: type[GridCache]) -> tuple[float, str, int, int]:
    """Wall time (s), median, grids built and grids served of one prediction."""
    made = []
    environment_for = window.environment_for

    def fresh_caches(*args: object, **kwargs: object) -> window.Environment:
        env = environment_for(*args, **kwargs)
        for forces in env.forces.values():
            forces._cache = cache(2**62) if cache is EmptiedWhenFull else cache()
            made.append(forces._cache)
        return env

    window.environment_for = fresh_caches
    try:
        sets = read_elements(FILE)
        t0 = time.perf_counter()
        pred = window.predict_reentry(sets, samples=20, ground_track=False)
        seconds = time.perf_counter() - t0
    finally:
        window.environment_for = environment_for
    return seconds, pred.summary()["median"], sum(c.misses for c in made), sum(c.hits for c in made)


def main() -> None:
    if not FILE.exists():
        sys.exit(f"skipped: {FILE} is not there (the shared data folder is absent)")
    print("| cache | wall s | grids built | served from cache | median 120 km |")
    print("|---|---:|---:|---:|---|")
    rows = {}
    for name, cache in (
        ("LRU, 256 MiB (now)", GridCache),
        ("64, emptied when full", EmptiedWhenFull),
    ):
        rows[name] = run(cache)
        s, median, built, served = rows[name]
        print(f"| {name} | {s:.1f} | {built} | {served} | {median} |")
    (a, *_), (b, *_) = rows.values()
    print(f"\nratio (before / now): {b / a:.2f}")


if __name__ == "__main__":
    main()
