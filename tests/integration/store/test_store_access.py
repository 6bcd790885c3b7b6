from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.access import (
    TenantContext,
    access_connection,
    access_sync_run,
    access_tenant,
    access_voucher,
    access_voucher_file,
    list_sync_runs,
    list_vouchers,
)
from belegsync.store.errors import NotFound
from belegsync.store.models import new_id
from belegsync.store.repositories import FileData, PaymentItemData
from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import NOW, add_tenant, voucher_data


@dataclass(frozen=True)
class Seeded:
    tenant_id: str
    voucher_id: str
    file_id: str
    run_id: str


async def _seed(uow_factory: UnitOfWorkFactory, name: str) -> Seeded:
    tenant_id, connection_id = await add_tenant(uow_factory, name)
    async with uow_factory() as uow:
        voucher = (await uow.vouchers.upsert(tenant_id, voucher_data("v-1"), now=NOW)).voucher
        await uow.vouchers.replace_payment_items(
            voucher.id,
            [
                PaymentItemData(
                    payment_item_type="manualPayment",
                    posting_date=date(2024, 3, 5),
                    amount_cents=11900,
                    currency="EUR",
                )
            ],
        )
        file = await uow.vouchers.save_file(
            voucher.id,
            FileData(
                lexware_file_id="f-1",
                sha256="c" * 64,
                media_type="application/pdf",
                filename=None,
                size_bytes=10,
            ),
            now=NOW,
        )
        run = await uow.sync_runs.claim(connection_id, trigger="manual", full=False, now=NOW)
        assert run is not None
        await uow.commit()
    return Seeded(tenant_id, voucher.id, file.id, run.id)


Lookup = Callable[[AsyncSession, TenantContext, Seeded], Awaitable[object]]

BY_ID_LOOKUPS: dict[str, Lookup] = {
    "voucher": lambda s, ctx, seeded: access_voucher(s, ctx, seeded.voucher_id),
    "voucher file": lambda s, ctx, seeded: access_voucher_file(s, ctx, seeded.file_id),
    "sync run": lambda s, ctx, seeded: access_sync_run(s, ctx, seeded.run_id),
}


@pytest.mark.parametrize("subject", list(BY_ID_LOOKUPS))
async def test_other_tenants_rows_look_exactly_like_missing_ones(
    uow_factory: UnitOfWorkFactory, subject: str
) -> None:
    mine = await _seed(uow_factory, "Meine GmbH")
    theirs = await _seed(uow_factory, "Fremde GmbH")
    missing = Seeded(mine.tenant_id, new_id(), new_id(), new_id())
    lookup = BY_ID_LOOKUPS[subject]
    ctx = TenantContext(tenant_id=mine.tenant_id, actor="user:1")

    async with uow_factory() as uow:
        found = await lookup(uow.session, ctx, mine)
        with pytest.raises(NotFound) as foreign:
            await lookup(uow.session, ctx, theirs)
        with pytest.raises(NotFound) as absent:
            await lookup(uow.session, ctx, missing)

    assert getattr(found, "id", None) in {mine.voucher_id, mine.file_id, mine.run_id}
    assert str(foreign.value) == str(absent.value) == f"{subject} not found"


async def test_tenant_and_connection_are_scoped_to_the_context(
    uow_factory: UnitOfWorkFactory,
) -> None:
    mine = await _seed(uow_factory, "Meine GmbH")
    ctx = TenantContext(tenant_id=mine.tenant_id, actor="user:1")
    nobody = TenantContext(tenant_id=new_id(), actor="user:2")

    async with uow_factory() as uow:
        assert (await access_tenant(uow.session, ctx)).name == "Meine GmbH"
        assert (await access_connection(uow.session, ctx)).tenant_id == mine.tenant_id
        with pytest.raises(NotFound):
            await access_tenant(uow.session, nobody)
        with pytest.raises(NotFound):
            await access_connection(uow.session, nobody)


async def test_voucher_details_are_loaded_eagerly_on_request(
    uow_factory: UnitOfWorkFactory,
) -> None:
    mine = await _seed(uow_factory, "Meine GmbH")
    ctx = TenantContext(tenant_id=mine.tenant_id, actor="user:1")

    async with uow_factory() as uow:
        voucher = await access_voucher(uow.session, ctx, mine.voucher_id, with_details=True)
        plain = await access_voucher(uow.session, ctx, mine.voucher_id)
        run = await access_sync_run(uow.session, ctx, mine.run_id, with_errors=True)

    assert [item.amount_cents for item in voucher.payment_items] == [11900]
    assert [file.id for file in voucher.files] == [mine.file_id]
    assert run.errors == []
    assert plain is voucher  # same identity map; details stay loaded


async def test_lazy_loading_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    mine = await _seed(uow_factory, "Meine GmbH")
    ctx = TenantContext(tenant_id=mine.tenant_id, actor="user:1")

    async with uow_factory() as uow:
        run = await access_sync_run(uow.session, ctx, mine.run_id)
        with pytest.raises(Exception, match="lazy='raise'"):
            _ = run.errors


async def test_lists_only_show_the_tenants_rows(uow_factory: UnitOfWorkFactory) -> None:
    mine = await _seed(uow_factory, "Meine GmbH")
    await _seed(uow_factory, "Fremde GmbH")
    ctx = TenantContext(tenant_id=mine.tenant_id, actor="user:1")

    async with uow_factory() as uow:
        vouchers = await list_vouchers(uow.session, ctx)
        runs = await list_sync_runs(uow.session, ctx)

    assert [v.id for v in vouchers.items] == [mine.voucher_id]
    assert vouchers.total == 1
    assert [r.id for r in runs.items] == [mine.run_id]


async def test_voucher_list_filters_and_pages(uow_factory: UnitOfWorkFactory) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Viele GmbH")
    async with uow_factory() as uow:
        for day in range(1, 6):
            await uow.vouchers.upsert(
                tenant_id, voucher_data(f"a-{day}", voucher_date=date(2023, 12, day)), now=NOW
            )
        sales = await uow.vouchers.upsert(
            tenant_id,
            voucher_data("s-1", voucher_type="salesinvoice", voucher_date=date(2024, 1, 2)),
            now=NOW,
        )
        await uow.vouchers.flag_for_review(sales.voucher, reason="deleted", detail=None, now=NOW)
        await uow.commit()
    ctx = TenantContext(tenant_id=tenant_id, actor="user:1")

    async with uow_factory() as uow:
        page_two = await list_vouchers(uow.session, ctx, year=2023, page=2, per_page=2)
        flagged = await list_vouchers(uow.session, ctx, flagged=True)
        not_flagged = await list_vouchers(uow.session, ctx, flagged=False)
        by_type = await list_vouchers(uow.session, ctx, voucher_type="salesinvoice")
        year_2024 = await list_vouchers(uow.session, ctx, year=2024)

    assert [v.lexware_id for v in page_two.items] == ["a-3", "a-2"]
    assert (page_two.total, page_two.pages) == (5, 3)
    assert [v.lexware_id for v in flagged.items] == ["s-1"]
    assert not_flagged.total == 5
    assert [v.lexware_id for v in by_type.items] == ["s-1"]
    assert [v.lexware_id for v in year_2024.items] == ["s-1"]


async def test_run_list_filters_by_status(uow_factory: UnitOfWorkFactory) -> None:
    mine = await _seed(uow_factory, "Meine GmbH")
    ctx = TenantContext(tenant_id=mine.tenant_id, actor="user:1")

    async with uow_factory() as uow:
        queued = await list_sync_runs(uow.session, ctx, status="queued")
        failed = await list_sync_runs(uow.session, ctx, status="failed")

    assert [run.id for run in queued.items] == [mine.run_id]
    assert failed.items == []


async def test_only_staff_may_switch_tenant(uow_factory: UnitOfWorkFactory) -> None:
    mine = await _seed(uow_factory, "Meine GmbH")
    theirs = await _seed(uow_factory, "Fremde GmbH")
    client = TenantContext(tenant_id=mine.tenant_id, actor="user:1")
    staff = TenantContext(tenant_id=mine.tenant_id, actor="staff:anna", is_staff=True)

    with pytest.raises(NotFound):
        client.for_tenant(theirs.tenant_id)
    async with uow_factory() as uow:
        seen = await access_voucher(
            uow.session, staff.for_tenant(theirs.tenant_id), theirs.voucher_id
        )
        # Staff still read through the scoped helpers: the switched context sees only that tenant.
        with pytest.raises(NotFound):
            await access_voucher(uow.session, staff.for_tenant(theirs.tenant_id), mine.voucher_id)

    assert seen.tenant_id == theirs.tenant_id
