"""What the event handling needs of the store (``store.event_repository``; fakes in tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from belegsync.store.event_repository import EventFields, SubscriptionHealth
from belegsync.store.models import Connection, EventSubscription, LexwareEvent


class EventsPort(Protocol):
    async def connections_of_organization(self, organization_id: str) -> list[Connection]: ...

    async def record(
        self, fields: EventFields, *, connection_id: str | None, status: str, now: datetime
    ) -> LexwareEvent | None: ...

    async def take_pending(self, connection_id: str, *, run_id: str) -> list[LexwareEvent]: ...

    async def finish(
        self, event_ids: list[int], *, outcomes: dict[int, str], now: datetime
    ) -> None: ...

    async def release_folded(self, run_id: str) -> int: ...

    async def release_orphaned(self) -> int: ...

    async def connections_with_pending(self) -> list[str]: ...

    async def has_pending(self, connection_id: str) -> bool: ...

    async def last_run_start_not_from_events(self, connection_id: str) -> datetime | None: ...

    async def subscriptions(self, connection_id: str) -> list[EventSubscription]: ...

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
    ) -> EventSubscription: ...

    async def subscription_overview(
        self,
    ) -> list[tuple[Connection, list[EventSubscription]]]: ...

    async def forget_inactive_subscriptions(self) -> int: ...

    async def forget_subscriptions(self, connection_id: str) -> int: ...

    async def health(self, connection_id: str) -> SubscriptionHealth: ...
