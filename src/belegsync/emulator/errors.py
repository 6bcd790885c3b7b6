"""The three Lexware error body shapes and which endpoints use which."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from belegsync.emulator.clock import format_datetime
from belegsync.emulator.jsonenc import dumps

REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_LEGACY_PREFIXES = ("/v1/contacts", "/v1/files", "/v1/vouchers")


def uses_legacy_shape(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in _LEGACY_PREFIXES)


def request_id() -> str:
    return secrets.token_hex(16)


def gateway_body(message: str | None) -> bytes:
    return dumps({"message": message})


def legacy_body(
    i18n_key: str, *, source: str | None = None, issue_type: str = "validation_failure"
) -> bytes:
    issue = {
        "i18nKey": i18n_key,
        "source": source,
        "type": issue_type,
        "additionalData": None,
        "args": None,
    }
    return dumps({"IssueList": [issue], "requestId": request_id()})


def regular_body(
    status: int,
    path: str,
    message: str,
    now: datetime,
    details: list[dict[str, Any]] | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "timestamp": format_datetime(now),
        "status": status,
        "error": REASONS.get(status, "Error"),
        "path": path,
        "traceId": secrets.token_hex(6),
        "message": message,
    }
    if details:
        body["details"] = details
    body["requestId"] = request_id()
    return dumps(body)


_LEGACY_KEYS = {
    400: "bad_request_error",
    402: "payment_required",
    403: "forbidden",
    404: "not_found",
    406: "validation_failure",
    409: "conflict",
}


def endpoint_body(
    status: int,
    path: str,
    message: str,
    now: datetime,
    *,
    i18n_key: str | None = None,
    source: str | None = None,
) -> bytes:
    """Body in the shape the endpoint at `path` uses (legacy `IssueList` or regular)."""
    if uses_legacy_shape(path):
        key = i18n_key or _LEGACY_KEYS.get(status, "technical_error")
        issue_type = (
            "validation_failure" if status == 406 else _LEGACY_KEYS.get(status, "technical_error")
        )
        return legacy_body(key, source=source, issue_type=issue_type)
    return regular_body(status, path, message, now)
