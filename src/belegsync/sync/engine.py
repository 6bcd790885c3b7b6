"""Running one sync: list what changed, fetch it, store it voucher by voucher, report.

The order of work is chosen so that a run killed at any point loses nothing and
duplicates nothing: file bytes go to the content-addressed store first, then vouchers
are written in short batched transactions together with the run's progress
(``writing``). A resumed run lists again (cheap, ``planning``) and skips every voucher
whose ``updatedDate`` and status are already stored, so it refetches nothing it already
has. The watermark for incremental runs moves only when a run finishes.
"""

from __future__ import annotations

import time
from datetime import datetime

import structlog

from belegsync.domain.connection import ConnectionState
from belegsync.domain.dates import berlin_date
from belegsync.domain.tax import VatReturnPeriod
from belegsync.domain.window import sync_window
from belegsync.store.enums import SyncRunStatus
from belegsync.store.sync_runs import RunCounts
from belegsync.store.uow import UnitOfWork
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.planning import list_or_abort, plan_work, set_total
from belegsync.sync.ports import LexwarePort
from belegsync.sync.run_state import RunAborted, RunOutcome, RunPlan, RunTally, SyncDeps
from belegsync.sync.writing import process_all

__all__ = ["RunOutcome", "SyncDeps", "execute_run"]

logger = structlog.get_logger("belegsync.sync")


async def execute_run(deps: SyncDeps, run_id: str) -> RunOutcome:
    """Run the claimed sync ``run_id`` to its end and store its report."""
    began = time.monotonic()
    prepared = await _prepare(deps, run_id)
    if isinstance(prepared, RunOutcome):
        return prepared
    plan, api_key = prepared
    client = deps.lexware(api_key, plan.base_url)
    del api_key
    tally = RunTally()
    log = logger.bind(run_id=run_id, tenant_id=plan.tenant_id)
    log.info("sync_started", window_start=str(plan.window.start), full=plan.full)
    try:
        listed = await list_or_abort(deps, client, plan)
        work = await plan_work(deps, plan, listed, tally)
        await set_total(deps, plan, len(work) + tally.unchanged, tally)
        await process_all(deps, client, plan, work, tally)
    except RunAborted as abort:
        return await _finish_aborted(deps, plan, client, tally, abort, began)
    return await _finish_succeeded(deps, plan, client, tally, began)


async def _prepare(deps: SyncDeps, run_id: str) -> tuple[RunPlan, str] | RunOutcome:
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
        plan = RunPlan(
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


def _report(plan: RunPlan, tally: RunTally, api_calls: int, began: float) -> dict[str, object]:
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
    deps: SyncDeps, plan: RunPlan, client: LexwarePort, tally: RunTally, began: float
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
    plan: RunPlan,
    client: LexwarePort,
    tally: RunTally,
    abort: RunAborted,
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
