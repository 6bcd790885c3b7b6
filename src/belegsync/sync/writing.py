"""Fetching vouchers with a few in flight and writing them in batched transactions."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import structlog

from belegsync.lexware import (
    LexwareAuthError,
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
    LexwareRateLimitedError,
    LexwareUnavailableError,
)
from belegsync.store.repositories import UpsertOutcome
from belegsync.store.uow import UnitOfWork
from belegsync.sync.ports import LexwarePort
from belegsync.sync.run_state import RunAborted, RunPlan, RunTally, SyncDeps, connection_failed
from belegsync.sync.voucher_sync import (
    Applied,
    NewVoucherOp,
    VoucherWork,
    WriteOp,
    prepare_voucher,
)

logger = structlog.get_logger("belegsync.sync")


class _BatchWriter:
    """Writes prepared vouchers in short transactions of up to ``max_items``.

    One transaction per voucher would spend most of the engine's CPU on commits. A
    batch is committed when it is full or its oldest voucher waited ``max_delay``
    seconds, so progress stays live at Lexware's pace. Each voucher is written in its
    own SAVEPOINT: one bad row fails that voucher, not the batch. A run killed before
    a commit loses only fetched data, which the next run fetches again.
    """

    def __init__(
        self,
        deps: SyncDeps,
        plan: RunPlan,
        tally: RunTally,
        *,
        max_items: int = 50,
        max_delay: float = 1.0,
    ) -> None:
        self._deps, self._plan, self._tally = deps, plan, tally
        self._max_items, self._max_delay = max_items, max_delay
        self._pending: list[tuple[VoucherWork, WriteOp]] = []
        self._first_at = 0.0
        self._lock = asyncio.Lock()

    async def add(self, unit: VoucherWork, op: WriteOp) -> None:
        if not self._pending:
            self._first_at = time.monotonic()
        self._pending.append((unit, op))
        if (
            len(self._pending) >= self._max_items
            or time.monotonic() - self._first_at >= self._max_delay
        ):
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return
            async with self._deps.uow_factory() as uow:
                now = self._deps.clock.now()
                rest = await self._insert_new(uow, batch, now)
                failures: list[tuple[VoucherWork, Exception]] = []
                for unit, op in rest:
                    try:
                        async with uow.session.begin_nested():
                            applied = await op(uow, now)
                    except Exception as write_error:  # one voucher's bad data must not stop the run
                        failures.append((unit, write_error))
                        continue
                    self._count(applied)
                for unit, failure in failures:
                    await _record_failure(uow, self._plan, self._tally, unit, failure, now)
                await uow.sync_runs.update_progress(
                    self._plan.run_id, now=now, done=self._tally.done
                )
                await uow.commit()

    async def _insert_new(
        self, uow: UnitOfWork, batch: list[tuple[VoucherWork, WriteOp]], now: datetime
    ) -> list[tuple[VoucherWork, WriteOp]]:
        """Insert the first-seen vouchers of the batch at once; return the other writes.

        If the multi-row insert fails, every voucher goes the one-by-one way instead.
        """
        new = [(u, op) for u, op in batch if isinstance(op, NewVoucherOp)]
        if len(new) < 2:
            return batch
        tenant_id = self._plan.tenant_id
        taken = await uow.vouchers.existing_lexware_ids(tenant_id, [u.lexware_id for u, _ in new])
        fresh = [(u, op) for u, op in new if u.lexware_id not in taken]
        try:
            async with uow.session.begin_nested():
                await uow.vouchers.insert_new(
                    tenant_id,
                    [op.entry for _, op in fresh if isinstance(op, NewVoucherOp)],
                    now=now,
                )
        except Exception:
            logger.warning("sync_batch_insert_failed", run_id=self._plan.run_id, size=len(fresh))
            return batch
        for _ in fresh:
            self._count(Applied(UpsertOutcome.NEW, False))
        inserted = {u.lexware_id for u, _ in fresh}
        return [(u, op) for u, op in batch if u.lexware_id not in inserted]

    def _count(self, applied: Applied) -> None:
        tally = self._tally
        tally.done += 1
        if applied.outcome is UpsertOutcome.NEW:
            tally.new += 1
        elif applied.outcome is UpsertOutcome.CHANGED:
            tally.changed += 1
        elif applied.outcome is UpsertOutcome.UNCHANGED:
            tally.unchanged += 1
        if applied.flagged:
            tally.flagged += 1


async def process_all(
    deps: SyncDeps,
    client: LexwarePort,
    plan: RunPlan,
    work: list[VoucherWork],
    tally: RunTally,
) -> None:
    """Work through the vouchers with a few in flight; the key's limiter sets the pace."""
    queue: asyncio.Queue[VoucherWork] = asyncio.Queue()
    for unit in work:
        queue.put_nowait(unit)
    writer = _BatchWriter(
        deps, plan, tally, max_items=deps.batch_size, max_delay=deps.batch_delay_seconds
    )

    async def worker() -> None:
        while True:
            try:
                unit = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            op = await _prepare_one(deps, client, plan, unit, tally)
            if op is not None:
                await writer.add(unit, op)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, deps.concurrency))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    # Also after an abort: what was fetched completely is kept.
    await writer.flush()


async def _prepare_one(
    deps: SyncDeps, client: LexwarePort, plan: RunPlan, unit: VoucherWork, tally: RunTally
) -> WriteOp | None:
    try:
        return await prepare_voucher(
            unit,
            client=client,
            files=deps.files,
            tenant_id=plan.tenant_id,
            closed_years=plan.closed_years,
        )
    except (LexwareAuthError, LexwareContractError, LexwareForbiddenError) as error:
        raise await connection_failed(deps, plan, error) from None
    except (LexwareUnavailableError, LexwareRateLimitedError) as error:
        raise RunAborted("failed_transient", error.code, error.message) from None
    except (LexwareError, ValueError) as error:
        # Malformed answers and data we cannot map fail this voucher; the next run retries.
        tally.note_failure(unit, error)
        logger.warning(
            "sync_voucher_failed",
            run_id=plan.run_id,
            voucher=unit.lexware_id,
            code=tally.errors[-1]["code"],
        )
        async with deps.uow_factory() as uow:
            await _record_failure(uow, plan, tally, unit, None, deps.clock.now())
            await uow.sync_runs.update_progress(plan.run_id, now=deps.clock.now(), done=tally.done)
            await uow.commit()
        return None


async def _record_failure(
    uow: UnitOfWork,
    plan: RunPlan,
    tally: RunTally,
    unit: VoucherWork,
    error: Exception | None,
    now: datetime,
) -> None:
    """Count a failed voucher (unless ``error`` is None: already counted) and store it
    in the run's errors; the next run retries it."""
    if error is not None:
        tally.note_failure(unit, error)
    await uow.sync_runs.record_error(
        plan.run_id,
        code=tally.errors[-1]["code"],
        message=tally.errors[-1]["message"],
        now=now,
        voucher_lexware_id=unit.lexware_id,
    )
