"""Which /v1 routes and methods exist: Lexware's gateway refuses every other one with 403."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PARAM = re.compile(r"\{[^}/]+\}")


class RouteTable:
    """Path templates (``/v1/vouchers/{voucher_id:str}``) with their methods."""

    def __init__(self, routes: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._routes: list[tuple[re.Pattern[str], frozenset[str]]] = []
        for template, methods in routes:
            parts = _PARAM.split(template)
            pattern = "[^/]+".join(re.escape(part) for part in parts)
            allowed = frozenset(m.upper() for m in methods) | {"HEAD", "OPTIONS"}
            self._routes.append((re.compile(f"^{pattern}/?$"), allowed))

    def allows(self, method: str, path: str) -> bool:
        return any(
            method.upper() in methods and pattern.match(path) for pattern, methods in self._routes
        )
