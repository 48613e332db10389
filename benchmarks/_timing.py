"""Timing helper shared by the benchmark scripts (run them from the repository root)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any


def best_of(f: Callable[[], Any], n: int = 2) -> tuple[float, Any]:
    """Shortest wall time (s) of ``n`` calls of ``f`` and the last call's result."""
    best, out = math.inf, None
    for _ in range(n):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out
