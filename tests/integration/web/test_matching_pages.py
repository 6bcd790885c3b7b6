"""The matching inbox, statement upload, transactions page and the bank JSON API."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

from belegsync.accounts.api_tokens import create_api_token
from belegsync.matching.service import run_matching
from support.matching_helpers import (
    SUPPLIER_IBAN,
    add_voucher,
    item,
    line,
    push,
    sparkasse_csv,
)
from support.web_stack import WebStack, text_of

OTHER_BANK = "DE17100500000123456789"


async def _seed(stack: WebStack) -> str:
    tenant = stack.tenant_a
    uow_factory, clock = stack.harness.uow_factory, stack.harness.clock
    await add_voucher(uow_factory, tenant, "v-auto", voucher_number="RE-2024-0042")
    await add_voucher(uow_factory, tenant, "v-sugg", voucher_number="RE-2024-0077",
                      total_gross_cents=25000)  # fmt: skip
    await add_voucher(uow_factory, tenant, "v-rej", voucher_number="RE-2024-0078",
                      total_gross_cents=4000)  # fmt: skip
    await add_voucher(
        uow_factory, tenant, "v-ext", [item("partPaymentFinancialTransaction", 8900)],
        voucher_number="RE-2024-0099", contact_name="Papier Schmidt GmbH",
    )  # fmt: skip
    await push(uow_factory, clock, tenant, [
        line("-119.00", "2024-03-06", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
        line("-250.00", "2024-03-06", "Bueromaterial"),
        line("-40.00", "2024-03-06", "Toner"),
    ])  # fmt: skip
    await run_matching(uow_factory, clock, tenant)
    return tenant


def _action(page: str, kind: str, marker: str) -> str:
    """The form action of ``kind`` (confirm/reject/undo) in the block mentioning marker."""
    block = page[page.index(marker) :]
    found = re.search(rf'action="([^"]+/{kind})"', block)
    assert found, (kind, marker)
    return found.group(1)


async def test_client_confirms_rejects_and_creates_an_external_transaction(
    stack: WebStack,
) -> None:
    tenant = await _seed(stack)
    base = f"/clients/{tenant}/matching"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        page = await b.get(base)
        text = text_of(page)
        assert page.status_code == 200
        assert "Externe Transaktion erforderlich" in text and "RE-2024-0099" in text
        assert "Tage Δ +1" in text and "Belegnummer im Verwendungszweck: RE-2024-0042" in text

        confirmed = await b.post(_action(page.text, "confirm", "RE-2024-0077"))
        assert confirmed.status_code == 200 and "Zuordnung bestätigt." in text_of(confirmed)
        page = await b.get(base)
        rejected = await b.post(_action(page.text, "reject", "RE-2024-0078"))
        assert "nicht mehr angeboten" in text_of(rejected)
        payment = re.search(r'action="([^"]+/external)"', rejected.text)
        assert payment is not None
        created = await b.post(payment.group(1))
        assert "Externe Transaktion angelegt" in text_of(created)
        listing = text_of(await b.get(f"/clients/{tenant}/bank/transactions"))

    async with stack.harness.uow_factory() as uow:
        statuses = sorted(link.status for link in await uow.matching.links(tenant))
    assert statuses == ["auto_confirmed", "confirmed", "confirmed", "rejected"]
    assert "Externe Transaktion" in listing and "RE-2024-0077" in listing


async def test_upload_shows_counts_errors_and_replaces_the_external_transaction(
    stack: WebStack,
) -> None:
    tenant = await _seed(stack)
    good = sparkasse_csv(OTHER_BANK, [("07.03.24", "RE-2024-0099", "Papier Schmidt", "-89,00")])
    broken = good.replace(b'"-89,00"', b'"neunzig"')
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        page = await b.get(f"/clients/{tenant}/matching")
        external = re.search(r'action="([^"]+/external)"', page.text)
        assert external is not None
        await b.post(external.group(1))
        csrf = await b.csrf()
        url = f"/clients/{tenant}/bank/upload"
        bad = await b.client.post(url, data={"_csrf_token": csrf},
                                  files={"file": ("umsatz.csv", broken, "text/csv")})  # fmt: skip
        first = await b.client.post(url, data={"_csrf_token": csrf},
                                    files={"file": ("umsatz.csv", good, "text/csv")})  # fmt: skip
        again = await b.client.post(url, data={"_csrf_token": csrf},
                                    files={"file": ("umsatz.csv", good, "text/csv")})  # fmt: skip
        inbox = text_of(await b.get(f"/clients/{tenant}/matching"))

    assert bad.status_code == 400 and "Zeile 2" in text_of(bad)
    assert "Es wurde nichts importiert." in text_of(bad)
    assert "1 neue Umsätze, 0 bereits vorhanden" in text_of(first)
    assert "0 neue Umsätze, 1 bereits vorhanden" in text_of(again)
    assert "Ersetzte externe Transaktionen" in inbox and "ersetzt durch echte Transaktion" in inbox


async def test_manual_search_links_a_voucher_to_any_transaction(stack: WebStack) -> None:
    tenant = await _seed(stack)
    async with stack.harness.uow_factory() as uow:
        payments = {v.lexware_id: p.id for p, v in await uow.matching.payments(tenant)}
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        url = f"/clients/{tenant}/matching?payment={payments['v-ext']}&q=Toner&amount=&day="
        found = await b.get(url)
        assert "Toner" in text_of(found)
        action = re.search(r'action="([^"]+/link/[^"]+)"', found.text)
        assert action is not None
        linked = await b.post(action.group(1))
        invalid = await b.get(f"/clients/{tenant}/matching?amount=abc")
    assert "Beleg zugeordnet." in text_of(linked)
    assert "„abc“ ist kein Betrag." in text_of(invalid)


async def test_api_push_runs_matching_and_lists_matches(stack: WebStack) -> None:
    tenant = await _seed(stack)
    token = await create_api_token(
        uow_factory=stack.harness.uow_factory, clock=stack.harness.clock,
        ctx=stack.ctx(tenant), name="Bank",
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {token.token}"}
    body = {
        "account_iban": OTHER_BANK,
        "transactions": [{"booking_date": "2024-03-07", "amount": "-89.00",
                          "remittance": "RE-2024-0099", "counterparty_name": "Papier Schmidt"}],
    }  # fmt: skip
    async with AsyncTestClient(stack.app) as client:
        assert (await client.post("/api/v1/bank-transactions", json=body)).status_code == 401
        pushed = await client.post("/api/v1/bank-transactions", json=body, headers=headers)
        again = await client.post("/api/v1/bank-transactions", json=body, headers=headers)
        bad = await client.post(
            "/api/v1/bank-transactions", json={"account_iban": OTHER_BANK}, headers=headers
        )
        matches = await client.get("/api/v1/matches", headers=headers)

    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["added"] == 1 and pushed.json()["matching"]["auto_links"] == 1
    assert again.json()["duplicates"] == 1
    assert bad.status_code == 400 and bad.json()["error"] == "push_body_invalid"
    document = matches.json()
    numbers = {link["voucher"]["voucher_number"] for link in document["links"]}
    assert numbers == {"RE-2024-0042", "RE-2024-0099"}
    assert document["external_needed"] == []
    assert {s["voucher"]["voucher_number"] for s in document["suggestions"]} >= {"RE-2024-0077"}
