"""Headers on every answer (pages, API, errors, redirects, static files) and the request id.

A ``before_send`` hook of the app sees each response start, whatever produced it, so no
answer goes out without them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.types import Message, Scope

REQUEST_ID_HEADER = "X-Request-ID"
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{6,64}$")
_REQUEST_ID = "request_id"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def request_id(scope: Scope | Any) -> str:
    """This request's id: a proxy's ``X-Request-ID`` if well-formed, else a new one."""
    state: dict[str, Any] = scope.setdefault("state", {})
    found = state.get(_REQUEST_ID)
    if isinstance(found, str):
        return found
    incoming = ""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"x-request-id":
            incoming = value.decode("latin-1")
            break
    found = incoming if _INCOMING_ID.match(incoming) else secrets.token_hex(8)
    state[_REQUEST_ID] = found
    return found


# The same headers as raw ASGI pairs (lower-case names), encoded once.
_SECURITY_RAW = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1"))
    for name, value in SECURITY_HEADERS.items()
)
_HSTS_RAW = (HSTS[0].lower().encode("latin-1"), HSTS[1].encode("latin-1"))
_REQUEST_ID_RAW = REQUEST_ID_HEADER.lower().encode("latin-1")


def header_hook(*, https: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """The ``before_send`` hook; ``https``: the app is served over https (adds HSTS).

    A security header the answer already has is kept; HSTS and the request id replace
    any the answer has."""
    replaced = {_REQUEST_ID_RAW, _HSTS_RAW[0]} if https else {_REQUEST_ID_RAW}

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = message.setdefault("headers", [])
        if not isinstance(headers, list):
            headers = message["headers"] = list(headers)
        names = {name.lower() for name, _ in headers}
        if not names.isdisjoint(replaced):
            headers[:] = [h for h in headers if h[0].lower() not in replaced]
        headers.extend(h for h in _SECURITY_RAW if h[0] not in names)
        if https:
            headers.append(_HSTS_RAW)
        headers.append((_REQUEST_ID_RAW, request_id(scope).encode("latin-1")))

    return add_headers
