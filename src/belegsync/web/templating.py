"""Jinja2 pages: one environment, a base context for every page."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from litestar import MediaType
from litestar.response import Template
from markupsafe import Markup

from belegsync.web.auth import current_lang, session_user
from belegsync.web.deps import WebDeps
from belegsync.web.flashes import take_flashes
from belegsync.web.i18n import Formatter
from belegsync.web.labels import german_label, template_label
from belegsync.web.types import WebRequest


class FragmentCache:
    """Rendered pieces of pages (a list's rows) by a key naming everything they show.

    The key must hold every value the fragment depends on (the row itself, the language,
    the tenant's path), so a changed row is a new key and never a stale answer. The
    least recently used fragments go first once ``size`` are held."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._fragments: OrderedDict[Hashable, Markup] = OrderedDict()

    def __call__(self, key: Hashable, render: Callable[..., Markup], *args: Any) -> Markup:
        found = self._fragments.get(key)
        if found is not None:
            self._fragments.move_to_end(key)
            return found
        # A macro's output is Markup; anything else is escaped when it is written out.
        fragment = render(*args)
        self._fragments[key] = fragment
        if len(self._fragments) > self.size:
            self._fragments.popitem(last=False)
        return fragment

    def __len__(self) -> int:
        return len(self._fragments)


def create_environment(*, fragments: int = 10_000) -> Environment:
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
    # ``fragment(key, macro, *args)``: the macro's output, rendered once per key.
    env.globals["fragment"] = FragmentCache(fragments)
    return env


def formatter(request: WebRequest) -> Formatter:
    return Formatter(current_lang(request))


def render(
    request: WebRequest,
    name: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    deps: WebDeps = request.app.state.deps
    fmt = formatter(request)
    base = {
        "_": fmt.gettext,
        "ngettext": fmt.ngettext,
        "fmt": fmt,
        "lang": fmt.lang,
        "user": session_user(request),
        "config": deps.config,
        "flashes": take_flashes(request),
        "path": request.url.path,
    }
    base.update(context)
    return Template(
        template_name=name,
        context=base,
        status_code=status_code,
        media_type=MediaType.HTML,  # Litestar adds "; charset=utf-8" itself
    )
