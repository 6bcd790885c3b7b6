"""A run caused by webhooks: sync only the vouchers the connection's events name.

The run folds in every pending event of its connection, also those that arrive while
it works, and handles them with the daily run's own code: the same planning decisions
(new, changed, unchanged, no longer paid, before the window), the same fetch and
write, the same key's rate limit. Lexware's events carry no data and come in any order,
so each one only says "look at this voucher again"; what is stored follows Lexware's
answer at that moment.
"""

from __future__ import annotations

import structlog

from belegsync.domain.vouchers import SYNCED_VOUCHER_TYPES
from belegsync.lexware import (
    BookkeepingVoucher,
    LexwareAuthError,
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
    LexwareNotFoundError,
    LexwareRateLimitedError,
    LexwareUnavailableError,
    SalesVoucher,
    VoucherListItem,
)
from belegsync.sync.events import target_of
from belegsync.sync.planning import plan_work
from belegsync.sync.ports import LexwarePort
from belegsync.sync.run_state import (
    RunAborted,
    RunPlan,
    RunTally,
    SyncDeps,
    connection_failed,
)
from belegsync.sync.voucher_sync import CheckGone, KnownVoucher, VoucherWork
from belegsync.sync.writing import process_all

logger = structlog.get_logger("belegsync.sync")

DELETED = "deleted"
# Events that keep arriving while the run works are folded in, a bounded number of times.
MAX_ROUNDS = 20


async def process_events(
    deps: SyncDeps, client: LexwarePort, plan: RunPlan, tally: RunTally
) -> None:
    """Work through the connection's pending events until none are left."""
    for _ in range(MAX_ROUNDS):
        async with deps.uow_factory() as uow:
            events = await uow.events.take_pending(plan.connection_id, run_id=plan.run_id)
            await uow.commit()
        if not events:
            return
        outcomes: dict[int, str] = {}
        resources: dict[str, str] = {}
        try:
            for event in events:
                target = target_of(event.event_type)
                if target.kind == "revoked":
                    outcomes[event.id] = await _check_revoked(deps, client, plan)
                elif target.kind == "other":
                    outcomes[event.id] = "ignored"
                elif target.kind == "deleted":
                    # A deletion wins over changes of the same voucher in the same round.
                    resources[event.resource_id] = DELETED
                else:
                    resources.setdefault(event.resource_id, target.type_hint or "")
            await _sync_resources(deps, client, plan, tally, resources)
        except Exception:
            # Not handled (the run aborted or crashed): back to pending for the next run.
            async with deps.uow_factory() as uow:
                await uow.events.release_folded(plan.run_id)
                await uow.commit()
            raise
        async with deps.uow_factory() as uow:
            await uow.events.finish([e.id for e in events], outcomes=outcomes, now=deps.clock.now())
            await uow.commit()
        logger.info("sync_events_folded", run_id=plan.run_id, events=len(events))


async def _check_revoked(deps: SyncDeps, client: LexwarePort, plan: RunPlan) -> str:
    """``token.revoked``: a key Lexware refuses now fails the connection; a replayed or
    misdirected event about a key that still works changes nothing."""
    try:
        await client.profile()
    except (LexwareAuthError, LexwareContractError) as error:
        raise await connection_failed(deps, plan, error) from None
    except LexwareError as error:
        raise RunAborted("failed_transient", error.code, error.message) from None
    logger.warning("token_revoked_but_key_works", run_id=plan.run_id)
    return "key_still_valid"


async def _sync_resources(
    deps: SyncDeps,
    client: LexwarePort,
    plan: RunPlan,
    tally: RunTally,
    resources: dict[str, str],
) -> None:
    if not resources:
        return
    async with deps.uow_factory.read_only() as uow:  # a read: no write lock
        known = await uow.vouchers.sync_states(plan.tenant_id)
    listed: dict[str, VoucherListItem] = {}
    gone: list[VoucherWork] = []
    for resource_id, hint in resources.items():
        stored = known.get(resource_id)
        if hint == DELETED:
            if stored is not None:
                gone.append(CheckGone(stored))
            continue
        item = await _current_state(deps, client, plan, resource_id, hint, stored)
        if item is not None:
            listed[item.id] = item
        elif stored is not None:
            gone.append(CheckGone(stored))
    work = await plan_work(deps, plan, listed, tally)
    await process_all(deps, client, plan, [*work, *gone], tally)


async def _current_state(
    deps: SyncDeps,
    client: LexwarePort,
    plan: RunPlan,
    resource_id: str,
    hint: str,
    stored: KnownVoucher | None,
) -> VoucherListItem | None:
    """What the voucher list would say about the voucher now; ``None`` if Lexware no
    longer has it (or it is not a voucher we sync)."""
    voucher_type = stored.voucher_type if stored is not None else hint
    try:
        if not voucher_type:
            # payment.changed names any voucher: its payments tell the type.
            voucher_type = (await client.payments(resource_id)).voucher_type or ""
            if voucher_type not in SYNCED_VOUCHER_TYPES:
                return None
        detail = await client.voucher_detail(voucher_type, resource_id)
    except LexwareNotFoundError:
        return None
    except (LexwareAuthError, LexwareContractError, LexwareForbiddenError) as error:
        raise await connection_failed(deps, plan, error) from None
    except (LexwareUnavailableError, LexwareRateLimitedError) as error:
        raise RunAborted("failed_transient", error.code, error.message) from None
    except LexwareError as error:
        logger.warning("sync_event_unreadable", run_id=plan.run_id, code=error.code)
        return None
    return list_item_from_detail(detail, voucher_type)


def list_item_from_detail(
    detail: BookkeepingVoucher | SalesVoucher, voucher_type: str
) -> VoucherListItem | None:
    """The voucher list entry of a voucher, built from its detail (same JSON keys)."""
    raw = detail.raw
    if isinstance(detail, BookkeepingVoucher):
        voucher_type = detail.type
        contact, total, currency = raw.get("contactName"), raw.get("totalGrossAmount"), "EUR"
    else:
        price = raw.get("totalPrice") or {}
        address = raw.get("address") or {}
        contact, total = address.get("name"), price.get("totalGrossAmount")
        currency = price.get("currency") or "EUR"
    if voucher_type not in SYNCED_VOUCHER_TYPES or not detail.voucher_status:
        return None
    entry = {
        "id": detail.id,
        "voucherType": voucher_type,
        "voucherStatus": detail.voucher_status,
        "voucherNumber": raw.get("voucherNumber"),
        "voucherDate": raw.get("voucherDate"),
        "createdDate": raw.get("createdDate"),
        "updatedDate": raw.get("updatedDate"),
        "dueDate": raw.get("dueDate"),
        "contactId": raw.get("contactId"),
        "contactName": contact,
        "totalAmount": total,
        "currency": currency,
        "archived": raw.get("archived"),
    }
    return VoucherListItem.from_json({k: v for k, v in entry.items() if v is not None})
