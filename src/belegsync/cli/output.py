"""What every command prints the same way."""

from __future__ import annotations

import json
from typing import Any


def print_json(value: Any) -> None:
    """``--json``: indented, non-ASCII kept, dates and decimals as strings."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def counted(n: int, one: str, many: str) -> str:
    """A count with its noun in the form the number needs: „1 Beleg“, „2 Belege“."""
    return f"{n} {one if n == 1 else many}"
