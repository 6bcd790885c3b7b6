"""POST /webhooks/lexware: signed events queue a webhook sync; bad signatures change nothing."""

from __future__ import annotations

import json

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from belegsync.emulator import MAIN_ORG_ID
from belegsync.emulator.webhooks import sign
from belegsync.store.models import SyncRun
from support.web_stack import WebStack, connect_and_sync

BODY = json.dumps(
    {
        "organizationId": MAIN_ORG_ID,
        "eventType": "voucher.changed",
        "resourceId": "9d7c7a76-3c6e-4e6c-9a57-6d0b1d3f0b11",
        "eventDate": "2026-06-15T10:00:00.000+02:00",
    }
).encode()


async def _webhook_runs(stack: WebStack) -> list[SyncRun]:
    async with stack.harness.uow_factory() as uow:
        return list(await uow.session.scalars(select(SyncRun).where(SyncRun.trigger == "webhook")))


async def test_signed_event_queues_one_sync_per_active_connection(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    async with AsyncTestClient(stack.app) as client:
        r = await client.post(
            "/webhooks/lexware",
            content=BODY,
            headers={"Content-Type": "application/json", "X-Lxo-Signature": sign(BODY)},
        )
        assert r.status_code == 200 and r.json() == {"queued": 1}
        await stack.queue.join()
    runs = await _webhook_runs(stack)
    assert len(runs) == 1 and runs[0].tenant_id == stack.tenant_a
    assert runs[0].status == "succeeded"


async def test_bad_or_missing_signature_is_401_and_nothing_happens(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    tampered = BODY.replace(b"changed", b"deleted")
    async with AsyncTestClient(stack.app) as client:
        for headers in (
            {"X-Lxo-Signature": sign(BODY)},
            {},
            {"X-Lxo-Signature": "not base64!"},
        ):
            r = await client.post("/webhooks/lexware", content=tampered, headers=headers)
            assert r.status_code == 401
    assert await _webhook_runs(stack) == []


async def test_unknown_organisation_is_accepted_and_ignored(stack: WebStack) -> None:
    body = BODY.replace(MAIN_ORG_ID.encode(), b"00000000-0000-0000-0000-000000000000")
    async with AsyncTestClient(stack.app) as client:
        r = await client.post(
            "/webhooks/lexware", content=body, headers={"X-Lxo-Signature": sign(body)}
        )
    assert r.status_code == 200 and r.json() == {"queued": 0}
