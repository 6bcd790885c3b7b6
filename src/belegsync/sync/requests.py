"""Sync requests from people and from Lexware: „Jetzt synchronisieren“, staff re-sync,
webhooks. The queue's claim keeps it to one run per connection."""

from __future__ import annotations

from collections.abc import Callable

from belegsync.domain.connection import ConnectionState
from belegsync.domain.errors import InvalidInput
from belegsync.store.enums import SyncTrigger
from belegsync.sync.ports import SyncQueue, UnitOfWork


async def request_sync(
    *,
    uow_factory: Callable[[], UnitOfWork],
    queue: SyncQueue,
    tenant_id: str,
    trigger: SyncTrigger = "manual",
    full: bool = False,
) -> str | None:
    """Queue a sync of the tenant's active connection; ``None`` if one is already queued
    or running. Raises :class:`InvalidInput` when the connection is not active."""
    async with uow_factory() as uow:
        row = await uow.connections.for_tenant(tenant_id)
        if row is None or row.state != ConnectionState.ACTIVE.value:
            raise InvalidInput(
                "Synchronisieren geht nur bei einer aktiven Verbindung.",
                code="connection_not_active",
                message_en="Only an active connection can be synchronised.",
            )
        connection_id = row.id
    return await queue.enqueue(connection_id, trigger=trigger, full=full)
