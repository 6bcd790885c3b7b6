"""A payment advice through the upload page: the client's own SEPA collection file is
uploaded the day it is submitted (it waits), the statement with the batch line comes
later (the import attaches it, matching links every invoice); a broken advice is
refused with the reason and writes nothing."""

from __future__ import annotations

import base64
import re

import httpx
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from belegsync.accounts.api_tokens import create_api_token
from belegsync.domain.matching import LinkStatus
from belegsync.store.models import AuditLogEntry, PaymentAdvice, PaymentLink
from support.advice_files import add_batch_invoices, pain008_batch, statement_with_batch
from support.web_stack import Browser, WebStack, text_of


async def _upload(b: Browser, tenant: str, name: str, data: bytes) -> httpx.Response:
    return await b.client.post(
        f"/clients/{tenant}/bank/upload",
        data={"_csrf_token": await b.csrf()},
        files={"file": (name, data, "application/octet-stream")},
    )


async def _advices(stack: WebStack) -> int:
    async with stack.harness.uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count(PaymentAdvice.id))) or 0)


async def _automatic_links(stack: WebStack) -> int:
    async with stack.harness.uow_factory() as uow:
        query = select(func.count(PaymentLink.id)).where(
            PaymentLink.status == LinkStatus.AUTO_CONFIRMED.value
        )
        return int(await uow.session.scalar(query) or 0)


async def test_a_collection_file_waits_for_its_statement_and_then_pays_each_invoice(
    stack: WebStack,
) -> None:
    tenant = stack.tenant_a
    await add_batch_invoices(stack.harness.uow_factory, tenant)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        broken = await _upload(b, tenant, "sammler.xml", pain008_batch(control_sum="2000.00"))
        assert broken.status_code == 400
        assert "Die Avis-Datei ist fehlerhaft" in text_of(broken)
        assert await _advices(stack) == 0

        waiting = await _upload(b, tenant, "sammler.xml", pain008_batch())
        assert waiting.status_code == 200, text_of(waiting)[:2000]
        assert "0 von 1 Sammelbuchung aufgeschlüsselt" in text_of(waiting)
        assert "wartet auf die Buchung" in text_of(waiting)

        statement = await _upload(b, tenant, "auszug.xml", statement_with_batch())
        assert "1 neuer Umsatz" in text_of(statement)
        again = await _upload(b, tenant, "sammler.xml", pain008_batch())
        assert "1 von 1 Sammelbuchung aufgeschlüsselt" in text_of(again)
        assert "Buchung vom" in text_of(again) or "der Buchung zugeordnet" in text_of(again)
        listing = await b.get(f"/clients/{tenant}/bank/transactions")
        assert "Avis: 3 Posten" in text_of(listing)
    assert await _advices(stack) == 1
    assert await _automatic_links(stack) == 3


async def test_an_advice_uploaded_by_mistake_is_removed_with_its_automatic_links(
    stack: WebStack,
) -> None:
    tenant = stack.tenant_a
    await add_batch_invoices(stack.harness.uow_factory, tenant)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        await _upload(b, tenant, "auszug.xml", statement_with_batch())
        page = await _upload(b, tenant, "sammler.xml", pain008_batch())
        assert await _automatic_links(stack) == 3
        found = re.search(r'action="([^"]+/bank/advices/[0-9a-f-]{36}/remove)"', page.text)
        assert found, text_of(page)[:2000]
        # another client's page cannot reach it
        other = found.group(1).replace(tenant, stack.tenant_b)
        assert (await b.post(other, {})).status_code in (403, 404)
        assert await _advices(stack) == 1
        removed = await b.post(found.group(1), {})  # redirected to the upload page
        assert removed.status_code == 200
        assert "Zahlungsavis entfernt; 3 automatische Zuordnungen aufgehoben." in text_of(removed)
        assert await _advices(stack) == 0
        assert await _automatic_links(stack) == 0
        # the person judged the file, not the pairs: the right one uploaded again links
        # them again (before, the three were only offered from then on)
        again = await _upload(b, tenant, "sammler.xml", pain008_batch())
        assert "1 von 1 Sammelbuchung aufgeschlüsselt" in text_of(again)
    assert await _automatic_links(stack) == 3
    async with stack.harness.uow_factory() as uow:
        audit = await uow.session.scalar(
            select(func.count(AuditLogEntry.id)).where(AuditLogEntry.action == "advice_removed")
        )
    assert audit == 1


async def test_the_api_attaches_an_advice_and_refuses_a_broken_one(stack: WebStack) -> None:
    tenant = stack.tenant_a
    token = await create_api_token(
        uow_factory=stack.harness.uow_factory,
        clock=stack.harness.clock,
        ctx=stack.ctx(tenant),
        name="Bank",
    )
    headers = {"Authorization": f"Bearer {token.token}"}
    url = "/api/v1/payment-advices"

    def body(data: bytes) -> dict[str, str]:
        return {"file_name": "sammler.xml", "content": base64.b64encode(data).decode()}

    async with AsyncTestClient(stack.app) as client:
        unauthorised = await client.post(url, json=body(pain008_batch()))
        broken = await client.post(url, json=body(pain008_batch("1.00")), headers=headers)
        empty = await client.post(url, json={"file_name": "x"}, headers=headers)
        garbage = await client.post(url, json={"content": "%%%"}, headers=headers)
        waiting = await client.post(url, json=body(pain008_batch()), headers=headers)
    assert unauthorised.status_code == 401
    assert broken.status_code == 400 and broken.json()["error"] == "advice_invalid"
    assert empty.status_code == 400 and empty.json()["error"] == "advice_body_invalid"
    assert garbage.status_code == 400 and garbage.json()["error"] == "advice_body_invalid"
    assert waiting.status_code == 200, waiting.text
    assert waiting.json()["waiting"] == 1
    assert waiting.json()["advices"][0] == {
        "reference": "B2B-20240403-001",
        "items": 3,
        "paid_cents": 202300,
        "transaction_id": None,
        "booking_date": None,
        "ambiguous": False,
        "already_known": False,
    }
    assert await _advices(stack) == 1
