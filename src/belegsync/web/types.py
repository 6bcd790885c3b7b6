"""Type aliases of the web layer."""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar import Request

WebRequest: TypeAlias = Request[Any, Any, Any]
"""Any request of this app (its user, auth and state types are not narrowed)."""
