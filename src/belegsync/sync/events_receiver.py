"""Receiving a verified Lexware event: store it once, answer at once, queue its sync.

Nothing here talks to Lexware, so the callback is answered well inside Lexware's 5 s.
A replay (the same four fields again) and an event too old to be one of Lexware's
retries change nothing. Events for a connection that already has a run queued or
running are folded into that run (or the one right after it): one run at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import structlog

from belegsync.domain.clock import Clock
from belegsync.store.errors import skipped_when_busy
from belegsync.sync.events import event_fields, is_stale, target_of
from belegsync.sync.ports import SyncQueue, UnitOfWork

logger = structlog.get_logger("belegsync.sync")


@dataclass(frozen=True, slots=True)
class Received:
    """How the receiver answers Lexware: the HTTP status and a short code."""

    status: int
    code: str
    queued: bool = False


async def receive_event(
    *,
    uow_factory: Callable[[], UnitOfWork],
    queue: SyncQueue,
    clock: Clock,
    organization_id: str,
    event_type: str,
    resource_id: str,
    event_date: datetime | None,
) -> Received:
    """Store the event and queue a sync of its connection.

    Answers 410 for an organisation no connection holds a key for (Lexware then deletes
    the subscription at once: what is left after a disconnect cleans itself up), and
    422 for a stale or undated event (a replay; Lexware does not retry other 4xx).
    """
    now = clock.now()
    if event_date is None or is_stale(event_date, now):
        logger.warning("webhook_stale", event_type=event_type, event_date=str(event_date))
        return Received(422, "lexware_webhook_stale")
    fields = event_fields(organization_id, event_type, resource_id, event_date)
    async with uow_factory() as uow:
        connections = await uow.events.connections_of_organization(organization_id)
        keyed = [c for c in connections if c.encrypted_api_key is not None]
        if not keyed:
            return Received(410, "organization_not_connected")
        # Staff may let two clients share an organisation: each gets the event.
        active = [c.id for c in keyed if c.state == "active"]
        wanted = bool(active) and target_of(event_type).kind != "other"
        stored = []
        for connection_id in active if wanted else [keyed[0].id]:
            own = replace(fields, digest=_digest(fields.digest, connection_id))
            status = "pending" if wanted else "ignored"
            if await uow.events.record(own, connection_id=connection_id, status=status, now=now):
                stored.append(connection_id)
        await uow.commit()
    if not stored:
        return Received(200, "duplicate")
    if not wanted:
        return Received(200, "ignored")
    queued: list[str | None] = []
    for connection_id in stored:
        # the event stands; where the database is busy, the scheduler's next tick
        # queues the run for the waiting event (Lexware's retry would be a duplicate)
        with skipped_when_busy("webhook_sync_deferred", connection_id=connection_id):
            queued.append(await queue.enqueue(connection_id, trigger="webhook"))
    if len(queued) < len(stored):
        return Received(200, "stored", queued=any(queued))
    # None: a run is queued or running; it (or the run right after it) takes the event.
    return Received(200, "queued" if any(queued) else "folded", queued=any(queued))


def _digest(event_digest: str, connection_id: str) -> str:
    return hashlib.sha256(f"{event_digest}|{connection_id}".encode()).hexdigest()


async def follow_up_events(
    *, uow_factory: Callable[[], UnitOfWork], queue: SyncQueue, connection_id: str
) -> str | None:
    """After a run: queue the next one if events are still waiting for the connection
    (they arrived while it ran, or it ended before handling them). The claim looks for
    them once more (``claim_run``): another worker's run may take them in between."""
    async with uow_factory() as uow:
        waiting = await uow.events.has_pending(connection_id)
    if not waiting:
        return None
    return await queue.enqueue(connection_id, trigger="webhook")
