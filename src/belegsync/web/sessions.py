"""The session middleware: ``request.session`` backed by :class:`SessionStore`.

The cookie holds a random id, nothing else. A new id is issued when a session starts
and at login (:func:`renew_session_id`), so an id planted before the login is worthless.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send

from belegsync.accounts.sessions import LoadedSession, SessionStore
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory
from belegsync.web.types import WebRequest

SESSION_COOKIE = "belegsync_session"
# The session's user as loaded with the session (see ``web.auth.load_session_user``).
SESSION_USER_STATE = "session_user"
_RENEW = "session_renew_id"
# Paths without a session: the API (tokens), webhooks, static files.
NO_SESSION_PREFIXES = ("/api/", "/webhooks/", "/static/", "/favicon.ico")
# A route handler's ``opt``: the page only reads, in the unit of work that read the
# session (see :func:`read_unit`), so a request checks out one connection, not two.
READS_WITH_SESSION = "reads_with_session"
_READ_UNIT = "read_unit"


def renew_session_id(request: WebRequest) -> None:
    """Give the session a new id when the response goes out (call at login)."""
    request.scope["state"][_RENEW] = True


def read_unit(
    request: WebRequest, uow_factory: UnitOfWorkFactory
) -> AbstractAsyncContextManager[UnitOfWork]:
    """The request's read-only unit of work: the session's (routes with
    :data:`READS_WITH_SESSION`; it stays open until the answer is sent), else a new one."""
    shared: UnitOfWork | None = request.scope["state"].get(_READ_UNIT)
    if shared is None:
        return uow_factory.read_only()
    return contextlib.nullcontext(shared)


def _cookie_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            key, _, found = part.strip().partition("=")
            if key == SESSION_COOKIE and found:
                return found
    return None


class ServerSessionMiddleware:
    def __init__(self, app: ASGIApp, *, store: SessionStore, secure: bool) -> None:
        self.app = app
        self.store = store
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(NO_SESSION_PREFIXES):
            await self.app(scope, receive, send)
            return
        cookie_id = _cookie_id(scope)
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
        if loaded is not None:
            scope.setdefault("state", {})[SESSION_USER_STATE] = loaded.user

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._save(scope, message, cookie_id, loaded)
            await send(message)

        await self.app(scope, receive, send_with_session)

    async def _save(
        self, scope: Scope, message: Message, cookie_id: str | None, loaded: LoadedSession | None
    ) -> None:
        data: Any = scope.get("session")
        renew = bool(scope.get("state", {}).pop(_RENEW, False))
        headers = MutableScopeHeaders.from_message(message)
        if data is Empty or not data:
            if loaded is not None:
                await self.store.end(loaded.id)
            if cookie_id is not None:
                headers.add("Set-Cookie", self._cookie("", max_age=0))
            return
        if renew and loaded is not None:
            await self.store.end(loaded.id)
            loaded = None
        new_id = await self.store.save(dict(data), loaded)
        if new_id is not None:
            headers.add("Set-Cookie", self._cookie(new_id))

    def _cookie(self, value: str, *, max_age: int | None = None) -> str:
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=value,
            path="/",
            max_age=max_age,
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )
        return cookie.to_header(header="")
