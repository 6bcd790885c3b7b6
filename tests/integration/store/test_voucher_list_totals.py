"""The Belege list's total is never stale: on SQLite it is reused while the database is
unchanged and counted anew after any commit — through the same connection, another
connection of the process, or another process (a second engine here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from belegsync.store.access import TenantContext
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.store.voucher_list import VoucherFilter, VoucherSorting
from support.store_helpers import NOW, add_tenant, voucher_data

ALL = VoucherFilter()
FLAGGED = VoucherFilter(flagged=True)


async def _total(uow_factory: UnitOfWorkFactory, tenant_id: str, f: VoucherFilter) -> int:
    async with uow_factory.read_only() as uow:
        page = await uow.voucher_pages.page(
            TenantContext(tenant_id=tenant_id, actor="test"),
            f,
            VoucherSorting(),
            page=1,
            per_page=2,
        )
    return page.total


async def _add(uow_factory: UnitOfWorkFactory, tenant_id: str, lexware_id: str) -> None:
    async with uow_factory() as uow:
        await uow.vouchers.upsert(tenant_id, voucher_data(lexware_id), now=NOW)
        await uow.commit()


@contextmanager
def _counts(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements that count the whole selection, as they are sent."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2]).lower()
        if "count(*)" in statement:
            sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_the_total_follows_every_commit_of_this_and_another_process(
    uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Summen GmbH")
    for n in range(3):
        await _add(uow_factory, tenant_id, f"v-{n}")
    other_engine = create_engine(database_url)  # another process's pool
    other = UnitOfWorkFactory(create_session_factory(other_engine))
    try:
        assert await _total(uow_factory, tenant_id, ALL) == 3
        assert await _total(uow_factory, tenant_id, ALL) == 3
        # Written through this engine's pool (on SQLite: the same connection).
        await _add(uow_factory, tenant_id, "v-3")
        assert await _total(uow_factory, tenant_id, ALL) == 4
        # Written by "another process".
        await _add(other, tenant_id, "v-4")
        assert await _total(uow_factory, tenant_id, ALL) == 5
        assert await _total(other, tenant_id, ALL) == 5
        # A change that moves a voucher into a filtered selection, not a new row.
        assert await _total(uow_factory, tenant_id, FLAGGED) == 0
        async with other() as uow:
            voucher = await uow.vouchers.by_lexware_id(tenant_id, "v-0")
            assert voucher is not None
            await uow.vouchers.flag_for_review(
                voucher, reason="no_longer_paid", detail=None, now=NOW
            )
            await uow.commit()
        assert await _total(uow_factory, tenant_id, FLAGGED) == 1
        async with uow_factory() as uow:
            voucher = await uow.vouchers.by_lexware_id(tenant_id, "v-0")
            assert voucher is not None
            await uow.vouchers.clear_review(voucher)
            await uow.commit()
        assert await _total(uow_factory, tenant_id, FLAGGED) == 0
        assert await _total(other, tenant_id, FLAGGED) == 0
    finally:
        await other_engine.dispose()


async def test_an_unchanged_database_is_not_counted_again_on_sqlite(
    uow_factory: UnitOfWorkFactory, engine: AsyncEngine
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Einmal GmbH")
    for n in range(3):
        await _add(uow_factory, tenant_id, f"v-{n}")
    with _counts(engine) as counted:
        totals = [await _total(uow_factory, tenant_id, ALL) for _ in range(3)]
        before_write = len(counted)
        await _add(uow_factory, tenant_id, "v-3")
        totals.append(await _total(uow_factory, tenant_id, ALL))
    assert totals == [3, 3, 3, 4]
    if engine.dialect.name == "sqlite":
        assert (before_write, len(counted)) == (1, 2)
    else:  # PostgreSQL counts every page in its one statement
        assert len(counted) == 4
