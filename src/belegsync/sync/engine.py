"""Running one sync: list what changed, fetch it, store it voucher by voucher, report.

The order of work is chosen so that a run killed at any point loses nothing and
duplicates nothing: file bytes go to the content-addressed store first, then vouchers
are written in short batched transactions together with the run's progress
(``writing``). A resumed run lists again (cheap, ``planning``) and skips every voucher
whose ``updatedDate`` and status are already stored, so it refetches nothing it already
has. The watermark for incremental runs moves only when a run finishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime, timedelta

import stamina
import structlog

from belegsync.domain.connection import ConnectionState
from belegsync.domain.dates import berlin_date
from belegsync.domain.tax import VatReturnPeriod
from belegsync.domain.window import sync_window
from belegsync.store.enums import ACTIVE_SYNC_RUN_STATUSES, SyncRunStatus
from belegsync.store.errors import is_busy
from belegsync.store.models import VoucherSyncFailure
from belegsync.store.secrets import DecryptionError
from belegsync.store.sync_runs import RunCounts, RunNotActive
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.contact_numbers import refresh_contact_numbers
from belegsync.sync.events_run import process_events
from belegsync.sync.planning import list_or_abort, plan_work, set_total
from belegsync.sync.ports import LexwarePort, UnitOfWork
from belegsync.sync.run_state import RunAborted, RunOutcome, RunPlan, RunTally, SyncDeps
from belegsync.sync.status import parked_entry
from belegsync.sync.writing import process_all

__all__ = ["RunOutcome", "SyncDeps", "execute_run"]

logger = structlog.get_logger("belegsync.sync")


async def execute_run(deps: SyncDeps, run_id: str) -> RunOutcome:
    """Run the claimed sync ``run_id`` to its end and store its report.

    However the run ends (also by an unexpected error) its row is finished; only a
    killed process leaves it ``running``, and then its lease lets the next claim take
    it over.
    """
    began = deps.monotonic()
    try:
        prepared = await _prepare(deps, run_id)
    except RunNotActive:
        logger.info("sync_run_already_ended", run_id=run_id)
        return await _ended_elsewhere(deps, run_id)
    except Exception as error:
        return await _finish_crashed(deps, run_id, _crash_of(error, logger.bind(run_id=run_id)))
    if isinstance(prepared, RunOutcome):
        return prepared
    plan, api_key = prepared
    client = deps.lexware(api_key, plan.base_url)
    del api_key
    tally = RunTally()
    log = logger.bind(run_id=run_id, tenant_id=plan.tenant_id)
    log.info("sync_started", window_start=str(plan.window.start), full=plan.full)
    lease = _Lease(deps, plan)
    lease.start()
    try:
        if plan.from_events:
            await process_events(deps, client, plan, tally)
        else:
            listing = await list_or_abort(deps, client, plan)
            work = await plan_work(deps, plan, listing, tally)
            await set_total(deps, plan, len(work) + tally.unchanged, tally)
            await process_all(deps, client, plan, work, tally)
        tally.contacts_written = await refresh_contact_numbers(deps, client, plan)
        return await _finish_succeeded(deps, plan, client, tally, began)
    except RunAborted as abort:
        return await _finish_aborted(deps, plan, client, tally, abort, began)
    except asyncio.CancelledError:
        if not lease.lost:
            raise
        log.warning("sync_run_taken_over")
        return await _ended_elsewhere(deps, run_id)
    except Exception as error:
        return await _finish_aborted(deps, plan, client, tally, _crash_of(error, log), began)
    finally:
        await lease.stop()


_CRASH_CODE = "sync_internal_error"
_CRASH_MESSAGE = (
    "Die Synchronisation ist an einem internen Fehler gescheitert; das Protokoll nennt ihn. "
    "Der nächste Lauf versucht es erneut."
)
_BUSY_CODE = "sync_database_busy"
_BUSY_MESSAGE = (
    "Die Datenbank war zu lange mit einem anderen Vorgang beschäftigt (etwa einem "
    "Kontoauszug-Import). Was bis dahin übernommen war, bleibt; der nächste Lauf holt den "
    "Rest nach."
)


def _crash_of(error: Exception, log: structlog.typing.FilteringBoundLogger) -> RunAborted:
    """How a run that raised ends, logged: a database busy with another process's write
    past the busy timeout says so (a warning: nothing is wrong with the connection or
    the code); anything else is an internal error, logged with its traceback."""
    if is_busy(error):
        log.warning("sync_run_busy", error=str(getattr(error, "orig", error))[:200])
        return RunAborted("failed", _BUSY_CODE, _BUSY_MESSAGE)
    log.exception("sync_run_crashed")
    return RunAborted("failed", _CRASH_CODE, _CRASH_MESSAGE)


# The end of a run is written even where the database stays busy for a while (the run
# may have ended because it was): a few more waits, each up to the busy timeout. Where
# it is still busy, the run stays ``running`` and the next claim takes it over once its
# lease ran out.
_until_written = stamina.retry(on=is_busy, attempts=4, timeout=None, wait_initial=0.5)


class _Lease:
    """Renews the run's lease while the run works, unless a progress write renewed it
    within the last renewal interval (so at least every two intervals). If another
    process took the run over (this one stalled past its lease), the run is cancelled."""

    def __init__(self, deps: SyncDeps, plan: RunPlan) -> None:
        self._deps, self._plan = deps, plan
        self._owner_task = asyncio.current_task()
        self._task: asyncio.Task[None] | None = None
        self.lost = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._renew())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.lost and self._owner_task is not None:
            self._owner_task.uncancel()

    async def _renew(self) -> None:
        deps, plan = self._deps, self._plan
        while True:
            await asyncio.sleep(deps.lease_renew_seconds)
            if time.monotonic() - plan.lease_renewed_at < deps.lease_renew_seconds:
                continue
            try:
                held = await renew_lease(deps, plan.run_id)
            except Exception:
                logger.warning("sync_lease_renewal_failed", run_id=plan.run_id, exc_info=True)
                continue
            if not held:
                self.lost = True
                if self._owner_task is not None:
                    self._owner_task.cancel()
                return


async def renew_lease(deps: SyncDeps, run_id: str) -> bool:
    now = deps.clock.now()
    async with deps.uow_factory() as uow:
        held = await uow.sync_runs.acquire_lease(
            run_id,
            owner=deps.owner,
            now=now,
            expires_at=now + timedelta(seconds=deps.lease_seconds),
        )
        await uow.commit()
    return held


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
                "Kein offener Zeitraum: alle Steuerjahre sind abgeschlossen oder die "
                "Umsatzsteuervoranmeldungen bis heute erfasst; es gibt nichts zu synchronisieren.",
                status="succeeded",
            )
        previous = await uow.sync_runs.latest_succeeded(run.connection_id)
        from_events = run.trigger == "webhook"
        await uow.sync_runs.start(run_id, now=now, window_start=window.start, window_end=window.end)
        lease_until = now + timedelta(seconds=deps.lease_seconds)
        if not await uow.sync_runs.acquire_lease(
            run_id, owner=deps.owner, now=now, expires_at=lease_until
        ):
            raise RunNotActive(f"sync run {run_id} is owned by another process")
        try:
            api_key = deps.cipher.decrypt(row.encrypted_api_key)
        except DecryptionError:
            return await _finish_early(
                uow,
                run_id,
                now,
                "key_unreadable",
                "Der gespeicherte API-Schlüssel lässt sich mit der Schlüsseldatei nicht "
                "entschlüsseln (falsche oder ersetzte secrets.key). Bitte die richtige "
                "Schlüsseldatei einspielen oder den Schlüssel neu eingeben.",
            )
        await uow.commit()
        plan = RunPlan(
            run_id=run_id,
            tenant_id=run.tenant_id,
            connection_id=run.connection_id,
            base_url=row.base_url,
            window=window,
            closed_years=frozenset(y.year for y in years if y.closed),
            watermark=None if run.full else row.last_sync_watermark,
            previous_window_start=previous.window_start if previous is not None else None,
            full=not from_events and (run.full or row.last_sync_watermark is None),
            key_expires_on=row.key_expires_on,
            started_at=now,
            from_events=from_events,
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


def _report(
    deps: SyncDeps,
    plan: RunPlan,
    tally: RunTally,
    api_calls: int,
    began: float,
    parked: list[VoucherSyncFailure],
) -> dict[str, object]:
    return {
        "window": {"start": plan.window.start.isoformat(), "end": plan.window.end.isoformat()},
        "mode": "full" if plan.full else "incremental",
        "counts": {
            "new": tally.new,
            "changed": tally.changed,
            "unchanged": tally.unchanged,
            "flagged": tally.flagged,
            "failed": tally.failed,
            "parked": tally.parked,
            "parked_waiting": tally.parked_waiting,
            "repaired_files": tally.repaired_files,
        },
        "api_calls": api_calls,
        "duration_seconds": round(deps.monotonic() - began, 3),
        "errors": tally.errors[:500],
        "parked": [parked_entry(row) for row in parked[:500]],
    }


async def _ended_elsewhere(deps: SyncDeps, run_id: str) -> RunOutcome:
    """The run was ended by someone else (taken over): report it as it stands."""
    async with deps.uow_factory.read_only() as uow:
        run = await uow.sync_runs.get(run_id)
        return RunOutcome(run_id, run.status, RunCounts(), run.error_code, run.error_message)


@_until_written
async def _finish_crashed(deps: SyncDeps, run_id: str, crash: RunAborted) -> RunOutcome:
    """An unexpected error before the run got going: end it, never leave it running."""
    async with deps.uow_factory() as uow:
        run = await uow.sync_runs.get(run_id)
        if run.status not in ACTIVE_SYNC_RUN_STATUSES:
            return RunOutcome(run_id, run.status, RunCounts(), run.error_code, run.error_message)
        return await _finish_early(uow, run_id, deps.clock.now(), crash.code, crash.message)


@_until_written
async def _record_success(
    deps: SyncDeps,
    plan: RunPlan,
    tally: RunTally,
    counts: RunCounts,
    api_calls: int,
    began: float,
) -> None:
    now = deps.clock.now()
    # A failed voucher must be listed again by the next incremental run.
    watermark = min([plan.started_at, *tally.failed_updated])
    async with deps.uow_factory() as uow:
        parked = await uow.voucher_failures.parked(plan.tenant_id)
        row = await uow.connections.get(plan.connection_id)
        if row is not None:
            if not plan.from_events:
                # A webhook run looked at a few vouchers only: the list still must be read.
                row.last_sync_watermark = watermark
            row.last_success_at = now
            row.updated_at = now
        await uow.sync_runs.finish(
            plan.run_id,
            status="succeeded",
            now=now,
            counts=counts,
            report=_report(deps, plan, tally, api_calls, began, parked),
        )
        await uow.commit()


async def _finish_succeeded(
    deps: SyncDeps, plan: RunPlan, client: LexwarePort, tally: RunTally, began: float
) -> RunOutcome:
    api_calls = client.stats.requests_sent
    counts = tally.counts(api_calls)
    await _record_success(deps, plan, tally, counts, api_calls, began)
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
    # matching reads the customer numbers too: new ones are worth a run of their own
    if deps.after_sync is not None and (tally.written or tally.contacts_written):
        try:
            await deps.after_sync(plan.tenant_id)
        except Exception:
            logger.exception("after_sync_failed", run_id=plan.run_id, tenant_id=plan.tenant_id)
    return RunOutcome(plan.run_id, "succeeded", counts)


@_until_written
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
    async with deps.uow_factory() as uow:
        parked = await uow.voucher_failures.parked(plan.tenant_id)
        report = _report(deps, plan, tally, api_calls, began, parked)
        report["error"] = {"code": abort.code, "message": abort.message}
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
