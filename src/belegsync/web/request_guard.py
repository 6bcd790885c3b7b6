"""Bad input is refused before it reaches a handler, with a 4xx that says what is wrong.

- JSON bodies of the API: only ``application/json``, at most 1 MB, UTF-8 without BOM, no
  NaN/Infinity, numbers below 10^15, nesting at most 32 deep, no lone surrogates or NUL.
- Paths, query strings and form posts: no NUL characters (PostgreSQL text cannot hold
  them: an id in the path with a NUL was a 500 on PostgreSQL).
"""

from __future__ import annotations

import codecs
import json
from decimal import Decimal
from typing import Any
from urllib.parse import unquote_to_bytes

from belegsync.web.types import WebRequest

MAX_JSON_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_NUMBER = 10**15


class BadRequestInput(Exception):
    """Refused input: HTTP status, a stable code and an English message (API clients)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _bad(code: str, message: str, status: int = 400) -> BadRequestInput:
    return BadRequestInput(status, code, message)


def check_no_nul(raw: bytes | str, *, where: str) -> None:
    """Refuse a (percent-encoded) query string or form body with a NUL character."""
    data = raw.encode("latin-1", "replace") if isinstance(raw, str) else raw
    if b"\x00" in data or b"\x00" in unquote_to_bytes(data.replace(b"+", b" ")):
        raise _bad("nul_character", f"The {where} contains a NUL character.")


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise _bad("json_number_invalid", f"{name} is not a JSON number.")


def _check_values(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise _bad("nul_character", "A JSON string contains a NUL character.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _bad("json_text_invalid", "A JSON string contains a lone surrogate.") from None
    elif isinstance(value, bool):
        return
    elif isinstance(value, int | Decimal):
        if not -MAX_NUMBER < value < MAX_NUMBER:
            raise _bad("json_number_out_of_range", f"Numbers must be below {MAX_NUMBER:.0e}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_values(key)
            _check_values(item)
    elif isinstance(value, list):
        for item in value:
            _check_values(item)


def parse_json_body(raw: bytes, content_type: str) -> Any:
    """The body as JSON (floats as ``Decimal``), or :class:`BadRequestInput`."""
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise _bad(
            "json_content_type_required",
            "Send the body as JSON with Content-Type: application/json.",
            status=415,
        )
    if len(raw) > MAX_JSON_BYTES:
        raise _bad("body_too_large", f"The body exceeds {MAX_JSON_BYTES} bytes.", status=413)
    if raw.startswith(codecs.BOM_UTF8):
        raise _bad("json_bom", "The JSON body must not start with a byte order mark.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _bad("json_encoding", f"The body is not UTF-8 (byte {error.start}).") from None
    if _depth(text) > MAX_DEPTH:
        raise _bad("json_too_deep", f"JSON may nest at most {MAX_DEPTH} levels.")
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise _bad(
            "json_malformed", f"The body is not valid JSON: {error.msg} at position {error.pos}."
        ) from None
    except (ValueError, RecursionError):
        raise _bad("json_malformed", "The body is not valid JSON.") from None
    _check_values(value)
    return value


async def guard_input(request: WebRequest) -> None:
    """``before_request``: check the path, the query string, API JSON bodies and form
    posts."""
    check_no_nul(request.scope.get("path", ""), where="path")
    check_no_nul(request.scope.get("query_string", b""), where="query string")
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.headers.get("content-type", "")
    if request.url.path.startswith("/api/"):
        parse_json_body(await request.body(), content_type)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        check_no_nul(await request.body(), where="form")
