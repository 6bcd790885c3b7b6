"""What one sync run carries around: its dependencies, plan, tally and outcome."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import structlog

from belegsync.domain.clock import Clock
from belegsync.domain.connection import FailureReason
from belegsync.domain.dates import berlin_date
from belegsync.domain.window import SyncWindow
from belegsync.lexware import (
    LexwareAuthError,
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
)
from belegsync.store.enums import SyncRunStatus
from belegsync.store.files import FileStore
from belegsync.store.run_owner import process_owner
from belegsync.store.sync_runs import RunCounts
from belegsync.store.voucher_failures import FailurePolicy
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.ports import (
    KeyCipher,
    LexwareFactory,
    LexwarePort,
    UnitOfWork,
    UnitOfWorkFactory,
)
from belegsync.sync.voucher_sync import (
    VoucherWork,
)

logger = structlog.get_logger("belegsync.sync")


DEFAULT_FAILURE_POLICY = FailurePolicy(
    park_after_attempts=3, retry_after=timedelta(days=1), retry_max=timedelta(days=14)
)


@dataclass(frozen=True, slots=True)
class SyncDeps:
    """What the sync needs; the composition root builds it once."""

    uow_factory: UnitOfWorkFactory
    files: FileStore
    lexware: LexwareFactory
    cipher: KeyCipher
    clock: Clock
    concurrency: int = 3
    # A write transaction holds up to this many vouchers, or what came within the delay
    # (measured with ``monotonic``; tests pass a clock of their own). At Lexware's pace
    # (about 0.6 vouchers/s per key) a batch costs the same handful of statements however
    # few vouchers it holds: with 10 s (about 6 vouchers, 20 requests) the writes cost a
    # worker about 0.3 ms of CPU per request, a quarter of all it spends; 30 s cuts that to
    # a third. A killed run fetches at most the delay's worth again (some 60 requests).
    # The first batch goes in sooner: progress shows at once.
    batch_size: int = 50
    batch_delay_seconds: float = 30.0
    first_batch_delay_seconds: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    # A 401 may mean "temporarily unavailable": the key is checked again with the
    # profile after each of these pauses (waited with ``pause``); only a key refused
    # every time is invalid.
    key_recheck_delays: tuple[float, ...] = (30.0, 120.0, 300.0)
    pause: Callable[[float], Awaitable[None]] = asyncio.sleep
    # The run's owner renews its lease while it works; a lease that ran out (or an
    # owner process that is gone) lets the next claim take the connection over. Each
    # batch's progress write renews it; the lease task only when no batch did for
    # ``lease_renew_seconds`` (as long as the batch delay: no extra transaction while
    # vouchers come in), so at least every two intervals, well inside the lease.
    owner: str = field(default_factory=process_owner)
    lease_seconds: float = 90.0
    lease_renew_seconds: float = 30.0
    # A voucher failing with a client error this many runs in a row is parked and
    # retried on its own schedule (after a day, the pause doubling up to two weeks).
    failure_policy: FailurePolicy = DEFAULT_FAILURE_POLICY
    # Called with the tenant id after each successful run that wrote vouchers (the
    # composition root wires matching in here: the same vouchers and statements give the
    # same result, so a run that wrote nothing skips it; statement imports, pushes and
    # link actions run it themselves). Its failure is logged and never fails the sync.
    after_sync: Callable[[str], Awaitable[object]] | None = None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: str
    status: SyncRunStatus
    counts: RunCounts
    error_code: str | None = None
    error_message: str | None = None


@dataclass(slots=True)
class RunPlan:
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
    # One re-check of a refused key per run, however many workers met the 401.
    key_check: asyncio.Lock = field(default_factory=asyncio.Lock)
    key_verdict: RunAborted | None = None
    # A webhook run: it syncs the vouchers its events name instead of reading the list.
    from_events: bool = False
    # When (``time.monotonic``) a committed progress write last renewed the run's lease:
    # the lease task renews it only if no progress was written for a while.
    lease_renewed_at: float = float("-inf")


@dataclass(slots=True)
class RunTally:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    flagged: int = 0
    failed: int = 0
    done: int = 0
    # Parked vouchers: newly parked by this run, and those waiting for their own retry.
    parked: int = 0
    parked_waiting: int = 0
    # Vouchers whose stored files a --full run found broken and fetched again.
    repaired_files: int = 0
    # Vouchers whose rows this run wrote (new, changed, flagged, or rewritten unchanged).
    written: int = 0
    # Contacts whose numbers this run stored (``contact_numbers``).
    contacts_written: int = 0
    # Lexware ids with a recorded failure (cleared once they sync).
    failing: set[str] = field(default_factory=set)
    failed_updated: list[datetime] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def note_failure(self, unit: VoucherWork, error: Exception, *, parked: bool = False) -> None:
        """Count a failed voucher. Unless it was parked, the next incremental run must list
        it again, so its updatedDate holds the watermark back."""
        self.failed += 1
        self.done += 1
        updated = unit.updated_at()
        if parked:
            self.parked += 1
        elif updated is not None:
            self.failed_updated.append(updated)
        code = str(getattr(error, "code", None) or "voucher_failed")
        message = str(getattr(error, "message", None) or error)
        entry = {"voucher": unit.lexware_id, "code": code, "message": message}
        if parked:
            entry["parked"] = "true"
        self.errors.append(entry)

    def counts(self, api_calls: int) -> RunCounts:
        return RunCounts(
            new=self.new,
            changed=self.changed,
            unchanged=self.unchanged,
            flagged=self.flagged,
            failed=self.failed,
            api_calls=api_calls,
        )


async def write_progress(
    uow: UnitOfWork,
    deps: SyncDeps,
    plan: RunPlan,
    *,
    done: int | None = None,
    total: int | None = None,
) -> bool:
    """The run's progress, renewing its lease in the same UPDATE while this process holds
    it; ``True`` if it did. The caller commits, then calls :func:`lease_renewed`."""
    now = deps.clock.now()
    return await uow.sync_runs.progress_with_lease(
        plan.run_id,
        owner=deps.owner,
        now=now,
        expires_at=now + timedelta(seconds=deps.lease_seconds),
        done=done,
        total=total,
    )


def lease_renewed(plan: RunPlan, held: bool) -> None:
    """After the commit of :func:`write_progress`: the lease task may skip a renewal."""
    if held:
        plan.lease_renewed_at = time.monotonic()


class RunAborted(Exception):
    """Ends the run: the connection failed, or Lexware stayed unavailable."""

    def __init__(self, status: SyncRunStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def key_refused(
    deps: SyncDeps, plan: RunPlan, client: LexwarePort, error: LexwareError
) -> RunAborted:
    """Lexware refused the key mid-run (401/402/403): how the run ends.

    A 401 is not proof of a dead key (Lexware also answers it while temporarily
    unavailable): the key is checked with ``GET /v1/profile`` after each pause, and only
    a key refused every time fails the connection. Otherwise the run ends
    ``failed_transient`` and the connection stays active.
    """
    if not isinstance(error, LexwareAuthError):
        return await connection_failed(deps, plan, error)
    async with plan.key_check:
        if plan.key_verdict is None:
            plan.key_verdict = await _recheck_key(deps, plan, client, error)
        return plan.key_verdict


async def _recheck_key(
    deps: SyncDeps, plan: RunPlan, client: LexwarePort, error: LexwareAuthError
) -> RunAborted:
    log = logger.bind(run_id=plan.run_id)
    for attempt, delay in enumerate(deps.key_recheck_delays, start=1):
        await deps.pause(delay)
        try:
            await client.profile()
        except LexwareAuthError:
            log.warning("sync_key_still_refused", attempt=attempt)
            continue
        except LexwareError as other:
            log.warning("sync_key_recheck_unavailable", attempt=attempt, code=other.code)
            return RunAborted("failed_transient", other.code, other.message)
        log.warning("sync_key_refused_transiently", attempt=attempt)
        return RunAborted(
            "failed_transient",
            "lexware_key_refused_transiently",
            "Lexware hat den API-Schlüssel vorübergehend abgelehnt; er funktioniert wieder. "
            "Der nächste Lauf holt den Rest nach.",
        )
    return await connection_failed(deps, plan, error)


async def connection_failed(deps: SyncDeps, plan: RunPlan, error: LexwareError) -> RunAborted:
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
    return RunAborted("failed", error.code, error.message)
