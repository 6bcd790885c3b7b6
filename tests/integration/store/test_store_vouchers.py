from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from belegsync.store.repositories import FileData, NewVoucher, PaymentItemData, UpsertOutcome
from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import NOW, add_tenant, voucher_data

LATER = NOW + timedelta(days=1)
BANK = PaymentItemData(
    payment_item_type="manualPayment",
    posting_date=date(2024, 3, 5),
    amount_cents=11662,
    currency="EUR",
)
PDF = FileData(
    lexware_file_id="f-1",
    sha256="a" * 64,
    media_type="application/pdf",
    filename="beleg.pdf",
    size_bytes=1234,
)


async def test_upsert_writes_a_version_only_when_raw_json_changes(
    uow_factory: UnitOfWorkFactory,
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Versionen GmbH")
    first = voucher_data("v-1")
    changed = voucher_data(
        "v-1",
        voucher_status="paidoff",
        lexware_version=2,
        lexware_updated_at=datetime(2024, 4, 1, 9, 0, tzinfo=UTC),
        raw_json={"id": "v-1", "voucherStatus": "paidoff"},
    )
    async with uow_factory() as uow:
        created = await uow.vouchers.upsert(tenant_id, first, now=NOW)
        await uow.commit()
    async with uow_factory() as uow:
        unchanged = await uow.vouchers.upsert(tenant_id, first, now=LATER)
        await uow.commit()
    async with uow_factory() as uow:
        updated = await uow.vouchers.upsert(tenant_id, changed, now=LATER)
        await uow.commit()

    assert [created.outcome, unchanged.outcome, updated.outcome] == [
        UpsertOutcome.NEW,
        UpsertOutcome.UNCHANGED,
        UpsertOutcome.CHANGED,
    ]
    assert created.voucher.id == updated.voucher.id
    async with uow_factory() as uow:
        voucher = await uow.vouchers.by_lexware_id(tenant_id, "v-1")
        versions = await uow.vouchers.versions(created.voucher.id)
    assert voucher is not None
    assert (voucher.voucher_status, voucher.lexware_version) == ("paidoff", 2)
    assert (voucher.first_synced_at, voucher.last_synced_at) == (NOW, LATER)
    # The old version is kept as it was received.
    assert [(v.reason, v.voucher_status, v.raw_json["voucherStatus"]) for v in versions] == [
        ("created", "paid", "paid"),
        ("changed", "paidoff", "paidoff"),
    ]
    assert versions[1].content_hash == voucher.content_hash != versions[0].content_hash


async def test_same_lexware_id_in_two_tenants_are_two_vouchers(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first_tenant, _ = await add_tenant(uow_factory, "Eins GmbH")
    second_tenant, _ = await add_tenant(uow_factory, "Zwei GmbH")
    async with uow_factory() as uow:
        a = await uow.vouchers.upsert(first_tenant, voucher_data("shared"), now=NOW)
        b = await uow.vouchers.upsert(second_tenant, voucher_data("shared"), now=NOW)
        await uow.commit()

    assert (a.outcome, b.outcome) == (UpsertOutcome.NEW, UpsertOutcome.NEW)
    assert a.voucher.id != b.voucher.id


async def test_payment_items_are_replaced_as_a_set(uow_factory: UnitOfWorkFactory) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Zahlung GmbH")
    bank = BANK
    skonto = PaymentItemData(
        payment_item_type="cashDiscount",
        posting_date=date(2024, 3, 5),
        amount_cents=238,
        currency="EUR",
    )
    async with uow_factory() as uow:
        voucher = (await uow.vouchers.upsert(tenant_id, voucher_data("v-1"), now=NOW)).voucher
        await uow.vouchers.replace_payment_items(voucher.id, [bank, skonto])
        await uow.commit()
    async with uow_factory() as uow:
        await uow.vouchers.replace_payment_items(voucher.id, [skonto])
        await uow.commit()

    async with uow_factory() as uow:
        items = await uow.vouchers.payment_items(voucher.id)
    assert [(item.position, item.payment_item_type, item.amount_cents) for item in items] == [
        (0, "cashDiscount", 238)
    ]


async def test_save_file_is_idempotent_per_lexware_file(uow_factory: UnitOfWorkFactory) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Datei GmbH")
    pdf = PDF
    async with uow_factory() as uow:
        voucher = (await uow.vouchers.upsert(tenant_id, voucher_data("v-1"), now=NOW)).voucher
        first = await uow.vouchers.save_file(voucher.id, pdf, now=NOW)
        again = await uow.vouchers.save_file(voucher.id, pdf, now=LATER)
        replaced = await uow.vouchers.save_file(
            voucher.id, dataclasses.replace(pdf, sha256="b" * 64), now=LATER
        )
        await uow.commit()

    async with uow_factory() as uow:
        files = await uow.vouchers.files(voucher.id)
    assert first.id == again.id
    assert replaced.id == first.id
    assert [(f.lexware_file_id, f.sha256, f.created_at) for f in files] == [("f-1", "b" * 64, NOW)]


async def test_review_flag_keeps_the_first_flag_time(uow_factory: UnitOfWorkFactory) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Prüfung GmbH")
    async with uow_factory() as uow:
        voucher = (await uow.vouchers.upsert(tenant_id, voucher_data("v-1"), now=NOW)).voucher
        await uow.vouchers.flag_for_review(voucher, reason="no_longer_paid", detail="open", now=NOW)
        await uow.vouchers.flag_for_review(voucher, reason="deleted", detail=None, now=LATER)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.vouchers.by_lexware_id(tenant_id, "v-1")
    assert stored is not None
    assert (stored.review_reason, stored.review_flagged_at) == ("deleted", NOW)


async def test_insert_new_leaves_a_stored_voucher_alone_in_the_same_statement(
    uow_factory: UnitOfWorkFactory,
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Neu GmbH")
    async with uow_factory() as uow:
        stored = (await uow.vouchers.upsert(tenant_id, voucher_data("v-old"), now=NOW)).voucher
        await uow.commit()

    async with uow_factory() as uow:
        inserted = await uow.vouchers.insert_new(
            tenant_id,
            [
                NewVoucher(
                    data=voucher_data(lexware_id, raw_json={"id": lexware_id, "n": 2}),
                    payment_items=[BANK],
                    files=[PDF],
                )
                for lexware_id in ("v-new", "v-old")
            ],
            now=LATER,
        )
        await uow.commit()

    # Only the voucher the tenant did not have.
    assert inserted == {"v-new"}
    async with uow_factory() as uow:
        new = await uow.vouchers.by_lexware_id(tenant_id, "v-new")
        old = await uow.vouchers.by_lexware_id(tenant_id, "v-old")
        assert new is not None and old is not None
        assert old.id == stored.id and old.last_synced_at == NOW
        assert [v.reason for v in await uow.vouchers.versions(old.id)] == ["created"]
        assert await uow.vouchers.payment_items(old.id) == []
        assert await uow.vouchers.files(old.id) == []
        assert [v.reason for v in await uow.vouchers.versions(new.id)] == ["created"]
        assert [i.amount_cents for i in await uow.vouchers.payment_items(new.id)] == [11662]
        assert [f.lexware_file_id for f in await uow.vouchers.files(new.id)] == ["f-1"]
