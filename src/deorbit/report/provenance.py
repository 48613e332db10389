"""The "inputs and versions" section: which deorbit and libraries made the results, and the
bundled data files (with their date ranges, as ``deorbit data info`` lists them)."""

from __future__ import annotations

import platform
from importlib import metadata

from deorbit import __version__
from deorbit.errors import DeorbitError
from deorbit.report.page import esc, table

LIBRARIES = ("numpy", "scipy", "astropy", "sgp4", "pymsis", "pandas", "plotly", "ortools")


def library_versions() -> list[tuple[str, str]]:
    """(name, version) of deorbit, Python and the libraries that shape the results."""
    rows = [("deorbit", __version__), ("Python", platform.python_version())]
    for name in LIBRARIES:
        try:
            rows.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
    return rows


def data_rows() -> list[tuple[str, str, str, str, str]]:
    """(name, file, first, last, last observed) of every registered bundled dataset."""
    from deorbit.data.catalog import DATASETS

    rows = []
    for ds in DATASETS:
        if not ds.bundled.is_file():
            rows.append((ds.name, ds.path, "missing", "", ""))
            continue
        try:
            s = ds.summarize()
        except (DeorbitError, OSError, ValueError) as exc:
            rows.append((ds.name, ds.path, f"unreadable: {exc}", "", ""))
            continue
        rows.append((ds.name, ds.path, s.first or "", s.last or "", s.last_observed or ""))
    return rows


def inputs_html(inputs: list[tuple[str, str]]) -> str:
    """The section body: the given inputs (label, value), the versions, the bundled data."""
    parts = []
    if inputs:
        parts.append("<h3>Inputs</h3>" + table(("input", "value"), inputs))
    parts.append("<h3>Software</h3>" + table(("package", "version"), library_versions()))
    parts.append(
        "<h3>Bundled data</h3>"
        + table(("dataset", "file", "first", "last", "last observed"), data_rows())
        + f'<p class="note">Provenance of every file: deorbit/data/SOURCES.md '
        f"(deorbit {esc(__version__)}).</p>"
    )
    return "".join(parts)
