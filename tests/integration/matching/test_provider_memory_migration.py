"""Migration 0019 forgets payment providers' accounts learned as contacts' accounts.

Before the fix, confirming a PayPal payout for a customer's invoice taught PayPal's IBAN
as the customer's account (``iban_contact_memory``); every later payout of the amount of
one of her open invoices was linked automatically from a "known account". The rows that
such confirmations left behind are removed on upgrade; a payer's own account, and a
provider's account learned for a contact that is that provider, are kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

from belegsync.matching.service import run_matching
from belegsync.store.migrate import downgrade, upgrade
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import SUPPLIER_IBAN, add_voucher, line, push
from support.store_helpers import add_tenant, run_in_thread

PAYPAL_IBAN = "LU89751000135104200E"
AMAZON_IBAN = "LU350195000123456789"
NOW = datetime(2024, 4, 1, tzinfo=UTC)


async def _remembered(
    uow_factory: UnitOfWorkFactory, tenant_id: str, rows: list[tuple[str, str]]
) -> None:
    """Memory rows as confirmations before the fix left them (one confirmation each)."""
    async with uow_factory() as uow:
        for iban, contact_id in rows:
            row = await uow.matching.memory_row(tenant_id, iban, contact_id, now=NOW)
            row.confirmations = 1
        await uow.commit()


async def _memory(uow_factory: UnitOfWorkFactory, tenant_id: str) -> set[tuple[str, str]]:
    async with uow_factory() as uow:
        return {(r.iban, r.contact_id) for r in await uow.matching.memory(tenant_id)}


async def test_provider_accounts_are_forgotten_a_payers_own_kept(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, database_url: str
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Keramik Sommer")
    other_tenant, _ = await add_tenant(uow_factory, "Tischlerei Holz")
    await add_voucher(uow_factory, tenant_id, "v-anna", contact_id="c-anna")
    await add_voucher(
        uow_factory, tenant_id, "v-amazon", contact_id="c-amazon", contact_name="Amazon EU S.à r.l."
    )
    await push(
        uow_factory,
        clock,
        tenant_id,
        [
            line(
                "45.00",
                "2024-03-06",
                "PayPal Auszahlung 4711",
                counterparty_name="PayPal Europe S.a.r.l. et Cie S.C.A",
                counterparty_iban=PAYPAL_IBAN,
            ),
            line(
                "-89.90",
                "2024-03-07",
                "AMAZON PAYMENTS 302-4711",
                counterparty_name="AMAZON EU",
                counterparty_iban=AMAZON_IBAN[:4] + " " + AMAZON_IBAN[4:].lower(),
            ),
            line(
                "-119.00",
                "2024-03-08",
                "Rechnung RE-2024-0042",
                counterparty_name="Bürobedarf GmbH",
                counterparty_iban=SUPPLIER_IBAN,
            ),
        ],
    )
    await run_matching(uow_factory, clock, tenant_id)
    learned = [
        (PAYPAL_IBAN, "c-anna"),  # a payout confirmed for Anna's invoice: wrong
        (AMAZON_IBAN, "c-anna"),  # a purchase through Amazon booked to Anna: wrong
        (AMAZON_IBAN, "c-amazon"),  # Amazon itself: its own account
        (SUPPLIER_IBAN, "c-anna"),  # an ordinary payer's account
    ]
    await _remembered(uow_factory, tenant_id, learned)
    # another client never saw PayPal's account on a line: its row is not judged by ours
    await _remembered(uow_factory, other_tenant, [(PAYPAL_IBAN, "c-anna")])

    await run_in_thread(downgrade, database_url, "0018_tenant_scoped_lookups")
    assert await _memory(uow_factory, tenant_id) == set(learned)
    await run_in_thread(upgrade, database_url)

    assert await _memory(uow_factory, tenant_id) == {
        (AMAZON_IBAN, "c-amazon"),
        (SUPPLIER_IBAN, "c-anna"),
    }
    assert await _memory(uow_factory, other_tenant) == {(PAYPAL_IBAN, "c-anna")}
