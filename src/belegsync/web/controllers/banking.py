"""Kontoauszug hochladen (with the second step: account, format, CSV columns), Umsätze
(paged, filtered, sorted, as CSV) and Bankkonten: pages for one client."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template

from belegsync.banking import FORMAT_LABELS, ImportResult
from belegsync.banking.accounts_view import accounts_page
from belegsync.banking.advice import looks_like_advice
from belegsync.banking.advice_import import AdviceImportResult, import_advices
from belegsync.banking.queries import transaction_batches, transaction_page
from belegsync.banking.text import compact_iban
from belegsync.banking.uploads import (
    DATE_FORMATS,
    MAPPING_FIELDS,
    UploadChoice,
    drop_draft,
    import_upload,
    load_draft,
    mapping_from_form,
    preview,
    save_draft,
    suggest_mapping,
)
from belegsync.domain.errors import DomainError, InvalidInput
from belegsync.matching.columns import line_keys_of
from belegsync.matching.links import remove_advice
from belegsync.matching.service import matching_after_change
from belegsync.store.access import TenantContext
from belegsync.store.uow import UnitOfWork
from belegsync.web.controllers.banking_query import query_from_params
from belegsync.web.controllers.connection import domain_message
from belegsync.web.deps import WebDeps
from belegsync.web.exports import read_while_sent, transactions_csv
from belegsync.web.flashes import flash
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Room for the multipart envelope and the form's other fields around a 20 MB file.
MAX_UPLOAD_BODY = MAX_UPLOAD_BYTES + 256 * 1024
# Errors the second step can resolve: the user picks the account, format or columns.
_NEEDS_CHOICE = ("csv_layout_unknown", "statement_account_missing", "csv_mapping_invalid")


def _too_large(request: WebRequest) -> str:
    return formatter(request).gettext(
        "Die Datei ist größer als 20 MB. Bitte laden Sie einen kürzeren Zeitraum herunter "
        "und die Auszüge einzeln hoch."
    )


def _too_large_page(request: WebRequest, _: Exception) -> Template:
    """The body was over the limit before the handler ran (the CSRF check reads the
    form first): the upload page with the message, not the framework's JSON."""
    base = f"/clients/{request.path_params.get('tenant_id', '')}/bank/upload"
    return render(
        request, "banking/too_large.html", status_code=413, message=_too_large(request), back=base
    )


async def _form(request: WebRequest) -> dict[str, Any] | None:
    """The posted form, or ``None`` when the body is over the limit."""
    try:
        form = await request.form()
    except ClientException as error:
        if error.status_code == 413 or "Too Large" in str(error.detail):
            return None
        raise
    return dict(form.items())


def _choice(form: dict[str, Any]) -> UploadChoice:
    account = str(form.get("account") or "").strip()
    if account == "new":
        text = str(form.get("new_iban") or "").strip()
        if compact_iban(text) is None:
            raise InvalidInput(
                f"„{text}“ ist keine gültige IBAN. Bitte prüfen Sie die Eingabe (22 Zeichen, "
                "beginnend mit DE) oder wählen Sie ein vorhandenes Konto.",
                code="iban_invalid",
                message_en=f"'{text}' is not a valid IBAN. Please check it (22 characters "
                "starting with DE) or choose an existing account.",
            )
        account = text
    fmt = str(form.get("format") or "auto")
    mapping = None
    if form.get("use_mapping") == "1":
        mapping = mapping_from_form({k: str(v) for k, v in form.items()})
        fmt = "csv:generic"
    return UploadChoice(
        account=account or None,
        fmt=fmt,
        mapping=mapping,
        remember_mapping=form.get("remember") == "1",
    )


def _linker(params: dict[str, str]) -> Any:
    """``link(page=2)``: this list's URL query with some parameters changed."""

    def link(**changes: object) -> str:
        merged = {**params, **{k: str(v) for k, v in changes.items()}}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    return link


class BankingController(Controller):
    path = "/clients/{tenant_id:str}/bank"
    include_in_schema = False

    async def _page(
        self,
        request: WebRequest,
        deps: WebDeps,
        ctx: TenantContext,
        *,
        status_code: int = 200,
        error: str | None = None,
        result: ImportResult | None = None,
        advices: AdviceImportResult | None = None,
        draft: tuple[str, str, bytes] | None = None,
        form: dict[str, Any] | None = None,
        needs: str = "",
        deferred: bool = False,
    ) -> Template:
        async with deps.uow_factory.read_only() as uow:
            await uow.reads.tenant(ctx)
            imports = await uow.banking.imports(ctx.tenant_id)
            accounts = await uow.banking.accounts(ctx.tenant_id)
            stored_advices = await uow.advices.listed(ctx.tenant_id)
        context: dict[str, Any] = {
            "ctx": ctx,
            "imports": imports[:20],
            "accounts": accounts,
            "error": error,
            "result": result,
            "advices": advices,
            # the import stands, its matching waits for the next run (database busy)
            "matching_deferred": deferred,
            "stored_advices": stored_advices,
            "formats": FORMAT_LABELS,
            "form": form or {},
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        }
        if draft is None:
            return render(request, "banking/upload.html", status_code=status_code, **context)
        draft_id, filename, data = draft
        shown = preview(data)
        guess = suggest_mapping(shown.header)
        chosen = {
            key: str((form or {}).get(f"map_{key}") or guess.get(key, ""))
            for key, _, _ in MAPPING_FIELDS
        }
        return render(
            request,
            "banking/preview.html",
            status_code=status_code,
            draft_id=draft_id,
            filename=filename,
            preview=shown,
            mapping_fields=MAPPING_FIELDS,
            chosen=chosen,
            date_formats=DATE_FORMATS,
            needs=needs,
            **context,
        )

    @get("/upload")
    async def upload_form(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        return await self._page(request, deps, ctx)

    async def _import(
        self,
        request: WebRequest,
        deps: WebDeps,
        ctx: TenantContext,
        filename: str,
        data: bytes,
        form: dict[str, Any],
        draft_id: str | None,
    ) -> Template:
        if draft_id is None and looks_like_advice(data):
            return await self._import_advices(request, deps, ctx, filename, data, form)
        try:
            choice = _choice(form)
            result = await import_upload(
                uow_factory=deps.uow_factory,
                clock=deps.clock,
                tenant_id=ctx.tenant_id,
                filename=filename,
                data=data,
                choice=choice,
                actor=ctx.actor,
                line_keys=line_keys_of,
            )
        except DomainError as invalid:
            message = domain_message(request, invalid)
            if draft_id is None and invalid.code in _NEEDS_CHOICE:
                draft_id = await save_draft(
                    deps.uow_factory, deps.clock, ctx.tenant_id, filename, data
                )
            if draft_id is not None:
                status = 200 if invalid.code in _NEEDS_CHOICE else 400
                return await self._page(
                    request,
                    deps,
                    ctx,
                    status_code=status,
                    error=message,
                    draft=(draft_id, filename, data),
                    form=form,
                    needs=invalid.code,
                )
            return await self._page(request, deps, ctx, status_code=400, error=message, form=form)
        if draft_id is not None:
            await drop_draft(deps.uow_factory, ctx.tenant_id, draft_id)
        # New lines may pay open vouchers (or replace external transactions).
        matched = await matching_after_change(deps.uow_factory, deps.clock, ctx.tenant_id)
        return await self._page(request, deps, ctx, result=result, deferred=matched is None)

    async def _import_advices(
        self,
        request: WebRequest,
        deps: WebDeps,
        ctx: TenantContext,
        filename: str,
        data: bytes,
        form: dict[str, Any],
    ) -> Template:
        """A payment advice or the client's own SEPA batch file: its items are attached
        to the batch line they break down, and matching runs again."""
        try:
            advices = await import_advices(
                uow_factory=deps.uow_factory,
                clock=deps.clock,
                tenant_id=ctx.tenant_id,
                filename=filename,
                data=data,
                actor=ctx.actor,
            )
        except DomainError as invalid:
            message = domain_message(request, invalid)
            return await self._page(request, deps, ctx, status_code=400, error=message, form=form)
        deferred = False
        if advices.attached:
            matched = await matching_after_change(deps.uow_factory, deps.clock, ctx.tenant_id)
            deferred = matched is None
        return await self._page(request, deps, ctx, advices=advices, deferred=deferred)

    @post(
        "/upload",
        request_max_body_size=MAX_UPLOAD_BODY,
        exception_handlers={RequestEntityTooLarge: _too_large_page},
    )
    async def upload(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        form = await _form(request)
        if form is None:
            return await self._page(request, deps, ctx, status_code=413, error=_too_large(request))
        upload = form.get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        filename = (upload.filename if isinstance(upload, UploadFile) else "") or "upload"
        if not data:
            message = formatter(request).gettext("Bitte wählen Sie eine Datei aus.")
            return await self._page(request, deps, ctx, status_code=400, error=message, form=form)
        if len(data) > MAX_UPLOAD_BYTES:
            return await self._page(request, deps, ctx, status_code=413, error=_too_large(request))
        return await self._import(request, deps, ctx, filename, data, form, None)

    @get("/upload/{draft_id:str}")
    async def draft_form(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        draft_id: FromPath[str],
    ) -> Template:
        filename, data = await load_draft(deps.uow_factory, ctx.tenant_id, draft_id)
        return await self._page(request, deps, ctx, draft=(draft_id, filename, data))

    @post(
        "/upload/{draft_id:str}",
        request_max_body_size=MAX_UPLOAD_BODY,
        exception_handlers={RequestEntityTooLarge: _too_large_page},
    )
    async def draft_import(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        draft_id: FromPath[str],
    ) -> Template:
        filename, data = await load_draft(deps.uow_factory, ctx.tenant_id, draft_id)
        form = await _form(request) or {}
        return await self._import(request, deps, ctx, filename, data, form, draft_id)

    @post("/advices/{advice_id:str}/remove")
    async def remove_advice(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        advice_id: FromPath[str],
    ) -> Redirect:
        """An advice uploaded by mistake: deleted, its automatic links undone."""
        undone = await remove_advice(
            deps.uow_factory, deps.clock, ctx.tenant_id, advice_id, actor=ctx.actor
        )
        flash(
            request,
            "success",
            formatter(request).ngettext(
                "Zahlungsavis entfernt; %(n)s automatische Zuordnung aufgehoben.",
                "Zahlungsavis entfernt; %(n)s automatische Zuordnungen aufgehoben.",
                undone,
                n=undone,
            ),
        )
        return Redirect(f"/clients/{ctx.tenant_id}/bank/upload")

    @get("/transactions")
    async def transactions(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        params = dict(request.query_params.items())
        error: str | None = None
        async with deps.uow_factory.read_only() as uow:
            await uow.reads.tenant(ctx)
            accounts = await uow.banking.accounts(ctx.tenant_id)
            try:
                query = query_from_params(params, accounts)
            except DomainError as invalid:
                error = domain_message(request, invalid)
                query = query_from_params({}, accounts)
            page = await transaction_page(uow, ctx.tenant_id, query)
        return render(
            request,
            "banking/transactions.html",
            status_code=400 if error else 200,
            ctx=ctx,
            page=page,
            query=query,
            params=params,
            accounts=accounts,
            error=error,
            link=_linker(params),
        )

    @get("/transactions.csv")
    async def transactions_export(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Stream:
        """Streamed while it is read, in a unit of work that only reads: an export of
        tens of thousands of lines holds no lock a sync or an upload waits for."""
        params = dict(request.query_params.items())
        async with deps.uow_factory.read_only() as uow:
            await uow.reads.tenant(ctx)
            accounts = await uow.banking.accounts(ctx.tenant_id)
        query = query_from_params({**params, "page": "1"}, accounts)

        def body(uow: UnitOfWork) -> AsyncGenerator[bytes, None]:
            return transactions_csv(transaction_batches(uow, ctx.tenant_id, query))

        return Stream(
            read_while_sent(deps.uow_factory, body),
            media_type="text/csv",  # Litestar adds "; charset=utf-8"
            headers={
                "Content-Disposition": 'attachment; filename="umsaetze.csv"',
                "Cache-Control": "private, no-store",
            },
        )

    @get("/accounts")
    async def accounts(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        async with deps.uow_factory.read_only() as uow:
            await uow.reads.tenant(ctx)
            page = await accounts_page(uow, ctx.tenant_id)
        return render(
            request,
            "banking/accounts.html",
            ctx=ctx,
            accounts=page.accounts,
            complete_until=page.complete_until,
            behind=page.behind,
            furthest=page.furthest,
        )
