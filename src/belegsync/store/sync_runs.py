"""Claiming, progressing and finishing sync runs.

The one-run-per-connection guarantee lives in the database (a partial unique index on
``sync_runs(connection_id)`` for queued and running runs), so it holds for concurrent
claims from several processes on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.enums import ACTIVE_SYNC_RUN_STATUSES, SyncRunStatus, SyncTrigger
from belegsync.store.errors import NotFound
from belegsync.store.models import ONE_ACTIVE_RUN_INDEX, Connection, SyncRun, SyncRunError
from belegsync.store.run_owner import owner_is_dead

# The table itself for the progress writes: a Core UPDATE skips the ORM's bulk-update
# work (session synchronisation), about a third of a progress write's CPU. They run in a
# unit of work of their own, where no loaded run could go stale.
_RUNS = cast(Table, SyncRun.__table__)

# How the two databases name the violated index in their error message.
_ACTIVE_RUN_CONFLICT_MARKERS = (ONE_ACTIVE_RUN_INDEX, "sync_runs.connection_id")


class RunNotActive(ValueError):
    """The run already ended (e.g. it was taken over while it waited in a queue)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RunCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    flagged: int = 0
    failed: int = 0
    api_calls: int = 0


class SyncRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(
        self,
        connection_id: str,
        *,
        trigger: SyncTrigger,
        full: bool,
        now: datetime,
        status: SyncRunStatus = "queued",
    ) -> SyncRun | None:
        """Insert a ``queued`` (or ``running``) run, or return ``None`` if one is active.

        The insert runs in a SAVEPOINT, so losing the race leaves the caller's
        transaction usable. The claim holds only once the caller commits.
        """
        if status not in ACTIVE_SYNC_RUN_STATUSES:
            raise ValueError(f"a claimed run starts queued or running, not {status!r}")
        tenant_id = await self._session.scalar(
            select(Connection.tenant_id).where(Connection.id == connection_id)
        )
        if tenant_id is None:
            raise NotFound("connection")
        await self.take_over_dead_run(connection_id, now=now)
        run = SyncRun(
            tenant_id=tenant_id,
            connection_id=connection_id,
            trigger=trigger,
            status=status,
            full=full,
            queued_at=now,
            started_at=now if status == "running" else None,
            updated_at=now,
            new_count=0,
            changed_count=0,
            unchanged_count=0,
            flagged_count=0,
            failed_count=0,
            api_calls=0,
            done=0,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(run)
        except IntegrityError as error:
            if not any(marker in str(error.orig) for marker in _ACTIVE_RUN_CONFLICT_MARKERS):
                raise
            return None
        return run

    async def take_over_dead_run(self, connection_id: str, *, now: datetime) -> SyncRun | None:
        """End the connection's running run if its owner is gone, so it can be claimed.

        Gone means: the lease ran out (the owner stopped renewing it), or the owner was
        a process on this host that no longer runs (a killed ``belegsync sync``).
        """
        run = await self.active_run(connection_id)
        if run is None or run.status != "running" or run.lease_owner is None:
            return None
        expired = run.lease_expires_at is not None and run.lease_expires_at <= now
        if not expired and not owner_is_dead(run.lease_owner):
            return None
        _end_interrupted(run, now, "The run's process ended without finishing it (taken over).")
        await self._session.flush()
        return run

    async def acquire_lease(
        self, run_id: str, *, owner: str, now: datetime, expires_at: datetime
    ) -> bool:
        """Make ``owner`` the run's owner until ``expires_at``, or renew its lease.

        False if the run is no longer running, or another owner holds a live lease: the
        caller must stop working on it.
        """
        run = await self.get(run_id)
        if run.status != "running":
            return False
        if run.lease_owner not in (None, owner):
            expired = run.lease_expires_at is None or run.lease_expires_at <= now
            if not expired and not owner_is_dead(run.lease_owner):
                return False
        run.lease_owner = owner
        run.lease_expires_at = expires_at
        run.updated_at = now
        await self._session.flush()
        return True

    async def get(self, run_id: str) -> SyncRun:
        run = await self._session.get(SyncRun, run_id)
        if run is None:
            raise NotFound("sync run")
        return run

    async def active_run(self, connection_id: str) -> SyncRun | None:
        query = select(SyncRun).where(
            SyncRun.connection_id == connection_id,
            SyncRun.status.in_(ACTIVE_SYNC_RUN_STATUSES),
        )
        return await self._session.scalar(query)

    async def latest_succeeded(self, connection_id: str) -> SyncRun | None:
        """The last run that finished successfully (its window is what was synced)."""
        query = (
            select(SyncRun)
            .where(SyncRun.connection_id == connection_id, SyncRun.status == "succeeded")
            .order_by(SyncRun.finished_at.desc())
            .limit(1)
        )
        return await self._session.scalar(query)

    async def latest(self, connection_id: str, *, limit: int = 10) -> list[SyncRun]:
        query = (
            select(SyncRun)
            .where(SyncRun.connection_id == connection_id)
            .order_by(SyncRun.queued_at.desc(), SyncRun.id)
            .limit(limit)
        )
        return list(await self._session.scalars(query))

    async def start(
        self,
        run_id: str,
        *,
        now: datetime,
        window_start: date | None,
        window_end: date | None,
    ) -> SyncRun:
        """Move a queued run to ``running`` and record its window."""
        run = await self.get(run_id)
        if run.status not in ACTIVE_SYNC_RUN_STATUSES:
            raise RunNotActive(f"sync run {run_id} is already {run.status}")
        run.status = "running"
        run.started_at = run.started_at or now
        run.window_start = window_start
        run.window_end = window_end
        run.updated_at = now
        await self._session.flush()
        return run

    async def update_progress(
        self,
        run_id: str,
        *,
        now: datetime,
        done: int | None = None,
        total: int | None = None,
        counts: RunCounts | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> None:
        """Record live progress; also serves as the heartbeat for stale-run recovery.

        One UPDATE, without reading the run first."""
        values = _progress_values(now, done, total, counts, checkpoint)
        await self._session.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(values))

    async def progress_with_lease(
        self,
        run_id: str,
        *,
        owner: str,
        now: datetime,
        expires_at: datetime,
        done: int | None = None,
        total: int | None = None,
    ) -> bool:
        """Record progress and renew ``owner``'s lease in one UPDATE, if the run is still
        running and ``owner`` still holds it; ``False`` (and nothing written) otherwise.

        Unlike :meth:`acquire_lease` it never takes a run over from another owner: the
        run's owner calls it while it works."""
        values = _progress_values(now, done, total, None, None)
        values["lease_expires_at"] = expires_at
        result = await self._session.execute(
            update(_RUNS)
            .where(_RUNS.c.id == run_id, _RUNS.c.status == "running", _RUNS.c.lease_owner == owner)
            .values(values)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def record_error(
        self,
        run_id: str,
        *,
        code: str,
        message: str,
        now: datetime,
        voucher_lexware_id: str | None = None,
    ) -> SyncRunError:
        error = SyncRunError(
            run_id=run_id,
            voucher_lexware_id=voucher_lexware_id,
            code=code,
            message=message,
            created_at=now,
        )
        self._session.add(error)
        await self._session.flush()
        return error

    async def errors(self, run_id: str) -> list[SyncRunError]:
        query = select(SyncRunError).where(SyncRunError.run_id == run_id).order_by(SyncRunError.id)
        return list(await self._session.scalars(query))

    async def finish(
        self,
        run_id: str,
        *,
        status: SyncRunStatus,
        now: datetime,
        counts: RunCounts | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        report: dict[str, Any] | None = None,
    ) -> SyncRun:
        """End a run (``succeeded``, ``failed`` or ``failed_transient``), freeing the
        connection for the next claim once committed."""
        if status in ACTIVE_SYNC_RUN_STATUSES:
            raise ValueError(f"a finished run cannot be {status!r}")
        run = await self.get(run_id)
        run.status = status
        run.finished_at = now
        run.updated_at = now
        if counts is not None:
            _apply_counts(run, counts)
        run.error_code = error_code
        run.error_message = error_message
        run.report = report
        run.lease_expires_at = None
        await self._session.flush()
        return run

    async def stale_running_runs(self, *, before: datetime) -> list[SyncRun]:
        """Queued or running runs with no progress since ``before`` (left by a crash)."""
        query = (
            select(SyncRun)
            .where(
                SyncRun.status.in_(ACTIVE_SYNC_RUN_STATUSES),
                SyncRun.updated_at < before,
            )
            .order_by(SyncRun.updated_at)
        )
        return list(await self._session.scalars(query))

    async def recover_stale_runs(self, *, before: datetime, now: datetime) -> list[SyncRun]:
        """Mark stale runs ``failed_transient`` so their connections can be claimed again."""
        runs = await self.stale_running_runs(before=before)
        for run in runs:
            _end_interrupted(
                run, now, "The run stopped without finishing (worker restart or crash)."
            )
        await self._session.flush()
        return runs


def _end_interrupted(run: SyncRun, now: datetime, message: str) -> None:
    run.status = "failed_transient"
    run.finished_at = now
    run.updated_at = now
    run.lease_expires_at = None
    run.error_code = "sync_interrupted"
    run.error_message = message


def _progress_values(
    now: datetime,
    done: int | None,
    total: int | None,
    counts: RunCounts | None,
    checkpoint: dict[str, Any] | None,
) -> dict[str, Any]:
    values: dict[str, Any] = {"updated_at": now}
    if done is not None:
        values["done"] = done
    if total is not None:
        values["total"] = total
    if counts is not None:
        values.update(
            new_count=counts.new,
            changed_count=counts.changed,
            unchanged_count=counts.unchanged,
            flagged_count=counts.flagged,
            failed_count=counts.failed,
            api_calls=counts.api_calls,
        )
    if checkpoint is not None:
        values["checkpoint"] = checkpoint
    return values


def _apply_counts(run: SyncRun, counts: RunCounts) -> None:
    run.new_count = counts.new
    run.changed_count = counts.changed
    run.unchanged_count = counts.unchanged
    run.flagged_count = counts.flagged
    run.failed_count = counts.failed
    run.api_calls = counts.api_calls
