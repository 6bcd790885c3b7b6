from __future__ import annotations

from datetime import date

from sqlalchemy import inspect

from belegsync.matching.expected import rebuild_expected_payments
from belegsync.store.uow import UnitOfWorkFactory
from support.matching_helpers import NOW, add_voucher, item
from support.store_helpers import add_tenant


async def _rows(uow_factory: UnitOfWorkFactory, tenant_id: str) -> list[tuple[object, ...]]:
    async with uow_factory() as uow:
        await rebuild_expected_payments(uow, tenant_id, now=NOW)
        await uow.commit()
        rows = await uow.matching.payments(tenant_id)
    return [
        (
            v.lexware_id,
            p.position,
            p.kind,
            p.item_type,
            p.amount_cents,
            p.skonto_cents,
            p.settled_otherwise_cents,
            p.paid_date,
            p.has_items,
        )
        for p, v in rows
    ]


async def test_without_items_one_row_with_gross_and_paid_date(
    uow_factory: UnitOfWorkFactory,
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await add_voucher(uow_factory, tenant_id, "v-plain")

    assert await _rows(uow_factory, tenant_id) == [
        ("v-plain", 0, "bank", None, 11900, 0, 0, date(2024, 3, 5), False)
    ]


async def test_skonto_part_payments_and_cash(uow_factory: UnitOfWorkFactory) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await add_voucher(
        uow_factory,
        tenant_id,
        "v-skonto",
        [item("partPaymentFinancialTransaction", 11662), item("cashDiscount", 238)],
    )
    await add_voucher(
        uow_factory,
        tenant_id,
        "v-parts",
        [
            item("manualPayment", 5000, date(2024, 3, 2)),
            item("partPaymentFinancialTransaction", 6900, date(2024, 3, 20)),
        ],
        voucher_date=date(2024, 2, 1),
    )
    await add_voucher(
        uow_factory,
        tenant_id,
        "v-cash",
        [item("partPaymentCashBox", 11900)],
        voucher_date=date(2024, 3, 3),
    )

    rows = await _rows(uow_factory, tenant_id)

    assert rows == [
        ("v-parts", 0, "bank", "manualPayment", 5000, 0, 0, date(2024, 3, 2), True),
        (
            "v-parts",
            1,
            "bank",
            "partPaymentFinancialTransaction",
            6900,
            0,
            0,
            date(2024, 3, 20),
            True,
        ),
        (
            "v-skonto",
            0,
            "bank",
            "partPaymentFinancialTransaction",
            11662,
            238,
            0,
            date(2024, 3, 5),
            True,
        ),
        ("v-cash", 0, "cash", "partPaymentCashBox", 11900, 0, 0, date(2024, 3, 5), True),
    ]


async def test_rebuild_is_idempotent_and_keeps_rows_of_vanished_items_inactive(
    uow_factory: UnitOfWorkFactory,
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    voucher_id = await add_voucher(
        uow_factory,
        tenant_id,
        "v-1",
        [item("manualPayment", 5000), item("manualPayment", 6900)],
    )
    first = await _rows(uow_factory, tenant_id)
    assert await _rows(uow_factory, tenant_id) == first
    async with uow_factory() as uow:
        before = {p.id for p, _ in await uow.matching.payments(tenant_id)}
        voucher = await uow.vouchers.by_lexware_id(tenant_id, "v-1")
        assert voucher is not None
        await uow.vouchers.replace_payment_items(voucher.id, [item("manualPayment", 11900)])
        await uow.commit()

    assert await _rows(uow_factory, tenant_id) == [
        ("v-1", 0, "bank", "manualPayment", 11900, 0, 0, date(2024, 3, 5), True)
    ]
    async with uow_factory() as uow:
        all_rows = await uow.matching.payments(tenant_id, active_only=False)
    assert {p.id for p, _ in all_rows} == before
    assert sorted((p.position, p.active) for p, _ in all_rows) == [(0, True), (1, False)]
    assert all(p.voucher_id == voucher_id for p, _ in all_rows)


async def test_payment_sources_are_plain_rows_oldest_voucher_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """The rebuilds read vouchers and items as plain rows (no ORM objects, none of
    Lexware's documents): all of the tenant's, or the stale ones only."""
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await add_voucher(
        uow_factory,
        tenant_id,
        "v-late",
        voucher_date=date(2024, 3, 9),
        items=[item("partPaymentCashBox", 500), item("manualPayment", 11400)],
    )
    await add_voucher(uow_factory, tenant_id, "v-early", voucher_date=date(2024, 3, 1))
    async with uow_factory() as uow:
        await rebuild_expected_payments(uow, tenant_id, now=NOW)
        await uow.commit()
    await add_voucher(uow_factory, tenant_id, "v-new", voucher_date=date(2024, 2, 1))

    async with uow_factory() as uow:
        every = await uow.matching.payment_sources(tenant_id, stale_only=False)
        stale = await uow.matching.payment_sources(tenant_id, stale_only=True)
        voucher, *_ = await uow.matching.vouchers_with_items(tenant_id)

    assert [v.lexware_id for v, _ in every] == ["v-new", "v-early", "v-late"]
    assert [[i.amount_cents for i in items] for _, items in every] == [[], [], [500, 11400]]
    assert [i.position for i in every[2][1]] == sorted(i.position for i in every[2][1])
    assert [(v.lexware_id, v.payments_stale is not None) for v, _ in stale] == [("v-new", True)]
    assert not {"raw_json", "raw_list_json", "raw_payments_json"} & inspect(voucher).dict.keys()
