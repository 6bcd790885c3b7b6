"""The JSON API ``/api/v1``: tenant-scoped by an API token (``Authorization: Bearer …``).

Amounts are decimal strings, dates ISO 8601. Another tenant's ids answer 404.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, QueryParameter

from belegsync.accounts.api_tokens import tenant_for_token
from belegsync.domain.money import Money
from belegsync.store.access import Page, TenantContext
from belegsync.store.models import SyncRun, Voucher
from belegsync.sync.status import connection_status
from belegsync.web.controllers.vouchers import file_response
from belegsync.web.deps import WebDeps
from belegsync.web.types import WebRequest


async def provide_api_ctx(request: WebRequest, deps: NamedDependency[WebDeps]) -> TenantContext:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    tenant_id = None
    if scheme.lower() == "bearer" and token.strip():
        tenant_id = await tenant_for_token(
            uow_factory=deps.uow_factory, clock=deps.clock, token=token.strip()
        )
    if tenant_id is None:
        raise NotAuthorizedException(
            "Missing or invalid API token (Authorization: Bearer …)",
            headers={"WWW-Authenticate": 'Bearer realm="belegsync"'},
        )
    return TenantContext(tenant_id=tenant_id, actor="api")


# Far beyond any real list; keeps OFFSET inside a 64-bit integer.
MAX_PAGE = 1_000_000
T = TypeVar("T")
Out = TypeVar("Out")


def _money(cents: int | None, currency: str) -> str | None:
    return None if cents is None else Money(cents, currency).to_decimal_string()


@dataclass
class PaymentItemOut:
    type: str
    posting_date: date | None
    amount: str | None
    currency: str


@dataclass
class FileOut:
    id: str
    lexware_file_id: str
    filename: str | None
    media_type: str
    size: int
    sha256: str
    url: str


@dataclass
class VoucherOut:
    id: str
    lexware_id: str
    type: str
    status: str
    number: str | None
    voucher_date: date
    due_date: date | None
    paid_date: date | None
    contact: str | None
    total_gross: str | None
    total_tax: str | None
    open_amount: str | None
    currency: str
    review_reason: str | None
    last_synced_at: datetime


@dataclass
class VoucherDetailOut(VoucherOut):
    payment_items: list[PaymentItemOut]
    files: list[FileOut]


@dataclass
class PageOut:
    total: int
    page: int
    per_page: int
    pages: int


@dataclass
class VoucherPage(PageOut):
    items: list[VoucherOut]


@dataclass
class SyncRunOut:
    id: str
    trigger: str
    status: str
    full: bool
    window_start: date | None
    window_end: date | None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    new: int
    changed: int
    unchanged: int
    flagged: int
    failed: int
    api_calls: int
    done: int
    total: int | None
    error_code: str | None
    error_message: str | None


@dataclass
class SyncRunErrorOut:
    voucher_lexware_id: str | None
    code: str
    message: str


@dataclass
class SyncRunDetailOut(SyncRunOut):
    errors: list[SyncRunErrorOut]


@dataclass
class SyncRunPage(PageOut):
    items: list[SyncRunOut]


@dataclass
class ConnectionOut:
    state: str
    label: str
    reason: str | None
    message: str | None
    advice: str | None
    company_name: str | None
    organization_id: str | None
    key_last4: str | None
    key_expires_on: date | None
    expiry_warning: str | None
    last_success_at: datetime | None
    vouchers: int


def _voucher_fields(v: Voucher) -> dict[str, Any]:
    return {
        "id": v.id,
        "lexware_id": v.lexware_id,
        "type": v.voucher_type,
        "status": v.voucher_status,
        "number": v.voucher_number,
        "voucher_date": v.voucher_date,
        "due_date": v.due_date,
        "paid_date": v.paid_date,
        "contact": v.contact_name,
        "total_gross": _money(v.total_gross_cents, v.currency),
        "total_tax": _money(v.total_tax_cents, v.currency),
        "open_amount": _money(v.open_amount_cents, v.currency),
        "currency": v.currency,
        "review_reason": v.review_reason,
        "last_synced_at": v.last_synced_at,
    }


def _run_fields(r: SyncRun) -> dict[str, Any]:
    return {
        "id": r.id,
        "trigger": r.trigger,
        "status": r.status,
        "full": r.full,
        "window_start": r.window_start,
        "window_end": r.window_end,
        "queued_at": r.queued_at,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "new": r.new_count,
        "changed": r.changed_count,
        "unchanged": r.unchanged_count,
        "flagged": r.flagged_count,
        "failed": r.failed_count,
        "api_calls": r.api_calls,
        "done": r.done,
        "total": r.total,
        "error_code": r.error_code,
        "error_message": r.error_message,
    }


def _page_fields(result: Page[T], item: Callable[[T], Out]) -> dict[str, Any]:
    """A page of the store as the fields of a ``PageOut``, each item mapped by ``item``."""
    items: Sequence[Out] = [item(row) for row in result.items]
    return {
        "items": list(items),
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
    }


@dataclass
class ErrorOut:
    error: str
    message: str


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorOut, description=description)


# What every endpoint may answer besides its success.
ERROR_RESPONSES = {
    400: _error("Invalid input (a query parameter or the body); `error` names the reason"),
    401: _error("Missing, unknown or revoked API token"),
    404: _error("No such object for this client (or not this client's)"),
}


class ApiController(Controller):
    path = "/api/v1"
    tags = ["belegsync"]  # noqa: RUF012
    security = [{"BearerToken": []}]  # noqa: RUF012

    @get("/connection", summary="The Lexware connection's state", responses=ERROR_RESPONSES)
    async def connection(
        self, deps: NamedDependency[WebDeps], api_ctx: NamedDependency[TenantContext]
    ) -> ConnectionOut:
        s = await connection_status(
            uow_factory=deps.uow_factory, clock=deps.clock, tenant_id=api_ctx.tenant_id, runs=0
        )
        return ConnectionOut(
            state=s.state.value,
            label=s.label_de,
            reason=s.reason,
            message=s.message_de,
            advice=s.advice_de,
            company_name=s.company_name,
            organization_id=s.organization_id,
            key_last4=s.key_last4,
            key_expires_on=s.key_expires_on,
            expiry_warning=s.expiry_warning,
            last_success_at=s.last_success_at,
            vouchers=s.voucher_count,
        )

    @get("/vouchers", summary="Synced vouchers, newest first", responses=ERROR_RESPONSES)
    async def vouchers(
        self,
        deps: NamedDependency[WebDeps],
        api_ctx: NamedDependency[TenantContext],
        page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
        voucher_type: Annotated[str | None, QueryParameter(name="type")] = None,
        flagged: FromQuery[bool | None] = None,
    ) -> VoucherPage:
        async with deps.uow_factory.read_only() as uow:
            result = await uow.reads.vouchers(
                api_ctx,
                year=year,
                voucher_type=voucher_type,
                flagged=flagged,
                page=page,
                per_page=per_page,
            )
        return VoucherPage(**_page_fields(result, lambda v: VoucherOut(**_voucher_fields(v))))

    @get(
        "/vouchers/{voucher_id:str}",
        summary="One voucher with payment items and files",
        responses=ERROR_RESPONSES,
    )
    async def voucher(
        self,
        deps: NamedDependency[WebDeps],
        api_ctx: NamedDependency[TenantContext],
        voucher_id: FromPath[str],
    ) -> VoucherDetailOut:
        async with deps.uow_factory.read_only() as uow:
            v = await uow.reads.voucher(api_ctx, voucher_id)
        return VoucherDetailOut(
            **_voucher_fields(v),
            payment_items=[
                PaymentItemOut(
                    i.payment_item_type,
                    i.posting_date,
                    _money(i.amount_cents, i.currency),
                    i.currency,
                )
                for i in v.payment_items
            ],
            files=[
                FileOut(
                    f.id,
                    f.lexware_file_id,
                    f.filename,
                    f.media_type,
                    f.size_bytes,
                    f.sha256,
                    f"/api/v1/files/{f.id}",
                )
                for f in v.files
            ],
        )

    @get(
        "/files/{file_id:str}",
        summary="A voucher file's bytes",
        response_description="The file with its media type",
        responses=ERROR_RESPONSES,
    )
    async def file(
        self,
        deps: NamedDependency[WebDeps],
        api_ctx: NamedDependency[TenantContext],
        file_id: FromPath[str],
    ) -> Response[bytes]:
        return await file_response(deps, api_ctx, file_id, download=False)

    @get(
        "/sync-runs",
        summary="Sync runs with their reports, latest first",
        responses=ERROR_RESPONSES,
    )
    async def sync_runs(
        self,
        deps: NamedDependency[WebDeps],
        api_ctx: NamedDependency[TenantContext],
        page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=200)] = 20,
    ) -> SyncRunPage:
        async with deps.uow_factory.read_only() as uow:
            result = await uow.reads.sync_runs(api_ctx, page=page, per_page=per_page)
        return SyncRunPage(**_page_fields(result, lambda r: SyncRunOut(**_run_fields(r))))

    @get(
        "/sync-runs/{run_id:str}",
        summary="One sync run with its per-voucher errors",
        responses=ERROR_RESPONSES,
    )
    async def sync_run(
        self,
        deps: NamedDependency[WebDeps],
        api_ctx: NamedDependency[TenantContext],
        run_id: FromPath[str],
    ) -> SyncRunDetailOut:
        async with deps.uow_factory.read_only() as uow:
            r = await uow.reads.sync_run(api_ctx, run_id)
        return SyncRunDetailOut(
            **_run_fields(r),
            errors=[SyncRunErrorOut(e.voucher_lexware_id, e.code, e.message) for e in r.errors],
        )
