"""The three error-body shapes the Lexware Office API answers with.

* gateway: ``{"message": …}`` (auth, throttling, gateway timeouts)
* legacy: ``{"IssueList": [...], "requestId": …}`` (contacts, files, vouchers)
* regular: ``{"timestamp", "status", "error", "path", "traceId", "message", "details",
  "requestId"}`` (everything else)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class GatewayErrorBody:
    """``{"message": …}``; ``message`` may be null (documented 500)."""

    message: str | None


@dataclass(frozen=True, slots=True)
class Issue:
    """One entry of a legacy ``IssueList``."""

    i18n_key: str | None
    source: str | None
    type: str | None
    additional_data: Any = None
    args: Any = None


@dataclass(frozen=True, slots=True)
class LegacyErrorBody:
    """``{"IssueList": [...]}`` with the optional ``requestId`` seen live."""

    issues: tuple[Issue, ...]
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of ``details`` in a regular error body."""

    violation: str | None
    field: str | None
    message: str | None


@dataclass(frozen=True, slots=True)
class RegularErrorBody:
    """The regular error body; ``status`` is documented as string, sent as number."""

    timestamp: str | None
    status: int | None
    error: str | None
    path: str | None
    trace_id: str | None
    message: str | None
    details: tuple[ErrorDetail, ...] = field(default_factory=tuple)
    request_id: str | None = None


ErrorBody = GatewayErrorBody | LegacyErrorBody | RegularErrorBody


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _opt_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _dicts(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def parse_error_body(content: bytes) -> ErrorBody | None:
    """Parse an error response body into one of the three shapes, or ``None``."""
    try:
        data = json.loads(content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    if "IssueList" in data:
        issues = tuple(
            Issue(
                i18n_key=_opt_str(item.get("i18nKey")),
                source=_opt_str(item.get("source")),
                type=_opt_str(item.get("type")),
                additional_data=item.get("additionalData"),
                args=item.get("args"),
            )
            for item in _dicts(data["IssueList"])
        )
        return LegacyErrorBody(issues=issues, request_id=_opt_str(data.get("requestId")))
    if any(key in data for key in ("timestamp", "traceId", "details", "error", "path")):
        details = tuple(
            ErrorDetail(
                violation=_opt_str(item.get("violation")),
                field=_opt_str(item.get("field")),
                message=_opt_str(item.get("message")),
            )
            for item in _dicts(data.get("details"))
        )
        return RegularErrorBody(
            timestamp=_opt_str(data.get("timestamp")),
            status=_opt_int(data.get("status")),
            error=_opt_str(data.get("error")),
            path=_opt_str(data.get("path")),
            trace_id=_opt_str(data.get("traceId")),
            message=_opt_str(data.get("message")),
            details=details,
            request_id=_opt_str(data.get("requestId")),
        )
    if "message" in data:
        return GatewayErrorBody(message=_opt_str(data["message"]))
    return None


def body_message(body: ErrorBody | None) -> str | None:
    """The technical message of a body, for logs (never shown to users)."""
    if isinstance(body, GatewayErrorBody | RegularErrorBody):
        return body.message
    if isinstance(body, LegacyErrorBody) and body.issues:
        return ", ".join(f"{i.source}: {i.i18n_key}" for i in body.issues)
    return None
