"""The embedded job runner: an asyncio worker pool and the morning scheduler, in-process.

The database, not this process, guarantees one run per connection (a claim is a row in
``sync_runs``), so a CLI sync next to a running server cannot double-run a connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, time, timedelta

import structlog

from belegsync.domain.clock import Clock
from belegsync.domain.connection import ConnectionState
from belegsync.domain.dates import berlin_date
from belegsync.domain.schedule import daily_slot, is_due
from belegsync.store.enums import SyncTrigger
from belegsync.store.errors import is_busy
from belegsync.store.uow import UnitOfWork
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.engine import SyncDeps, execute_run
from belegsync.sync.events_receiver import follow_up_events
from belegsync.sync.ports import SyncQueue
from belegsync.sync.ports import UnitOfWork as SyncUnitOfWork

logger = structlog.get_logger("belegsync.jobs")

# A run that has not reported progress for this long was left behind by a dead process.
STALE_AFTER = timedelta(minutes=10)


async def claim_run(
    uow_factory: Callable[[], SyncUnitOfWork],
    clock: Clock,
    connection_id: str,
    *,
    trigger: SyncTrigger,
    full: bool = False,
) -> str | None:
    """Insert a queued run for the connection; ``None`` if one is queued or running, or
    if it is a run for webhook events and none waits (one run took them all already).

    The events are looked for after the run is inserted, in the same transaction: from
    then on no other run of the connection can start and take them, and a run that took
    them before has committed. Looked for before the claim, they may be gone by then: a
    run queued for an event another worker's run took in the meantime found nothing to
    do (status.changed and payment.changed of one payment made three runs, not two).
    """
    async with uow_factory() as uow:
        run = await uow.sync_runs.claim(connection_id, trigger=trigger, full=full, now=clock.now())
        if run is None:
            return None
        if trigger == "webhook" and not await _events_wait_for_a_run(uow, connection_id):
            return None  # not committed: the claim is rolled back
        await uow.commit()
        return run.id


async def _events_wait_for_a_run(uow: SyncUnitOfWork, connection_id: str) -> bool:
    """Whether webhook events wait for the connection and it is active, read after the
    claim: a failed connection's events wait for its new key. The scheduler reads which
    connections are active before it reads which have events waiting; a run that failed
    the connection and gave its event back in between made a run that would only fail
    again (found by ``test_token_revoked_fails_the_connection_only_when_the_key_is_refused``
    on a loaded machine)."""
    connection = await uow.connections.get(connection_id)
    if connection is None or connection.state != ConnectionState.ACTIVE.value:
        return False
    return await uow.events.has_pending(connection_id)


class EmbeddedSyncQueue:
    """``SyncQueue`` for one process: claimed runs go to an asyncio queue and N workers."""

    def __init__(self, deps: SyncDeps, *, workers: int = 4) -> None:
        self._deps = deps
        self._workers = workers
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    async def enqueue(
        self, connection_id: str, *, trigger: SyncTrigger, full: bool = False
    ) -> str | None:
        run_id = await claim_run(
            self._deps.uow_factory, self._deps.clock, connection_id, trigger=trigger, full=full
        )
        if run_id is not None:
            self._queue.put_nowait(run_id)
            logger.info(
                "sync_enqueued", run_id=run_id, connection_id=connection_id, trigger=trigger
            )
        return run_id

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._work()) for _ in range(self._workers)]

    async def join(self) -> None:
        """Wait until every queued run has finished (tests, CLI)."""
        await self._queue.join()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _work(self) -> None:
        while True:
            run_id = await self._queue.get()
            try:
                await execute_run(self._deps, run_id)
                await follow_up(self._deps, self, run_id)
            except Exception:
                # The run stays 'running' and is recovered as stale; the worker lives on.
                logger.exception("sync_run_crashed", run_id=run_id)
            finally:
                self._queue.task_done()


async def follow_up(deps: SyncDeps, queue: SyncQueue, run_id: str) -> str | None:
    """After a run that succeeded: the next one for the webhook events that arrived while
    it ran. A run that did not succeed gave its events back; a run straight after it would
    end the same way, again and again (a refused key, Lexware down). They wait for the
    scheduler's next round, which takes them for active connections only."""
    async with deps.uow_factory() as uow:
        run = await uow.sync_runs.get(run_id)
        connection_id, status = run.connection_id, run.status
    if status != "succeeded":
        return None
    return await follow_up_events(
        uow_factory=deps.uow_factory, queue=queue, connection_id=connection_id
    )


class MorningScheduler:
    """Enqueues each active connection once a day after its morning slot, and fails
    connections whose key expired. ``tick(now)`` does one round; time is injected."""

    def __init__(
        self,
        *,
        uow_factory: Callable[[], UnitOfWork],
        queue: SyncQueue,
        clock: Clock,
        base_time: time,
        spread_minutes: int,
        tick_seconds: float = 30.0,
    ) -> None:
        self._uow_factory = uow_factory
        self._queue = queue
        self._clock = clock
        self._base_time = base_time
        self._spread = spread_minutes
        self._tick_seconds = tick_seconds

    def slot_for(self, connection_id: str) -> time:
        return daily_slot(connection_id, self._base_time, max(1, self._spread))

    async def tick(self, now: datetime) -> list[str]:
        """One round: recover stale runs, expire keys, enqueue what is due and what
        webhook events still wait for."""
        due: list[str] = []
        active: set[str] = set()
        async with self._uow_factory() as uow:
            stale = await uow.sync_runs.recover_stale_runs(before=now - STALE_AFTER, now=now)
            for run in stale:
                logger.warning("sync_run_recovered", run_id=run.id)
            for row in await uow.connections.in_state(ConnectionState.ACTIVE.value):
                checked = to_domain(row).check_expiry(berlin_date(now))
                if checked.state is not ConnectionState.ACTIVE:
                    apply_domain(row, checked, now=now)
                    logger.info("connection_key_expired", connection_id=row.id)
                    continue
                active.add(row.id)
                # Webhook runs look at single vouchers: they never stand in for the
                # morning run.
                last_started = await uow.events.last_run_start_not_from_events(row.id)
                if is_due(now, last_started, self.slot_for(row.id)):
                    due.append(row.id)
            await uow.events.release_orphaned()
            # A failed connection's events wait for its new key: a run now would only fail.
            waiting = [c for c in await uow.events.connections_with_pending() if c in active]
            await uow.commit()
        enqueued = []
        for connection_id in due:
            run_id = await self._queue.enqueue(connection_id, trigger="schedule")
            if run_id is not None:
                enqueued.append(run_id)
        for connection_id in waiting:
            # Events left behind by a crash or a lost race: their run is due now.
            run_id = await self._queue.enqueue(connection_id, trigger="webhook")
            if run_id is not None:
                enqueued.append(run_id)
        return enqueued

    async def run_forever(self) -> None:
        while True:
            try:
                await self.tick(self._clock.now())
            except Exception as error:
                if is_busy(error):
                    # another process holds the write lock longer than the busy
                    # timeout (a long import): the next tick does this one's work
                    logger.warning("scheduler_tick_busy", error=str(error)[:200])
                else:
                    logger.exception("scheduler_tick_failed")
            await asyncio.sleep(self._tick_seconds)
