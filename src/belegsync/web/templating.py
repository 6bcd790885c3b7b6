"""Jinja2 pages: one environment, a base context for every page, flash messages."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import MediaType
from litestar.response import Template

from belegsync.web.auth import current_lang, session_user
from belegsync.web.deps import WebDeps
from belegsync.web.i18n import Formatter
from belegsync.web.labels import german_label, template_label
from belegsync.web.types import WebRequest

FLASH_KEY = "flash"
# A flash may echo what the user typed; the session must stay small whatever was typed.
MAX_FLASH_CHARS = 300


def create_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("belegsync.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship in the package: no stat() of every template on every request.
        auto_reload=False,
    )
    env.globals["label"] = template_label
    env.globals["german_label"] = german_label
    return env


def formatter(request: WebRequest) -> Formatter:
    return Formatter(current_lang(request))


def flash(request: WebRequest, level: str, text: str) -> None:
    """A message for the next page (after a redirect); ``text`` is already translated."""
    if len(text) > MAX_FLASH_CHARS:
        text = text[: MAX_FLASH_CHARS - 1] + "…"
    messages = list(request.session.get(FLASH_KEY, []))
    messages.append([level, text])
    request.session[FLASH_KEY] = messages[-5:]


def render(
    request: WebRequest,
    name: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    deps: WebDeps = request.app.state.deps
    fmt = formatter(request)
    flashes = []
    if request.scope.get("session") is not None and FLASH_KEY in request.session:
        flashes = request.session.pop(FLASH_KEY)
    base = {
        "_": fmt.gettext,
        "fmt": fmt,
        "lang": fmt.lang,
        "user": session_user(request),
        "config": deps.config,
        "flashes": flashes,
        "path": request.url.path,
    }
    base.update(context)
    return Template(
        template_name=name,
        context=base,
        status_code=status_code,
        media_type=MediaType.HTML,  # Litestar adds "; charset=utf-8" itself
    )
