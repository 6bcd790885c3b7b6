"""The session middleware: ``request.session`` backed by :class:`SessionStore`.

The cookie holds a random id, nothing else. A new id is issued when a session starts
and at login (:func:`start_session`), so an id planted before the login is worthless.

The writes that decide whether someone is signed in, a login's new session and a
logout's end (:func:`end_session`), are made by their handler, before the answer: a busy
database answers 503 there and nothing changed. The middleware itself writes only what
can wait (a flash message, the language, the idle expiry moved forward, a session of a
user no longer active ended) when the answer goes out; a busy database then leaves it
out (``session_save_deferred``), since the answer's head is on its way and its
handler's writes stand.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send

from belegsync.accounts.sessions import LoadedSession, SessionStore
from belegsync.store.errors import skipped_when_busy
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory
from belegsync.web.flashes import FLASH_COOKIE, flash_cookie, read_flashes
from belegsync.web.types import WebRequest

SESSION_COOKIE = "belegsync_session"
# The session's user as loaded with the session (see ``web.auth.load_session_user``).
SESSION_USER_STATE = "session_user"
# the request's session control (:class:`_Control`) in the scope's state
_CONTROL = "session_control"
# Paths without a session: the API (tokens), webhooks, static files.
NO_SESSION_PREFIXES = ("/api/", "/webhooks/", "/static/", "/favicon.ico")
# A route handler's ``opt``: the page only reads, in the unit of work that read the
# session (see :func:`read_unit`), so a request checks out one connection, not two.
READS_WITH_SESSION = "reads_with_session"
_READ_UNIT = "read_unit"


class _Control:
    """What a handler decided of the request's session, for the middleware."""

    def __init__(self, store: SessionStore, loaded: LoadedSession | None) -> None:
        self.store = store
        self.loaded = loaded
        self.started: str | None = None  # the id of the session a login stored
        self.ended = False


async def start_session(request: WebRequest, data: dict[str, Any]) -> None:
    """Sign in: ``data`` becomes the session, stored now under a new id (the session
    before ends in the same transaction); the answer sets its cookie."""
    control: _Control = request.scope["state"][_CONTROL]
    replacing = control.loaded.id if control.loaded is not None else None
    control.started = await control.store.start(data, replacing=replacing)
    request.set_session(data)


async def end_session(request: WebRequest) -> None:
    """Sign out: the session ends now; the answer clears its cookie."""
    control: _Control = request.scope["state"][_CONTROL]
    if control.loaded is not None:
        await control.store.end(control.loaded.id)
    control.ended = True
    request.clear_session()


def read_unit(
    request: WebRequest, uow_factory: UnitOfWorkFactory
) -> AbstractAsyncContextManager[UnitOfWork]:
    """The request's read-only unit of work: the session's (routes with
    :data:`READS_WITH_SESSION`; it stays open until the answer is sent), else a new one."""
    shared: UnitOfWork | None = request.scope["state"].get(_READ_UNIT)
    if shared is None:
        return uow_factory.read_only()
    return contextlib.nullcontext(shared)


def _cookie(scope: Scope, cookie: str) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            key, _, found = part.strip().partition("=")
            if key == cookie and found:
                return found
    return None


class ServerSessionMiddleware:
    """The session (database) and the flash messages (a signed cookie,
    ``web.flashes``) of the pages."""

    def __init__(
        self, app: ASGIApp, *, store: SessionStore, secure: bool, flash_key: bytes
    ) -> None:
        self.app = app
        self.store = store
        self.secure = secure
        self.flash_key = flash_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(NO_SESSION_PREFIXES):
            await self.app(scope, receive, send)
            return
        flashes = _cookie(scope, FLASH_COOKIE)
        if flashes is not None:
            read_flashes(scope, flashes, self.flash_key)
        cookie_id = _cookie(scope, SESSION_COOKIE)
        if cookie_id is None:
            await self._call(scope, receive, send, cookie_id, None)
            return
        handler = scope.get("route_handler")
        if handler is None or not handler.opt.get(READS_WITH_SESSION):
            # Read in a unit of its own: the connection goes back to the pool at once.
            await self._call(scope, receive, send, cookie_id, await self.store.load(cookie_id))
            return
        async with self.store.reader() as uow:
            loaded = await self.store.load(cookie_id, uow)
            # The handler reads in the same unit of work (one connection, one snapshot).
            scope.setdefault("state", {})[_READ_UNIT] = uow
            try:
                await self._call(scope, receive, send, cookie_id, loaded)
            finally:
                scope["state"].pop(_READ_UNIT, None)

    async def _call(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        cookie_id: str | None,
        loaded: LoadedSession | None,
    ) -> None:
        scope["session"] = dict(loaded.data) if loaded else {}
        state = scope.setdefault("state", {})
        if loaded is not None:
            state[SESSION_USER_STATE] = loaded.user
        control = state[_CONTROL] = _Control(self.store, loaded)

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._save(scope, message, cookie_id, control)
            await send(message)

        await self.app(scope, receive, send_with_session)

    async def _save(
        self, scope: Scope, message: Message, cookie_id: str | None, control: _Control
    ) -> None:
        data: Any = scope.get("session")
        headers = MutableScopeHeaders.from_message(message)
        flashes = flash_cookie(scope, self.flash_key)
        if flashes is not None:
            headers.add("Set-Cookie", self._cookie(FLASH_COOKIE, flashes))
        if control.started is not None:  # a login stored its session already
            headers.add("Set-Cookie", self._cookie(SESSION_COOKIE, control.started))
            return
        loaded = control.loaded
        if data is Empty or not data:
            if cookie_id is not None:
                headers.add("Set-Cookie", self._cookie(SESSION_COOKIE, ""))
            if loaded is not None and not control.ended:
                with skipped_when_busy("session_save_deferred", path=scope["path"]):
                    await self.store.end(loaded.id)
            return
        with skipped_when_busy("session_save_deferred", path=scope["path"]):
            new_id = await self.store.save(dict(data), loaded)
            if new_id is not None:
                headers.add("Set-Cookie", self._cookie(SESSION_COOKIE, new_id))

    def _cookie(self, name: str, value: str) -> str:
        """A cookie of the pages for the answer; an empty ``value`` clears it."""
        cookie = Cookie(
            key=name,
            value=value,
            path="/",
            max_age=None if value else 0,
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )
        return cookie.to_header(header="")
