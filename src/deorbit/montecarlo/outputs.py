"""Result files of a final-phase Monte Carlo: summary JSON, envelope GeoJSON, per-sample Parquet.

Each file is written atomically (a temporary file renamed into place,
:mod:`deorbit.formats.atomic`): a failure never leaves a half-written output.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deorbit.formats.atomic import atomic_path, write_json_atomic
from deorbit.formats.geojson import write_geojson
from deorbit.montecarlo.controlled import ENVELOPE_LEVELS, MonteCarloResult

SUMMARY_FILE = "montecarlo.json"
ENVELOPE_FILE = "montecarlo.geojson"
SAMPLES_FILE = "samples.parquet"


def write_samples(result: MonteCarloResult, path: str | Path) -> Path:
    """Per-sample draws and outcomes as Parquet (columns of
    :meth:`MonteCarloResult.samples_table`)."""
    frame = pd.DataFrame(result.samples_table())
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return Path(path)


def write_outputs(
    result: MonteCarloResult,
    out_dir: str | Path,
    levels: tuple[float, ...] = ENVELOPE_LEVELS,
    extra: dict | None = None,
) -> dict[str, Path]:
    """Write :data:`SUMMARY_FILE` (``result.summary()`` plus ``extra``), :data:`ENVELOPE_FILE`
    and :data:`SAMPLES_FILE` into ``out_dir`` (created if missing); returns their paths."""
    out = Path(out_dir)
    summary = {**result.summary(), **(extra or {})}
    paths = {
        "summary": out / SUMMARY_FILE,
        "envelope": out / ENVELOPE_FILE,
        "samples": out / SAMPLES_FILE,
    }
    envelope = result.envelope_geojson(levels)
    write_json_atomic(paths["summary"], summary, indent=1)
    write_geojson(paths["envelope"], envelope)
    write_samples(result, paths["samples"])
    return paths
