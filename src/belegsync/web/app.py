"""The Litestar application: routes, sessions, CSRF, templates, error pages, OpenAPI."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from belegsync.accounts.sessions import SessionStore
from belegsync.web.api_docs import ApiDocsPage
from belegsync.web.auth import load_session_user, provide_tenant_ctx, provide_user
from belegsync.web.controllers.api import ApiController, provide_api_ctx
from belegsync.web.controllers.auth import change_language, home, login, login_form, logout
from belegsync.web.controllers.bank_api import BankApiController
from belegsync.web.controllers.banking import BankingController
from belegsync.web.controllers.connection import ConnectionController
from belegsync.web.controllers.exports import ExportController
from belegsync.web.controllers.matching import MatchingController
from belegsync.web.controllers.overview import OverviewController
from belegsync.web.controllers.site import favicon, probe
from belegsync.web.controllers.staff import StaffController
from belegsync.web.controllers.staff_lists import StaffListController
from belegsync.web.controllers.support import SupportController
from belegsync.web.controllers.vouchers import VoucherController
from belegsync.web.controllers.webhooks import lexware_webhook
from belegsync.web.deps import WebDeps
from belegsync.web.errors import EXCEPTION_HANDLERS
from belegsync.web.flashes import flash_key
from belegsync.web.headers import header_hook
from belegsync.web.request_guard import guard_input
from belegsync.web.sessions import ServerSessionMiddleware
from belegsync.web.templating import create_environment
from belegsync.web.types import WebRequest

STATIC_DIR = Path(__file__).parent / "static"


async def _before_request(request: WebRequest) -> None:
    await guard_input(request)
    await load_session_user(request)


def create_app(deps: WebDeps, *, debug: bool = False) -> Litestar:
    """The web app over ``deps`` (built by the CLI's composition root or by tests)."""
    secret = deps.config.session_secret
    sessions = SessionStore(
        deps.uow_factory,
        deps.clock,
        idle=timedelta(minutes=deps.config.session_idle_minutes),
        lifetime=timedelta(hours=deps.config.session_lifetime_hours),
    )
    session_middleware = DefineMiddleware(
        ServerSessionMiddleware,
        store=sessions,
        secure=deps.config.secure_cookies,
        flash_key=flash_key(secret),
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
        title=f"{deps.config.product_name} API",
        version="1",
        description="Synced Lexware Office vouchers, their files, sync runs and the "
        "connection state of one client. Authenticate with `Authorization: Bearer <token>`.",
        path="/api/schema",
        render_plugins=[ApiDocsPage()],
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
            favicon,
            probe,
            ConnectionController,
            VoucherController,
            ExportController,
            OverviewController,
            MatchingController,
            BankingController,
            SupportController,
            StaffController,
            StaffListController,
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
        before_request=_before_request,
        before_send=[header_hook(https=deps.config.secure_cookies)],
        middleware=[session_middleware],
        csrf_config=csrf,
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(create_environment())
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi,
        debug=debug,
    )
