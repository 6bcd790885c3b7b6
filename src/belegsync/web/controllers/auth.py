"""Login, logout, language."""

from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from belegsync.accounts.users import LoginFailed, LoginThrottled, authenticate, set_locale
from belegsync.web.auth import (
    SESSION_LANG,
    SESSION_USER,
    home_path,
    local_path,
    session_user,
)
from belegsync.web.client_address import client_address, parse_networks
from belegsync.web.deps import WebDeps
from belegsync.web.flashes import flash
from belegsync.web.i18n import Formatter, parse_lang
from belegsync.web.sessions import end_session, start_session
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest


@get("/", include_in_schema=False, sync_to_thread=False)
def home(request: WebRequest) -> Redirect:
    user = session_user(request)
    return Redirect(home_path(user) if user else "/login")


@get("/login", include_in_schema=False, sync_to_thread=False)
def login_form(request: WebRequest, next: FromQuery[str | None] = None) -> Template | Redirect:
    user = session_user(request)
    if user is not None:
        return Redirect(local_path(next) or home_path(user))
    return render(request, "login.html", next=local_path(next) or "", email="", error=None)


@post("/login", include_in_schema=False)
async def login(request: WebRequest, deps: NamedDependency[WebDeps]) -> Template | Redirect:
    form = await request.form()
    email = str(form.get("email") or "")
    password = str(form.get("password") or "")
    target = local_path(str(form.get("next") or ""))
    _ = formatter(request).gettext
    ip = client_address(request, parse_networks(deps.config.trusted_proxies))
    try:
        user = await authenticate(
            uow_factory=deps.uow_factory,
            clock=deps.clock,
            email=email,
            password=password,
            ip=ip,
            failures_allowed=deps.config.login_failures_allowed,
            window_minutes=deps.config.login_window_minutes,
        )
    except LoginThrottled as throttled:
        error = _(
            "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie %(minutes)s Minuten "
            "und versuchen Sie es dann erneut.",
            minutes=throttled.minutes,
        )
        return render(
            request, "login.html", status_code=429, next=target or "", email=email, error=error
        )
    except LoginFailed:
        error = _("E-Mail-Adresse oder Passwort ist falsch.")
        return render(
            request, "login.html", status_code=400, next=target or "", email=email, error=error
        )
    chosen = parse_lang(request.session.get(SESSION_LANG))
    if chosen is not None and chosen != user.locale:
        # the language chosen before signing in becomes the user's
        await set_locale(uow_factory=deps.uow_factory, user_id=user.id, locale=chosen)
    await start_session(request, {SESSION_USER: user.id})
    return Redirect(target or home_path(user), status_code=303)


@post("/logout", include_in_schema=False)
async def logout(request: WebRequest) -> Redirect:
    await end_session(request)
    return Redirect("/login", status_code=303)


@post("/language", include_in_schema=False)
async def change_language(request: WebRequest, deps: NamedDependency[WebDeps]) -> Redirect:
    form = await request.form()
    lang = parse_lang(str(form.get("lang") or ""))
    back = local_path(str(form.get("next") or "")) or "/"
    if lang is not None:
        user = session_user(request)
        if user is not None:  # stored with the user, in this handler (busy: 503)
            await set_locale(uow_factory=deps.uow_factory, user_id=user.id, locale=lang)
        else:
            request.session[SESSION_LANG] = lang
        flash(request, "info", Formatter(lang).gettext("Sprache geändert."))
    return Redirect(back, status_code=303)
