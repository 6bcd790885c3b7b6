"""What a person does with links: confirm, reject, undo, link by hand, confirm in bulk,
keep a confirmed link whose collection came back.

Each use case checks that the rows belong to the tenant (``NotFound`` otherwise),
moves the link through the domain's state machine (``LinkStateError`` when the
status does not allow the action), writes an audit row and commits. Undoing runs
matching again, so the payment is open and matchable at once; so does confirming (one
by one, in bulk, or by hand): what a confirmation teaches — the payer's account, a
recurring amount — and the line it takes are used for the payments still open at once,
not at the next morning's run (a chamber's second instalment, booked eight days before
its paid date, was left open after its first was confirmed, and the dental practice's
person linked it by hand: its reviewed replay, seeds 7 and 99).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from belegsync.domain.clock import Clock
from belegsync.domain.links import (
    ENGINE_ACTOR,
    LinkAction,
    allocation,
    check_return,
    is_allocating,
    is_safe_suggestion,
    link_difference,
)
from belegsync.domain.matching import (
    ALLOCATING_STATUSES,
    AmountKind,
    LinkStatus,
    creditor_is_counterparty,
)
from belegsync.domain.matching_text import compact_identifier
from belegsync.matching.link_rows import (
    ADVICE_REMOVED_REASON,
    UNDONE_REASON,
    audit_link,
    move,
    new_link,
    retire_external,
)
from belegsync.matching.memory import is_usable_identifier
from belegsync.matching.payouts import teaches_payer
from belegsync.matching.service import matching_after_change
from belegsync.store.access import TenantContext
from belegsync.store.errors import NotFound
from belegsync.store.link_store import links_of_batch
from belegsync.store.matching_queries import SuggestionRow, open_suggestions
from belegsync.store.models import PaymentLink
from belegsync.store.models.base import new_id
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "BulkConfirmation",
    "Confirmed",
    "confirm_link",
    "confirm_links",
    "confirm_safe_suggestions",
    "external_links_of",
    "keep_after_return",
    "link_manually",
    "reject_link",
    "remove_advice",
    "safe_suggestions",
    "undo_batch",
    "undo_link",
]

UowFactory = UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Confirmed:
    """A link a person confirmed or made, and how many payments the run after it linked
    automatically besides (what the confirmation taught, used at once); None where
    the database was busy: the confirmation stands, the next run catches up."""

    link: PaymentLink
    also_linked: int | None


@dataclass(frozen=True, slots=True)
class BulkConfirmation:
    """A bulk confirmation: its batch (undone together), how many suggestions it
    confirmed, and how many payments the run after it linked automatically besides
    (None: the database was busy; 0 where nothing was confirmed)."""

    batch_id: str
    confirmed: int
    also_linked: int | None = 0


async def _matched_again(uow_factory: UowFactory, clock: Clock, tenant_id: str) -> int | None:
    """The run after a confirmation: how many payments it linked automatically (None:
    the database was busy)."""
    counts = await matching_after_change(uow_factory, clock, tenant_id)
    return None if counts is None else counts.auto_links


@dataclass(frozen=True, slots=True)
class Undone:
    """The links an undo took back, and whether the run after it matched the payments
    again (False: the database was busy; the undo stands, the next run offers them)."""

    links: tuple[PaymentLink, ...]
    matched: bool


async def _teach(
    uow: UnitOfWork,
    tenant_id: str,
    link: PaymentLink,
    now: datetime,
    *,
    confirmations: int = 0,
    rejections: int = 0,
) -> None:
    """Confirming teaches IBAN/creditor id → contact (``confirmations=1``), undoing a
    confirmation takes that back (``-1``); rejecting weakens it (``rejections=1``)."""
    _, voucher = await uow.matching.payment(tenant_id, link.expected_payment_id)
    found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
    if voucher.contact_id is None or found is None:
        return
    txn = found[0]
    if not teaches_payer(voucher.contact_name or "", txn.counterparty_name or "", txn.remittance):
        return  # a payment provider's account is no payer's (``LinkHistory._add``)
    creditor = txn.creditor_id if creditor_is_counterparty(txn.amount_cents) else None
    for identifier in (txn.counterparty_iban, creditor):
        if not identifier or not is_usable_identifier(identifier):
            continue
        row = await uow.matching.memory_row(
            tenant_id, compact_identifier(identifier), voucher.contact_id, now=now
        )
        row.confirmations = max(0, row.confirmations + confirmations)
        row.rejections += rejections
        row.updated_at = now


async def external_links_of(uow: UnitOfWork, tenant_id: str, payment_id: str) -> list[PaymentLink]:
    """The payment's allocating links to external transactions."""
    out = []
    for link in await uow.matching.links_of_payment(payment_id):
        if not is_allocating(link.status):
            continue
        found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
        if found is not None and found[0].source == "external":
            out.append(link)
    return out


def _ctx(tenant_id: str, actor: str) -> TenantContext:
    return TenantContext(tenant_id=tenant_id, actor=actor)


async def _access_link(uow: UnitOfWork, tenant_id: str, link_id: str) -> PaymentLink:
    link = await uow.matching.link(tenant_id, link_id)
    if link is None:
        raise NotFound("link")
    return link


async def _confirm(
    uow: UnitOfWork, tenant_id: str, link: PaymentLink, actor: str, now: datetime
) -> None:
    move(link, LinkAction.CONFIRM, actor=actor, now=now)
    if link.bank_transaction_id:
        found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
        if found is not None and found[0].source != "external":
            for external in await external_links_of(uow, tenant_id, link.expected_payment_id):
                if external.id != link.id:
                    await retire_external(
                        uow, tenant_id, external, link.id, link.bank_transaction_id, now
                    )
    await _teach(uow, tenant_id, link, now, confirmations=1)


async def _reject(
    uow: UnitOfWork, tenant_id: str, link: PaymentLink, actor: str, now: datetime
) -> None:
    move(link, LinkAction.REJECT, actor=actor, now=now)
    await _teach(uow, tenant_id, link, now, rejections=1)


async def _undo(
    uow: UnitOfWork, tenant_id: str, link: PaymentLink, actor: str, now: datetime
) -> None:
    """A person's confirmation undone takes back what it taught: a payer confirmed by
    mistake is not left behind as the contact's known account (which would decide the
    payer of later lines). An automatic link taught nothing to take back."""
    confirmed = link.status == LinkStatus.CONFIRMED
    move(link, LinkAction.UNDO, actor=actor, now=now, reason=UNDONE_REASON)
    if confirmed:
        await _teach(uow, tenant_id, link, now, confirmations=-1)


async def _keep(
    uow: UnitOfWork, tenant_id: str, link: PaymentLink, actor: str, now: datetime
) -> None:
    """The person checked the return and keeps the link (the voucher is paid all the
    same): the return is marked checked, nothing else changes."""
    check_return(link.status, link.returned_by_txn_id, link.return_checked_at is not None)
    link.return_checked_at = now
    link.updated_at = now


Effect = Callable[[UnitOfWork, str, PaymentLink, str, datetime], Awaitable[None]]


async def _act(
    uow_factory: UowFactory,
    clock: Clock,
    tenant_id: str,
    link_id: str,
    *,
    actor: str,
    effect: Effect,
    audit_action: str,
) -> PaymentLink:
    now = clock.now()
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)
        link = await _access_link(uow, tenant_id, link_id)
        await effect(uow, tenant_id, link, actor, now)
        await audit_link(uow, tenant_id, actor, audit_action, link, now)
        await uow.commit()
    return link


async def confirm_link(
    uow_factory: UowFactory, clock: Clock, tenant_id: str, link_id: str, *, actor: str
) -> Confirmed:
    """Confirm a suggested (or automatic) link; teaches IBAN → contact; match again."""
    link = await _act(
        uow_factory,
        clock,
        tenant_id,
        link_id,
        actor=actor,
        effect=_confirm,
        audit_action="link_confirmed",
    )
    return Confirmed(link, await _matched_again(uow_factory, clock, tenant_id))


async def reject_link(
    uow_factory: UowFactory, clock: Clock, tenant_id: str, link_id: str, *, actor: str
) -> PaymentLink:
    """Reject a suggested or automatic link: the pair is never offered again."""
    return await _act(
        uow_factory,
        clock,
        tenant_id,
        link_id,
        actor=actor,
        effect=_reject,
        audit_action="link_rejected",
    )


async def undo_link(
    uow_factory: UowFactory, clock: Clock, tenant_id: str, link_id: str, *, actor: str
) -> Undone:
    """Undo a confirmed or automatic link, then match again: the payment is open, and
    the pair may come back as a suggestion (never as an automatic link)."""
    link = await _act(
        uow_factory,
        clock,
        tenant_id,
        link_id,
        actor=actor,
        effect=_undo,
        audit_action="link_undone",
    )
    matched = await matching_after_change(uow_factory, clock, tenant_id)
    return Undone((link,), matched is not None)


async def keep_after_return(
    uow_factory: UowFactory, clock: Clock, tenant_id: str, link_id: str, *, actor: str
) -> PaymentLink:
    """Keep a confirmed link whose collection came back („Zuordnung beibehalten“): the
    notice gives way to a note that the return was checked; the same return is never
    shown for checking again. ``ReturnNotPending`` for a link with no return to check
    (changes nothing)."""
    return await _act(
        uow_factory,
        clock,
        tenant_id,
        link_id,
        actor=actor,
        effect=_keep,
        audit_action="link_kept_after_return",
    )


async def link_manually(
    uow_factory: UowFactory,
    clock: Clock,
    tenant_id: str,
    payment_id: str,
    txn_id: str,
    *,
    actor: str,
) -> Confirmed:
    """Link a payment to any transaction of the tenant (confirmed), found by a person;
    match again. The pair linked already (the form sent twice): that link, nothing
    written and nothing more linked."""
    now = clock.now()
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)
        payment, _ = await uow.matching.payment(tenant_id, payment_id)
        found = await uow.matching.transaction(tenant_id, txn_id)
        if found is None:
            raise NotFound("transaction")
        txn = found[0]
        for existing in await uow.matching.links_touching(tenant_id, [payment.id], []):
            if existing.bank_transaction_id == txn.id and existing.status in ALLOCATING_STATUSES:
                return Confirmed(existing, 0)
        link = new_link(tenant_id, payment.id, txn.id, actor, now, LinkStatus.CONFIRMED)
        link.allocated_cents = allocation(payment.amount_cents, txn.amount_cents)
        link.difference_cents = link_difference(payment.amount_cents, link.allocated_cents)
        link.reasons = ["manual"]
        uow.matching.add(link)
        await uow.matching.flush()
        if txn.source != "external":
            for external in await external_links_of(uow, tenant_id, payment.id):
                if external.id != link.id:
                    await retire_external(
                        uow, tenant_id, external, link.id, link.bank_transaction_id, now
                    )
        await _teach(uow, tenant_id, link, now, confirmations=1)
        await audit_link(uow, tenant_id, actor, "link_created_manually", link, now)
        await uow.commit()
    return Confirmed(link, await _matched_again(uow_factory, clock, tenant_id))


async def confirm_links(
    uow_factory: UowFactory, clock: Clock, tenant_id: str, link_ids: list[str], *, actor: str
) -> BulkConfirmation:
    """Confirm the chosen suggestions as one batch, all or nothing: an id that is not
    the tenant's raises ``NotFound`` and changes nothing; links whose status no longer
    allows confirming (a second click) are left as they are."""

    async def chosen(uow: UnitOfWork) -> list[PaymentLink]:
        links = [await _access_link(uow, tenant_id, i) for i in dict.fromkeys(link_ids)]
        return [link for link in links if link.status == LinkStatus.SUGGESTED]

    return await _confirm_in_bulk(uow_factory, clock, tenant_id, actor, chosen)


async def _confirm_in_bulk(
    uow_factory: UowFactory,
    clock: Clock,
    tenant_id: str,
    actor: str,
    choose: Callable[[UnitOfWork], Awaitable[list[PaymentLink]]],
) -> BulkConfirmation:
    """Confirm the links ``choose`` picks (under the tenant's link lock) as one batch
    that can be undone together; matching runs again once, after the batch."""
    now = clock.now()
    batch_id = new_id()
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)  # NotFound for an unknown tenant
        chosen = await choose(uow)
        for link in chosen:
            await _confirm(uow, tenant_id, link, actor, now)
            link.batch_id = batch_id
        await _audit_batch(uow, tenant_id, actor, "links_confirmed_in_bulk", batch_id, chosen, now)
        await uow.commit()
    also = await _matched_again(uow_factory, clock, tenant_id) if chosen else 0
    return BulkConfirmation(batch_id=batch_id, confirmed=len(chosen), also_linked=also)


async def _audit_batch(
    uow: UnitOfWork,
    tenant_id: str,
    actor: str,
    action: str,
    batch_id: str,
    links: list[PaymentLink],
    now: datetime,
) -> None:
    await uow.audit.add(
        tenant_id=tenant_id,
        actor=actor,
        action=action,
        subject_type="link_batch",
        subject_id=batch_id,
        now=now,
        detail={"links": [link.id for link in links]},
    )


def _exact(features: dict[str, Any]) -> bool:
    try:
        return AmountKind(str(features.get("amount_kind"))).is_exact
    except ValueError:
        return False


def safe_suggestions(rows: Sequence[SuggestionRow]) -> list[str]:
    """Ids of the suggestions "Alle sicheren Vorschläge bestätigen" confirms (the
    domain's rule; the runner-up is the best other suggestion for the same payment or
    the same transaction)."""
    top: dict[str, list[tuple[float, str]]] = {}
    for row in rows:
        for key in (f"p:{row.payment_id}", f"t:{row.txn_id}"):
            best = top.setdefault(key, [])
            best.append((row.score or 0.0, row.id))
            best.sort(reverse=True)
            del best[2:]
    safe = []
    for row in rows:
        runner_up = 0.0
        for key in (f"p:{row.payment_id}", f"t:{row.txn_id}"):
            others = [score for score, link_id in top[key] if link_id != row.id]
            runner_up = max([runner_up, *others[:1]])
        features = row.features or {}
        if is_safe_suggestion(
            row.score or 0.0,
            amount_exact=_exact(features),
            identifying=bool(features.get("identifying")),
            runner_up=runner_up,
        ):
            safe.append(row.id)
    return safe


async def confirm_safe_suggestions(
    uow_factory: UowFactory, clock: Clock, tenant_id: str, *, actor: str
) -> BulkConfirmation:
    """Confirm every safe suggestion at once, as one batch that can be undone together."""

    async def chosen(uow: UnitOfWork) -> list[PaymentLink]:
        ids = safe_suggestions(await open_suggestions(uow, _ctx(tenant_id, actor)))
        return [await _access_link(uow, tenant_id, link_id) for link_id in ids]

    return await _confirm_in_bulk(uow_factory, clock, tenant_id, actor, chosen)


async def undo_batch(
    uow_factory: UowFactory, clock: Clock, tenant_id: str, batch_id: str, *, actor: str
) -> Undone:
    """Undo the links of one bulk confirmation that are still confirmed; match again."""
    now = clock.now()
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)
        links = await links_of_batch(uow, tenant_id, batch_id)
        if not links:
            raise NotFound("batch")
        undone = [link for link in links if link.status == LinkStatus.CONFIRMED]
        for link in undone:
            await _undo(uow, tenant_id, link, actor, now)
        await _audit_batch(uow, tenant_id, actor, "link_batch_undone", batch_id, undone, now)
        await uow.commit()
    matched = await matching_after_change(uow_factory, clock, tenant_id)
    return Undone(tuple(undone), matched is not None)


async def remove_advice(
    uow_factory: UowFactory, clock: Clock, tenant_id: str, advice_id: str, *, actor: str
) -> int:
    """Remove a payment advice uploaded by mistake (``NotFound`` for another tenant's):
    it is deleted, and the automatic links on its line are retired — they rest on what
    it said; a link a person confirmed stays. Matching runs again. Returns how many
    links were retired (audit ``advice_removed``, with the person).

    They are retired as the engine retires what no longer holds, not undone as a
    person's judgement of the pair: the person judged the file. Before, the same pairs
    were never linked automatically again — the right advice uploaded after the wrong
    one only offered them."""
    now = clock.now()
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)
        row = await uow.advices.get(tenant_id, advice_id)
        undone: list[PaymentLink] = []
        if row.bank_transaction_id is not None:
            undone = [
                link
                for link in await uow.matching.links_touching(
                    tenant_id, [], [row.bank_transaction_id]
                )
                if link.status == LinkStatus.AUTO_CONFIRMED
            ]
        for link in undone:
            move(link, LinkAction.RETIRE, actor=ENGINE_ACTOR, now=now, reason=ADVICE_REMOVED_REASON)
        await uow.audit.add(
            tenant_id=tenant_id,
            actor=actor,
            action="advice_removed",
            subject_type="payment_advice",
            subject_id=row.id,
            now=now,
            detail={
                "file_name": row.file_name,
                "reference": row.reference,
                "bank_transaction_id": row.bank_transaction_id,
                "links": [link.id for link in undone],
            },
        )
        await uow.advices.delete(row)
        await uow.commit()
    await matching_after_change(uow_factory, clock, tenant_id)
    return len(undone)
