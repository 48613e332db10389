"""The density grids a force model has built, kept for reuse (least recently used first out).

A grid serves a request when it covers the requested time span, has the same spacing and
covers the requested altitude band (and latitude reach). Grids are found through the UTC days
they cover, so a lookup looks at a handful of grids whatever the cache holds.

Why a byte budget and not a handful of grids: the ensemble of a reentry prediction flies
several trajectories one after the other through the same days (the nodes in drag scale of
:func:`deorbit.reentry.window.predict_reentry`). Through observed weather the grids are one day
long, so one trajectory of a few years builds a thousand of them; a cache of 64 that was
emptied when full kept none of them for the next trajectory.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from deorbit.environment.density_grid import DensityGrid

CACHE_BYTES = 256 * 2**20
"""Bytes of grids a force model keeps (256 MiB). The orbit-averaged one-day grids of the
Fengyun-1C fragment in ``benchmarks/reentry_long.py`` are about 110 kB each: 2,420 of them fit,
enough for the eight trajectories of its ensemble to share most days."""


def grid_bytes(grid: DensityGrid) -> int:
    """Bytes held by a grid's arrays."""
    return sum(v.nbytes for v in vars(grid).values() if isinstance(v, np.ndarray)) + sum(
        v.nbytes for v in vars(grid.altitude).values() if isinstance(v, np.ndarray)
    )


def close_options(cached: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """A cached grid serves if it has the same spacing and covers the wanted altitude band
    and latitudes."""
    for k, v in wanted.items():
        if k == "alt_min_m":
            if cached[k] > v:
                return False
        elif k == "lat_max_deg":
            if cached.get(k, 90.0) < v:
                return False
        elif k == "alt_max_m":
            if cached[k] < v:
                return False
        elif cached.get(k) != v:
            return False
    return True


class GridCache:
    """Density grids by (first day, end day, options), evicted least recently used first
    beyond ``max_bytes``."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._grids: OrderedDict[tuple, tuple[dict[str, Any], DensityGrid, int]] = OrderedDict()
        self._by_day: dict[int, list[tuple]] = {}
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        # the Monte Carlo's Dask "threads" scheduler shares one force model between threads
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple:
        # a force model sent to another process arrives with an empty cache, not its grids
        return (GridCache, (self.max_bytes,))

    def __len__(self) -> int:
        return len(self._grids)

    def find(self, mjd_start: float, mjd_end: float, opts: dict[str, Any]) -> DensityGrid | None:
        """A cached grid over ``[mjd_start, mjd_end]`` (UTC MJD) that serves ``opts``: the
        first added of those that do. The order is the order of the requests, never of hashes
        (a set here made the choice between two serving grids, whose densities differ in the
        last digits, change from one process to the next: ``deorbit plan`` gave different
        summaries with one and with two worker processes)."""
        with self._lock:
            for key in self._by_day.get(math.floor(mjd_start), ()):
                k0, k1, _ = key
                cached, grid, _n = self._grids[key]
                if k0 <= mjd_start and k1 >= mjd_end and close_options(cached, opts):
                    self._grids.move_to_end(key)
                    self.hits += 1
                    return grid
            self.misses += 1
            return None

    def add(self, start: int, end: int, opts: dict[str, Any], grid: DensityGrid) -> None:
        """Keep ``grid`` (built over the days ``start`` to ``end``) for later requests."""
        key = (start, end, tuple(sorted(opts.items())))
        n = grid_bytes(grid)
        with self._lock:
            if key in self._grids:  # two threads built the same grid
                self._remove(key)
            self._grids[key] = (dict(opts), grid, n)
            self.bytes += n
            for day in range(start, end + 1):
                self._by_day.setdefault(day, []).append(key)
            while self.bytes > self.max_bytes and len(self._grids) > 1:
                self._remove(next(iter(self._grids)))

    def _remove(self, key: tuple) -> None:
        _opts, _grid, n = self._grids.pop(key)
        self.bytes -= n
        for day in range(key[0], key[1] + 1):
            keys = self._by_day.get(day)
            if keys is not None:
                keys.remove(key)
                if not keys:
                    del self._by_day[day]

    def clear(self) -> None:
        """Forget every grid."""
        with self._lock:
            self._grids.clear()
            self._by_day.clear()
            self.bytes = 0
