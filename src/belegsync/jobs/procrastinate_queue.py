"""Scale-out: sync runs as Procrastinate jobs in PostgreSQL, executed by ``belegsync worker``.

The claim in ``sync_runs`` stays the one guarantee of one run per connection; the job
carries only the run id (Procrastinate stores job arguments in a table: never a key).
A queueing lock per connection keeps the queue itself free of duplicates as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import procrastinate
import structlog
from procrastinate import jobs as procrastinate_jobs

from belegsync.jobs.embedded import claim_run, follow_up
from belegsync.settings import QUEUE_POOL_SIZE
from belegsync.store.db import libpq_url
from belegsync.store.enums import SyncTrigger
from belegsync.sync.engine import SyncDeps, execute_run

logger = structlog.get_logger("belegsync.jobs")

SYNC_QUEUE = "sync"
SYNC_TASK = "belegsync.sync_run"
STALLED_TASK = "belegsync.retry_stalled_syncs"


@dataclass(frozen=True, slots=True)
class StallPolicy:
    """How a killed worker's sync is noticed and handed to another worker.

    Each worker renews its heartbeat in ``procrastinate_workers``; a job whose worker
    has not done so for ``stalled_after`` seconds is stalled, and a periodic task
    (``check_cron``, with a seconds column) puts it back in the queue. The retried job
    takes the dead run over once its lease has run out: until then it is retried every
    ``retry_wait`` seconds (Procrastinate's retry strategy). With the defaults another
    worker resumes within about two minutes.
    """

    heartbeat_seconds: float = 10.0
    stalled_after: float = 30.0
    check_cron: str = "* * * * * */15"
    retry_wait: int = 15
    max_attempts: int = 40


class RunStillOwned(Exception):
    """The run's owner may still be alive (its lease holds): try again later."""


def conninfo_from_url(database_url: str) -> str:
    """``postgresql+psycopg://u@h:5432/db`` → the libpq URL Procrastinate's connector takes."""
    try:
        return libpq_url(database_url)
    except ValueError:
        raise ValueError(
            "Die Skalierung mit Workern braucht PostgreSQL (BELEGSYNC_DATABASE_URL=postgresql+"
            "psycopg://…). (Scale-out workers need PostgreSQL.)"
        ) from None


def build_app(
    database_url: str,
    deps: SyncDeps,
    *,
    stalls: StallPolicy | None = None,
    pool_size: int = QUEUE_POOL_SIZE,
) -> procrastinate.App:
    """The Procrastinate app with the sync task bound to ``deps``.

    Its connection pool holds at most ``pool_size`` connections (a worker opens one more
    of its own to listen for new jobs); a wait for one gives up only after two minutes.
    """
    policy = stalls or StallPolicy()
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo_from_url(database_url), min_size=1, max_size=pool_size, timeout=120
    )
    app = procrastinate.App(
        connector=connector,
        worker_defaults={
            "update_heartbeat_interval": policy.heartbeat_seconds,
            "stalled_worker_timeout": policy.stalled_after,
        },
    )
    retry = procrastinate.RetryStrategy(
        max_attempts=policy.max_attempts, wait=policy.retry_wait, retry_exceptions={RunStillOwned}
    )

    @app.task(name=SYNC_TASK, queue=SYNC_QUEUE, retry=retry)
    async def sync_run(run_id: str) -> None:
        runnable = await runnable_run(deps, run_id)
        if runnable is None:
            logger.info("sync_job_skipped", run_id=run_id)
            return
        outcome = await execute_run(deps, runnable)
        logger.info("sync_job_done", run_id=runnable, status=outcome.status)
        await follow_up(deps, ProcrastinateSyncQueue(app, deps), runnable)

    @app.periodic(cron=policy.check_cron, periodic_id="stalled")
    @app.task(name=STALLED_TASK, queue=SYNC_QUEUE, queueing_lock=STALLED_TASK)
    async def retry_stalled(timestamp: int) -> None:
        await retry_stalled_jobs(app, policy)

    return app


async def runnable_run(deps: SyncDeps, run_id: str) -> str | None:
    """The run a (possibly retried) job should execute, or ``None`` if there is none.

    A queued run is executed as it is. A running one means the job was retried after
    its worker stalled: the dead run is taken over by claiming a new run for the
    connection (the claim ends a run whose lease ran out or whose process is gone);
    the new run skips what the dead one stored. While the lease still holds,
    :class:`RunStillOwned` makes Procrastinate retry later.
    """
    now = deps.clock.now()
    async with deps.uow_factory() as uow:
        run = await uow.sync_runs.get(run_id)
        if run.status == "queued" or (run.status == "running" and run.lease_owner is None):
            return run_id
        if run.status != "running":
            return None
        taken = await uow.sync_runs.claim(
            run.connection_id, trigger=run.trigger, full=run.full, now=now, status="queued"
        )
        if taken is not None:
            await uow.commit()
            logger.warning("sync_run_taken_over", run_id=run_id, new_run_id=taken.id)
            return taken.id
    async with deps.uow_factory() as uow:
        if (await uow.sync_runs.get(run_id)).status == "running":
            raise RunStillOwned(run_id)
    return None  # someone else took it over meanwhile


async def retry_stalled_jobs(app: procrastinate.App, policy: StallPolicy) -> list[int]:
    """Put the sync jobs of workers that stopped sending heartbeats back in the queue."""
    stalled = await app.job_manager.get_stalled_jobs(
        queue=SYNC_QUEUE, task_name=SYNC_TASK, seconds_since_heartbeat=policy.stalled_after
    )
    retried = []
    for job in stalled:
        try:
            await app.job_manager.retry_job(job)
        except Exception:
            # A newer job of the same connection is queued already: this one is done.
            logger.warning("stalled_sync_job_superseded", job_id=job.id)
            await app.job_manager.finish_job(
                job, status=procrastinate_jobs.Status.FAILED, delete_job=False
            )
            continue
        logger.warning("stalled_sync_job_retried", job_id=job.id)
        if job.id is not None:
            retried.append(job.id)
    return retried


async def ensure_schema(app: procrastinate.App) -> bool:
    """Create Procrastinate's tables once; ``True`` if they were created now."""
    async with app.connector.pool.connection() as connection:  # type: ignore[attr-defined]
        row = await (
            await connection.execute("SELECT to_regclass('procrastinate_jobs')")
        ).fetchone()
    if row is not None and row[0] is not None:
        return False
    await app.schema_manager.apply_schema_async()
    return True


class ProcrastinateSyncQueue:
    """``SyncQueue`` for scale-out: claim the run in the database, defer a job with its id."""

    def __init__(self, app: procrastinate.App, deps: SyncDeps) -> None:
        self._app = app
        self._deps = deps

    async def enqueue(
        self, connection_id: str, *, trigger: SyncTrigger, full: bool = False
    ) -> str | None:
        run_id = await claim_run(
            self._deps.uow_factory, self._deps.clock, connection_id, trigger=trigger, full=full
        )
        if run_id is None:
            return None
        # If deferring fails after the claim, the run stays queued and the scheduler's
        # stale-run recovery frees the connection again.
        task: Any = self._app.tasks[SYNC_TASK]
        await task.configure(queueing_lock=f"sync-{connection_id}").defer_async(run_id=run_id)
        logger.info("sync_enqueued", run_id=run_id, connection_id=connection_id, trigger=trigger)
        return run_id


async def run_worker(
    app: procrastinate.App,
    *,
    concurrency: int = 8,
    wait: bool = True,
    name: str = "belegsync",
    signals: bool | None = None,
) -> None:
    """Execute sync jobs until stopped (or, with ``wait=False``, until the queue is empty)."""
    await app.run_worker_async(
        queues=[SYNC_QUEUE],
        concurrency=concurrency,
        wait=wait,
        name=name,
        install_signal_handlers=wait if signals is None else signals,
    )
