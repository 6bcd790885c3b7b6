"""Belege: the synced vouchers, one voucher with its payments and files, the files."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import quote

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from belegsync.domain.dates import berlin_date
from belegsync.domain.vouchers import ReviewReason, VoucherType
from belegsync.store.access import (
    MATCH_STATES,
    MatchState,
    TenantContext,
    access_tenant,
    access_voucher,
    access_voucher_file,
    list_vouchers,
    match_states,
)
from belegsync.store.errors import NotFound
from belegsync.store.files import FileStoreError
from belegsync.web.deps import WebDeps
from belegsync.web.templating import render

PER_PAGE = 50


def _int(value: str | None, low: int, high: int) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


def review_text(reason: str | None, lang: str) -> str | None:
    if reason is None:
        return None
    review = ReviewReason(reason)
    return review.explanation_en if lang == "en" else review.explanation_de


def content_disposition(kind: str, filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


async def file_response(
    deps: NamedDependency[WebDeps],
    ctx: NamedDependency[TenantContext],
    file_id: FromPath[str],
    *,
    download: bool,
) -> Response[bytes]:
    """A voucher file, inline (opens in the browser) or as a download; tenant-scoped."""
    async with deps.uow_factory() as uow:
        stored = await access_voucher_file(uow.session, ctx, file_id)
        sha256, media_type = stored.sha256, stored.media_type
        name = stored.filename or f"beleg-{stored.id}"
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

    @get("/vouchers")
    async def index(
        self,
        request: Request[Any, Any, Any],
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        year: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
        flagged: FromQuery[str | None] = None,
        match: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
    ) -> Template:
        chosen_year = _int(year, 2000, 2100)
        chosen_type = type if type in set(VoucherType) else None
        only_flagged = {"1": True, "0": False}.get(flagged or "")
        chosen_match = cast("MatchState", match) if match in MATCH_STATES else None
        number = _int(page, 1, 100_000) or 1
        async with deps.uow_factory() as uow:
            await access_tenant(uow.session, ctx)
            result = await list_vouchers(
                uow.session,
                ctx,
                year=chosen_year,
                voucher_type=chosen_type,
                flagged=only_flagged,
                match_state=chosen_match,
                page=number,
                per_page=PER_PAGE,
            )
            states = await match_states(uow.session, ctx, [v.id for v in result.items])
        return render(
            request,
            "vouchers.html",
            ctx=ctx,
            result=result,
            year=chosen_year,
            vtype=chosen_type,
            flagged=flagged if only_flagged is not None else "",
            match=chosen_match or "",
            match_states=MATCH_STATES,
            states=states,
            types=[t.value for t in VoucherType],
            review_text=review_text,
            this_year=berlin_date(deps.clock.now()).year,
        )

    @get("/vouchers/{voucher_id:str}")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
        voucher_id: FromPath[str],
    ) -> Template:
        async with deps.uow_factory() as uow:
            voucher = await access_voucher(uow.session, ctx, voucher_id, with_details=True)
            items, files = list(voucher.payment_items), list(voucher.files)
        return render(
            request,
            "voucher.html",
            ctx=ctx,
            v=voucher,
            items=items,
            files=files,
            review_text=review_text,
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
