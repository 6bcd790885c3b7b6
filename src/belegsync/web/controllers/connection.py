"""Profil → Buchhaltungsverbindungen: state, connect, key form, sync now, disconnect,
tax advisor access, run reports."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from belegsync.domain.connection import ConnectionState
from belegsync.domain.dates import parse_day
from belegsync.domain.errors import DomainError
from belegsync.store.access import TenantContext
from belegsync.sync.connect import (
    LexwareUnreachable,
    connect_lexware,
    disconnect_lexware,
    start_connection,
)
from belegsync.sync.requests import request_sync
from belegsync.tenants.advisor_access import mark_tax_advisor_invitation_sent
from belegsync.tenants.connection_page import connection_page, sync_progress
from belegsync.web.deps import WebDeps
from belegsync.web.feedback import act_then_redirect, domain_message
from belegsync.web.flashes import flash
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest

# domain_message moved to web.feedback; other controllers still import it from here.
__all__ = ["ConnectionController", "connection_state", "domain_message", "sync_started_message"]


def _base(ctx: NamedDependency[TenantContext]) -> str:
    return f"/clients/{ctx.tenant_id}/connection"


async def connection_state(deps: WebDeps, ctx: TenantContext) -> ConnectionState:
    async with deps.uow_factory.read_only() as uow:
        return ConnectionState((await uow.reads.connection(ctx)).state)


def sync_started_message(request: WebRequest, run_id: str | None) -> str:
    fmt = formatter(request)
    if run_id is None:
        return fmt.gettext("Eine Synchronisation läuft bereits.")
    return fmt.gettext("Die Synchronisation wurde gestartet.")


class ConnectionController(Controller):
    path = "/clients/{tenant_id:str}/connection"
    include_in_schema = False

    @get("/")
    async def show(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        page = await connection_page(
            uow_factory=deps.uow_factory,
            clock=deps.clock,
            schedule=deps.config,
            ctx=ctx,
            acknowledge_banner=not ctx.is_staff,
        )
        return render(request, "connection.html", ctx=ctx, page=page, s=page.status)

    @post("/start")
    async def start(
        self, deps: NamedDependency[WebDeps], ctx: NamedDependency[TenantContext]
    ) -> Redirect:
        """„+ Verbinden“ and „Verbindung aktivieren“: on to the key form."""
        state = await start_connection(
            uow_factory=deps.uow_factory, clock=deps.clock, tenant_id=ctx.tenant_id, actor=ctx.actor
        )
        if state is ConnectionState.ACTIVE:
            return Redirect(_base(ctx), status_code=303)
        return Redirect(f"{_base(ctx)}/key", status_code=303)

    @get("/key")
    async def key_form(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        state = await connection_state(deps, ctx)
        return render(request, "key_form.html", ctx=ctx, state=state, error=None, expires="")

    @post("/key")
    async def connect(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template | Redirect:
        form = await request.form()
        # The key stays a local variable: it is never logged, stored in plain text or
        # put back into the form.
        api_key = str(form.get("api_key") or "")
        expires_text = str(form.get("key_expires_on") or "").strip()
        fmt = formatter(request)
        error: str | None = None
        try:
            expires = parse_day(expires_text) if expires_text else None
        except DomainError as invalid:
            expires = None
            error = domain_message(request, invalid)
        if error is None:
            try:
                result = await connect_lexware(
                    uow_factory=deps.uow_factory,
                    lexware=deps.lexware,
                    cipher=deps.cipher,
                    clock=deps.clock,
                    queue=deps.queue,
                    tenant_id=ctx.tenant_id,
                    api_key=api_key,
                    base_url=deps.config.lexware_base_url,
                    key_expires_on=expires,
                    actor=ctx.actor,
                )
            except DomainError as invalid:
                error = domain_message(request, invalid)
            except LexwareUnreachable as unreachable:
                e = unreachable.explanation
                error = (
                    f"{fmt.pick(e.message_de, e.message_en)} {fmt.pick(e.advice_de, e.advice_en)}"
                )
            else:
                notice = result.explanation if result.kept else None
                if notice is None:
                    if result.expiry_notice is not None:
                        e = result.expiry_notice
                        flash(request, "warning", fmt.pick(e.message_de, e.message_en))
                    # a first sync that could not be claimed (``result.sync_deferred``):
                    # the page says so from the state (no run yet), which a flash
                    # stored in a busy database's session may not
                    return Redirect(_base(ctx), status_code=303)
                # nothing changed (e.g. a refused replacement key): the form says why
                error = f"{fmt.pick(notice.message_de, notice.message_en)} " + fmt.pick(
                    notice.advice_de, notice.advice_en
                )
        del api_key
        state = await connection_state(deps, ctx)
        return render(
            request,
            "key_form.html",
            status_code=400,
            ctx=ctx,
            state=state,
            error=error,
            expires=expires_text,
        )

    @post("/sync")
    async def sync_now(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        return await act_then_redirect(
            request,
            _base(ctx),
            request_sync(uow_factory=deps.uow_factory, queue=deps.queue, tenant_id=ctx.tenant_id),
            success=lambda run_id: sync_started_message(request, run_id),
            level="info",
        )

    @get("/progress")
    async def progress(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        progress = await sync_progress(uow_factory=deps.uow_factory, ctx=ctx)
        return render(request, "_progress.html", ctx=ctx, progress=progress)

    @get("/disconnect")
    async def confirm_disconnect(
        self, request: WebRequest, ctx: NamedDependency[TenantContext]
    ) -> Template:
        return render(request, "disconnect.html", ctx=ctx)

    @post("/disconnect")
    async def disconnect(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        if deps.before_disconnect is not None:
            await deps.before_disconnect(ctx.tenant_id)
        await disconnect_lexware(
            uow_factory=deps.uow_factory, clock=deps.clock, tenant_id=ctx.tenant_id, actor=ctx.actor
        )
        flash(
            request,
            "info",
            formatter(request).gettext(
                "Die Verbindung ist getrennt und der Schlüssel gelöscht. "
                "Ihre Belege bleiben erhalten."
            ),
        )
        return Redirect(_base(ctx), status_code=303)

    @post("/tax-advisor/sent")
    async def tax_advisor_sent(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        return await act_then_redirect(
            request,
            f"{_base(ctx)}#steuerberater",
            mark_tax_advisor_invitation_sent(
                uow_factory=deps.uow_factory, clock=deps.clock, ctx=ctx
            ),
        )

    @get("/runs/{run_id:str}")
    async def run_report(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        run_id: FromPath[str],
    ) -> Template:
        async with deps.uow_factory.read_only() as uow:
            run = await uow.reads.sync_run(ctx, run_id)
            errors = list(run.errors)
        return render(request, "run.html", ctx=ctx, run=run, errors=errors)
