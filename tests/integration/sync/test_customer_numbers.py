"""The customer number Lexware printed on a customer's invoices, through the whole
stack: the sync reads it from the emulated ``GET /v1/contacts``, matching reads it with
the customer's vouchers, and a transfer that names only that number pays them.

Before, the numbers never left Lexware: the bench credited the engine with them, but in
production such a transfer („Sammelzahlung Kd 10051“) was read as from a stranger and
its invoices were sent to „Externe Transaktion erforderlich“."""

from __future__ import annotations

from datetime import timedelta

from belegsync.emulator import MAIN_ORG_ID
from belegsync.matching.external import external_needed
from belegsync.matching.service import run_matching
from support.matching_helpers import line, links_by_voucher_number, push
from support.sync_harness import Harness


async def _customer_with_two_paid_invoices(harness: Harness) -> int:
    """A customer and two of its invoices, paid in Lexware; returns its number."""
    contact = await harness.emulator(
        "POST", f"/organizations/{MAIN_ORG_ID}/contacts", {"name": "Müller Bau GmbH"}
    )
    today = harness.clock.now().date()
    for number, amount, days in (("RE-2026-0101", "1190.00", 20), ("RE-2026-0102", "535.50", 12)):
        await harness.add_paid_voucher(
            today - timedelta(days=days),
            amount=amount,
            type="salesinvoice",
            contactId=contact["id"],
            voucherNumber=number,
        )
    return int(contact["customerNumber"])


async def test_a_transfer_naming_the_customer_number_pays_the_customer_s_invoices(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    number = await _customer_with_two_paid_invoices(harness)

    first = await harness.sync()

    assert first.status == "succeeded"
    async with harness.uow_factory() as uow:
        numbers = await uow.contacts.customer_numbers(harness.tenant_id)
    assert number in numbers.values()
    # the managing director pays both from his own account, naming neither invoice
    day = harness.clock.now().date().isoformat()
    text = f"Sammelzahlung Kd {number}"
    await push(
        harness.uow_factory,
        harness.clock,
        harness.tenant_id,
        [line("1725.50", day, text, counterparty_name="Hans Mueller")],
    )
    harness.clock.advance(hours=1)
    await run_matching(harness.uow_factory, harness.clock, harness.tenant_id)

    links = await links_by_voucher_number(harness.uow_factory, harness.tenant_id)
    assert links["RE-2026-0101"] == ("auto_confirmed", 119000, 0)
    assert links["RE-2026-0102"] == ("auto_confirmed", 53550, 0)
    async with harness.uow_factory() as uow:
        needed = {e.voucher.voucher_number for e in await external_needed(uow, harness.tenant_id)}
    assert not needed & {"RE-2026-0101", "RE-2026-0102"}


async def test_a_run_without_new_contacts_asks_lexware_for_none(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    await harness.sync()
    assert (await harness.counters())["byResource"].get("contacts", 0) >= 1
    harness.clock.advance(days=1)
    await harness.reset_counters()

    await harness.sync()

    assert "contacts" not in (await harness.counters())["byResource"]
