"""Reading a results folder for a report: the error a report raises, and readers that turn a
missing file into ``None`` and a broken one into a :class:`ReportError` naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from deorbit.errors import InputError
from deorbit.formats import geojson
from deorbit.formats.jsonfile import read_json_file


class ReportError(InputError):
    """A results folder that cannot be reported on (not a results folder, or a broken file)."""


def reading_error(exc: Exception, path: Path, what: str = "") -> ReportError:
    """The ReportError for the file ``path`` that a reader refused: ``what`` (when given) and
    the reader's reason, naming the file (and line) once (an InputError names them itself)."""
    prefix = f"{what}: " if what else ""
    if isinstance(exc, InputError):
        return ReportError(prefix + exc.message, exc.source or path, exc.line)
    return ReportError(prefix + str(exc), path)


def read_json(path: Path) -> Any | None:
    """The parsed JSON of ``path``; None when the file is absent."""
    if not path.is_file():
        return None
    try:
        return read_json_file(path)
    except InputError as exc:
        raise reading_error(exc, path) from None


def read_results_json(results_dir: Path, name: str, what: str) -> tuple[Path, Path, Any]:
    """The folder, the path of the JSON file ``name`` that marks a ``what`` results folder and
    its parsed content; ReportError when the folder or the file is absent."""
    out = check_folder(results_dir)
    path = out / name
    data = read_json(path)
    if data is None:
        raise ReportError(f"{out}: not a {what} results folder (expected {name})")
    return out, path, data


def read_geojson(path: Path) -> dict | None:
    """A GeoJSON FeatureCollection from ``path`` (:func:`deorbit.formats.geojson.read_geojson`);
    None when absent."""
    if not path.is_file():
        return None
    try:
        return geojson.read_geojson(path)
    except InputError as exc:
        raise reading_error(exc, path) from None


def read_csv(path: Path, **kwargs: Any) -> pd.DataFrame | None:
    """A CSV file as a DataFrame; None when absent."""
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path, **kwargs)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ReportError(f"not a readable CSV file: {exc}", path) from None


def read_parquet(path: Path) -> pd.DataFrame | None:
    """A Parquet file as a DataFrame; None when absent."""
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ReportError(f"not a readable Parquet file: {exc}", path) from None


def require_columns(df: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    """ReportError naming the file and the first missing column."""
    for col in columns:
        if col not in df.columns:
            raise ReportError(f"missing column {col!r}", path)


def check_folder(results_dir: Path) -> Path:
    """``results_dir`` as a Path; ReportError when it is not an existing folder."""
    path = Path(results_dir)
    if not path.is_dir():
        raise ReportError(f"{path}: no such results folder")
    return path
