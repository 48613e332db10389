"""The density-grid cache of a force model: what it serves, what it forgets, and that a second
trajectory through the same days builds nothing and flies the same."""

from __future__ import annotations

import math
import pickle

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from deorbit.core.constants import WGS84_A
from deorbit.core.spacecraft import Spacecraft
from deorbit.core.state import State
from deorbit.dynamics.forces import ForceModel
from deorbit.dynamics.grid_cache import GridCache, close_options, grid_bytes
from deorbit.environment.atmosphere import NRLMSIS, Exponential
from deorbit.environment.density_grid import DensityGrid
from deorbit.environment.space_weather import CelestrakSpaceWeather
from deorbit.propagation.averaged import AveragedPropagator
from deorbit.propagation.mean_elements import mean_elements

OPTS = {"t_step_days": 1.0, "alt_min_m": 300e3, "alt_max_m": 500e3, "alt_step_m": 10e3}


def _grid(start: int, end: int, lo: float = 300e3, hi: float = 500e3) -> DensityGrid:
    return DensityGrid.build(
        Exponential(), start, end, t_step_days=1.0, alt_min_m=lo, alt_max_m=hi, alt_step_m=10e3
    )


def test_a_grid_serves_the_days_and_the_band_it_covers_and_nothing_else():
    cache = GridCache()
    cache.add(60000, 60001, OPTS, _grid(60000, 60001))
    assert cache.find(60000.2, 60000.9, OPTS) is not None
    assert cache.find(60000.0, 60001.0, OPTS) is not None
    assert cache.find(60000.5, 60001.5, OPTS) is None  # runs past the grid's end
    assert cache.find(59999.9, 60000.5, OPTS) is None
    narrower = {**OPTS, "alt_min_m": 350e3, "alt_max_m": 450e3}
    assert cache.find(60000.2, 60000.9, narrower) is not None  # a wider band serves
    lower = {**OPTS, "alt_min_m": 250e3}
    assert cache.find(60000.2, 60000.9, lower) is None
    finer = {**OPTS, "alt_step_m": 5e3}
    assert cache.find(60000.2, 60000.9, finer) is None
    assert not close_options({**OPTS, "lat_max_deg": 60.0}, {**OPTS, "lat_max_deg": 70.0})
    assert cache.hits == 3 and cache.misses == 4


def test_of_two_grids_that_serve_the_first_added_is_used_whatever_the_hashing():
    """The choice must not follow hash order: string hashes change from one process to the
    next, and two serving grids differ in their last digits (``deorbit plan`` gave different
    summaries with one and with two worker processes when a set chose)."""
    cache = GridCache()
    wide = _grid(60000, 60001, 200e3, 600e3)
    wider = _grid(60000, 60001, 100e3, 700e3)
    cache.add(60000, 60001, {**OPTS, "alt_min_m": 200e3, "alt_max_m": 600e3}, wide)
    cache.add(60000, 60001, {**OPTS, "alt_min_m": 100e3, "alt_max_m": 700e3}, wider)
    for _ in range(3):
        assert cache.find(60000.2, 60000.8, OPTS) is wide


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 12), st.lists(st.integers(0, 19), min_size=1, max_size=60))
def test_the_cache_keeps_the_most_recently_used_grids_within_its_bytes(room, uses):
    """Whatever the order of use, the cache never holds more than its bytes (unless a single
    grid is larger), and what it holds is the most recently used grids that fit."""
    one = grid_bytes(_grid(60000, 60001))
    cache = GridCache(max_bytes=room * one)
    recent: list[int] = []
    for day in uses:
        if cache.find(60000 + day + 0.5, 60000 + day + 0.6, OPTS) is None:
            cache.add(60000 + day, 60001 + day, OPTS, _grid(60000 + day, 60001 + day))
        recent = [d for d in recent if d != day] + [day]
        assert cache.bytes <= max(room * one, one)
        kept = {d for d in range(20) if cache.find(60000 + d + 0.5, 60000 + d + 0.6, OPTS)}
        assert kept == set(recent[-room:])
        # the probes above touched the kept grids in day order: put them back in use order
        for d in recent[-room:]:
            cache.find(60000 + d + 0.5, 60000 + d + 0.6, OPTS)


def test_a_force_model_copied_or_sent_elsewhere_starts_with_an_empty_cache():
    import dataclasses

    forces = ForceModel(Exponential())
    forces._cache.add(60000, 60001, OPTS, _grid(60000, 60001))
    assert len(forces._cache) == 1
    assert len(dataclasses.replace(forces, density_scale=2.0)._cache) == 0
    assert len(pickle.loads(pickle.dumps(forces))._cache) == 0


def test_a_second_trajectory_through_the_same_days_builds_no_grid_and_flies_the_same():
    """Observed weather: one grid per day. Two node runs of a reentry ensemble fly the same 40
    days: the second builds nothing (the cache before this one kept 64 grids and was emptied
    when full, so a run of more than 64 days left nothing for the next)."""
    forces = ForceModel(NRLMSIS(CelestrakSpaceWeather(), "00"))
    state = State.from_keplerian(
        "2015-03-01T00:00:00", WGS84_A + 380e3, 0.001, math.radians(51.6), 0.3, 0.2, 0.1
    )
    mean = mean_elements(state)
    sc = Spacecraft(100.0, 1.0, 2.2)
    first = AveragedPropagator(forces).propagate(mean, sc, 80 * 86400.0)
    built = forces._cache.misses
    assert built >= 80 and len(forces._cache) >= 80
    again = AveragedPropagator(forces).propagate(mean, sc, 80 * 86400.0)
    assert forces._cache.misses == built
    np.testing.assert_array_equal(again.y, first.y)
    # the same days with another drag scale: the grids are reused where the bands agree
    before = forces._cache.misses
    AveragedPropagator(forces).propagate(mean, Spacecraft(100.0, 1.3, 2.2), 80 * 86400.0)
    assert forces._cache.misses - before < built / 2


def test_threads_sharing_a_cache_never_see_it_half_changed():
    """The Monte Carlo's Dask "threads" scheduler shares one force model between threads:
    lookups, additions and evictions from several threads at once raise nothing and leave the
    cache within its bytes and consistent."""
    from concurrent.futures import ThreadPoolExecutor

    grids = [_grid(60000 + d, 60001 + d) for d in range(12)]
    cache = GridCache(max_bytes=4 * grid_bytes(grids[0]))

    def work(seed: int) -> int:
        rng = np.random.default_rng(seed)
        served = 0
        for d in rng.integers(0, 12, 400):
            if cache.find(60000 + d + 0.5, 60000 + d + 0.6, OPTS) is None:
                cache.add(60000 + int(d), 60001 + int(d), OPTS, grids[d])
            else:
                served += 1
        return served

    with ThreadPoolExecutor(4) as pool:
        served = sum(pool.map(work, range(8)))
    assert served > 0 and cache.bytes <= 4 * grid_bytes(grids[0]) and len(cache) <= 4
    assert sum(len(v) for v in cache._by_day.values()) == 2 * len(cache)
