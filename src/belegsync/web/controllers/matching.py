"""Abgleich (matching inbox): pages for one client. The bank pages (upload, Umsätze,
Bankkonten) live in :mod:`belegsync.web.controllers.banking`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from belegsync.domain.errors import DomainError, InvalidInput
from belegsync.domain.links import LinkStateError, already_done
from belegsync.matching.external import ExternalDraft, create_external_transaction
from belegsync.matching.inbox import manual_search, matching_queue
from belegsync.matching.links import (
    Confirmed,
    Undone,
    confirm_link,
    confirm_links,
    confirm_safe_suggestions,
    keep_after_return,
    link_manually,
    reject_link,
    undo_batch,
    undo_link,
)
from belegsync.matching.service import run_matching
from belegsync.store.access import TenantContext
from belegsync.web.controllers.connection import domain_message
from belegsync.web.controllers.matching_forms import (
    PER_PAGE,
    amount_input,
    parse_amount_cents,
    parse_optional_day,
    parse_queue,
    unfiltered,
)
from belegsync.web.deps import WebDeps
from belegsync.web.flashes import flash
from belegsync.web.i18n import Formatter
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest


def _back(request: WebRequest, tenant_id: str, **params: str) -> Redirect:
    """Back to the queue view the form came from (its URL travels in ``back``)."""
    base = f"/clients/{tenant_id}/matching"
    back = str(params.pop("back", "") or "")
    if not back.startswith(base) or "//" in back[len(base) :]:
        back = base
    if params:
        back += ("&" if "?" in back else "?") + "&".join(f"{k}={v}" for k, v in params.items())
    return Redirect(back, status_code=303)


def _with_also_linked(fmt: Formatter, done: str, also_linked: int | None) -> str:
    """``done`` (a confirmation's message) and what the run after it linked besides:
    a confirmation teaches the payer's account, and the payer's other open vouchers
    may be linked at once — they leave the suggestions, and the person is told why."""
    if also_linked == 0:
        return done
    if also_linked is None:
        more = fmt.gettext(
            "Weitere Zuordnungen folgen mit dem nächsten Abgleich (die Datenbank war gerade "
            "beschäftigt)."
        )
    else:
        more = fmt.ngettext(
            "Der Abgleich danach hat %(n)s weiteren Beleg automatisch zugeordnet.",
            "Der Abgleich danach hat %(n)s weitere Belege automatisch zugeordnet.",
            also_linked,
            n=also_linked,
        )
    return f"{done} {more}"


class MatchingController(Controller):
    path = "/clients/{tenant_id:str}"
    include_in_schema = False

    @get("/matching")
    async def inbox(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        tab: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
        number: FromQuery[str | None] = None,
        contact: FromQuery[str | None] = None,
        amount: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        batch: FromQuery[str | None] = None,
    ) -> Template:
        fields = {
            "number": number,
            "contact": contact,
            "amount": amount,
            "date_from": date_from,
            "date_to": date_to,
            "q": q,
        }
        error: str | None = None
        try:
            state = parse_queue(tab, page, fields)
        except InvalidInput as invalid:
            error = domain_message(request, invalid)
            state = unfiltered(tab, page, fields)
        async with deps.uow_factory.read_only() as uow:
            queue = await matching_queue(
                uow, ctx, state.tab, state.filters, page=state.page, per_page=PER_PAGE
            )
        return render(
            request,
            "matching/inbox.html",
            status_code=400 if error else 200,
            ctx=ctx,
            q=queue,
            state=state,
            error=error,
            batch=batch or "",
            amount_input=lambda cents: amount_input(cents, formatter(request).lang),
        )

    @post("/matching/run")
    async def run(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        counts = await run_matching(deps.uow_factory, deps.clock, ctx.tenant_id)
        flash(
            request,
            "success",
            formatter(request).ngettext(
                "Abgleich ausgeführt: %(auto)s automatisch zugeordnet, %(sugg)s Vorschlag.",
                "Abgleich ausgeführt: %(auto)s automatisch zugeordnet, %(sugg)s Vorschläge.",
                counts.suggestions,
                auto=counts.auto_links,
                sugg=counts.suggestions,
            ),
        )
        return _back(request, ctx.tenant_id)

    async def _act(
        self,
        request: WebRequest,
        deps: WebDeps,
        ctx: TenantContext,
        link_id: str,
        action: Any,
        done: str | Callable[[Any], str],
    ) -> Redirect:
        """``action`` on the link; ``done``: the message, or how the action's result
        words it (None: the link had it done already, the form sent twice)."""
        form = await request.form()
        back = str(form.get("back") or "")
        try:
            result = await action(
                deps.uow_factory, deps.clock, ctx.tenant_id, link_id, actor=ctx.actor
            )
        except LinkStateError as refused:
            if not already_done(refused.status, refused.action):
                flash(request, "error", domain_message(request, refused))
                return _back(request, ctx.tenant_id, back=back)
            result = None  # a double click: the second answer is the first's
        except DomainError as refused:
            flash(request, "error", domain_message(request, refused))
            return _back(request, ctx.tenant_id, back=back)
        flash(request, "success", done if isinstance(done, str) else done(result))
        return _back(request, ctx.tenant_id, back=back)

    @post("/matching/links/{link_id:str}/confirm")
    async def confirm(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        link_id: FromPath[str],
    ) -> Redirect:
        fmt = formatter(request)

        def done(confirmed: Confirmed | None) -> str:
            also = 0 if confirmed is None else confirmed.also_linked  # None: a double click
            return _with_also_linked(fmt, fmt.gettext("Zuordnung bestätigt."), also)

        return await self._act(request, deps, ctx, link_id, confirm_link, done)

    @post("/matching/links/{link_id:str}/reject")
    async def reject(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        link_id: FromPath[str],
    ) -> Redirect:
        done = formatter(request).gettext("Vorschlag abgelehnt; er wird nicht mehr angeboten.")
        return await self._act(request, deps, ctx, link_id, reject_link, done)

    @post("/matching/links/{link_id:str}/undo")
    async def undo(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        link_id: FromPath[str],
    ) -> Redirect:
        fmt = formatter(request)

        def done(undone: Undone | None) -> str:
            if undone is None:  # undone by the same form a moment ago
                return fmt.gettext("Zuordnung aufgehoben. Der Beleg ist wieder offen.")
            if undone.matched:
                return fmt.gettext(
                    "Zuordnung aufgehoben. Der Beleg ist wieder offen und wurde neu abgeglichen."
                )
            return fmt.gettext(
                "Zuordnung aufgehoben. Der Beleg ist wieder offen; abgeglichen wird er mit "
                "dem nächsten Abgleich (die Datenbank war gerade beschäftigt)."
            )

        return await self._act(request, deps, ctx, link_id, undo_link, done)

    @post("/matching/links/{link_id:str}/keep")
    async def keep(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        link_id: FromPath[str],
    ) -> Redirect:
        done = formatter(request).gettext(
            "Zuordnung beibehalten; die Rücklastschrift ist als geprüft vermerkt."
        )
        return await self._act(request, deps, ctx, link_id, keep_after_return, done)

    @post("/matching/confirm-safe")
    async def confirm_safe(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        result = await confirm_safe_suggestions(
            deps.uow_factory, deps.clock, ctx.tenant_id, actor=ctx.actor
        )
        if result.confirmed == 0:
            flash(request, "info", formatter(request).gettext("Keine sicheren Vorschläge offen."))
            return _back(request, ctx.tenant_id)
        fmt = formatter(request)
        confirmed = fmt.ngettext(
            "%(n)s sicherer Vorschlag bestätigt.",
            "%(n)s sichere Vorschläge bestätigt.",
            result.confirmed,
            n=result.confirmed,
        )
        flash(request, "success", _with_also_linked(fmt, confirmed, result.also_linked))
        return _back(request, ctx.tenant_id, batch=result.batch_id)

    @post("/matching/batches/{batch_id:str}/undo")
    async def undo_bulk(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        batch_id: FromPath[str],
    ) -> Redirect:
        undone = await undo_batch(
            deps.uow_factory, deps.clock, ctx.tenant_id, batch_id, actor=ctx.actor
        )
        fmt, n = formatter(request), len(undone.links)
        if undone.matched:
            text = fmt.ngettext(
                "%(n)s Bestätigung rückgängig gemacht; der Vorschlag steht wieder zur Prüfung.",
                "%(n)s Bestätigungen rückgängig gemacht; die Vorschläge stehen wieder zur Prüfung.",
                n,
                n=n,
            )
        else:
            text = fmt.ngettext(
                "%(n)s Bestätigung rückgängig gemacht; der Vorschlag erscheint mit dem nächsten "
                "Abgleich wieder (die Datenbank war gerade beschäftigt).",
                "%(n)s Bestätigungen rückgängig gemacht; die Vorschläge erscheinen mit dem "
                "nächsten Abgleich wieder (die Datenbank war gerade beschäftigt).",
                n,
                n=n,
            )
        flash(request, "success", text)
        return _back(request, ctx.tenant_id)

    @post("/matching/confirm-selected")
    async def confirm_selected(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Redirect:
        form = await request.form()
        chosen = [str(v) for v in form.getall("link")] if "link" in form else []
        back = str(form.get("back") or "")
        fmt = formatter(request)
        if not chosen:
            flash(request, "error", fmt.gettext("Bitte wählen Sie mindestens einen Vorschlag aus."))
            return _back(request, ctx.tenant_id, back=back)
        result = await confirm_links(
            deps.uow_factory, deps.clock, ctx.tenant_id, chosen, actor=ctx.actor
        )
        confirmed = fmt.ngettext(
            "%(n)s Vorschlag bestätigt.",
            "%(n)s Vorschläge bestätigt.",
            result.confirmed,
            n=result.confirmed,
        )
        flash(request, "success", _with_also_linked(fmt, confirmed, result.also_linked))
        if result.confirmed:
            return _back(request, ctx.tenant_id, back=back, batch=result.batch_id)
        return _back(request, ctx.tenant_id, back=back)

    @get("/matching/payments/{payment_id:str}")
    async def manual_form(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        payment_id: FromPath[str],
        amount: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        date_from: FromQuery[str | None] = None,
        date_to: FromQuery[str | None] = None,
    ) -> Template:
        error: str | None = None
        criteria: dict[str, Any] = {}
        try:
            criteria = {
                "amount_cents": parse_amount_cents(amount or ""),
                "text": (q or "")[:200],
                "date_from": parse_optional_day(date_from or ""),
                "date_to": parse_optional_day(date_to or ""),
            }
        except InvalidInput as invalid:
            error = domain_message(request, invalid)
        async with deps.uow_factory.read_only() as uow:
            found = await manual_search(uow, ctx, payment_id, **criteria)
        lang = formatter(request).lang
        return render(
            request,
            "matching/manual.html",
            status_code=400 if error else 200,
            ctx=ctx,
            s=found,
            error=error,
            amount_value=amount
            if amount is not None
            else (amount_input(found.amount_cents, lang) if found.amount_cents is not None else ""),
        )

    @post("/matching/payments/{payment_id:str}/link/{txn_id:str}")
    async def manual(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        payment_id: FromPath[str],
        txn_id: FromPath[str],
    ) -> Redirect:
        linked = await link_manually(
            deps.uow_factory, deps.clock, ctx.tenant_id, payment_id, txn_id, actor=ctx.actor
        )
        fmt = formatter(request)
        done = fmt.gettext("Beleg zugeordnet.")
        flash(request, "success", _with_also_linked(fmt, done, linked.also_linked))
        return _back(request, ctx.tenant_id)

    @post("/matching/payments/{payment_id:str}/external")
    async def external(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        payment_id: FromPath[str],
    ) -> Redirect:
        form = await request.form()
        back = str(form.get("back") or "")
        draft = None
        try:
            if form.get("edited") == "1":
                amount = parse_amount_cents(str(form.get("amount") or ""))
                day = parse_optional_day(str(form.get("booking_date") or ""))
                if amount is None or day is None:
                    raise _missing()
                draft = ExternalDraft(
                    payment_id,
                    day,
                    amount,
                    str(form.get("counterparty") or "").strip(),
                    str(form.get("remittance") or "").strip(),
                    str(form.get("account_label") or "").strip() or "Externes Konto",
                )
            await create_external_transaction(
                deps.uow_factory,
                deps.clock,
                ctx.tenant_id,
                payment_id,
                actor=ctx.actor,
                draft=draft,
            )
        except DomainError as invalid:
            flash(request, "error", domain_message(request, invalid))
            return _back(request, ctx.tenant_id, back=back)
        flash(
            request,
            "success",
            formatter(request).gettext("Externe Transaktion angelegt und dem Beleg zugeordnet."),
        )
        return _back(request, ctx.tenant_id, back=back)


def _missing() -> DomainError:
    return InvalidInput(
        "Bitte geben Sie Datum und Betrag an.",
        code="external_incomplete",
        message_en="Please enter the date and the amount.",
    )
