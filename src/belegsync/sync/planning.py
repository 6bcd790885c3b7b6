"""Listing what changed in Lexware and deciding, per voucher, what the run must do."""

from __future__ import annotations

from datetime import date, timedelta

import structlog

from belegsync.domain.dates import berlin_date
from belegsync.domain.vouchers import PAID_STATUSES, SYNCED_VOUCHER_TYPES, is_paid
from belegsync.domain.window import SyncWindow
from belegsync.lexware import (
    LexwareAuthError,
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
    VoucherListFilter,
    VoucherListItem,
)
from belegsync.sync.ports import LexwarePort
from belegsync.sync.run_state import RunAborted, RunPlan, RunTally, SyncDeps, connection_failed
from belegsync.sync.voucher_sync import (
    CheckGone,
    Fetch,
    KnownVoucher,
    MarkUnpaid,
    VoucherWork,
)

logger = structlog.get_logger("belegsync.sync")

# Lexware's updatedDate filters are whole Berlin days: look back one more day so a
# change made just before the last run's start is never missed.
OVERLAP_DAYS = 1
# Paid vouchers may carry a voucher date in the future; list that far ahead.
FUTURE_DAYS = 366
HEARTBEAT_EVERY = 250


async def _list_vouchers(
    deps: SyncDeps, client: LexwarePort, plan: RunPlan
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
                await heartbeat(deps, plan)
    return listed


async def list_or_abort(
    deps: SyncDeps, client: LexwarePort, plan: RunPlan
) -> dict[str, VoucherListItem]:
    """The listing, with its errors ending the run like those of a voucher fetch.

    Without this a 401 or a 5xx while listing escaped ``execute_run``: the run stayed
    ``running`` (blocking the connection until stale recovery) and a revoked key did
    not fail the connection.
    """
    try:
        return await _list_vouchers(deps, client, plan)
    except (LexwareAuthError, LexwareContractError, LexwareForbiddenError) as error:
        raise await connection_failed(deps, plan, error) from None
    except LexwareError as error:
        # Unavailable, rate limited, or a malformed page: nothing can be planned.
        raise RunAborted("failed_transient", error.code, error.message) from None


async def heartbeat(deps: SyncDeps, plan: RunPlan) -> None:
    async with deps.uow_factory() as uow:
        await uow.sync_runs.update_progress(plan.run_id, now=deps.clock.now())
        await uow.commit()


async def plan_work(
    deps: SyncDeps, plan: RunPlan, listed: dict[str, VoucherListItem], tally: RunTally
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
    plan: RunPlan, listed: dict[str, VoucherListItem], known: dict[str, KnownVoucher]
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


async def set_total(deps: SyncDeps, plan: RunPlan, total: int, tally: RunTally) -> None:
    tally.done = tally.unchanged
    async with deps.uow_factory() as uow:
        await uow.sync_runs.update_progress(
            plan.run_id, now=deps.clock.now(), total=total, done=tally.done
        )
        await uow.commit()
