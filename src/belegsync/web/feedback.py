"""What a form post tells the user: the domain error's message, or a success message,
as a flash on the page the post redirects to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from litestar.response import Redirect

from belegsync.domain.errors import DomainError
from belegsync.web.flashes import flash
from belegsync.web.templating import formatter
from belegsync.web.types import WebRequest

T = TypeVar("T")


def domain_message(request: WebRequest, error: DomainError) -> str:
    """The error's message in the page's language."""
    return error.message_en if formatter(request).lang == "en" else error.message


async def act_then_redirect(
    request: WebRequest,
    target: str,
    action: Awaitable[T],
    *,
    success: Callable[[T], str | None] | None = None,
    level: str = "success",
) -> Redirect:
    """Run ``action``; flash its domain error or ``success(result)``; redirect (303)."""
    try:
        result = await action
    except DomainError as error:
        flash(request, "error", domain_message(request, error))
    else:
        message = success(result) if success is not None else None
        if message:
            flash(request, level, message)
    return Redirect(target, status_code=303)
