"""What the Belege pages read: one page of the list, one voucher with its payments and
links, one file with its voucher. Reached as ``uow.voucher_pages``; tenant-scoped
through :mod:`belegsync.store.access` (another tenant's ids answer ``NotFound``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.access import (
    Page,
    TenantContext,
    access_tenant,
    access_voucher,
    access_voucher_file,
)
from belegsync.store.models import Voucher, VoucherFile
from belegsync.store.voucher_detail import VoucherMatching, voucher_matching
from belegsync.store.voucher_list import VoucherFilter, VoucherRow, VoucherSorting, voucher_page


class VoucherPages:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(
        self,
        ctx: TenantContext,
        f: VoucherFilter,
        sorting: VoucherSorting,
        *,
        page: int,
        per_page: int,
    ) -> Page[VoucherRow]:
        """One page of the tenant's vouchers; ``NotFound`` for a tenant that does not
        exist (asked only when the selection is empty: a voucher's tenant exists)."""
        result = await voucher_page(self._session, ctx, f, sorting, page=page, per_page=per_page)
        if result.total == 0:
            await access_tenant(self._session, ctx)
        return result

    async def voucher(self, ctx: TenantContext, voucher_id: str) -> Voucher:
        """One voucher with its payment items and files loaded."""
        return await access_voucher(self._session, ctx, voucher_id, with_details=True)

    async def matching(self, ctx: TenantContext, voucher_id: str) -> VoucherMatching:
        """The voucher's active expected payments and their current links."""
        return await voucher_matching(self._session, ctx, voucher_id)

    async def file(self, ctx: TenantContext, file_id: str) -> tuple[VoucherFile, Voucher]:
        """A voucher file and its voucher."""
        stored = await access_voucher_file(self._session, ctx, file_id)
        return stored, await access_voucher(self._session, ctx, stored.voucher_id)
