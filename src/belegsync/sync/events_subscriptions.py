"""Keeping a connection's Lexware event subscriptions in place.

Lexware removes subscriptions by itself: all of a key's when the key is invalidated,
one after repeated 404s or at once after a 410. So subscribing is not a one-off at
connect time: a check lists the key's subscriptions (one request) and creates what is
missing. It runs soon after a connect or a key change (the stored key differs from the
one the last check used) and once a day; a failed one is retried within the hour.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from belegsync.domain.clock import Clock
from belegsync.lexware import ActionResult, LexwareConflictError, LexwareError
from belegsync.lexware import EventSubscription as LexwareSubscription
from belegsync.store.event_repository import SubscriptionHealth
from belegsync.store.models import Connection, EventSubscription
from belegsync.sync.events import SUBSCRIBED_EVENT_TYPES
from belegsync.sync.ports import KeyCipher, UnitOfWorkFactory

logger = structlog.get_logger("belegsync.sync")


class SubscriptionApi(Protocol):
    """The event-subscription endpoints of the Lexware client, for one key."""

    async def event_subscriptions(self) -> list[LexwareSubscription]: ...

    async def create_event_subscription(
        self, event_type: str, callback_url: str
    ) -> ActionResult: ...

    async def delete_event_subscription(self, subscription_id: str) -> None: ...


SubscriptionApiFactory = Callable[[str, str], SubscriptionApi]


@dataclass(frozen=True, slots=True)
class SubscriptionDeps:
    uow_factory: UnitOfWorkFactory
    lexware: SubscriptionApiFactory
    cipher: KeyCipher
    clock: Clock
    callback_url: str
    check_every: timedelta = timedelta(days=1)
    retry_failed_after: timedelta = timedelta(hours=1)


def key_marker(encrypted_key: bytes) -> str:
    """Which stored key a check used (a digest of its ciphertext, never of the key)."""
    return hashlib.sha256(encrypted_key).hexdigest()[:32]


def check_due(
    row: Connection, subscriptions: list[EventSubscription], deps: SubscriptionDeps, now: datetime
) -> bool:
    """Whether the connection's subscriptions must be checked now."""
    if row.state != "active" or row.encrypted_api_key is None:
        return False
    if {s.event_type for s in subscriptions} != set(SUBSCRIBED_EVENT_TYPES):
        return True
    marker = key_marker(row.encrypted_api_key)
    if any(s.key_marker != marker or s.callback_url != deps.callback_url for s in subscriptions):
        return True
    oldest = min(s.checked_at for s in subscriptions)
    if any(s.status == "failed" for s in subscriptions):
        return oldest <= now - deps.retry_failed_after
    return oldest <= now - deps.check_every


async def ensure_subscriptions(deps: SubscriptionDeps, connection_id: str) -> int:
    """List the key's subscriptions, create the missing ones, record their health.

    Returns how many were created. Lexware errors are recorded, never raised.
    """
    async with deps.uow_factory.read_only() as uow:  # a read: no write lock
        row = await uow.connections.get(connection_id)
        if row is None or row.state != "active" or row.encrypted_api_key is None:
            return 0
        marker = key_marker(row.encrypted_api_key)
        client = deps.lexware(deps.cipher.decrypt(row.encrypted_api_key), row.base_url)
    results: dict[str, tuple[str | None, str | None]] = {}
    created = 0
    try:
        existing = await client.event_subscriptions()
    except LexwareError as error:
        logger.warning("event_subscriptions_unreadable", connection_id=connection_id)
        results = {t: (None, error.code) for t in SUBSCRIBED_EVENT_TYPES}
    else:
        ours = {
            s.event_type.lower(): s.subscription_id
            for s in existing
            if s.callback_url == deps.callback_url
        }
        for event_type in SUBSCRIBED_EVENT_TYPES:
            if event_type in ours:
                results[event_type] = (ours[event_type], None)
                continue
            results[event_type] = await _create(client, event_type, deps.callback_url)
            created += results[event_type][1] is None
    await _save(deps, connection_id, marker, results)
    logger.info("event_subscriptions_checked", connection_id=connection_id, created=created)
    return created


async def _create(
    client: SubscriptionApi, event_type: str, callback_url: str
) -> tuple[str | None, str | None]:
    try:
        return (await client.create_event_subscription(event_type, callback_url)).id, None
    except LexwareConflictError:
        # Exists already (made with another key of the organisation): it delivers.
        return None, None
    except LexwareError as error:
        return None, error.code


async def _save(
    deps: SubscriptionDeps,
    connection_id: str,
    marker: str,
    results: dict[str, tuple[str | None, str | None]],
) -> None:
    now = deps.clock.now()
    async with deps.uow_factory() as uow:
        for event_type, (subscription_id, error) in results.items():
            await uow.events.save_subscription(
                connection_id,
                event_type,
                subscription_id=subscription_id,
                callback_url=deps.callback_url,
                error=error,
                key_marker=marker,
                now=now,
            )
        await uow.commit()


async def remove_subscriptions(deps: SubscriptionDeps, connection_id: str) -> int:
    """Delete the key's subscriptions to our callback (before a disconnect drops the key).

    Whatever cannot be deleted now goes at its first event: the receiver answers 410
    for an organisation without a connection, and Lexware then deletes it.
    """
    async with deps.uow_factory.read_only() as uow:  # a read: no write lock
        row = await uow.connections.get(connection_id)
        key = row.encrypted_api_key if row is not None else None
        if row is None or key is None:
            return 0
        client = deps.lexware(deps.cipher.decrypt(key), row.base_url)
    removed = 0
    try:
        for sub in await client.event_subscriptions():
            if sub.callback_url == deps.callback_url:
                await client.delete_event_subscription(sub.subscription_id)
                removed += 1
    except LexwareError as error:
        logger.warning(
            "event_subscriptions_not_removed", connection_id=connection_id, code=error.code
        )
    async with deps.uow_factory() as uow:
        await uow.events.forget_subscriptions(connection_id)
        await uow.commit()
    return removed


async def unsubscribe_tenant(deps: SubscriptionDeps, tenant_id: str) -> int:
    """:func:`remove_subscriptions` for the tenant's connection, never raising: a
    disconnect must go through even when Lexware cannot be reached."""
    async with deps.uow_factory.read_only() as uow:  # a read: no write lock
        row = await uow.connections.for_tenant(tenant_id)
    if row is None:
        return 0
    try:
        return await asyncio.wait_for(remove_subscriptions(deps, row.id), timeout=20)
    except Exception:
        logger.warning("event_subscriptions_not_removed", tenant_id=tenant_id, exc_info=True)
        return 0


async def subscription_health(
    *, uow_factory: UnitOfWorkFactory, tenant_id: str
) -> SubscriptionHealth | None:
    """For the staff view: the state of the tenant's event subscriptions (``None``: the
    connection has none, e.g. no public https address or not connected)."""
    async with uow_factory.read_only() as uow:
        row = await uow.connections.for_tenant(tenant_id)
        if row is None:
            return None
        health = await uow.events.health(row.id)
    if health.active + health.failed == 0:
        return None
    return health
