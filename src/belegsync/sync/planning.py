"""Listing what Lexware has and deciding, per voucher, what the run must do.

Every run lists the paid vouchers of the whole window by voucher date (ids and
``updatedDate`` at list-page cost, 250 per call): that is how a new, changed or deleted
paid voucher is noticed, also by a daily run. An incremental run also lists what changed
since its watermark in any status, so a voucher that was voided or reopened is seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

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
from belegsync.store.files import FileStore, FileStoreError, sha256_hex
from belegsync.store.models import VoucherSyncFailure
from belegsync.sync.file_check import file_problem
from belegsync.sync.ports import LexwarePort
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
# The list carries updatedDate to the second, the detail to the millisecond.
_SAME_INSTANT = timedelta(seconds=1)


@dataclass(slots=True)
class Listing:
    """What the voucher list showed: every entry by id, and which came from the list of
    paid vouchers in the window (the ids a deletion is reconciled against)."""

    items: dict[str, VoucherListItem] = field(default_factory=dict)
    paid_ids: set[str] = field(default_factory=set)


async def _list_vouchers(deps: SyncDeps, client: LexwarePort, plan: RunPlan) -> Listing:
    types = sorted(SYNCED_VOUCHER_TYPES)
    paid = VoucherListFilter(voucher_types=types, voucher_statuses=sorted(PAID_STATUSES))
    ranges: list[tuple[VoucherListFilter, str, date, date, bool]] = [
        (
            paid,
            "voucherDate",
            plan.window.start,
            plan.window.end + timedelta(days=FUTURE_DAYS),
            True,
        )
    ]
    if not plan.full and plan.watermark is not None:
        # Any status: a voucher that was voided or reopened must be seen to be flagged.
        changed = VoucherListFilter(voucher_types=types, voucher_statuses="any")
        since = berlin_date(plan.watermark) - timedelta(days=OVERLAP_DAYS)
        ranges.append((changed, "updatedDate", since, plan.window.end, False))
    listing = Listing()
    for query, slice_field, start, end, is_paid_listing in ranges:
        async for item in client.iter_voucherlist_sliced(
            query,
            start=start,
            end=end,
            field=slice_field,  # type: ignore[arg-type]
        ):
            listing.items[item.id] = item
            if is_paid_listing:
                listing.paid_ids.add(item.id)
            if len(listing.items) % HEARTBEAT_EVERY == 0:
                await heartbeat(deps, plan)
    return listing


async def list_or_abort(deps: SyncDeps, client: LexwarePort, plan: RunPlan) -> Listing:
    """The listing, with its errors ending the run like those of a voucher fetch.

    A failed listing decides nothing: the run ends before any voucher is looked at.
    """
    try:
        return await _list_vouchers(deps, client, plan)
    except (LexwareAuthError, LexwareContractError, LexwareForbiddenError) as error:
        raise await key_refused(deps, plan, client, error) from None
    except LexwareError as error:
        # Unavailable, rate limited, or a malformed page: nothing can be planned.
        raise RunAborted("failed_transient", error.code, error.message) from None


async def heartbeat(deps: SyncDeps, plan: RunPlan) -> None:
    async with deps.uow_factory() as uow:
        held = await write_progress(uow, deps, plan)
        await uow.commit()
    lease_renewed(plan, held)


def same_version(stored: KnownVoucher, item: VoucherListItem) -> bool:
    """Whether the list entry shows the stored version (status and ``updatedDate``,
    compared to the second: the list and the detail differ in precision)."""
    if item.updated_date is None or stored.voucher_status != item.voucher_status:
        return False
    return abs(stored.lexware_updated_at - item.updated_date) < _SAME_INSTANT


def _waiting(failure: VoucherSyncFailure | None, now: datetime) -> bool:
    """A parked voucher waits for its own next attempt."""
    return (
        failure is not None
        and failure.next_attempt_at is not None
        and failure.next_attempt_at > now
    )


async def plan_work(
    deps: SyncDeps,
    plan: RunPlan,
    listing: Listing | Mapping[str, VoucherListItem],
    tally: RunTally,
) -> list[VoucherWork]:
    """Decide per voucher: skip, fetch, mark as no longer paid, or check whether it is gone.

    A plain mapping of list entries (a run that syncs the vouchers events named) is never
    reconciled against: only the listing of paid vouchers tells what is gone.
    """
    if not isinstance(listing, Listing):
        listing = Listing(items=dict(listing))
    async with deps.uow_factory.read_only() as uow:  # a read: no write lock
        known = await uow.vouchers.sync_states(plan.tenant_id)
        failures = await uow.voucher_failures.for_tenant(plan.tenant_id)
    tally.failing = set(failures)
    now = deps.clock.now()
    work: list[VoucherWork] = []
    unchanged: list[tuple[VoucherListItem, KnownVoucher]] = []
    for item in listing.items.values():
        stored = known.get(item.id)
        if stored is not None and same_version(stored, item):
            unchanged.append((item, stored))
        elif _waiting(failures.get(item.id), now):
            tally.parked_waiting += 1
        elif stored is None:
            if is_paid(item.voucher_status) and not _before_window(item, plan.window):
                work.append(Fetch(item, None))
        elif is_paid(item.voucher_status):
            work.append(Fetch(item, stored))
        elif is_paid(stored.voucher_status):
            work.append(MarkUnpaid(item, stored))
    broken = await _broken_files(deps.files, unchanged) if plan.full else set()
    for item, stored in unchanged:
        if item.id in broken:
            work.append(Fetch(item, stored, refetch_files=True))
        else:
            tally.unchanged += 1
    tally.repaired_files = len(broken)
    if listing.paid_ids:
        # An empty listing is never taken as "everything was deleted".
        work.extend(_missing_from_listing(plan, listing, known))
    return work


def _before_window(item: VoucherListItem, window: SyncWindow) -> bool:
    return item.voucher_date is not None and berlin_date(item.voucher_date) < window.start


def _missing_from_listing(
    plan: RunPlan, listing: Listing, known: dict[str, KnownVoucher]
) -> list[VoucherWork]:
    """Paid vouchers we hold that the listing of paid vouchers no longer shows (deleted,
    or no longer paid): ask for each one.

    Never concluded from the listing alone: each is confirmed with its own request.
    """
    return [
        CheckGone(stored)
        for lexware_id, stored in known.items()
        if lexware_id not in listing.items
        and is_paid(stored.voucher_status)
        and stored.review_reason is None
        and plan.window.contains(stored.voucher_date)
    ]


async def _broken_files(
    files: FileStore, vouchers: list[tuple[VoucherListItem, KnownVoucher]]
) -> set[str]:
    """The vouchers whose stored files are missing, corrupt or not a usable file
    (checked by ``--full`` runs, which then download them again)."""
    broken: set[str] = set()
    checks = asyncio.Semaphore(8)

    async def check(lexware_id: str, sha256: str, media_type: str) -> None:
        async with checks:
            try:
                content = await files.read(sha256)
            except FileStoreError:
                broken.add(lexware_id)
                return
        if (
            await asyncio.to_thread(sha256_hex, content) != sha256
            or file_problem(media_type, content) is not None
        ):
            broken.add(lexware_id)

    await asyncio.gather(
        *(
            check(stored.lexware_id, f.sha256, f.media_type)
            for _, stored in vouchers
            for f in stored.files
        )
    )
    if broken:
        logger.warning("sync_stored_files_broken", vouchers=len(broken))
    return broken


async def set_total(deps: SyncDeps, plan: RunPlan, total: int, tally: RunTally) -> None:
    tally.done = tally.unchanged
    async with deps.uow_factory() as uow:
        held = await write_progress(uow, deps, plan, total=total, done=tally.done)
        await uow.commit()
    lease_renewed(plan, held)
