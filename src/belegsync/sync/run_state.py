"""What one sync run carries around: its dependencies, plan, tally and outcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import structlog

from belegsync.domain.clock import Clock
from belegsync.domain.connection import FailureReason
from belegsync.domain.dates import berlin_date
from belegsync.domain.window import SyncWindow
from belegsync.lexware import (
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
)
from belegsync.store.enums import SyncRunStatus
from belegsync.store.files import FileStore
from belegsync.store.sync_runs import RunCounts
from belegsync.store.uow import UnitOfWork
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.ports import KeyCipher, LexwareFactory
from belegsync.sync.voucher_sync import (
    VoucherWork,
)

logger = structlog.get_logger("belegsync.sync")


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


@dataclass(slots=True)
class RunTally:
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


class RunAborted(Exception):
    """Ends the run: the connection failed, or Lexware stayed unavailable."""

    def __init__(self, status: SyncRunStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


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
