"""Storing Lexware events and the state of our event subscriptions.

Every method works inside the caller's session; nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.enums import ACTIVE_SYNC_RUN_STATUSES
from belegsync.store.models import Connection, EventSubscription, LexwareEvent, SyncRun


@dataclass(frozen=True, slots=True)
class EventFields:
    """The four fields of a verified callback, plus the digest that identifies it."""

    digest: str
    organization_id: str
    event_type: str
    resource_id: str
    event_date: datetime


@dataclass(frozen=True, slots=True)
class SubscriptionHealth:
    """What the staff view shows about a connection's event subscriptions."""

    active: int
    failed: int
    checked_at: datetime | None
    last_error: str | None
    last_event_at: datetime | None


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def connections_of_organization(self, organization_id: str) -> list[Connection]:
        query = select(Connection).where(Connection.organization_id == organization_id)
        return list(await self._session.scalars(query.order_by(Connection.id)))

    async def record(
        self, fields: EventFields, *, connection_id: str | None, status: str, now: datetime
    ) -> LexwareEvent | None:
        """Store the event; ``None`` if the same event was stored before (a replay)."""
        event = LexwareEvent(
            digest=fields.digest,
            organization_id=fields.organization_id,
            event_type=fields.event_type,
            resource_id=fields.resource_id,
            event_date=fields.event_date,
            received_at=now,
            connection_id=connection_id,
            status=status,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(event)
        except IntegrityError:
            return None
        return event

    async def take_pending(self, connection_id: str, *, run_id: str) -> list[LexwareEvent]:
        """Fold the connection's pending events into ``run_id`` (oldest first)."""
        query = (
            select(LexwareEvent)
            .where(LexwareEvent.connection_id == connection_id, LexwareEvent.status == "pending")
            .order_by(LexwareEvent.id)
        )
        events = list(await self._session.scalars(query))
        for event in events:
            event.status = "folded"
            event.run_id = run_id
        await self._session.flush()
        return events

    async def finish(
        self, event_ids: list[int], *, outcomes: dict[int, str], now: datetime
    ) -> None:
        if not event_ids:
            return
        events = await self._session.scalars(
            select(LexwareEvent).where(LexwareEvent.id.in_(event_ids))
        )
        for event in events:
            event.status = "done"
            event.outcome = outcomes.get(event.id, "synced")
            event.processed_at = now
        await self._session.flush()

    async def release_folded(self, run_id: str) -> int:
        """Events a run took but did not finish go back to pending (the run aborted)."""
        result = await self._session.execute(
            update(LexwareEvent)
            .where(LexwareEvent.run_id == run_id, LexwareEvent.status == "folded")
            .values(status="pending", run_id=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def release_orphaned(self) -> int:
        """Events folded into a run that ended without handling them (its process was
        killed) go back to pending."""
        active = select(SyncRun.id).where(SyncRun.status.in_(ACTIVE_SYNC_RUN_STATUSES))
        result = await self._session.execute(
            update(LexwareEvent)
            .where(LexwareEvent.status == "folded", LexwareEvent.run_id.not_in(active))
            .values(status="pending", run_id=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def connections_with_pending(self) -> list[str]:
        query = (
            select(LexwareEvent.connection_id)
            .where(LexwareEvent.status == "pending", LexwareEvent.connection_id.is_not(None))
            .distinct()
        )
        return [c for c in await self._session.scalars(query) if c is not None]

    async def has_pending(self, connection_id: str) -> bool:
        query = select(func.count(LexwareEvent.id)).where(
            LexwareEvent.connection_id == connection_id, LexwareEvent.status == "pending"
        )
        return bool(await self._session.scalar(query))

    async def events_of_run(self, run_id: str) -> list[LexwareEvent]:
        query = select(LexwareEvent).where(LexwareEvent.run_id == run_id)
        return list(await self._session.scalars(query.order_by(LexwareEvent.id)))

    async def last_run_start_not_from_events(self, connection_id: str) -> datetime | None:
        """When the last run that was not caused by a webhook was queued (the morning
        schedule counts only those)."""
        query = select(func.max(SyncRun.queued_at)).where(
            SyncRun.connection_id == connection_id, SyncRun.trigger != "webhook"
        )
        value: datetime | None = await self._session.scalar(query)
        return value

    # --- subscriptions -------------------------------------------------------------

    async def subscriptions(self, connection_id: str) -> list[EventSubscription]:
        query = select(EventSubscription).where(EventSubscription.connection_id == connection_id)
        return list(await self._session.scalars(query.order_by(EventSubscription.event_type)))

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
        query = select(EventSubscription).where(
            EventSubscription.connection_id == connection_id,
            EventSubscription.event_type == event_type,
        )
        row = await self._session.scalar(query)
        if row is None:
            row = EventSubscription(connection_id=connection_id, event_type=event_type)
            self._session.add(row)
        row.subscription_id = subscription_id
        row.callback_url = callback_url
        row.status = "failed" if error else "active"
        row.error = error
        row.key_marker = key_marker
        row.checked_at = now
        await self._session.flush()
        return row

    async def subscription_overview(self) -> list[tuple[Connection, list[EventSubscription]]]:
        """Every active connection with the subscription rows recorded for it."""
        connections = list(
            await self._session.scalars(
                select(Connection).where(Connection.state == "active").order_by(Connection.id)
            )
        )
        rows: dict[str, list[EventSubscription]] = {c.id: [] for c in connections}
        for row in await self._session.scalars(select(EventSubscription)):
            if row.connection_id in rows:
                rows[row.connection_id].append(row)
        return [(c, rows[c.id]) for c in connections]

    async def forget_inactive_subscriptions(self) -> int:
        """Drop the records of connections that are no longer active (their key is gone
        or refused; a new key is checked from scratch)."""
        active = select(Connection.id).where(Connection.state == "active")
        result = await self._session.execute(
            delete(EventSubscription)
            .where(EventSubscription.connection_id.not_in(active))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_subscriptions(self, connection_id: str) -> int:
        rows = await self.subscriptions(connection_id)
        for row in rows:
            await self._session.delete(row)
        await self._session.flush()
        return len(rows)

    async def health(self, connection_id: str) -> SubscriptionHealth:
        rows = await self.subscriptions(connection_id)
        last_event = await self._session.scalar(
            select(func.max(LexwareEvent.received_at)).where(
                LexwareEvent.connection_id == connection_id
            )
        )
        errors = [r.error for r in rows if r.error]
        return SubscriptionHealth(
            active=sum(1 for r in rows if r.status == "active"),
            failed=sum(1 for r in rows if r.status == "failed"),
            checked_at=min((r.checked_at for r in rows), default=None),
            last_error=errors[0] if errors else None,
            last_event_at=last_event,
        )
