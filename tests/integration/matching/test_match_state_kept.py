"""The match state kept with the links (settled payments, used-up lines, the contacts'
payer summary) always equals the state computed from the links alone, whichever use
case wrote them; migration 0016 fills it the same way for existing rows."""

from __future__ import annotations

from datetime import date

from belegsync.banking import import_statement
from belegsync.domain.matching import LinkStatus
from belegsync.matching.expected import rebuild_expected_payments
from belegsync.matching.external import create_external_transaction
from belegsync.matching.links import (
    confirm_link,
    confirm_safe_suggestions,
    link_manually,
    reject_link,
    undo_batch,
    undo_link,
)
from belegsync.matching.service import run_matching
from belegsync.store.matching_state import (
    MatchState,
    match_state_from_links,
    stored_match_state,
)
from belegsync.store.migrate import downgrade, upgrade
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import NOW, SUPPLIER_IBAN, add_voucher, line, push, sparkasse_csv
from support.store_helpers import add_tenant, run_in_thread, voucher_data

OTHER_IBAN = "DE44500105175407324931"
ACCOUNT = "DE89370400440532013000"


async def _same(uow_factory: UnitOfWorkFactory, tenant_id: str) -> MatchState:
    async with uow_factory() as uow:
        stored = await stored_match_state(uow.session, tenant_id)
        fresh = await match_state_from_links(uow.session, tenant_id)
    assert stored == fresh
    return stored


async def _links(uow_factory: UnitOfWorkFactory, tenant_id: str) -> dict[str, list[str]]:
    """Voucher number → ids of its links with this status, by status."""
    async with uow_factory() as uow:
        numbers = {p.id: v.voucher_number for p, v in await uow.matching.payments(tenant_id)}
        links = await uow.matching.links(tenant_id)
    out: dict[str, list[str]] = {}
    for link in links:
        out.setdefault(f"{numbers[link.expected_payment_id]}:{link.status}", []).append(link.id)
    return out


async def _payment(uow_factory: UnitOfWorkFactory, tenant_id: str, number: str) -> str:
    async with uow_factory() as uow:
        [found] = [
            p.id for p, v in await uow.matching.payments(tenant_id) if v.voucher_number == number
        ]
    return found


async def _txn(uow_factory: UnitOfWorkFactory, tenant_id: str, text: str) -> str:
    async with uow_factory() as uow:
        [found] = [t.id for t in await uow.matching.transactions(tenant_id) if t.remittance == text]
    return found


async def test_stored_state_follows_every_link_operation(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    for lexware_id, number, cents, contact in (
        ("v-a", "RE-2024-0042", 11900, "c-1"),
        ("v-b", "RE-2024-0043", 25000, "c-1"),
        ("v-c", "RE-2024-0044", 8000, "c-2"),
        ("v-d", "RE-2024-0045", 6000, "c-2"),
        ("v-e", "RE-2024-0046", 4500, "c-3"),
        ("v-f", "RE-2024-0047", 9900, None),
    ):
        await add_voucher(
            uow_factory,
            tenant_id,
            lexware_id,
            voucher_number=number,
            total_gross_cents=cents,
            contact_id=contact,
            contact_name=f"Lieferant {contact}",
        )
    await _same(uow_factory, tenant_id)
    await push(
        uow_factory,
        clock,
        tenant_id,
        [
            line("-119.00", "2024-03-05", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
            line("-250.00", "2024-03-05", "Rechnung RE-2024-0043", counterparty_iban=SUPPLIER_IBAN),
            line("-80.00", "2024-03-04", "Zahlung", counterparty_name="Unbekannt"),
            line("-60.00", "2024-03-06", "Rechnung RE-2024-0045", counterparty_iban=OTHER_IBAN),
            line("-99.00", "2024-03-05", "Rechnung RE-2024-0047", counterparty_iban=OTHER_IBAN),
            line("-30.00", "2024-03-05", "Teil RE-2024-0046", counterparty_name="Lieferant c-3"),
        ],
    )
    await run_matching(uow_factory, clock, tenant_id)
    state = await _same(uow_factory, tenant_id)
    assert state.settled and state.used_up and state.payers  # not trivially equal
    links = await _links(uow_factory, tenant_id)

    # confirm an automatic link, reject one, undo another (matching runs again)
    [auto_a] = links["RE-2024-0042:auto_confirmed"]
    await confirm_link(uow_factory, clock, tenant_id, auto_a, actor="test")
    await _same(uow_factory, tenant_id)
    [auto_b] = links["RE-2024-0043:auto_confirmed"]
    await reject_link(uow_factory, clock, tenant_id, auto_b, actor="test")
    await _same(uow_factory, tenant_id)
    await undo_link(uow_factory, clock, tenant_id, auto_a, actor="test")
    state = await _same(uow_factory, tenant_id)
    assert await _payment(uow_factory, tenant_id, "RE-2024-0042") not in state.settled

    # by hand: a part payment, then the rest of the line's payment
    part = (
        await link_manually(
            uow_factory,
            clock,
            tenant_id,
            await _payment(uow_factory, tenant_id, "RE-2024-0046"),
            await _txn(uow_factory, tenant_id, "Teil RE-2024-0046"),
            actor="test",
        )
    ).link
    state = await _same(uow_factory, tenant_id)
    assert part.bank_transaction_id in state.used_up
    manual = (
        await link_manually(
            uow_factory,
            clock,
            tenant_id,
            await _payment(uow_factory, tenant_id, "RE-2024-0042"),
            await _txn(uow_factory, tenant_id, "Rechnung RE-2024-0042"),
            actor="test",
        )
    ).link
    await _same(uow_factory, tenant_id)

    # external transaction, replaced by the real line of an imported statement
    payment_c = await _payment(uow_factory, tenant_id, "RE-2024-0044")
    for link_id in (await _links(uow_factory, tenant_id)).get("RE-2024-0044:suggested", []):
        await reject_link(uow_factory, clock, tenant_id, link_id, actor="test")
    await create_external_transaction(uow_factory, clock, tenant_id, payment_c, actor="test")
    state = await _same(uow_factory, tenant_id)
    assert payment_c not in state.settled  # an external transaction settles nothing
    await import_statement(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        filename="umsaetze.csv",
        data=sparkasse_csv(ACCOUNT, [("06.03.24", "RE-2024-0044", "Lieferant c-2", "-80,00")]),
        actor="test",
    )
    await run_matching(uow_factory, clock, tenant_id, vouchers_changed=False)
    await _same(uow_factory, tenant_id)

    # a sync moves a voucher to another contact and changes another's amount
    async with uow_factory() as uow:
        await uow.vouchers.upsert(
            tenant_id,
            voucher_data(
                "v-d",
                voucher_number="RE-2024-0045",
                total_gross_cents=6000,
                contact_id="c-9",
                contact_name="Lieferant c-9",
                raw_json={"id": "v-d", "contactId": "c-9"},
            ),
            now=NOW,
        )
        await rebuild_expected_payments(uow, tenant_id, now=NOW)
        await uow.commit()
    await _same(uow_factory, tenant_id)
    await run_matching(uow_factory, clock, tenant_id)
    state = await _same(uow_factory, tenant_id)
    assert {key[0] for key in state.payers} >= {"c-9"}

    # bulk confirmation of the safe suggestions and its undo
    batch = await confirm_safe_suggestions(uow_factory, clock, tenant_id, actor="test")
    await _same(uow_factory, tenant_id)
    if batch.confirmed:
        await undo_batch(uow_factory, clock, tenant_id, batch.batch_id, actor="test")
        await _same(uow_factory, tenant_id)
    await undo_link(uow_factory, clock, tenant_id, manual.id, actor="test")
    await undo_link(uow_factory, clock, tenant_id, part.id, actor="test")
    await _same(uow_factory, tenant_id)


async def test_migration_fills_the_state_from_existing_links(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, database_url: str
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await add_voucher(
        uow_factory, tenant_id, "v-a", voucher_number="RE-2024-0042", contact_id="c-1"
    )
    await add_voucher(
        uow_factory,
        tenant_id,
        "v-b",
        voucher_number="RE-2024-0050",
        total_gross_cents=12500,
        contact_id="c-1",
    )
    await push(
        uow_factory,
        clock,
        tenant_id,
        [
            line("-119.00", "2024-03-06", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
            line("-60.00", "2024-02-01", "Sonstiges", counterparty_name="Unbekannt"),
        ],
    )
    await run_matching(uow_factory, clock, tenant_id)
    await link_manually(
        uow_factory,
        clock,
        tenant_id,
        await _payment(uow_factory, tenant_id, "RE-2024-0050"),
        await _txn(uow_factory, tenant_id, "Sonstiges"),
        actor="test",
    )
    before = await _same(uow_factory, tenant_id)
    assert len(before.settled) == 2 and len(before.payers) == 4

    await run_in_thread(downgrade, database_url, "0015_overview")
    await run_in_thread(upgrade, database_url)

    assert await _same(uow_factory, tenant_id) == before
    async with uow_factory() as uow:
        statuses = {str(k.status) for k in await uow.matching.links(tenant_id)}
    assert statuses == {LinkStatus.AUTO_CONFIRMED.value, LinkStatus.CONFIRMED.value}
    assert date(2024, 3, 6) in {day for _, day in before.payers.values()}
