"""Checks the event subscriptions of every active connection in the background.

Runs in ``belegsync serve`` next to the morning scheduler, only where the app has a
public https address. Each check is cheap (one listing, plus a creation per missing
subscription) and keeps to the key's rate limit; several serve processes may check the
same connection without harm (Lexware answers a duplicate with 409).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import structlog

from belegsync.sync.events_subscriptions import SubscriptionDeps, check_due, ensure_subscriptions

logger = structlog.get_logger("belegsync.jobs")


class SubscriptionKeeper:
    def __init__(
        self, deps: SubscriptionDeps, *, tick_seconds: float = 60.0, concurrency: int = 8
    ) -> None:
        self._deps = deps
        self._tick_seconds = tick_seconds
        self._limit = asyncio.Semaphore(concurrency)

    @property
    def deps(self) -> SubscriptionDeps:
        return self._deps

    async def tick(self, now: datetime) -> list[str]:
        """One round: check every connection that is due; returns their ids."""
        async with self._deps.uow_factory() as uow:
            await uow.events.forget_inactive_subscriptions()
            overview = await uow.events.subscription_overview()
            await uow.commit()
        due = [row.id for row, subs in overview if check_due(row, subs, self._deps, now)]
        await asyncio.gather(*(self._check(connection_id) for connection_id in due))
        return due

    async def _check(self, connection_id: str) -> None:
        async with self._limit:
            try:
                await ensure_subscriptions(self._deps, connection_id)
            except Exception:
                logger.exception("event_subscription_check_failed", connection_id=connection_id)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.tick(self._deps.clock.now())
            except Exception:
                logger.exception("subscription_keeper_tick_failed")
            await asyncio.sleep(self._tick_seconds)
