"""The Litestar application: routes, sessions, CSRF, templates, error pages, OpenAPI."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import structlog
from litestar import Litestar, MediaType, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from belegsync.domain.errors import DomainError
from belegsync.store.errors import NotFound
from belegsync.web.auth import (
    LoginRequired,
    load_session_user,
    provide_tenant_ctx,
    provide_user,
)
from belegsync.web.controllers.api import ApiController, provide_api_ctx
from belegsync.web.controllers.auth import change_language, home, login, login_form, logout
from belegsync.web.controllers.bank_api import BankApiController
from belegsync.web.controllers.banking import BankingController
from belegsync.web.controllers.connection import ConnectionController
from belegsync.web.controllers.matching import MatchingController
from belegsync.web.controllers.staff import StaffController
from belegsync.web.controllers.support import SupportController
from belegsync.web.controllers.vouchers import VoucherController
from belegsync.web.controllers.webhooks import lexware_webhook
from belegsync.web.deps import WebDeps
from belegsync.web.templating import create_environment, formatter, render

logger = structlog.get_logger("belegsync.web")

STATIC_DIR = Path(__file__).parent / "static"
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(("/api/", "/webhooks/"))


def _not_found(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    if _is_api(request):
        return Response({"error": "not_found"}, status_code=404, media_type=MediaType.JSON)
    return render(request, "error.html", status_code=404, code=404)


def _login_required(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return Redirect(f"/login?next={target}" if request.method == "GET" else "/login")


def _forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if _is_api(request):
        return Response({"error": "forbidden"}, status_code=403, media_type=MediaType.JSON)
    logger.info("request_forbidden", path=request.url.path, detail=str(exc))
    return render(request, "error.html", status_code=403, code=403)


def _domain_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, DomainError)
    message = exc.message_en if formatter(request).lang == "en" else exc.message
    if _is_api(request):
        return Response({"error": exc.code, "message": message}, status_code=400)
    return render(request, "error.html", status_code=400, code=400, message=message)


def _security_headers(response: Response[Any]) -> Response[Any]:
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def create_app(deps: WebDeps, *, debug: bool = False) -> Litestar:
    """The web app over ``deps`` (built by the CLI's composition root or by tests)."""
    secret = deps.config.session_secret
    session = CookieBackendConfig(
        secret=hashlib.sha256(b"session:" + secret).digest(),
        key="belegsync_session",
        max_age=12 * 3600,
        secure=deps.config.secure_cookies,
        httponly=True,
        samesite="lax",
        exclude=["^/api/", "^/webhooks/", "^/static/"],
    )
    csrf = CSRFConfig(
        secret=hashlib.sha256(b"csrf:" + secret).hexdigest(),
        cookie_name="belegsync_csrf",
        cookie_secure=deps.config.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=["^/api/", "^/webhooks/", "^/static/"],
    )
    openapi = OpenAPIConfig(
        title="belegsync API",
        version="1",
        description="Synced Lexware Office vouchers, their files, sync runs and the "
        "connection state of one client. Authenticate with `Authorization: Bearer <token>`.",
        path="/api/schema",
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", description="API token")
            }
        ),
    )
    return Litestar(
        route_handlers=[
            home,
            login_form,
            login,
            logout,
            change_language,
            ConnectionController,
            VoucherController,
            MatchingController,
            BankingController,
            SupportController,
            StaffController,
            ApiController,
            BankApiController,
            lexware_webhook,
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], include_in_schema=False
            ),
        ],
        dependencies={
            "deps": Provide(lambda: deps, use_cache=True, sync_to_thread=False),
            "user": Provide(provide_user),
            "ctx": Provide(provide_tenant_ctx),
            "api_ctx": Provide(provide_api_ctx),
        },
        state=State({"deps": deps}),
        before_request=load_session_user,
        after_request=_security_headers,
        middleware=[session.middleware],
        csrf_config=csrf,
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(create_environment())
        ),
        exception_handlers={
            NotFound: _not_found,
            NotFoundException: _not_found,
            LoginRequired: _login_required,
            PermissionDeniedException: _forbidden,
            DomainError: _domain_error,
        },
        openapi_config=openapi,
        debug=debug,
    )
