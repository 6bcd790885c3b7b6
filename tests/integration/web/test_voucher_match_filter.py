"""The Belege list's „Abgleich“ column and filter, and the staff links to a client's pages."""

from __future__ import annotations

import re

from belegsync.matching.links import reject_link
from belegsync.matching.service import run_matching
from belegsync.store.access import list_vouchers, match_states
from support.matching_helpers import SUPPLIER_IBAN, add_voucher, item, line, push
from support.web_stack import WebStack, text_of


async def _seed(stack: WebStack) -> None:
    """Tenant A: one voucher per match state; tenant B: a matched voucher of its own."""
    uow_factory, clock = stack.harness.uow_factory, stack.harness.clock
    a, b = stack.tenant_a, stack.tenant_b
    await add_voucher(uow_factory, a, "v-auto", voucher_number="RE-2024-0042")
    await add_voucher(
        uow_factory, a, "v-sugg", voucher_number="RE-2024-0077", total_gross_cents=25000
    )
    await add_voucher(
        uow_factory, a, "v-rej", voucher_number="RE-2024-0078", total_gross_cents=4000
    )
    await add_voucher(
        uow_factory,
        a,
        "v-ext",
        [item("partPaymentFinancialTransaction", 8900)],
        voucher_number="RE-2024-0099",
        contact_name="Papier Schmidt GmbH",
    )
    await add_voucher(
        uow_factory, a, "v-cash", [item("partPaymentCashBox", 5000)], voucher_number="RE-2024-0100"
    )
    await push(
        uow_factory,
        clock,
        a,
        [
            line("-119.00", "2024-03-06", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
            line("-250.00", "2024-03-06", "Bueromaterial"),
            line("-40.00", "2024-03-06", "Toner"),
        ],
    )
    await run_matching(uow_factory, clock, a)
    # Rejecting the only suggestion leaves that payment open (no link, no suggestion).
    async with uow_factory() as uow:
        payments = {p.id: v.lexware_id for p, v in await uow.matching.payments(a)}
        [rejectable] = [
            k
            for k in await uow.matching.links(a, statuses=("suggested",))
            if payments[k.expected_payment_id] == "v-rej"
        ]
    await reject_link(uow_factory, clock, a, rejectable.id, actor="test")

    await add_voucher(uow_factory, b, "v-auto", voucher_number="RE-2024-0042")
    await push(
        uow_factory,
        clock,
        b,
        [
            line("-119.00", "2024-03-06", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
        ],
    )
    await run_matching(uow_factory, clock, b)


async def test_match_states_and_the_filter_are_tenant_scoped(stack: WebStack) -> None:
    await _seed(stack)
    ctx_a, ctx_b = stack.ctx(stack.tenant_a), stack.ctx(stack.tenant_b)
    async with stack.harness.uow_factory() as uow:
        everything = await list_vouchers(uow.session, ctx_a)
        by_number = {
            v.voucher_number: state
            for v in everything.items
            for state in [(await match_states(uow.session, ctx_a, [v.id]))[v.id]]
        }
        filtered = {
            state: sorted(
                v.voucher_number or ""
                for v in (await list_vouchers(uow.session, ctx_a, match_state=state)).items
            )
            for state in ("matched", "suggested", "external", "open", "cash")
        }
        b_matched = await list_vouchers(uow.session, ctx_b, match_state="matched")
        # Asking with tenant B's context for tenant A's ids yields nothing.
        leaked = await match_states(uow.session, ctx_b, [v.id for v in everything.items])

    assert by_number == {
        "RE-2024-0042": "matched",
        "RE-2024-0077": "suggested",
        "RE-2024-0078": "open",
        "RE-2024-0099": "external",
        "RE-2024-0100": "cash",
    }
    assert filtered == {
        "matched": ["RE-2024-0042"],
        "suggested": ["RE-2024-0077"],
        "external": ["RE-2024-0099"],
        "open": ["RE-2024-0078"],
        "cash": ["RE-2024-0100"],
    }
    # Tenant B's own voucher with the same number; none of tenant A's.
    assert [v.voucher_number for v in b_matched.items] == ["RE-2024-0042"]
    assert {v.tenant_id for v in b_matched.items} == {stack.tenant_b}
    assert leaked == {}


async def test_vouchers_page_shows_the_column_and_filters(stack: WebStack) -> None:
    await _seed(stack)
    base = f"/clients/{stack.tenant_a}/vouchers"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        everything = await b.get(base)
        external = await b.get(f"{base}?match=external")
        nonsense = await b.get(f"{base}?match=bogus")
        await b.post("/language", {"lang": "en", "next": base})
        english = await b.get(f"{base}?match=suggested")
        # Tenant A's client cannot read tenant B's list, filtered or not.
        other = await b.get(f"/clients/{stack.tenant_b}/vouchers?match=matched")

    text = text_of(everything)
    assert everything.status_code == 200 and "5 Belege" in text
    for label in ("zugeordnet", "Vorschlag offen", "extern erforderlich", "bar bezahlt"):
        assert label in text
    assert '<option value="external" selected>' in external.text
    assert "1 Beleg" in text_of(external) and "1 Belege" not in text_of(external)
    assert "RE-2024-0099" in text_of(external)
    assert "RE-2024-0042" not in text_of(external)
    assert "5 Belege" in text_of(nonsense)  # an unknown value filters nothing
    english_text = text_of(english)
    assert "suggestion open" in english_text and "RE-2024-0077" in english_text
    assert "RE-2024-0042" not in english_text
    assert other.status_code == 404


async def test_staff_client_page_links_to_the_clients_matching_pages(stack: WebStack) -> None:
    await _seed(stack)
    tenant = stack.tenant_a
    async with stack.browser() as b:
        await b.login("staff@kanzlei.test")
        detail = await b.get(f"/staff/clients/{tenant}")
        links = set(re.findall(r'href="([^"]+)"', detail.text))
        wanted = [
            f"/clients/{tenant}/matching",
            f"/clients/{tenant}/bank/transactions",
            f"/clients/{tenant}/bank/upload",
        ]
        pages = {url: await b.get(url) for url in wanted}
        external = await b.get(f"{wanted[0]}?tab=external")

    assert set(wanted) <= links
    assert all(page.status_code == 200 for page in pages.values())
    assert "RE-2024-0099" in text_of(external)  # external needed, in the queue's tab
    assert "Rechnung RE-2024-0042" in text_of(pages[wanted[1]])
