"""The firm's view: every client, one client in detail, support requests, the outbox."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Template

from belegsync.accounts.api_tokens import create_api_token, list_api_tokens, revoke_api_token
from belegsync.accounts.users import AuthenticatedUser
from belegsync.domain.dates import berlin_date
from belegsync.domain.errors import DomainError
from belegsync.notify.support import resolve_support_request
from belegsync.store.access import TenantContext
from belegsync.store.errors import NotFound
from belegsync.sync.events_subscriptions import subscription_health
from belegsync.sync.requests import request_sync
from belegsync.sync.status import connection_status
from belegsync.tenants.advisor_access import confirm_tax_advisor_access, reset_tax_advisor_access
from belegsync.tenants.clients import (
    ClientLogin,
    create_tenant,
    parse_year,
    record_vat_return,
    set_bookkeeping_service,
    set_tax_year_closed,
)
from belegsync.tenants.connection_page import connection_page
from belegsync.tenants.overview import client_detail
from belegsync.web.auth import LoginRequired, load_session_user
from belegsync.web.controllers.connection import sync_started_message
from belegsync.web.controllers.overview import client_overview as overview_of_client
from belegsync.web.deps import WebDeps
from belegsync.web.feedback import act_then_redirect, domain_message
from belegsync.web.flashes import flash
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest


async def staff_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: staff pages do not exist for clients (404, not 403)."""
    # Guards run before the before_request hook that loads the user.
    await load_session_user(connection)
    user: AuthenticatedUser | None = getattr(connection.state, "user", None)
    if user is None:
        raise LoginRequired()
    if not user.is_staff:
        raise NotFound("page")


def _client(ctx: NamedDependency[TenantContext]) -> str:
    return f"/staff/clients/{ctx.tenant_id}"


async def _checked(deps: NamedDependency[WebDeps], ctx: NamedDependency[TenantContext]) -> None:
    async with deps.uow_factory.read_only() as uow:
        await uow.reads.tenant(ctx)


class StaffController(Controller):
    path = "/staff"
    include_in_schema = False
    guards = [staff_only]  # noqa: RUF012

    @post("/clients")
    async def add_client(self, request: WebRequest, deps: NamedDependency[WebDeps]) -> Redirect:
        form = await request.form()
        year = berlin_date(deps.clock.now()).year  # the firm's calendar, not UTC's
        email = str(form.get("email") or "").strip()
        login = ClientLogin(email, str(form.get("password") or "")) if email else None
        try:
            # Tenant and login are written together, after both are validated.
            tenant_id = await create_tenant(
                uow_factory=deps.uow_factory,
                clock=deps.clock,
                name=str(form.get("name") or ""),
                open_tax_years=[year - 1, year],
                login=login,
            )
        except DomainError as error:
            flash(request, "error", domain_message(request, error))
            return Redirect("/staff", status_code=303)
        return Redirect(f"/staff/clients/{tenant_id}", status_code=303)

    @get("/clients/{tenant_id:str}")
    async def client(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        detail = await client_detail(uow_factory=deps.uow_factory, ctx=ctx)
        page = await connection_page(
            uow_factory=deps.uow_factory,
            clock=deps.clock,
            schedule=deps.config,
            ctx=ctx,
            acknowledge_banner=False,
        )
        status = await connection_status(
            uow_factory=deps.uow_factory, clock=deps.clock, tenant_id=ctx.tenant_id, runs=10
        )
        tokens = await list_api_tokens(uow_factory=deps.uow_factory, ctx=ctx)
        events = await subscription_health(uow_factory=deps.uow_factory, tenant_id=ctx.tenant_id)
        return render(
            request,
            "staff/client.html",
            ctx=ctx,
            d=detail,
            page=page,
            s=status,
            tokens=tokens,
            new_token=None,
            events=events,
            o=await overview_of_client(request, deps, ctx),
        )

    @post("/clients/{tenant_id:str}/tax-years")
    async def tax_year(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        await _checked(deps, ctx)
        form = await request.form()
        closed = form.get("action") == "close"
        fmt = formatter(request)

        async def change() -> int:
            year = parse_year(str(form.get("year") or ""))
            await set_tax_year_closed(
                uow_factory=deps.uow_factory,
                clock=deps.clock,
                tenant_id=ctx.tenant_id,
                year=year,
                closed=closed,
                actor=ctx.actor,
            )
            return year

        def done(year: int) -> str:
            if closed:
                return fmt.gettext(
                    "Steuerjahr %(year)s ist abgeschlossen. Die nächste Synchronisation folgt.",
                    year=year,
                )
            return fmt.gettext(
                "Steuerjahr %(year)s ist wieder offen. Die nächste Synchronisation folgt.",
                year=year,
            )

        return await act_then_redirect(request, _client(ctx), change(), success=done)

    @post("/clients/{tenant_id:str}/vat-returns")
    async def vat_return(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        await _checked(deps, ctx)
        form = await request.form()
        return await act_then_redirect(
            request,
            _client(ctx),
            record_vat_return(
                uow_factory=deps.uow_factory,
                clock=deps.clock,
                tenant_id=ctx.tenant_id,
                period_text=str(form.get("period") or "")[:20],
                actor=ctx.actor,
            ),
            success=lambda period: formatter(request).gettext(
                "Umsatzsteuervoranmeldung %(period)s erfasst.", period=str(period)
            ),
        )

    @post("/clients/{tenant_id:str}/bookkeeping-service")
    async def bookkeeping(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        await _checked(deps, ctx)
        form = await request.form()
        await set_bookkeeping_service(
            uow_factory=deps.uow_factory,
            clock=deps.clock,
            tenant_id=ctx.tenant_id,
            enabled=form.get("enabled") == "1",
            actor=ctx.actor,
        )
        return Redirect(_client(ctx), status_code=303)

    @post("/clients/{tenant_id:str}/tax-advisor")
    async def tax_advisor(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        form = await request.form()
        action = (
            confirm_tax_advisor_access
            if form.get("action") == "confirm"
            else (reset_tax_advisor_access)
        )
        return await act_then_redirect(
            request,
            _client(ctx),
            action(uow_factory=deps.uow_factory, clock=deps.clock, ctx=ctx),
        )

    @post("/clients/{tenant_id:str}/sync")
    async def resync(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        await _checked(deps, ctx)
        form = await request.form()
        return await act_then_redirect(
            request,
            _client(ctx),
            request_sync(
                uow_factory=deps.uow_factory,
                queue=deps.queue,
                tenant_id=ctx.tenant_id,
                full=form.get("full") == "1",
            ),
            success=lambda run_id: sync_started_message(request, run_id),
            level="info",
        )

    @post("/clients/{tenant_id:str}/api-tokens")
    async def new_token(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        form = await request.form()
        token = await create_api_token(
            uow_factory=deps.uow_factory,
            clock=deps.clock,
            ctx=ctx,
            name=str(form.get("name") or ""),
        )
        tokens = await list_api_tokens(uow_factory=deps.uow_factory, ctx=ctx)
        # Shown once on this page; only its hash is stored.
        return render(request, "staff/token.html", ctx=ctx, token=token.token, tokens=tokens)

    @post("/clients/{tenant_id:str}/api-tokens/{token_id:str}/revoke")
    async def revoke_token(
        self,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        token_id: FromPath[str],
    ) -> Redirect:
        await revoke_api_token(
            uow_factory=deps.uow_factory, clock=deps.clock, ctx=ctx, token_id=token_id
        )
        return Redirect(_client(ctx), status_code=303)

    @post("/clients/{tenant_id:str}/support/{request_id:str}/resolve")
    async def resolve(
        self,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        request_id: FromPath[str],
    ) -> Redirect:
        await resolve_support_request(
            uow_factory=deps.uow_factory, clock=deps.clock, ctx=ctx, request_id=request_id
        )
        return Redirect(_client(ctx), status_code=303)
