from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from belegsync.domain.errors import InvalidInput
from belegsync.matching.external import (
    EXTERNAL_ACCOUNT_NAME,
    ExternalDraft,
    create_external_transaction,
    external_needed,
)
from belegsync.matching.service import REPLACED_REASON, run_matching
from belegsync.store.errors import NotFound
from belegsync.store.models import AuditLogEntry
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import PUSHED_LATER, add_voucher, item, line, push
from support.store_helpers import add_tenant


async def _tenant_with_unmatched_voucher(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> str:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await add_voucher(
        uow_factory,
        tenant_id,
        "v-ext",
        [item("partPaymentFinancialTransaction", 11900)],
        voucher_number="RE-2024-0099",
        contact_name="Papier Schmidt GmbH",
    )
    await add_voucher(
        uow_factory,
        tenant_id,
        "v-cash",
        [item("partPaymentCashBox", 5000)],
        voucher_number="RE-2024-0100",
    )
    # The only known bank line is unrelated, pushed after the paid date's window
    clock.set(PUSHED_LATER)
    await push(uow_factory, clock, tenant_id, [line("-7.50", "2024-03-01", "Kontogebuehr")])
    await run_matching(uow_factory, clock, tenant_id)
    return tenant_id


async def test_bank_payment_without_candidate_is_listed_with_a_draft(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _tenant_with_unmatched_voucher(uow_factory, clock)

    async with uow_factory() as uow:
        [needed] = await external_needed(uow, tenant_id)

    assert needed.voucher.lexware_id == "v-ext"  # cash is not listed
    assert "verbundenes Bankkonto" in needed.why
    draft = needed.draft
    assert (draft.booking_date, draft.amount_cents, draft.counterparty, draft.account_label) == (
        date(2024, 3, 5),
        -11900,
        "Papier Schmidt GmbH",
        EXTERNAL_ACCOUNT_NAME,
    )


async def test_external_transaction_is_created_linked_then_replaced_by_a_real_one(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _tenant_with_unmatched_voucher(uow_factory, clock)
    async with uow_factory() as uow:
        [needed] = await external_needed(uow, tenant_id)

    external = await create_external_transaction(
        uow_factory, clock, tenant_id, needed.payment.id, actor="client"
    )

    async with uow_factory() as uow:
        assert await external_needed(uow, tenant_id) == []
        found = await uow.matching.transaction(tenant_id, external.bank_transaction_id)
        assert found is not None
        txn, account = found
    assert external.status == "confirmed"
    assert (txn.source, txn.amount_cents, txn.counterparty_name) == (
        "external",
        -11900,
        "Papier Schmidt GmbH",
    )
    assert account.name == EXTERNAL_ACCOUNT_NAME and not account.connected
    with pytest.raises(InvalidInput):
        await create_external_transaction(
            uow_factory, clock, tenant_id, needed.payment.id, actor="client"
        )

    # A matching run without the real line keeps the external link.
    await run_matching(uow_factory, clock, tenant_id)
    async with uow_factory() as uow:
        [kept] = await uow.matching.links(tenant_id)
    assert kept.status == "confirmed"

    real_line = line("-119.00", "2024-03-06", "RE-2024-0099 Papier")
    await push(uow_factory, clock, tenant_id, [real_line], iban="DE12500105170648489890")
    counts = await run_matching(uow_factory, clock, tenant_id)

    async with uow_factory() as uow:
        links = {link.id: link for link in await uow.matching.links(tenant_id)}
        actions = list(
            await uow.session.scalars(
                select(AuditLogEntry.action)
                .where(AuditLogEntry.tenant_id == tenant_id)
                .order_by(AuditLogEntry.id)
            )
        )
        still_there = await uow.matching.transaction(tenant_id, external.bank_transaction_id)
    assert counts.replaced_external == 1
    replaced = links.pop(external.id)
    [real] = links.values()
    assert (replaced.status, replaced.status_reason) == ("undone", REPLACED_REASON)
    assert real.status == "auto_confirmed" and real.expected_payment_id == needed.payment.id
    assert real.bank_transaction_id != external.bank_transaction_id
    # the replacement is audited after the link that replaced it
    assert actions[-2:] == ["link_auto_confirmed", "external_transaction_replaced"]
    assert still_there is not None  # the external transaction stays, visible as replaced


async def test_edited_draft_takes_its_sign_from_the_voucher(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _tenant_with_unmatched_voucher(uow_factory, clock)
    async with uow_factory() as uow:
        [needed] = await external_needed(uow, tenant_id)
    assert needed.draft.amount_cents == -11900  # a purchase invoice: money out

    zero = ExternalDraft(needed.payment.id, date(2024, 3, 4), 0, "X", "")
    with pytest.raises(InvalidInput):
        await create_external_transaction(
            uow_factory, clock, tenant_id, needed.payment.id, actor="client", draft=zero
        )
    # Typed without a minus: the sign still follows the voucher (money out).
    edited = ExternalDraft(
        needed.payment.id,
        date(2024, 3, 4),
        11800,
        "Schmidt",
        "RE 99",
        account_label="Kasse Filiale",
    )
    link = await create_external_transaction(
        uow_factory, clock, tenant_id, needed.payment.id, actor="client", draft=edited
    )
    # difference_cents: what the link leaves open of the expected 119,00 €.
    assert (link.allocated_cents, link.difference_cents) == (11800, 100)
    async with uow_factory() as uow:
        found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
    assert found is not None and found[0].amount_cents == -11800


async def test_other_tenant_cannot_create_external_transactions(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _tenant_with_unmatched_voucher(uow_factory, clock)
    other_id, _ = await add_tenant(uow_factory, "Andere GmbH")
    async with uow_factory() as uow:
        [needed] = await external_needed(uow, tenant_id)
        assert await external_needed(uow, other_id) == []

    with pytest.raises(NotFound):
        await create_external_transaction(
            uow_factory, clock, other_id, needed.payment.id, actor="intruder"
        )
