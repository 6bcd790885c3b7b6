"""In-memory Lexware events and event subscriptions, with the semantics of
``store.event_repository.EventRepository`` (for the sync engine's unit tests)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import TYPE_CHECKING

from belegsync.store.enums import ACTIVE_SYNC_RUN_STATUSES
from belegsync.store.event_repository import EventFields, SubscriptionHealth
from belegsync.store.models import Connection, EventSubscription, LexwareEvent

if TYPE_CHECKING:
    from fakes.uow import FakeData


class FakeEvents:
    _ids = itertools.count(1)

    def __init__(self, data: FakeData) -> None:
        self._data = data

    async def connections_of_organization(self, organization_id: str) -> list[Connection]:
        found = [c for c in self._data.connections.values() if c.organization_id == organization_id]
        return sorted(found, key=lambda c: c.id)

    async def record(
        self, fields: EventFields, *, connection_id: str | None, status: str, now: datetime
    ) -> LexwareEvent | None:
        if any(e.digest == fields.digest for e in self._data.events):
            return None  # a replay
        event = LexwareEvent(
            id=next(self._ids),
            digest=fields.digest,
            organization_id=fields.organization_id,
            event_type=fields.event_type,
            resource_id=fields.resource_id,
            event_date=fields.event_date,
            received_at=now,
            connection_id=connection_id,
            status=status,
        )
        self._data.events.append(event)
        return event

    def _pending(self, connection_id: str | None = None) -> list[LexwareEvent]:
        return [
            e
            for e in self._data.events
            if e.status == "pending" and connection_id in (None, e.connection_id)
        ]

    async def take_pending(self, connection_id: str, *, run_id: str) -> list[LexwareEvent]:
        events = self._pending(connection_id)
        for event in events:
            event.status, event.run_id = "folded", run_id
        return events

    async def finish(
        self, event_ids: list[int], *, outcomes: dict[int, str], now: datetime
    ) -> None:
        for event in self._data.events:
            if event.id in event_ids:
                event.status, event.processed_at = "done", now
                event.outcome = outcomes.get(event.id, "synced")

    def _release(self, folded: list[LexwareEvent]) -> int:
        for event in folded:
            event.status, event.run_id = "pending", None
        return len(folded)

    async def release_folded(self, run_id: str) -> int:
        return self._release(
            [e for e in self._data.events if e.status == "folded" and e.run_id == run_id]
        )

    async def release_orphaned(self) -> int:
        active = {r.id for r in self._data.runs.values() if r.status in ACTIVE_SYNC_RUN_STATUSES}
        return self._release(
            [e for e in self._data.events if e.status == "folded" and e.run_id not in active]
        )

    async def connections_with_pending(self) -> list[str]:
        return sorted({e.connection_id for e in self._pending() if e.connection_id is not None})

    async def has_pending(self, connection_id: str) -> bool:
        return bool(self._pending(connection_id))

    async def last_run_start_not_from_events(self, connection_id: str) -> datetime | None:
        starts = [
            r.queued_at
            for r in self._data.runs.values()
            if r.connection_id == connection_id and r.trigger != "webhook"
        ]
        return max(starts, default=None)

    async def subscriptions(self, connection_id: str) -> list[EventSubscription]:
        rows = [s for s in self._data.subscriptions if s.connection_id == connection_id]
        return sorted(rows, key=lambda s: s.event_type)

    async def save_subscription(
        self,
        connection_id: str,
        event_type: str,
        *,
        subscription_id: str | None,
        callback_url: str,
        error: str | None,
        key_marker: str,
        now: datetime,
    ) -> EventSubscription:
        row = next(
            (s for s in await self.subscriptions(connection_id) if s.event_type == event_type),
            None,
        )
        if row is None:
            row = EventSubscription(connection_id=connection_id, event_type=event_type)
            self._data.subscriptions.append(row)
        row.subscription_id, row.callback_url, row.error = subscription_id, callback_url, error
        row.status = "failed" if error else "active"
        row.key_marker, row.checked_at = key_marker, now
        return row

    def _active_connections(self) -> list[Connection]:
        active = [c for c in self._data.connections.values() if c.state == "active"]
        return sorted(active, key=lambda c: c.id)

    async def subscription_overview(self) -> list[tuple[Connection, list[EventSubscription]]]:
        return [(c, await self.subscriptions(c.id)) for c in self._active_connections()]

    def _forget(self, keep: set[str] | None, connection_id: str | None = None) -> int:
        before = len(self._data.subscriptions)
        self._data.subscriptions = [
            s
            for s in self._data.subscriptions
            if (keep is None or s.connection_id in keep) and s.connection_id != connection_id
        ]
        return before - len(self._data.subscriptions)

    async def forget_inactive_subscriptions(self) -> int:
        return self._forget({c.id for c in self._active_connections()})

    async def forget_subscriptions(self, connection_id: str) -> int:
        return self._forget(None, connection_id)

    async def health(self, connection_id: str) -> SubscriptionHealth:
        rows = await self.subscriptions(connection_id)
        received = [e.received_at for e in self._data.events if e.connection_id == connection_id]
        errors = [r.error for r in rows if r.error]
        return SubscriptionHealth(
            active=sum(1 for r in rows if r.status == "active"),
            failed=sum(1 for r in rows if r.status == "failed"),
            checked_at=min((r.checked_at for r in rows), default=None),
            last_error=errors[0] if errors else None,
            last_event_at=max(received, default=None),
        )
