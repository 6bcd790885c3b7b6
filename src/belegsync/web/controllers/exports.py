"""Exports for the tax advisor: the Belege list as CSV (the list's filters apply) and a
period's voucher files as a ZIP. Both are streamed while they are read."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Stream, Template

from belegsync.domain.dates import berlin_date
from belegsync.store.access import TenantContext
from belegsync.store.files import FileStoreError
from belegsync.store.uow import UnitOfWork
from belegsync.web.controllers.vouchers import content_disposition
from belegsync.web.deps import WebDeps
from belegsync.web.exports import files_zip, read_while_sent, voucher_csv
from belegsync.web.filenames import safe_part
from belegsync.web.listing import query_day
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest
from belegsync.web.voucher_query import voucher_filter, voucher_sorting, voucher_state

MAX_PERIOD_DAYS = 3 * 366


def _period(query: dict[str, str]) -> tuple[date, date] | None:
    start, end = query_day(query.get("from")), query_day(query.get("to"))
    if start is None or end is None or end < start or (end - start).days > MAX_PERIOD_DAYS:
        return None
    return start, end


def _page(request: WebRequest, ctx: TenantContext, today: date, *, error: bool) -> Template:
    query = request.query_params
    return render(
        request,
        "exports.html",
        status_code=400 if error else 200,
        ctx=ctx,
        start=query.get("from") or date(today.year, 1, 1).isoformat(),
        end=query.get("to") or today.isoformat(),
        error=error,
    )


class ExportController(Controller):
    path = "/clients/{tenant_id:str}/exports"
    include_in_schema = False

    @get("/")
    async def page(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        today = berlin_date(deps.clock.now())
        async with deps.uow_factory.read_only() as uow:
            await uow.reads.tenant(ctx)
        query = dict(request.query_params)
        chosen = _period(query)
        return _page(request, ctx, today, error=bool(query) and chosen is None)

    @get("/vouchers.csv")
    async def vouchers_csv(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Stream:
        state = voucher_state("", dict(request.query_params))
        gettext = formatter(request).gettext
        async with deps.uow_factory.read_only() as uow:
            tenant = await uow.reads.tenant(ctx)
            name = safe_part(tenant.name, "Mandant")

        def body(uow: UnitOfWork) -> AsyncGenerator[bytes, None]:
            rows = uow.exports.vouchers(ctx, voucher_filter(state), voucher_sorting(state))
            return voucher_csv(rows, gettext)

        today = berlin_date(deps.clock.now()).isoformat()
        return Stream(
            read_while_sent(deps.uow_factory, body),
            media_type="text/csv",  # Litestar adds "; charset=utf-8"
            headers={
                "Content-Disposition": content_disposition(
                    "attachment", f"Belege_{name}_{today}.csv"
                ),
                "Cache-Control": "private, no-store",
            },
        )

    @get("/files.zip")
    async def files(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Stream | Template:
        today = berlin_date(deps.clock.now())
        period = _period(dict(request.query_params))
        async with deps.uow_factory.read_only() as uow:
            tenant = await uow.reads.tenant(ctx)
            name = safe_part(tenant.name, "Mandant")
        if period is None:
            return _page(request, ctx, today, error=True)
        start, end = period
        gettext = formatter(request).gettext

        async def read(sha256: str) -> bytes | None:
            try:
                return await deps.files.read(sha256)
            except FileStoreError:
                return None

        def note(missing: list[str]) -> str:
            lines = "\n".join(missing)
            return gettext("Diese Dateien fehlen im Dateispeicher:") + "\n" + lines + "\n"

        def body(uow: UnitOfWork) -> AsyncGenerator[bytes, None]:
            return files_zip(uow.exports.files(ctx, start, end), read, note)

        filename = f"Belege_{name}_{start.isoformat()}_{end.isoformat()}.zip"
        return Stream(
            read_while_sent(deps.uow_factory, body),
            media_type="application/zip",
            headers={
                "Content-Disposition": content_disposition("attachment", filename),
                "Cache-Control": "private, no-store",
            },
        )
