"""Structured logging with structlog, and the redaction that keeps secrets out of it."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"

_SENSITIVE_NAMES = ("api_key", "apikey", "authorization", "token", "password", "secret", "cookie")

# A Lexware key is an opaque token. Anything long, mixed-case and alphanumeric is masked; UUIDs
# (organisation, voucher ids) and lower-case hex digests (sha256 of files) stay readable.
_KEY_SHAPED = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{24,}(?![A-Za-z0-9_\-])")
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")
_UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-f]+$")


def _looks_like_key(token: str) -> bool:
    if _UUID.match(token) or _HEX.match(token):
        return False
    has_upper = any(c.isupper() for c in token)
    has_lower = any(c.islower() for c in token)
    has_digit = any(c.isdigit() for c in token)
    return has_digit and ((has_upper and has_lower) or "_" in token or "-" in token)


def redact_text(text: str) -> str:
    """Mask bearer tokens and key-shaped words in free text."""
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return _KEY_SHAPED.sub(lambda m: REDACTED if _looks_like_key(m.group(0)) else m.group(0), text)


def _is_sensitive_name(name: str) -> bool:
    lowered = name.lower().replace("-", "_")
    return any(part in lowered for part in _SENSITIVE_NAMES)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: REDACTED if isinstance(k, str) and _is_sensitive_name(k) else _redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v) for v in value)
    if isinstance(value, BaseException):
        return redact_text(repr(value))
    return value


def redact_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask sensitive fields and anything shaped like a Lexware key."""
    for name in list(event_dict):
        if _is_sensitive_name(name):
            event_dict[name] = REDACTED
        else:
            event_dict[name] = _redact_value(event_dict[name])
    return event_dict


def configure_logging(*, level: str = "info", json: bool = False) -> None:
    """Configure structlog (and the stdlib loggers of uvicorn and friends) once per process."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_processor,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(
        level=numeric, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
    # httpx logs full URLs at INFO; our own client logs what matters without secrets.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic narrates every migration step at INFO; only problems matter on the console.
    logging.getLogger("alembic").setLevel(max(numeric, logging.WARNING))
