"""„Support kontaktieren“ for clients (and staff on a client's behalf)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from belegsync.accounts.users import AuthenticatedUser
from belegsync.domain.errors import DomainError
from belegsync.notify.support import request_support, support_diagnosis
from belegsync.store.access import TenantContext
from belegsync.web.deps import WebDeps
from belegsync.web.feedback import domain_message
from belegsync.web.flashes import flash
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest


class SupportController(Controller):
    path = "/clients/{tenant_id:str}/support"
    include_in_schema = False

    @get("/")
    async def form(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        diagnosis = await support_diagnosis(
            uow_factory=deps.uow_factory, ctx=ctx, version=deps.config.version
        )
        return render(
            request,
            "support.html",
            ctx=ctx,
            diagnosis=diagnosis,
            message="",
            error=None,
        )

    @post("/")
    async def submit(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        user: NamedDependency[AuthenticatedUser],
    ) -> Template | Redirect:
        form = await request.form()
        message = str(form.get("message") or "")
        try:
            await request_support(
                uow_factory=deps.uow_factory,
                clock=deps.clock,
                config=deps.config,
                ctx=ctx,
                user_id=user.id,
                contact_email=user.email,
                message=message,
            )
        except DomainError as error:
            diagnosis = await support_diagnosis(
                uow_factory=deps.uow_factory, ctx=ctx, version=deps.config.version
            )
            return render(
                request,
                "support.html",
                status_code=400,
                ctx=ctx,
                diagnosis=diagnosis,
                message=message,
                error=domain_message(request, error),
            )
        flash(
            request,
            "success",
            formatter(request).gettext(
                "Ihre Anfrage ist bei uns eingegangen. Wir melden uns bei %(email)s.",
                email=user.email,
            ),
        )
        return Redirect(f"/clients/{ctx.tenant_id}/connection", status_code=303)
