"""Headers on every answer (pages, API, errors, redirects, static files) and the request id.

A ``before_send`` hook of the app sees each response start, whatever produced it, so no
answer goes out without them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.datastructures import MutableScopeHeaders
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


def header_hook(*, https: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """The ``before_send`` hook; ``https``: the app is served over https (adds HSTS)."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            if name not in headers:
                headers[name] = value
        if https:
            headers[HSTS[0]] = HSTS[1]
        headers[REQUEST_ID_HEADER] = request_id(scope)

    return add_headers
