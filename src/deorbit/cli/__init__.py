"""The ``deorbit`` command line: parse, call the library, print, exit code.

Every command module registers itself on :data:`app`. A :class:`deorbit.errors.DeorbitError`
(bad input, a decayed object, a date outside the data, an impossible burn) is printed as one
line on standard error and the process exits with code 2; it never shows a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

try:  # typer >= 0.20 vendors its own click
    from typer._click.exceptions import ClickException as _ClickException
    from typer._click.exceptions import NoArgsIsHelpError as _NoArgsIsHelp
except ImportError:  # pragma: no cover - older typer on real click
    from click.exceptions import ClickException as _ClickException
    from click.exceptions import NoArgsIsHelpError as _NoArgsIsHelp

from deorbit.cli._app import app, console_err
from deorbit.errors import DeorbitError

# Command modules: importing each registers its commands on ``app`` (one name per line).
_COMMAND_MODULES = (
    "data_cmd",
    "elements_cmd",
    "plan_cmd",
    "propagate_cmd",
    "reentry_cmd",
    "traffic_cmd",
    "controlled_cmd",
    "convert_cmd",
    "report_cmd",
    "montecarlo_cmd",
)
for _name in _COMMAND_MODULES:
    importlib.import_module(f"deorbit.cli.{_name}")

__all__ = ["app", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``deorbit`` console script; returns the exit code."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="deorbit")
    except DeorbitError as exc:
        console_err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    except typer.Abort:
        console_err.print("aborted")
        return 130
    except _NoArgsIsHelp as exc:
        exc.show()
        return 0
    except _ClickException as exc:
        exc.show()
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        console_err.print("interrupted")
        return 130
    code = result if isinstance(result, int) else 0
    return code


def run() -> None:
    """Console-script entry point: run :func:`main` and exit with its code."""
    sys.exit(main())
