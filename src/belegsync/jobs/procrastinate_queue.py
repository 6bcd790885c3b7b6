"""Scale-out: sync runs as Procrastinate jobs in PostgreSQL, executed by ``belegsync worker``.

The claim in ``sync_runs`` stays the one guarantee of one run per connection; the job
carries only the run id (Procrastinate stores job arguments in a table: never a key).
A queueing lock per connection keeps the queue itself free of duplicates as well.
"""

from __future__ import annotations

from typing import Any

import procrastinate
import structlog
from sqlalchemy.engine import make_url

from belegsync.jobs.embedded import claim_run
from belegsync.store.enums import SyncTrigger
from belegsync.sync.engine import SyncDeps, execute_run

logger = structlog.get_logger("belegsync.jobs")

SYNC_QUEUE = "sync"
SYNC_TASK = "belegsync.sync_run"


def conninfo_from_url(database_url: str) -> str:
    """``postgresql+psycopg://u@h:5432/db`` → the libpq URL Procrastinate's connector takes."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(
            "Die Skalierung mit Workern braucht PostgreSQL (BELEGSYNC_DATABASE_URL=postgresql+"
            "psycopg://…). (Scale-out workers need PostgreSQL.)"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(database_url: str, deps: SyncDeps) -> procrastinate.App:
    """The Procrastinate app with the sync task bound to ``deps``."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo_from_url(database_url))
    )

    @app.task(name=SYNC_TASK, queue=SYNC_QUEUE)
    async def sync_run(run_id: str) -> None:
        outcome = await execute_run(deps, run_id)
        logger.info("sync_job_done", run_id=run_id, status=outcome.status)

    return app


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
    app: procrastinate.App, *, concurrency: int = 8, wait: bool = True, name: str = "belegsync"
) -> None:
    """Execute sync jobs until stopped (or, with ``wait=False``, until the queue is empty)."""
    await app.run_worker_async(
        queues=[SYNC_QUEUE],
        concurrency=concurrency,
        wait=wait,
        name=name,
        install_signal_handlers=wait,
    )
