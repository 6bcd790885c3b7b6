"""Same-day sync through webhooks, end to end: the emulator delivers signed events over
real HTTP to the app (uvicorn), which syncs the voucher they name without a daily run."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID, serve_in_background
from belegsync.emulator.webhooks import sign
from belegsync.jobs.subscription_keeper import SubscriptionKeeper
from belegsync.store.models import SyncRun
from belegsync.sync.events import SUBSCRIBED_EVENT_TYPES
from belegsync.sync.events_subscriptions import SubscriptionDeps, remove_subscriptions
from support.web_stack import WebStack, connect_and_sync, text_of


@contextlib.asynccontextmanager
async def served(stack: WebStack) -> AsyncIterator[str]:
    """The app on a real port; the emulator may post to it over http."""
    await stack.harness.emulator("PUT", "/settings", {"allowHttpCallbacks": True})
    async with serve_in_background(stack.app) as base:  # type: ignore[arg-type]
        yield f"{base}/webhooks/lexware"


def keeper_deps(stack: WebStack, callback_url: str) -> SubscriptionDeps:
    h = stack.harness
    return SubscriptionDeps(
        uow_factory=h.uow_factory,
        lexware=h.apis.events_client,
        cipher=h.keyring,
        clock=h.clock,
        callback_url=callback_url,
    )


async def lexware_subscriptions(stack: WebStack) -> list[dict[str, Any]]:
    client = stack.harness.apis.events_client(MAIN_KEY, "http://lexware.test")
    return [s.raw for s in await client.event_subscriptions()]


async def runs_by_trigger(stack: WebStack) -> dict[str, int]:
    async with stack.harness.uow_factory() as uow:
        runs = list(await uow.session.scalars(select(SyncRun)))
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.trigger] = counts.get(run.trigger, 0) + 1
    return counts


async def wait_for(check: Any, seconds: float = 60.0) -> Any:
    """Polls until ``check`` holds; the minute only guards against hanging."""
    for _ in range(int(seconds / 0.05)):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.05)
    return await check()


async def test_paid_voucher_arrives_through_a_signed_webhook(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    h = stack.harness
    async with served(stack) as callback:
        keeper = SubscriptionKeeper(keeper_deps(stack, callback))
        assert await keeper.tick(h.clock.now()) == [await h.connection_id()]
        listed = await lexware_subscriptions(stack)
        assert sorted(s["eventType"] for s in listed) == sorted(SUBSCRIBED_EVENT_TYPES)
        assert {s["callbackUrl"] for s in listed} == {callback}
        # Checked: nothing due until the daily check (or a new key).
        assert await keeper.tick(h.clock.now()) == []

        created = await h.add_voucher(
            type="purchaseinvoice", status="open", voucherDate="2026-06-01"
        )
        await h.emulator("POST", f"/vouchers/{created['id']}/pay", {})
        voucher = await wait_for(lambda: _voucher(stack, created["id"]))
        await h.app.runtime.webhooks.drain()
        await stack.queue.join()

    assert voucher is not None and voucher["status"] == "paid"
    assert voucher["files"], "the voucher's file came with it"
    triggers = await runs_by_trigger(stack)
    assert triggers.get("schedule") is None and triggers["cli"] == 1
    # status.changed and payment.changed of one payment: at most two webhook runs.
    assert 1 <= triggers["webhook"] <= 2
    deliveries = (await h.emulator("GET", "/webhook-deliveries"))["deliveries"]
    assert deliveries and {d["outcome"] for d in deliveries} == {"delivered"}


async def _voucher(stack: WebStack, lexware_id: str) -> dict[str, Any] | None:
    return (await stack.harness.vouchers()).get(lexware_id)


async def test_a_replaced_key_is_checked_again_and_missing_subscriptions_come_back(
    stack: WebStack,
) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    h = stack.harness
    deps = keeper_deps(stack, "https://belege.example.test/webhooks/lexware")
    keeper = SubscriptionKeeper(deps)
    connection_id = await h.connection_id()
    assert await keeper.tick(h.clock.now()) == [connection_id]
    # Lexware dropped two of them (404s, or a 410 answered elsewhere).
    client = h.apis.events_client(MAIN_KEY, "http://lexware.test")
    for sub in (await client.event_subscriptions())[:2]:
        await client.delete_event_subscription(sub.subscription_id)
    h.clock.advance(days=1, minutes=1)
    assert await keeper.tick(h.clock.now()) == [connection_id]
    assert len(await lexware_subscriptions(stack)) == len(SUBSCRIBED_EVENT_TYPES)
    # A new key of the same organisation: checked at once, nothing duplicated.
    key = (await h.emulator("POST", "/keys", {"organizationId": MAIN_ORG_ID}))["key"]
    assert (await h.connect(key)).state.value == "active"
    assert await keeper.tick(h.clock.now()) == [connection_id]
    async with h.uow_factory() as uow:
        health = await uow.events.health(connection_id)
    assert (health.active, health.failed) == (len(SUBSCRIBED_EVENT_TYPES), 0)
    assert len(await lexware_subscriptions(stack)) == len(SUBSCRIBED_EVENT_TYPES)
    # Before a disconnect drops the key, the subscriptions are deleted in Lexware.
    assert await remove_subscriptions(deps, connection_id) == len(SUBSCRIBED_EVENT_TYPES)
    assert await lexware_subscriptions(stack) == []


async def test_a_refused_subscription_is_recorded_and_retried(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    h = stack.harness
    # Lexware refuses callback URLs it cannot reach over https (406).
    deps = keeper_deps(stack, "http://belege.example.test/webhooks/lexware")
    keeper = SubscriptionKeeper(deps)
    connection_id = await h.connection_id()
    assert await keeper.tick(h.clock.now()) == [connection_id]
    async with h.uow_factory() as uow:
        health = await uow.events.health(connection_id)
    assert health.active == 0 and health.failed == len(SUBSCRIBED_EVENT_TYPES)
    assert health.last_error == "lexware_request_invalid"
    assert await keeper.tick(h.clock.now()) == []
    h.clock.advance(hours=1)
    assert await keeper.tick(h.clock.now()) == [connection_id]


async def test_deleted_voucher_is_flagged_through_its_event(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    h = stack.harness
    voucher_id = sorted(h.paid_ids(date(2025, 1, 1)))[0]
    async with served(stack) as callback:
        await SubscriptionKeeper(keeper_deps(stack, callback)).tick(h.clock.now())
        await h.emulator("DELETE", f"/vouchers/{voucher_id}")
        flagged = await wait_for(lambda: _review(stack, voucher_id))
        await h.app.runtime.webhooks.drain()
        await stack.queue.join()
    assert flagged == "deleted"
    assert (await runs_by_trigger(stack)).get("schedule") is None


async def _review(stack: WebStack, lexware_id: str) -> str | None:
    row = (await stack.harness.vouchers()).get(lexware_id)
    return str(row["review"]["reason"]) if row and row["review"] else None


async def test_token_revoked_fails_the_connection_only_when_the_key_is_refused(
    stack: WebStack,
) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    h = stack.harness
    row = await h.connection_row()

    def revoked(minute: int) -> bytes:
        return json.dumps(
            {
                "organizationId": MAIN_ORG_ID,
                "eventType": "token.revoked",
                "resourceId": row.lexware_connection_id or "x",
                "eventDate": f"2026-06-15T09:{minute:02d}:00.000+02:00",
            },
            separators=(",", ":"),
        ).encode()

    async with served(stack) as callback, httpx.AsyncClient() as client:
        raw = revoked(1)
        r = await client.post(callback, content=raw, headers={"X-Lxo-Signature": sign(raw)})
        assert r.status_code == 200
        assert await wait_for(lambda: _settled(stack))
        assert (await h.connection_row()).state == "active"  # the key still works
        await h.emulator("POST", f"/keys/{MAIN_KEY}/revoke")
        raw = revoked(2)
        r = await client.post(callback, content=raw, headers={"X-Lxo-Signature": sign(raw)})
        assert r.status_code == 200
        # The refused key fails the connection. Its event waits for a new key: no run
        # follows the failed one (each would fail the same way, one after the other).
        assert await wait_for(lambda: _no_run_active(stack))
    failed = await h.connection_row()
    assert (failed.state, failed.failure_reason) == ("failed", "invalid_key")
    assert (await runs_by_trigger(stack))["webhook"] == 2


async def _settled(stack: WebStack) -> bool:
    """No event waiting and no run queued or running."""
    connection_id = await stack.harness.connection_id()
    async with stack.harness.uow_factory() as uow:
        waiting = await uow.events.has_pending(connection_id)
    return not waiting and await _no_run_active(stack)


async def _no_run_active(stack: WebStack) -> bool:
    connection_id = await stack.harness.connection_id()
    async with stack.harness.uow_factory() as uow:
        return await uow.sync_runs.active_run(connection_id) is None


async def test_staff_see_the_subscription_health(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    h = stack.harness
    async with stack.browser() as staff:
        await staff.login("staff@kanzlei.test")
        page = text_of(await staff.get(f"/staff/clients/{stack.tenant_a}"))
        assert "Lexware-Ereignisse nicht eingerichtet" in page
        keeper = SubscriptionKeeper(
            keeper_deps(stack, "https://belege.example.test/webhooks/lexware")
        )
        await keeper.tick(h.clock.now())
        page = text_of(await staff.get(f"/staff/clients/{stack.tenant_a}"))
    assert f"Lexware-Ereignisse {len(SUBSCRIBED_EVENT_TYPES)} aktiv, 0 fehlerhaft" in page
