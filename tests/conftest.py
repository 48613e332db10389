"""Shared fixtures.

``shared_data`` points at the project's larger real-data folder (``../shared/data`` beside the
repository, or ``$DEORBIT_SHARED_DATA``); tests that need it skip with a clear reason when it is
absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path | None:
    env = os.environ.get("DEORBIT_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO_ROOT.parent / "shared" / "data")
    for c in candidates:
        if c.is_dir():
            return c
    return None


SHARED_DATA = _shared_data_dir()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``shared/data`` folder; skips the test when it is not present."""
    if SHARED_DATA is None:
        pytest.skip("../shared/data is absent (set DEORBIT_SHARED_DATA to point at it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def plan_average(tmp_path_factory) -> Path:
    """The results folder of ``deorbit plan --levels AVERAGE --samples 50`` (run once per test
    session: the descent, the final phase, the exports, the traffic and the report)."""
    from deorbit.cli import main

    out = tmp_path_factory.mktemp("plan_average")
    code = main(["plan", "--levels", "AVERAGE", "--samples", "50", "--out", str(out), "--json"])
    assert code == 0
    return out
