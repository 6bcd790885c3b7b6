"""Fetching vouchers with a few in flight and writing them in batched transactions."""

from __future__ import annotations

import asyncio
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
from belegsync.store.voucher_failures import FailureNote
from belegsync.store.voucher_repository import UpsertOutcome
from belegsync.sync.ports import LexwarePort, UnitOfWork
from belegsync.sync.run_state import (
    RunAborted,
    RunPlan,
    RunTally,
    SyncDeps,
    key_refused,
    lease_renewed,
    write_progress,
)
from belegsync.sync.voucher_sync import (
    Applied,
    Fetch,
    NewVoucherOp,
    Prepared,
    StagedFiles,
    VoucherWork,
    WriteOp,
    prepare_voucher,
)

logger = structlog.get_logger("belegsync.sync")

# Client errors that the same request will meet again: after a few runs the voucher is
# parked. Auth (401/402/403) ends the run; 429 and 5xx are retried.
_ENDS_RUN = frozenset({401, 402, 403, 429})
# A batch whose downloaded files reach this size is written at once (bounds memory).
MAX_BATCH_FILE_BYTES = 32 * 1024 * 1024


class _BatchWriter:
    """Writes prepared vouchers in short transactions of up to ``max_items``.

    One transaction per voucher would spend most of the engine's CPU on commits. A
    batch is committed when it is full or its oldest voucher waited the batch delay
    (on the injected ``deps.monotonic``; shorter for the first batch), so progress stays
    live at Lexware's pace. Each voucher is written in its own SAVEPOINT: one bad row
    fails that voucher, not the batch. The batch's files are stored first, all in one
    hand-off to the file store's thread. A run killed before a commit loses only fetched
    data, which the next run fetches again. Its progress write also renews the run's
    lease.
    """

    def __init__(self, deps: SyncDeps, plan: RunPlan, tally: RunTally) -> None:
        self._deps, self._plan, self._tally = deps, plan, tally
        self._pending: list[tuple[VoucherWork, WriteOp]] = []
        self._staged: list[StagedFiles] = []
        self._staged_bytes = 0
        self._first_at = 0.0
        self._delay = deps.first_batch_delay_seconds
        self._lock = asyncio.Lock()

    async def add(self, unit: VoucherWork, prepared: Prepared) -> None:
        monotonic = self._deps.monotonic
        if not self._pending:
            self._first_at = monotonic()
        self._pending.append((unit, prepared.op))
        if prepared.files is not None and prepared.files.downloads:
            self._staged.append(prepared.files)
            self._staged_bytes += sum(len(c) for c in prepared.files.contents)
        if (
            len(self._pending) >= self._deps.batch_size
            or self._staged_bytes >= MAX_BATCH_FILE_BYTES
            or monotonic() - self._first_at >= self._delay
        ):
            self._delay = self._deps.batch_delay_seconds
            await self.flush()

    async def _store_files(self, staged: list[StagedFiles]) -> None:
        contents = [content for files in staged for content in files.contents]
        digests = iter(await self._deps.files.put_all(contents))
        for files in staged:
            files.digests = [next(digests) for _ in files.downloads]

    async def flush(self) -> None:
        async with self._lock:
            batch, self._pending = self._pending, []
            staged, self._staged, self._staged_bytes = self._staged, [], 0
            if not batch:
                return
            # Bytes first: a row must never point at a file that is not stored.
            await self._store_files(staged)
            async with self._deps.uow_factory() as uow:
                now = self._deps.clock.now()
                written, rest = await self._insert_new(uow, batch, now)
                failures: list[tuple[VoucherWork, Exception]] = []
                for unit, op in rest:
                    try:
                        async with uow.savepoint():
                            applied = await op(uow, now)
                    except Exception as write_error:  # one voucher's bad data must not stop the run
                        failures.append((unit, write_error))
                        continue
                    self._count(applied)
                    written.append(unit.lexware_id)
                for unit, failure in failures:
                    self._tally.note_failure(unit, failure)
                    await _record_error(uow, self._plan, self._tally, unit, now)
                recovered = [i for i in written if i in self._tally.failing]
                await uow.voucher_failures.clear(self._plan.tenant_id, recovered)
                self._tally.failing.difference_update(recovered)
                held = await write_progress(uow, self._deps, self._plan, done=self._tally.done)
                await uow.commit()
            lease_renewed(self._plan, held)

    async def _insert_new(
        self, uow: UnitOfWork, batch: list[tuple[VoucherWork, WriteOp]], now: datetime
    ) -> tuple[list[str], list[tuple[VoucherWork, WriteOp]]]:
        """Insert the first-seen vouchers of the batch at once; return their ids and the
        other writes (a voucher stored meanwhile among them). If the multi-row insert
        fails, every voucher goes the one-by-one way.

        It is the transaction's first write, so a failure rolls the transaction back
        instead of a SAVEPOINT around it (two statements less per batch).
        """
        new = [op.entry for _, op in batch if isinstance(op, NewVoucherOp)]
        if len(new) < 2:
            return [], batch
        try:
            inserted = await uow.vouchers.insert_new(self._plan.tenant_id, new, now=now)
        except Exception:
            logger.warning("sync_batch_insert_failed", run_id=self._plan.run_id, size=len(new))
            await uow.rollback()
            return [], batch
        for _ in inserted:
            self._count(Applied(UpsertOutcome.NEW, False))
        rest = [
            (u, op)
            for u, op in batch
            if not (isinstance(op, NewVoucherOp) and u.lexware_id in inserted)
        ]
        return list(inserted), rest

    def _count(self, applied: Applied) -> None:
        tally = self._tally
        tally.done += 1
        tally.written += applied.wrote
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
    writer = _BatchWriter(deps, plan, tally)

    async def worker() -> None:
        while True:
            try:
                unit = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            prepared = await _prepare_one(deps, client, plan, unit, tally)
            if prepared is not None:
                await writer.add(unit, prepared)

    workers = [asyncio.create_task(worker()) for _ in range(max(1, deps.concurrency))]
    try:
        await asyncio.gather(*workers)
    except RunAborted:
        # What was fetched completely before the abort is kept. (A killed process, a
        # BaseException here, writes nothing more: the next run fetches it again.)
        await _cancel(workers)
        await writer.flush()
        raise
    finally:
        await _cancel(workers)
    await writer.flush()


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _prepare_one(
    deps: SyncDeps, client: LexwarePort, plan: RunPlan, unit: VoucherWork, tally: RunTally
) -> Prepared | None:
    try:
        return await prepare_voucher(
            unit,
            client=client,
            tenant_id=plan.tenant_id,
            closed_years=plan.closed_years,
        )
    except (LexwareAuthError, LexwareContractError, LexwareForbiddenError) as error:
        raise await key_refused(deps, plan, client, error) from None
    except (LexwareUnavailableError, LexwareRateLimitedError) as error:
        raise RunAborted("failed_transient", error.code, error.message) from None
    except (LexwareError, ValueError) as error:
        # Malformed answers, bad files and data we cannot map fail this voucher; the
        # next run retries it. A client error that keeps coming back parks it.
        await _voucher_failed(deps, plan, tally, unit, error)
        return None


def _is_client_error(error: Exception) -> bool:
    status = getattr(error, "status", None)
    return isinstance(status, int) and 400 <= status < 500 and status not in _ENDS_RUN


async def _voucher_failed(
    deps: SyncDeps, plan: RunPlan, tally: RunTally, unit: VoucherWork, error: Exception
) -> None:
    now = deps.clock.now()
    async with deps.uow_factory() as uow:
        parked = False
        if isinstance(unit, Fetch) and isinstance(error, LexwareError) and _is_client_error(error):
            failure = await uow.voucher_failures.record(
                plan.tenant_id,
                FailureNote(
                    lexware_id=unit.lexware_id,
                    voucher_type=unit.item.voucher_type,
                    list_json=unit.item.raw,
                    code=error.code,
                    message=error.message,
                    status=error.status,
                ),
                policy=deps.failure_policy,
                now=now,
            )
            tally.failing.add(unit.lexware_id)
            parked = failure.parked_at is not None
        tally.note_failure(unit, error, parked=parked)
        logger.warning(
            "sync_voucher_failed",
            run_id=plan.run_id,
            voucher=unit.lexware_id,
            code=tally.errors[-1]["code"],
            parked=parked,
        )
        await _record_error(uow, plan, tally, unit, now)
        held = await write_progress(uow, deps, plan, done=tally.done)
        await uow.commit()
    lease_renewed(plan, held)


async def _record_error(
    uow: UnitOfWork, plan: RunPlan, tally: RunTally, unit: VoucherWork, now: datetime
) -> None:
    """Store the failure just counted in the run's errors; the next run retries it."""
    await uow.sync_runs.record_error(
        plan.run_id,
        code=tally.errors[-1]["code"],
        message=tally.errors[-1]["message"],
        now=now,
        voucher_lexware_id=unit.lexware_id,
    )
