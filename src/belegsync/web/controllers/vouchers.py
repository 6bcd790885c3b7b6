"""Belege: the synced vouchers as a list (filter, search, sort, pages), one voucher with
its payments, files and bank transactions, the files themselves."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from belegsync.domain.dates import berlin_date
from belegsync.domain.vouchers import ReviewReason, VoucherType
from belegsync.store.access import MATCH_STATES, TenantContext
from belegsync.store.errors import NotFound
from belegsync.store.files import FileStoreError
from belegsync.web.deps import WebDeps
from belegsync.web.filenames import voucher_file_name
from belegsync.web.sessions import READS_WITH_SESSION, read_unit
from belegsync.web.templating import render
from belegsync.web.types import WebRequest
from belegsync.web.voucher_query import (
    account_cents,
    unread_filters,
    voucher_filter,
    voucher_sorting,
    voucher_state,
)

PER_PAGE = 50


def review_text(reason: str | None, lang: str) -> str | None:
    if reason is None:
        return None
    review = ReviewReason(reason)
    return review.explanation_en if lang == "en" else review.explanation_de


def content_disposition(kind: str, filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


async def file_response(
    deps: WebDeps, ctx: TenantContext, file_id: str, *, download: bool
) -> Response[bytes]:
    """A voucher file, inline (opens in the browser) or as a download; tenant-scoped.
    Named after its voucher (``Datum_Nummer_Kontakt.pdf``), not after Lexware's id."""
    async with deps.uow_factory.read_only() as uow:
        stored, voucher = await uow.voucher_pages.file(ctx, file_id)
        sha256, media_type = stored.sha256, stored.media_type
        name = voucher_file_name(
            voucher.voucher_date,
            voucher.voucher_number,
            voucher.contact_name,
            media_type,
            stored.filename,
        )
    try:
        data = await deps.files.read(sha256)
    except FileStoreError:
        raise NotFound("voucher file") from None
    return Response(
        content=data,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(
                "attachment" if download else "inline", name
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=300",
        },
    )


class VoucherController(Controller):
    path = "/clients/{tenant_id:str}"
    include_in_schema = False

    @get("/vouchers", opt={READS_WITH_SESSION: True})
    async def index(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        base = f"/clients/{ctx.tenant_id}/vouchers"
        state = voucher_state(base, dict(request.query_params))
        async with read_unit(request, deps.uow_factory) as uow:
            result = await uow.voucher_pages.page(
                ctx,
                voucher_filter(state),
                voucher_sorting(state),
                page=state.page,
                per_page=PER_PAGE,
            )
        return render(
            request,
            "vouchers.html",
            ctx=ctx,
            result=result,
            state=state,
            p=state.params,
            match_states=MATCH_STATES,
            unread=unread_filters(state),
            types=[t.value for t in VoucherType],
            review_text=review_text,
            account_cents=account_cents,
            this_year=berlin_date(deps.clock.now()).year,
        )

    @get("/vouchers/{voucher_id:str}")
    async def detail(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        voucher_id: FromPath[str],
    ) -> Template:
        async with deps.uow_factory.read_only() as uow:
            voucher = await uow.voucher_pages.voucher(ctx, voucher_id)
            items, files = list(voucher.payment_items), list(voucher.files)
            matching = await uow.voucher_pages.matching(ctx, voucher.id)
        names = [
            voucher_file_name(
                voucher.voucher_date,
                voucher.voucher_number,
                voucher.contact_name,
                f.media_type,
                f.filename,
                index,
            )
            for index, f in enumerate(files, start=1)
        ]
        return render(
            request,
            "voucher.html",
            ctx=ctx,
            v=voucher,
            items=items,
            files=list(zip(files, names, strict=True)),
            matching=matching,
            review_text=review_text,
            account_cents=account_cents,
        )

    @get("/files/{file_id:str}")
    async def open_file(
        self,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        file_id: FromPath[str],
    ) -> Response[bytes]:
        return await file_response(deps, ctx, file_id, download=False)

    @get("/files/{file_id:str}/download")
    async def download_file(
        self,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        file_id: FromPath[str],
    ) -> Response[bytes]:
        return await file_response(deps, ctx, file_id, download=True)
