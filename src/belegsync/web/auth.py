"""Who is asking: the session's user, the language, and the tenant scope of a route.

A client reaches only their own tenant; any other tenant id answers 404, the same as a
tenant that does not exist. Staff reach every tenant through ``TenantContext.for_tenant``.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.params import FromPath

from belegsync.accounts.sessions import SESSION_USER as SESSION_USER_KEY
from belegsync.accounts.users import AuthenticatedUser, load_user
from belegsync.store.access import TenantContext
from belegsync.store.errors import NotFound
from belegsync.web.deps import WebDeps
from belegsync.web.i18n import Lang, parse_lang, pick_language
from belegsync.web.sessions import SESSION_USER_STATE
from belegsync.web.types import WebRequest

SESSION_USER = SESSION_USER_KEY
SESSION_LANG = "lang"


class LoginRequired(Exception):
    """No logged-in user: pages redirect to the login form."""


async def load_session_user(request: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Put the session's user (or ``None``) on ``request.state`` (once per request)."""
    if hasattr(request.state, "user"):
        return
    request.state.user = None
    if request.scope.get("session") is None:
        return
    user_id = request.session.get(SESSION_USER)
    if not user_id:
        return
    preloaded: AuthenticatedUser | None = request.scope["state"].get(SESSION_USER_STATE)
    if preloaded is not None and preloaded.id == str(user_id):
        request.state.user = preloaded
        return
    deps: WebDeps = request.app.state.deps
    user = await load_user(deps.uow_factory, str(user_id))
    if user is None:
        request.clear_session()
        return
    request.state.user = user


def session_user(request: WebRequest) -> AuthenticatedUser | None:
    user: AuthenticatedUser | None = getattr(request.state, "user", None)
    return user


def current_lang(request: WebRequest) -> Lang:
    """A signed-in user's language (stored with the user, read with the session: a
    change is one write in its handler), else the one chosen in this session, else the
    browser's."""
    user = session_user(request)
    if user is not None:
        return user.locale
    if request.scope.get("session") is not None:
        chosen = parse_lang(request.session.get(SESSION_LANG))
        if chosen is not None:
            return chosen
    return pick_language(request.headers.get("accept-language"))


async def provide_user(request: WebRequest) -> AuthenticatedUser:
    user = session_user(request)
    if user is None:
        raise LoginRequired()
    return user


async def provide_tenant_ctx(
    tenant_id: FromPath[str], user: NamedDependency[AuthenticatedUser]
) -> TenantContext:
    """The scope of a ``/clients/{tenant_id}/…`` route for this user (404 if not theirs)."""
    if user.is_staff:
        return TenantContext(tenant_id="", actor=f"staff:{user.email}", is_staff=True).for_tenant(
            tenant_id
        )
    if user.tenant_id is None or user.tenant_id != tenant_id:
        raise NotFound("tenant")
    return TenantContext(tenant_id=user.tenant_id, actor=f"client:{user.email}")


async def provide_staff(user: NamedDependency[AuthenticatedUser]) -> AuthenticatedUser:
    """Staff pages do not exist for clients (404, not 403)."""
    if not user.is_staff:
        raise NotFound("page")
    return user


def home_path(user: AuthenticatedUser) -> str:
    if user.is_staff or user.tenant_id is None:
        return "/staff"
    return f"/clients/{user.tenant_id}/overview"


def local_path(value: str | None) -> str | None:
    """``value`` where it is a path of this app ("/…"; not "//host", no backslash), else
    None: a page links or redirects only to local targets, or it would turn into a
    phishing aid (an open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None
