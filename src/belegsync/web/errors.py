"""How errors answer: a page for people, JSON for the API; every unhandled exception is
logged with the request id, which the page and the JSON show so support can find it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import structlog
from litestar import MediaType, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from belegsync.domain.errors import DomainError
from belegsync.store.errors import NotFound, is_busy
from belegsync.web.auth import LoginRequired, local_path
from belegsync.web.headers import request_id
from belegsync.web.request_guard import BadRequestInput
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest

logger = structlog.get_logger("belegsync.web")


def is_api(request: WebRequest) -> bool:
    return request.url.path.startswith(("/api/", "/webhooks/"))


def _json(
    status: int, error: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> Response[Any]:
    body = {"error": error, "message": message, **extra}
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def _page(
    request: WebRequest, status: int, message: str | None = None, **context: Any
) -> Response[Any]:
    return render(
        request,
        "error.html",
        status_code=status,
        code=status,
        message=message,
        request_id=request_id(request.scope),
        **{"posted": False, "back": None, **context},
    )


def _not_found(request: WebRequest, _: Exception) -> Response[Any]:
    if is_api(request):
        return _json(404, "not_found", "Not found (or not yours).")
    return _page(request, 404)


def _login_required(request: WebRequest, _: Exception) -> Response[Any]:
    if request.method != "GET":
        return Redirect("/login")
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return Redirect("/login?" + urlencode({"next": target}, safe="/"))


def _forbidden(request: WebRequest, exc: Exception) -> Response[Any]:
    if is_api(request):
        return _json(403, "forbidden", "Forbidden.")
    logger.info("request_forbidden", path=request.url.path, detail=str(exc)[:200])
    return _page(request, 403)


def _unauthorized(request: WebRequest, exc: Exception) -> Response[Any]:
    assert isinstance(exc, NotAuthorizedException)
    headers = {"WWW-Authenticate": 'Bearer realm="belegsync"'}
    return _json(401, "unauthorized", str(exc.detail), headers=headers)


def _invalid(request: WebRequest, exc: Exception) -> Response[Any]:
    assert isinstance(exc, ValidationException)
    if is_api(request):
        return _json(400, "invalid_request", str(exc.detail), fields=exc.extra or None)
    return _page(request, 400, formatter(request).gettext("Die Anfrage ist ungültig."))


def _http_error(request: WebRequest, exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status >= 500:
        return _server_error(request, exc)
    headers = dict(exc.headers or {})
    if is_api(request):
        return _json(status, "http_error", str(exc.detail), headers=headers or None)
    response = _page(request, status, str(exc.detail))
    response.headers.update(headers)
    return response


def _domain_error(request: WebRequest, exc: Exception) -> Response[Any]:
    assert isinstance(exc, DomainError)
    message = exc.message_en if formatter(request).lang == "en" else exc.message
    if is_api(request):
        return _json(400, exc.code, message)
    return _page(request, 400, message)


def _refused_input(request: WebRequest, exc: Exception) -> Response[Any]:
    assert isinstance(exc, BadRequestInput)
    if is_api(request):
        return _json(exc.status, exc.code, exc.message)
    return _page(request, exc.status, formatter(request).gettext("Die Anfrage ist ungültig."))


def _unreadable(request: WebRequest, exc: Exception) -> Response[Any]:
    return _json(400, "body_unreadable", f"The body could not be read: {str(exc)[:200]}")


# How long a client should wait before it asks again when the database is busy
BUSY_RETRY_SECONDS = 5


def _busy(request: WebRequest, exc: Exception) -> Response[Any]:
    """The database is busy with another process's write (SQLite: an import or a sync
    holds the write lock longer than the busy timeout): 503, try again shortly."""
    logger.warning(
        "request_busy",
        request_id=request_id(request.scope),
        path=request.url.path,
        error=str(exc)[:200],
    )
    headers = {"Retry-After": str(BUSY_RETRY_SECONDS)}
    if is_api(request):
        return _json(
            503, "busy", "The database is busy; try again in a few seconds.", headers=headers
        )
    message = formatter(request).gettext(
        "Die Datenbank ist gerade mit einem anderen Vorgang beschäftigt (etwa einem "
        "Kontoauszug-Import). Bitte versuchen Sie es in einigen Sekunden noch einmal."
    )
    # a form sent: nothing of it was kept (the unit of work rolled back); the page
    # says so and leads back to the form it came from (a chosen file must be chosen
    # again: no page can hand it back)
    posted = request.method not in ("GET", "HEAD")
    back = local_path(_path_of(request.headers.get("referer"))) if posted else None
    response = _page(request, 503, message, posted=posted, back=back)
    response.headers.update(headers)
    return response


def _path_of(url: str | None) -> str | None:
    """The path and query of a URL (a Referer), or None (none, or not a URL: the header
    is the client's to write)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[not-an-address/": a bracket opened, never closed
        return None
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _server_error(request: WebRequest, exc: Exception) -> Response[Any]:
    if is_busy(exc):
        return _busy(request, exc)
    rid = request_id(request.scope)
    logger.error(
        "request_failed",
        request_id=rid,
        method=request.method,
        path=request.url.path,
        exc_info=exc,
    )
    if is_api(request):
        return _json(500, "server_error", "Internal error; quote the request id.", request_id=rid)
    try:
        return _page(request, 500)
    except Exception:
        return Response(f"Internal error. Request id: {rid}", status_code=500)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    NotFound: _not_found,
    NotFoundException: _not_found,
    LoginRequired: _login_required,
    PermissionDeniedException: _forbidden,
    NotAuthorizedException: _unauthorized,
    ValidationException: _invalid,
    HTTPException: _http_error,
    DomainError: _domain_error,
    BadRequestInput: _refused_input,
    SerializationException: _unreadable,
    Exception: _server_error,
}
