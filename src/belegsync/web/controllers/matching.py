"""Abgleich (matching inbox): pages for one client. The bank pages (upload, Umsätze,
Bankkonten) live in :mod:`belegsync.web.controllers.banking`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from belegsync.domain.errors import DomainError, InvalidInput
from belegsync.matching.external import ExternalDraft, create_external_transaction
from belegsync.matching.inbox import matching_overview, search_transactions
from belegsync.matching.service import (
    LinkRejected,
    confirm_link,
    link_manually,
    reject_link,
    run_matching,
    undo_link,
)
from belegsync.store.access import TenantContext, access_tenant
from belegsync.web.controllers.connection import domain_message
from belegsync.web.deps import WebDeps
from belegsync.web.services.matching import parse_amount_cents, parse_day
from belegsync.web.templating import flash, formatter, render


def _inbox(tenant_id: str) -> Redirect:
    return Redirect(f"/clients/{tenant_id}/matching", status_code=303)


class MatchingController(Controller):
    path = "/clients/{tenant_id:str}"
    include_in_schema = False

    @get("/matching")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        amount: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        day: FromQuery[str | None] = None,
        payment: FromQuery[str | None] = None,
    ) -> Template:
        error: str | None = None
        found = None
        async with deps.uow_factory() as uow:
            await access_tenant(uow.session, ctx)
            overview = await matching_overview(uow, ctx.tenant_id)
            if any((amount, q, day)):
                try:
                    found = await search_transactions(
                        uow, ctx.tenant_id, amount_cents=parse_amount_cents(amount or ""),
                        text=q or None, day=parse_day(day or ""),
                    )  # fmt: skip
                except DomainError as invalid:
                    error = domain_message(request, invalid)
        payments = [(p, v) for p, v in overview.open_payments] + [
            (e.payment, e.voucher) for e in overview.external_needed
        ]
        return render(
            request, "matching/inbox.html", ctx=ctx, o=overview, found=found, error=error,
            search={"amount": amount or "", "q": q or "", "day": day or ""},
            chosen_payment=payment or "", payments=payments,
        )  # fmt: skip

    @post("/matching/run")
    async def run(
        self, request: Request[Any, Any, Any], deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:  # fmt: skip
        counts = await run_matching(deps.uow_factory, deps.clock, ctx.tenant_id)
        flash(request, "success", formatter(request).gettext(
            "Abgleich ausgeführt: %(auto)s automatisch zugeordnet, %(sugg)s Vorschläge.",
            auto=counts.auto_links, sugg=counts.suggestions,
        ))  # fmt: skip
        return _inbox(ctx.tenant_id)

    async def _act(
        self, request: Request[Any, Any, Any], deps: WebDeps, ctx: TenantContext, link_id: str,
        action: Any, done: str,
    ) -> Redirect:  # fmt: skip
        try:
            await action(deps.uow_factory, deps.clock, ctx.tenant_id, link_id, actor=ctx.actor)
        except LinkRejected as rejected:
            en = formatter(request).lang == "en"
            flash(request, "error", rejected.message_en if en else rejected.message)
            return _inbox(ctx.tenant_id)
        flash(request, "success", done)
        return _inbox(ctx.tenant_id)

    @post("/matching/links/{link_id:str}/confirm")
    async def confirm(
        self, request: Request[Any, Any, Any], deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext], link_id: FromPath[str],
    ) -> Redirect:  # fmt: skip
        done = formatter(request).gettext("Zuordnung bestätigt.")
        return await self._act(request, deps, ctx, link_id, confirm_link, done)

    @post("/matching/links/{link_id:str}/reject")
    async def reject(
        self, request: Request[Any, Any, Any], deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext], link_id: FromPath[str],
    ) -> Redirect:  # fmt: skip
        done = formatter(request).gettext("Vorschlag abgelehnt; er wird nicht mehr angeboten.")
        return await self._act(request, deps, ctx, link_id, reject_link, done)

    @post("/matching/links/{link_id:str}/undo")
    async def undo(
        self, request: Request[Any, Any, Any], deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext], link_id: FromPath[str],
    ) -> Redirect:  # fmt: skip
        done = formatter(request).gettext("Zuordnung aufgehoben.")
        return await self._act(request, deps, ctx, link_id, undo_link, done)

    @post("/matching/payments/{payment_id:str}/link/{txn_id:str}")
    async def manual(
        self, request: Request[Any, Any, Any], deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext], payment_id: FromPath[str], txn_id: FromPath[str],
    ) -> Redirect:  # fmt: skip
        await link_manually(
            deps.uow_factory, deps.clock, ctx.tenant_id, payment_id, txn_id, actor=ctx.actor
        )
        flash(request, "success", formatter(request).gettext("Beleg zugeordnet."))
        return _inbox(ctx.tenant_id)

    @post("/matching/payments/{payment_id:str}/external")
    async def external(
        self, request: Request[Any, Any, Any], deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext], payment_id: FromPath[str],
    ) -> Redirect:  # fmt: skip
        form = await request.form()
        draft = None
        try:
            if form.get("edited") == "1":
                amount = parse_amount_cents(str(form.get("amount") or ""))
                day = parse_day(str(form.get("booking_date") or ""))
                if amount is None or day is None:
                    raise _missing()
                draft = ExternalDraft(
                    payment_id, day, amount, str(form.get("counterparty") or "").strip(),
                    str(form.get("remittance") or "").strip(),
                    str(form.get("account_label") or "").strip() or "Externes Konto",
                )  # fmt: skip
            await create_external_transaction(
                deps.uow_factory, deps.clock, ctx.tenant_id, payment_id, actor=ctx.actor,
                draft=draft,
            )  # fmt: skip
        except DomainError as invalid:
            flash(request, "error", domain_message(request, invalid))
            return _inbox(ctx.tenant_id)
        flash(request, "success", formatter(request).gettext(
            "Externe Transaktion angelegt und dem Beleg zugeordnet."
        ))  # fmt: skip
        return _inbox(ctx.tenant_id)


def _missing() -> DomainError:
    return InvalidInput(
        "Bitte geben Sie Datum und Betrag an.",
        code="external_incomplete",
        message_en="Please enter the date and the amount.",
    )
