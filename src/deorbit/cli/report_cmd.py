"""``deorbit report RESULTS_DIR``: rebuild the HTML report of a results folder."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from deorbit.cli._app import app, console


@app.command()
def report(
    results_dir: Annotated[
        Path, typer.Argument(help="Results folder of deorbit plan, reentry --out or screen --out.")
    ],
    open_page: Annotated[
        bool, typer.Option("--open", help="Open the page in the default web browser.")
    ] = False,
) -> None:
    """Rebuild report.html (self-contained, works offline) from a results folder."""
    from deorbit.report import folder_kind, write_report

    kind = folder_kind(results_dir)
    path = write_report(results_dir)
    console.print(f"{kind} report: {path}", highlight=False, soft_wrap=True)
    if open_page:
        webbrowser.open(path.resolve().as_uri())
