"""Reading a JSON file with an error that names it: the file, and the line of broken JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deorbit.errors import InputError


def read_json_file(path: str | Path, what: str = "JSON") -> Any:
    """The parsed content of the JSON file ``path``; InputError naming the file when it cannot
    be read (``what`` names the format in the message) and the line when it is not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what}: {exc}", str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", str(path), exc.lineno) from None
