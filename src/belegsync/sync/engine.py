"""Running one sync: list what changed, fetch it, store it voucher by voucher, report.

The order of work is chosen so that a run killed at any point loses nothing and
duplicates nothing: file bytes go to the content-addressed store first, then each
voucher is written in one short transaction together with the run's progress. A
resumed run lists again (cheap) and skips every voucher whose ``updatedDate`` and
status are already stored, so it refetches nothing it already has. The watermark for
incremental runs moves only when a run finishes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import structlog

from belegsync.domain.connection import ConnectionState, FailureReason
from belegsync.domain.dates import berlin_date
from belegsync.domain.tax import VatReturnPeriod
from belegsync.domain.vouchers import PAID_STATUSES, SYNCED_VOUCHER_TYPES, is_paid
from belegsync.domain.window import SyncWindow, sync_window
from belegsync.lexware import (
    LexwareAuthError,
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
    LexwareRateLimitedError,
    LexwareUnavailableError,
    VoucherListFilter,
    VoucherListItem,
)
from belegsync.store.enums import SyncRunStatus
from belegsync.store.files import FileStore
from belegsync.store.repositories import UpsertOutcome
from belegsync.store.sync_runs import RunCounts
from belegsync.store.uow import UnitOfWork
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.ports import Clock, KeyCipher, LexwareFactory, LexwarePort
from belegsync.sync.voucher_sync import (
    Applied,
    CheckGone,
    Fetch,
    KnownVoucher,
    MarkUnpaid,
    NewVoucherOp,
    VoucherWork,
    WriteOp,
    prepare_voucher,
)

logger = structlog.get_logger("belegsync.sync")

# Lexware's updatedDate filters are whole Berlin days: look back one more day so a
# change made just before the last run's start is never missed.
OVERLAP_DAYS = 1
# Paid vouchers may carry a voucher date in the future; list that far ahead.
FUTURE_DAYS = 366
HEARTBEAT_EVERY = 250


@dataclass(frozen=True, slots=True)
class SyncDeps:
    """What the sync needs; the composition root builds it once."""

    uow_factory: Callable[[], UnitOfWork]
    files: FileStore
    lexware: LexwareFactory
    cipher: KeyCipher
    clock: Clock
    concurrency: int = 3
    # A write transaction holds up to this many vouchers, or what came within the delay.
    batch_size: int = 50
    batch_delay_seconds: float = 1.0
    # Called with the tenant id after each successful run (the composition root wires
    # matching in here); its failure is logged and never fails the sync.
    after_sync: Callable[[str], Awaitable[object]] | None = None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: str
    status: SyncRunStatus
    counts: RunCounts
    error_code: str | None = None
    error_message: str | None = None


@dataclass(slots=True)
class _Plan:
    run_id: str
    tenant_id: str
    connection_id: str
    base_url: str
    window: SyncWindow
    closed_years: frozenset[int]
    watermark: datetime | None
    previous_window_start: date | None
    full: bool
    key_expires_on: date | None
    started_at: datetime


@dataclass(slots=True)
class _Tally:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    flagged: int = 0
    failed: int = 0
    done: int = 0
    failed_updated: list[datetime] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def note_failure(self, unit: VoucherWork, error: Exception) -> None:
        self.failed += 1
        self.done += 1
        updated = unit.updated_at()
        if updated is not None:
            self.failed_updated.append(updated)
        code = str(getattr(error, "code", None) or "voucher_failed")
        message = str(getattr(error, "message", None) or error)
        self.errors.append({"voucher": unit.lexware_id, "code": code, "message": message})

    def counts(self, api_calls: int) -> RunCounts:
        return RunCounts(
            new=self.new,
            changed=self.changed,
            unchanged=self.unchanged,
            flagged=self.flagged,
            failed=self.failed,
            api_calls=api_calls,
        )


class _Abort(Exception):
    """Ends the run: the connection failed, or Lexware stayed unavailable."""

    def __init__(self, status: SyncRunStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def execute_run(deps: SyncDeps, run_id: str) -> RunOutcome:
    """Run the claimed sync ``run_id`` to its end and store its report."""
    began = time.monotonic()
    prepared = await _prepare(deps, run_id)
    if isinstance(prepared, RunOutcome):
        return prepared
    plan, api_key = prepared
    client = deps.lexware(api_key, plan.base_url)
    del api_key
    tally = _Tally()
    log = logger.bind(run_id=run_id, tenant_id=plan.tenant_id)
    log.info("sync_started", window_start=str(plan.window.start), full=plan.full)
    try:
        listed = await _list_or_abort(deps, client, plan)
        work = await _plan_work(deps, plan, listed, tally)
        await _set_total(deps, plan, len(work) + tally.unchanged, tally)
        await _process_all(deps, client, plan, work, tally)
    except _Abort as abort:
        return await _finish_aborted(deps, plan, client, tally, abort, began)
    return await _finish_succeeded(deps, plan, client, tally, began)


async def _prepare(deps: SyncDeps, run_id: str) -> tuple[_Plan, str] | RunOutcome:
    now = deps.clock.now()
    today = berlin_date(now)
    async with deps.uow_factory() as uow:
        run = await uow.sync_runs.get(run_id)
        row = await uow.connections.get(run.connection_id)
        if row is None or row.state != "active" or row.encrypted_api_key is None:
            return await _finish_early(
                uow, run_id, now, "connection_not_active", "Die Verbindung ist nicht aktiv."
            )
        connection = to_domain(row)
        expired = connection.check_expiry(today)
        if expired.state is ConnectionState.FAILED:
            apply_domain(row, expired, now=now)
            return await _finish_early(
                uow, run_id, now, "lexware_key_expired", "Der API-Schlüssel ist abgelaufen."
            )
        tenant = await uow.tenants.get(run.tenant_id)
        years = await uow.tenants.tax_years(run.tenant_id)
        vat = await uow.tenants.latest_vat_return(run.tenant_id)
        window = sync_window(
            [y.year for y in years if not y.closed],
            [y.year for y in years if y.closed],
            bool(tenant and tenant.bookkeeping_service),
            VatReturnPeriod.parse(vat.period) if vat is not None else None,
            today,
        )
        if window is None:
            return await _finish_early(
                uow,
                run_id,
                now,
                "nothing_to_sync",
                "Alle Steuerjahre sind abgeschlossen; es gibt nichts zu synchronisieren.",
                status="succeeded",
            )
        previous = await uow.sync_runs.latest_succeeded(run.connection_id)
        await uow.sync_runs.start(run_id, now=now, window_start=window.start, window_end=window.end)
        await uow.commit()
        api_key = deps.cipher.decrypt(row.encrypted_api_key)
        plan = _Plan(
            run_id=run_id,
            tenant_id=run.tenant_id,
            connection_id=run.connection_id,
            base_url=row.base_url,
            window=window,
            closed_years=frozenset(y.year for y in years if y.closed),
            watermark=None if run.full else row.last_sync_watermark,
            previous_window_start=previous.window_start if previous is not None else None,
            full=run.full or row.last_sync_watermark is None,
            key_expires_on=row.key_expires_on,
            started_at=now,
        )
        return plan, api_key


async def _finish_early(
    uow: UnitOfWork,
    run_id: str,
    now: datetime,
    code: str,
    message: str,
    *,
    status: SyncRunStatus = "failed",
) -> RunOutcome:
    await uow.sync_runs.finish(
        run_id,
        status=status,
        now=now,
        error_code=code if status != "succeeded" else None,
        error_message=message,
        report={"message": message, "code": code},
    )
    await uow.commit()
    return RunOutcome(run_id, status, RunCounts(), code, message)


async def _list_vouchers(
    deps: SyncDeps, client: LexwarePort, plan: _Plan
) -> dict[str, VoucherListItem]:
    """Every list entry the run must look at, de-duplicated by id."""
    types = sorted(SYNCED_VOUCHER_TYPES)
    paid = VoucherListFilter(voucher_types=types, voucher_statuses=sorted(PAID_STATUSES))
    ranges: list[tuple[VoucherListFilter, str, date, date]] = []
    list_end = plan.window.end + timedelta(days=FUTURE_DAYS)
    if plan.full or plan.watermark is None:
        ranges.append((paid, "voucherDate", plan.window.start, list_end))
    else:
        # Any status: a voucher that was voided or reopened must be seen to be flagged.
        changed = VoucherListFilter(voucher_types=types, voucher_statuses="any")
        since = berlin_date(plan.watermark) - timedelta(days=OVERLAP_DAYS)
        ranges.append((changed, "updatedDate", since, plan.window.end))
        if plan.previous_window_start and plan.window.start < plan.previous_window_start:
            # Staff reopened a tax year: back-fill the part of the window not synced yet.
            gap_end = plan.previous_window_start - timedelta(days=1)
            ranges.append((paid, "voucherDate", plan.window.start, gap_end))
    listed: dict[str, VoucherListItem] = {}
    for query, slice_field, start, end in ranges:
        async for item in client.iter_voucherlist_sliced(
            query,
            start=start,
            end=end,
            field=slice_field,  # type: ignore[arg-type]
        ):
            listed[item.id] = item
            if len(listed) % HEARTBEAT_EVERY == 0:
                await _heartbeat(deps, plan)
    return listed


async def _list_or_abort(
    deps: SyncDeps, client: LexwarePort, plan: _Plan
) -> dict[str, VoucherListItem]:
    """The listing, with its errors ending the run like those of a voucher fetch.

    Without this a 401 or a 5xx while listing escaped ``execute_run``: the run stayed
    ``running`` (blocking the connection until stale recovery) and a revoked key did
    not fail the connection.
    """
    try:
        return await _list_vouchers(deps, client, plan)
    except (LexwareAuthError, LexwareContractError, LexwareForbiddenError) as error:
        raise await _connection_failed(deps, plan, error) from None
    except LexwareError as error:
        # Unavailable, rate limited, or a malformed page: nothing can be planned.
        raise _Abort("failed_transient", error.code, error.message) from None


async def _heartbeat(deps: SyncDeps, plan: _Plan) -> None:
    async with deps.uow_factory() as uow:
        await uow.sync_runs.update_progress(plan.run_id, now=deps.clock.now())
        await uow.commit()


async def _plan_work(
    deps: SyncDeps, plan: _Plan, listed: dict[str, VoucherListItem], tally: _Tally
) -> list[VoucherWork]:
    """Decide per voucher: skip, fetch, mark as no longer paid, or check whether it is gone."""
    async with deps.uow_factory() as uow:
        known = await uow.vouchers.sync_states(plan.tenant_id)
    work: list[VoucherWork] = []
    for item in listed.values():
        stored = known.get(item.id)
        if stored is None:
            if not is_paid(item.voucher_status) or _before_window(item, plan.window):
                continue
            work.append(Fetch(item, None))
        elif stored.lexware_updated_at == item.updated_date and (
            stored.voucher_status == item.voucher_status
        ):
            tally.unchanged += 1
        elif is_paid(item.voucher_status):
            work.append(Fetch(item, stored))
        elif is_paid(stored.voucher_status):
            work.append(MarkUnpaid(item, stored))
    if plan.full:
        work.extend(_missing_from_listing(plan, listed, known))
    return work


def _before_window(item: VoucherListItem, window: SyncWindow) -> bool:
    return item.voucher_date is not None and berlin_date(item.voucher_date) < window.start


def _missing_from_listing(
    plan: _Plan, listed: dict[str, VoucherListItem], known: dict[str, KnownVoucher]
) -> list[VoucherWork]:
    """Paid vouchers we hold that a complete listing no longer shows: ask for each one.

    Never concluded from the listing alone: each is confirmed with its own request.
    """
    return [
        CheckGone(stored)
        for lexware_id, stored in known.items()
        if lexware_id not in listed
        and is_paid(stored.voucher_status)
        and stored.review_reason is None
        and plan.window.contains(stored.voucher_date)
    ]


async def _set_total(deps: SyncDeps, plan: _Plan, total: int, tally: _Tally) -> None:
    tally.done = tally.unchanged
    async with deps.uow_factory() as uow:
        await uow.sync_runs.update_progress(
            plan.run_id, now=deps.clock.now(), total=total, done=tally.done
        )
        await uow.commit()


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
        plan: _Plan,
        tally: _Tally,
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
                    self._tally.note_failure(unit, failure)
                    await uow.sync_runs.record_error(
                        self._plan.run_id,
                        code=self._tally.errors[-1]["code"],
                        message=self._tally.errors[-1]["message"],
                        now=now,
                        voucher_lexware_id=unit.lexware_id,
                    )
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


async def _process_all(
    deps: SyncDeps,
    client: LexwarePort,
    plan: _Plan,
    work: list[VoucherWork],
    tally: _Tally,
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
    deps: SyncDeps, client: LexwarePort, plan: _Plan, unit: VoucherWork, tally: _Tally
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
        raise await _connection_failed(deps, plan, error) from None
    except (LexwareUnavailableError, LexwareRateLimitedError) as error:
        raise _Abort("failed_transient", error.code, error.message) from None
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
            await uow.sync_runs.record_error(
                plan.run_id,
                code=tally.errors[-1]["code"],
                message=tally.errors[-1]["message"],
                now=deps.clock.now(),
                voucher_lexware_id=unit.lexware_id,
            )
            await uow.sync_runs.update_progress(plan.run_id, now=deps.clock.now(), done=tally.done)
            await uow.commit()
        return None


async def _connection_failed(deps: SyncDeps, plan: _Plan, error: LexwareError) -> _Abort:
    """401/402/403 mid-run: the connection needs the client; nothing is deleted or flagged."""
    now = deps.clock.now()
    if isinstance(error, LexwareContractError):
        reason, permission = FailureReason.CONTRACT, None
    elif isinstance(error, LexwareForbiddenError) and error.code != "lexware_request_rejected":
        reason = FailureReason.MISSING_PERMISSION
        permission = error.permission or "unbekannt"
    elif plan.key_expires_on is not None and berlin_date(now) > plan.key_expires_on:
        reason, permission = FailureReason.EXPIRED, None
    else:
        reason, permission = FailureReason.INVALID_KEY, None
    async with deps.uow_factory() as uow:
        row = await uow.connections.get(plan.connection_id)
        if row is not None and row.state == "active":
            failed = to_domain(row).fail(reason, missing_permission=permission)
            apply_domain(row, failed, now=now)
            await uow.audit.add(
                tenant_id=plan.tenant_id,
                actor="sync",
                action="connection_failed",
                subject_type="connection",
                subject_id=plan.connection_id,
                detail={"reason": reason.value, "run_id": plan.run_id, "status": error.status},
                now=now,
            )
            await uow.commit()
    logger.warning("sync_connection_failed", run_id=plan.run_id, reason=reason.value)
    return _Abort("failed", error.code, error.message)


def _report(plan: _Plan, tally: _Tally, api_calls: int, began: float) -> dict[str, object]:
    return {
        "window": {"start": plan.window.start.isoformat(), "end": plan.window.end.isoformat()},
        "mode": "full" if plan.full else "incremental",
        "counts": {
            "new": tally.new,
            "changed": tally.changed,
            "unchanged": tally.unchanged,
            "flagged": tally.flagged,
            "failed": tally.failed,
        },
        "api_calls": api_calls,
        "duration_seconds": round(time.monotonic() - began, 3),
        "errors": tally.errors[:500],
    }


async def _finish_succeeded(
    deps: SyncDeps, plan: _Plan, client: LexwarePort, tally: _Tally, began: float
) -> RunOutcome:
    now = deps.clock.now()
    api_calls = client.stats.requests_sent
    counts = tally.counts(api_calls)
    # A failed voucher must be listed again by the next incremental run.
    watermark = min([plan.started_at, *tally.failed_updated])
    async with deps.uow_factory() as uow:
        row = await uow.connections.get(plan.connection_id)
        if row is not None:
            row.last_sync_watermark = watermark
            row.last_success_at = now
            row.updated_at = now
        await uow.sync_runs.finish(
            plan.run_id,
            status="succeeded",
            now=now,
            counts=counts,
            report=_report(plan, tally, api_calls, began),
        )
        await uow.commit()
    logger.info(
        "sync_finished",
        run_id=plan.run_id,
        tenant_id=plan.tenant_id,
        new=tally.new,
        changed=tally.changed,
        unchanged=tally.unchanged,
        flagged=tally.flagged,
        failed=tally.failed,
        api_calls=api_calls,
    )
    if deps.after_sync is not None:
        try:
            await deps.after_sync(plan.tenant_id)
        except Exception:
            logger.exception("after_sync_failed", run_id=plan.run_id, tenant_id=plan.tenant_id)
    return RunOutcome(plan.run_id, "succeeded", counts)


async def _finish_aborted(
    deps: SyncDeps,
    plan: _Plan,
    client: LexwarePort,
    tally: _Tally,
    abort: _Abort,
    began: float,
) -> RunOutcome:
    api_calls = client.stats.requests_sent
    counts = tally.counts(api_calls)
    report = _report(plan, tally, api_calls, began)
    report["error"] = {"code": abort.code, "message": abort.message}
    async with deps.uow_factory() as uow:
        await uow.sync_runs.finish(
            plan.run_id,
            status=abort.status,
            now=deps.clock.now(),
            counts=counts,
            error_code=abort.code,
            error_message=abort.message,
            report=report,
        )
        await uow.commit()
    logger.warning("sync_aborted", run_id=plan.run_id, status=abort.status, code=abort.code)
    return RunOutcome(plan.run_id, abort.status, counts, abort.code, abort.message)
