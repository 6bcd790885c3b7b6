"""Flash messages: what a form's handler tells the page after its redirect.

They travel in a signed cookie of their own, not in the session stored in the database:
a form's receipt („Ihre Anfrage ist bei uns eingegangen“) reaches the next page even
where the database is busy when the answer goes out (the session's write is left out
then, ``web.sessions``), and a form and its redirect write no session row for them.
The cookie is signed with a key derived from the session secret, so no one else can put
words on our pages; it holds at most :data:`MAX_FLASHES` messages of
:data:`MAX_FLASH_CHARS` each (about 2 KB), and it is cleared by the page that shows them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from litestar.types import Scope

from belegsync.web.types import WebRequest

FLASH_COOKIE = "belegsync_flash"
# A flash may echo what the user typed; the cookie must stay small whatever was typed.
MAX_FLASH_CHARS = 300
MAX_FLASHES = 5
# the cookie's value at most: a browser keeps 4 KB a cookie, name and attributes included
MAX_COOKIE_CHARS = 3600
# the messages that came with the request, and those added while answering it
_IN = "flashes_in"
_OUT = "flashes_out"
_SHOWN = "flashes_shown"


def flash_key(session_secret: bytes) -> bytes:
    return hashlib.sha256(b"flash:" + session_secret).digest()


def flash(request: WebRequest, level: str, text: str) -> None:
    """A message for the next page (after a redirect); ``text`` is already translated."""
    if len(text) > MAX_FLASH_CHARS:
        text = text[: MAX_FLASH_CHARS - 1] + "…"
    request.scope["state"].setdefault(_OUT, []).append([level, text])


def take_flashes(request: WebRequest) -> list[list[str]]:
    """The messages for the page being rendered: those that came with the request and
    those added since; the answer clears the cookie."""
    state = request.scope["state"]
    shown = [*state.pop(_IN, []), *state.pop(_OUT, [])]
    state[_SHOWN] = state.get(_SHOWN, False) or bool(shown)
    return shown[-MAX_FLASHES:]


def read_flashes(scope: Scope, raw: str, key: bytes) -> None:
    """Put the messages the request's cookie carries (``raw``, signed by us) on its state."""
    messages = _decoded(raw, key)
    state = scope.setdefault("state", {})
    if messages is None:  # not ours, or garbled: cleared by the answer
        state[_SHOWN] = True
    else:
        state[_IN] = messages


def flash_cookie(scope: Scope, key: bytes) -> str | None:
    """The flash cookie's value for the answer: the messages still to show (those that
    came and were not shown, and those added); ``""`` to clear it where the page showed
    them; else ``None`` (the cookie stays as it is)."""
    state = scope.get("state", {})
    added = state.get(_OUT, [])
    if not added:
        return "" if state.get(_SHOWN) else None
    kept = [*state.get(_IN, []), *added][-MAX_FLASHES:]
    value = _encoded(kept, key)
    while len(value) > MAX_COOKIE_CHARS and len(kept) > 1:  # the oldest go first
        kept = kept[1:]
        value = _encoded(kept, key)
    return value


def _signature(payload: bytes, key: bytes) -> bytes:
    digest = hmac.new(key, payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def _encoded(messages: list[list[str]], key: bytes) -> str:
    payload = base64.urlsafe_b64encode(
        json.dumps(messages, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ).rstrip(b"=")
    return (payload + b"." + _signature(payload, key)).decode("ascii")


def _decoded(raw: str, key: bytes) -> list[list[str]] | None:
    # a cookie is the client's to write: any text, compared as bytes
    payload, _, signature = raw.encode("utf-8", "replace").partition(b".")
    if not hmac.compare_digest(signature, _signature(payload, key)):
        return None
    try:
        messages: Any = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(messages, list) or not all(
        isinstance(m, list) and len(m) == 2 and all(isinstance(x, str) for x in m) for m in messages
    ):
        return None
    return messages[-MAX_FLASHES:]
