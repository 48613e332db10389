"""Which kind of results folder is this, and build its report."""

from __future__ import annotations

from pathlib import Path

from deorbit.report.results import ReportError, check_folder

KINDS = {
    "summary.json": "plan",
    "reentry.json": "reentry",
    "screen.json": "screen",
}
"""The file that marks each kind of results folder."""


def folder_kind(results_dir: Path) -> str:
    """``plan``, ``reentry`` or ``screen``; ReportError naming the folder and the files
    looked for when it is none of these."""
    out = check_folder(results_dir)
    for name, kind in KINDS.items():
        if (out / name).is_file():
            return kind
    raise ReportError(
        f"{out}: not a deorbit results folder (expected summary.json from 'deorbit plan', "
        "reentry.json from 'deorbit reentry --out' or screen.json from 'deorbit screen --out')"
    )


def write_report(results_dir: Path) -> Path:
    """Build ``report.html`` for whichever kind of results folder ``results_dir`` is."""
    from deorbit.report.plan_report import write_plan_report
    from deorbit.report.reentry_report import write_reentry_report
    from deorbit.report.screen_report import write_screen_report

    kind = folder_kind(results_dir)
    build = {
        "plan": write_plan_report,
        "reentry": write_reentry_report,
        "screen": write_screen_report,
    }[kind]
    return build(Path(results_dir))
