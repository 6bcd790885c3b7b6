"""POST /webhooks/lexware: signed events are stored once and fold into one webhook run;
bad signatures, replays and stale events change nothing."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from structlog.testing import capture_logs

from belegsync.emulator import MAIN_ORG_ID
from belegsync.emulator.webhooks import sign
from belegsync.jobs.embedded import MorningScheduler
from belegsync.store.models import LexwareEvent, SyncRun
from support.web_stack import WebStack, connect_and_sync

UNKNOWN_VOUCHER = "9d7c7a76-3c6e-4e6c-9a57-6d0b1d3f0b11"


def body(
    *,
    event_type: str = "voucher.changed",
    resource_id: str = UNKNOWN_VOUCHER,
    event_date: str = "2026-06-15T10:00:00.000+02:00",
    organization_id: str = MAIN_ORG_ID,
) -> bytes:
    return json.dumps(
        {
            "organizationId": organization_id,
            "eventType": event_type,
            "resourceId": resource_id,
            "eventDate": event_date,
        },
        separators=(",", ":"),
    ).encode()


async def post(client: AsyncTestClient[Any], raw: bytes, signature: str | None = "sign") -> Any:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Lxo-Signature"] = sign(raw) if signature == "sign" else signature
    return await client.post("/webhooks/lexware", content=raw, headers=headers)


async def _webhook_runs(stack: WebStack) -> list[SyncRun]:
    async with stack.harness.uow_factory() as uow:
        return list(await uow.session.scalars(select(SyncRun).where(SyncRun.trigger == "webhook")))


async def _stored_events(stack: WebStack) -> int:
    async with stack.harness.uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count(LexwareEvent.id))) or 0)


async def test_signed_event_queues_one_webhook_run(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    async with AsyncTestClient(stack.app) as client:
        r = await post(client, body())
        assert r.status_code == 200 and r.json() == {"outcome": "queued", "queued": 1}
        await stack.queue.join()
    runs = await _webhook_runs(stack)
    assert len(runs) == 1 and runs[0].tenant_id == stack.tenant_a
    assert runs[0].status == "succeeded"
    async with stack.harness.uow_factory() as uow:
        events = await uow.events.events_of_run(runs[0].id)
    assert [(e.status, e.outcome) for e in events] == [("done", "synced")]


async def test_twenty_replays_are_one_event_and_one_run(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    raw = body()
    async with AsyncTestClient(stack.app) as client:
        outcomes = [(await post(client, raw)).json()["outcome"] for _ in range(20)]
        await stack.queue.join()
    assert outcomes == ["queued"] + ["duplicate"] * 19
    assert len(await _webhook_runs(stack)) == 1
    assert await _stored_events(stack) == 1


async def test_a_burst_of_events_folds_into_the_queued_run(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    async with AsyncTestClient(stack.app) as client:
        for n in range(20):
            r = await post(client, body(event_date=f"2026-06-15T09:{n:02d}:00.000+02:00"))
            assert r.status_code == 200
        await stack.queue.join()
    runs = await _webhook_runs(stack)
    # The first event queues a run; the others fold into it (or the one right after it).
    assert 1 <= len(runs) <= 2, [r.status for r in runs]
    assert all(r.status == "succeeded" for r in runs)
    async with stack.harness.uow_factory() as uow:
        assert not await uow.events.has_pending(await stack.harness.connection_id())


async def test_stale_and_future_events_are_refused(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    async with AsyncTestClient(stack.app) as client:
        for date in ("2020-01-01T10:00:00.000+01:00", "2026-06-20T10:00:00.000+02:00"):
            r = await post(client, body(event_date=date))
            assert r.status_code == 422 and r.json() == {"error": "lexware_webhook_stale"}
    assert await _webhook_runs(stack) == []
    assert await _stored_events(stack) == 0


async def test_bad_or_missing_signature_is_401_and_nothing_happens(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    raw = body()
    tampered = raw.replace(b"changed", b"deleted")
    async with AsyncTestClient(stack.app) as client:
        for signature in (sign(raw), None, "not base64!"):
            r = await post(client, tampered, signature)
            assert r.status_code == 401
    assert await _webhook_runs(stack) == []
    assert await _stored_events(stack) == 0


async def test_unknown_organisation_answers_410_so_lexware_drops_the_subscription(
    stack: WebStack,
) -> None:
    raw = body(organization_id="00000000-0000-0000-0000-000000000000")
    async with AsyncTestClient(stack.app) as client:
        r = await post(client, raw)
    assert r.status_code == 410 and r.json() == {"error": "organization_not_connected"}
    assert await _stored_events(stack) == 0


async def test_other_event_types_are_stored_but_sync_nothing(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    async with AsyncTestClient(stack.app) as client:
        r = await post(client, body(event_type="contact.changed"))
    assert r.status_code == 200 and r.json()["outcome"] == "ignored"
    assert await _webhook_runs(stack) == []


@pytest.mark.parametrize("web_template", ["sqlite"], indirect=True)
async def test_an_event_stored_while_the_database_turns_busy_is_answered_200_and_synced_later(
    stack: WebStack,
) -> None:
    """The event was committed, then queueing its run found another process holding the
    write lock: Lexware got a 503 for an event that was stored, and its retry was a
    duplicate. Now the answer is 200 „stored“, and the scheduler's next tick queues the
    run for the waiting event."""
    await connect_and_sync(stack, stack.tenant_a)
    h = stack.harness
    async with stack.locking(queue=True) as locked:
        client = locked.browser.client
        with capture_logs() as logs:
            locked.lock.arm(after=1)  # the event commits; claiming its run waits
            r = await post(client, body())
            locked.lock.release()
        again = await post(client, body())
    assert r.status_code == 200 and r.json() == {"outcome": "stored", "queued": 0}
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == ["webhook_sync_deferred"]
    assert again.json()["outcome"] == "duplicate" and await _stored_events(stack) == 1
    assert await _webhook_runs(stack) == []
    scheduler = MorningScheduler(
        uow_factory=h.uow_factory,
        queue=stack.queue,
        clock=h.clock,
        base_time=time(6, 0),
        spread_minutes=120,
    )
    queued = await scheduler.tick(h.clock.now())
    await stack.queue.join()
    runs = await _webhook_runs(stack)
    assert len(queued) == 1 and [run.status for run in runs] == ["succeeded"]
