"""HTML reports of results folders: one self-contained, offline page per folder (plotly's
JavaScript inlined once, maps drawn from bundled Natural Earth land).

``write_report(folder)`` detects the kind of folder (``deorbit plan``, ``deorbit reentry
--out``, ``deorbit screen --out``) and writes ``folder/report.html``.
"""

from deorbit.report.build import folder_kind, write_report
from deorbit.report.plan_report import write_plan_report
from deorbit.report.reentry_report import write_reentry_report
from deorbit.report.results import ReportError
from deorbit.report.screen_report import write_screen_report
from deorbit.report.traffic_results import write_traffic_results

__all__ = [
    "ReportError",
    "folder_kind",
    "write_plan_report",
    "write_reentry_report",
    "write_report",
    "write_screen_report",
    "write_traffic_results",
]
