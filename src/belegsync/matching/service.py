"""Matching use cases: run the engine over stored data, and confirm, reject, undo, link.

Each change checks that the rows belong to the tenant (``NotFound`` otherwise), writes
an audit row and commits. Links are never deleted; only their status changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from belegsync.domain.clock import Clock
from belegsync.domain.matching import (
    ExistingLink,
    LinkStatus,
    Suggestion,
    UnmatchedReason,
)
from belegsync.domain.matching_text import compact_identifier
from belegsync.matching.engine import match
from belegsync.matching.expected import rebuild_expected_payments, to_bank_txn, to_payment_value
from belegsync.matching.memory import IbanContactMemory, MemoryRow, is_usable_identifier
from belegsync.matching.params import ENGINE_VERSION, MatchParams
from belegsync.store.errors import NotFound
from belegsync.store.models import BankTransaction, ExpectedPayment, PaymentLink, Voucher
from belegsync.store.uow import UnitOfWork

__all__ = [
    "ALLOCATING",
    "MATCHING_ACTOR",
    "REPLACED_REASON",
    "LinkRejected",
    "MatchCounts",
    "confirm_link",
    "link_manually",
    "reject_link",
    "run_matching",
    "undo_link",
]

log = structlog.get_logger(__name__)

MATCHING_ACTOR = "matching"
REPLACED_REASON = "ersetzt durch echte Transaktion"
STALE_REASON = "nicht mehr vorgeschlagen"
ALLOCATING: tuple[str, ...] = ("auto_confirmed", "confirmed")
# Replacing an external transaction needs an exact amount within this many days.
_REPLACE_MAX_DAYS = 10


class LinkRejected(Exception):
    """The action does not fit the link's status (e.g. confirming a rejected link)."""

    code = "link_state"

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en


@dataclass(frozen=True, slots=True)
class MatchCounts:
    payments: int
    auto_links: int
    suggestions: int
    unmatched: int
    no_candidate: int
    replaced_external: int


def _features_json(suggestion: Suggestion) -> dict[str, Any]:
    f = suggestion.features
    return {
        "amount": f.amount,
        "reference": f.reference,
        "counterparty": f.counterparty,
        "date": f.date,
        "penalty": f.penalty,
        "amount_kind": f.amount_kind.value,
        "amount_delta_cents": f.amount_delta_cents,
        "days_delta": f.days_delta,
        "reference_hit": f.reference_hit,
        "counterparty_evidence": f.counterparty_evidence,
        "identifying": f.identifying,
        "collective_group": suggestion.collective_group,
    }


def _fill(link: PaymentLink, suggestion: Suggestion, status: str, now: datetime) -> None:
    link.allocated_cents = suggestion.allocated_cents
    link.difference_cents = suggestion.difference_cents
    link.difference_reason = (
        suggestion.difference_reason.value if suggestion.difference_reason else None
    )
    link.status = status  # type: ignore[assignment]
    link.score = round(suggestion.score, 4)
    link.features = _features_json(suggestion)
    link.reasons = list(suggestion.reasons)
    link.engine_version = ENGINE_VERSION
    link.updated_at = now


def _new_link(
    tenant_id: str, payment_id: str, txn_id: str, actor: str, now: datetime
) -> PaymentLink:
    return PaymentLink(
        tenant_id=tenant_id, expected_payment_id=payment_id, bank_transaction_id=txn_id,
        allocated_cents=0, difference_cents=0, status="suggested", reasons=[], actor=actor,
        created_at=now, updated_at=now,
    )  # fmt: skip


async def _audit(
    uow: UnitOfWork, tenant_id: str, actor: str, action: str, link: PaymentLink, now: datetime,
    **detail: Any,
) -> None:  # fmt: skip
    await uow.audit.add(
        tenant_id=tenant_id, actor=actor, action=action, subject_type="link", subject_id=link.id,
        now=now, detail={"payment_id": link.expected_payment_id,
                         "transaction_id": link.bank_transaction_id, "status": link.status,
                         **detail},
    )  # fmt: skip


class _Loaded:
    """Everything one run reads, split the way the engine and the writer need it."""

    def __init__(
        self,
        payments: list[tuple[ExpectedPayment, Voucher]],
        txns: list[BankTransaction],
        links: list[PaymentLink],
    ) -> None:
        self.payments = {p.id: (p, v) for p, v in payments if p.kind == "bank"}
        self.external_txns = {t.id for t in txns if t.source == "external"}
        self.real_txns = [t for t in txns if t.source != "external"]
        self.links = links
        self.external_links: dict[str, PaymentLink] = {}
        self.open_suggestions: dict[tuple[str, str], PaymentLink] = {}
        for link in links:
            if link.status in ALLOCATING and link.bank_transaction_id in self.external_txns:
                self.external_links[link.expected_payment_id] = link
            elif link.status == "suggested":
                self.open_suggestions[(link.expected_payment_id, link.bank_transaction_id)] = link

    def engine_links(self) -> list[ExistingLink]:
        # Links to external transactions do not settle the payment for the engine: a
        # real transaction arriving later must still be found (and then replaces it).
        return [
            ExistingLink(k.expected_payment_id, k.bank_transaction_id, k.allocated_cents,
                         LinkStatus(k.status))
            for k in self.links
            if k.status in ALLOCATING and k.bank_transaction_id not in self.external_txns
        ]  # fmt: skip

    def rejected_pairs(self) -> frozenset[tuple[str, str]]:
        # Rejected pairs and links a person undid are never offered again.
        return frozenset(
            (k.expected_payment_id, k.bank_transaction_id)
            for k in self.links
            if k.status == "rejected" or (k.status == "undone" and k.actor != MATCHING_ACTOR)
        )


def _memory(rows: list[Any]) -> IbanContactMemory:
    return IbanContactMemory(
        MemoryRow(r.tenant_id, r.iban, r.contact_id, r.confirmations, r.rejections) for r in rows
    )


def _replaces_external(suggestion: Suggestion) -> bool:
    f = suggestion.features
    return f.amount_kind.is_exact and f.identifying and abs(f.days_delta) <= _REPLACE_MAX_DAYS


async def run_matching(
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    *,
    params: MatchParams | None = None,
) -> MatchCounts:
    """Rebuild the tenant's expected payments, run the engine and store its result.

    Automatic links are stored as ``auto_confirmed``; the open suggestions are replaced
    by the new ones (confirmed, rejected and undone links are never touched). A real
    transaction found for a payment linked to an external transaction replaces it.
    """
    now = clock.now()
    async with uow_factory() as uow:
        if await uow.tenants.get(tenant_id) is None:
            raise NotFound("tenant")
        await rebuild_expected_payments(uow, tenant_id, now=now)
        loaded = _Loaded(
            await uow.matching.payments(tenant_id),
            await uow.matching.transactions(tenant_id),
            await uow.matching.links(tenant_id),
        )
        result = match(
            [to_payment_value(p, v) for p, v in loaded.payments.values()],
            [to_bank_txn(t) for t in loaded.real_txns],
            rejected=loaded.rejected_pairs(),
            existing_links=loaded.engine_links(),
            memory=_memory(await uow.matching.memory(tenant_id)),
            params=params,
        )
        writer = _Writer(uow, tenant_id, loaded, now)
        for decision in result.auto_links:
            await writer.link(decision.suggestion, "auto_confirmed")
        suggested = 0
        for payment_id, suggestions in result.suggestions_by_payment.items():
            if payment_id in loaded.external_links:
                if suggestions and _replaces_external(suggestions[0]):
                    await writer.link(suggestions[0], "auto_confirmed")
                continue
            for suggestion in suggestions:
                await writer.link(suggestion, "suggested")
                suggested += 1
        await writer.retire_stale()
        reasons = {u.payment_id: u.reason.value for u in result.unmatched}
        for payment, _ in loaded.payments.values():
            payment.unmatched_reason = reasons.get(payment.id)
        await uow.commit()
    counts = MatchCounts(
        payments=len(loaded.payments),
        auto_links=len(result.auto_links),
        suggestions=suggested,
        unmatched=len(result.unmatched),
        no_candidate=sum(r == UnmatchedReason.NO_CANDIDATE.value for r in reasons.values()),
        replaced_external=writer.replaced,
    )
    log.info("matching_finished", tenant_id=tenant_id, auto_links=counts.auto_links,
             suggestions=counts.suggestions, unmatched=counts.unmatched,
             replaced_external=counts.replaced_external)  # fmt: skip
    return counts


class _Writer:
    def __init__(self, uow: UnitOfWork, tenant_id: str, loaded: _Loaded, now: datetime) -> None:
        self.uow, self.tenant_id, self.loaded, self.now = uow, tenant_id, loaded, now
        self.kept: set[tuple[str, str]] = set()
        self.replaced = 0

    async def link(self, suggestion: Suggestion, status: str) -> None:
        key = (suggestion.payment_id, suggestion.txn_id)
        link = self.loaded.open_suggestions.get(key)
        if link is None:
            link = _new_link(self.tenant_id, *key, MATCHING_ACTOR, self.now)
            self.uow.matching.add(link)
        _fill(link, suggestion, status, self.now)
        self.kept.add(key)
        await self.uow.matching.flush()
        if status == "suggested":
            return
        await _audit(self.uow, self.tenant_id, MATCHING_ACTOR, "link_auto_confirmed", link,
                     self.now, reasons=link.reasons)  # fmt: skip
        external = self.loaded.external_links.pop(suggestion.payment_id, None)
        if external is not None:
            await _retire_external(self.uow, self.tenant_id, external, link, self.now)
            self.replaced += 1

    async def retire_stale(self) -> None:
        for key, link in self.loaded.open_suggestions.items():
            if key not in self.kept and link.status == "suggested":
                link.status = "undone"
                link.actor = MATCHING_ACTOR
                link.status_reason = STALE_REASON
                link.updated_at = self.now


async def _retire_external(
    uow: UnitOfWork, tenant_id: str, external: PaymentLink, real: PaymentLink, now: datetime
) -> None:
    external.status = "undone"
    external.status_reason = REPLACED_REASON
    external.updated_at = now
    await _audit(
        uow, tenant_id, MATCHING_ACTOR, "external_transaction_replaced", external, now,
        replaced_by_link=real.id, replaced_by_transaction=real.bank_transaction_id,
    )  # fmt: skip


async def _teach(
    uow: UnitOfWork, tenant_id: str, link: PaymentLink, now: datetime, *, confirmed: bool
) -> None:
    _, voucher = await uow.matching.payment(tenant_id, link.expected_payment_id)
    found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
    if voucher.contact_id is None or found is None:
        return
    txn = found[0]
    for identifier in (txn.counterparty_iban, txn.creditor_id):
        if not identifier or not is_usable_identifier(identifier):
            continue
        row = await uow.matching.memory_row(
            tenant_id, compact_identifier(identifier), voucher.contact_id, now=now
        )
        if confirmed:
            row.confirmations += 1
        else:
            row.rejections += 1
        row.updated_at = now


async def _external_of(uow: UnitOfWork, tenant_id: str, payment_id: str) -> list[PaymentLink]:
    out = []
    for link in await uow.matching.links_of_payment(payment_id):
        if link.status not in ALLOCATING:
            continue
        found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
        if found is not None and found[0].source == "external":
            out.append(link)
    return out


async def _access_link(uow: UnitOfWork, tenant_id: str, link_id: str) -> PaymentLink:
    link = await uow.matching.link(tenant_id, link_id)
    if link is None:
        raise NotFound("link")
    return link


async def confirm_link(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, tenant_id: str, link_id: str,
    *, actor: str,
) -> PaymentLink:  # fmt: skip
    """Confirm a suggested (or automatic) link; teaches IBAN → contact."""
    now = clock.now()
    async with uow_factory() as uow:
        link = await _access_link(uow, tenant_id, link_id)
        if link.status not in ("suggested", "auto_confirmed"):
            raise LinkRejected(
                "Diese Zuordnung kann nicht mehr bestätigt werden.",
                "This link can no longer be confirmed.",
            )
        link.status = "confirmed"
        link.actor = actor
        link.updated_at = now
        for external in await _external_of(uow, tenant_id, link.expected_payment_id):
            await _retire_external(uow, tenant_id, external, link, now)
        await _teach(uow, tenant_id, link, now, confirmed=True)
        await _audit(uow, tenant_id, actor, "link_confirmed", link, now)
        await uow.commit()
    return link


async def reject_link(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, tenant_id: str, link_id: str,
    *, actor: str,
) -> PaymentLink:  # fmt: skip
    """Reject a suggested or automatic link: the pair is never offered again."""
    now = clock.now()
    async with uow_factory() as uow:
        link = await _access_link(uow, tenant_id, link_id)
        if link.status not in ("suggested", "auto_confirmed"):
            raise LinkRejected(
                "Nur Vorschläge und automatische Zuordnungen können abgelehnt werden.",
                "Only suggestions and automatic links can be rejected.",
            )
        link.status = "rejected"
        link.actor = actor
        link.updated_at = now
        await _teach(uow, tenant_id, link, now, confirmed=False)
        await _audit(uow, tenant_id, actor, "link_rejected", link, now)
        await uow.commit()
    return link


async def undo_link(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, tenant_id: str, link_id: str,
    *, actor: str,
) -> PaymentLink:  # fmt: skip
    """Undo a confirmed or automatic link; the payment is open again."""
    now = clock.now()
    async with uow_factory() as uow:
        link = await _access_link(uow, tenant_id, link_id)
        if link.status not in ALLOCATING:
            raise LinkRejected(
                "Nur bestehende Zuordnungen können aufgehoben werden.",
                "Only existing links can be undone.",
            )
        link.status = "undone"
        link.actor = actor
        link.status_reason = "aufgehoben"
        link.updated_at = now
        await _audit(uow, tenant_id, actor, "link_undone", link, now)
        await uow.commit()
    return link


async def link_manually(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, tenant_id: str, payment_id: str,
    txn_id: str, *, actor: str,
) -> PaymentLink:  # fmt: skip
    """Link a payment to any transaction of the tenant (confirmed), found by a person."""
    now = clock.now()
    async with uow_factory() as uow:
        payment, _ = await uow.matching.payment(tenant_id, payment_id)
        found = await uow.matching.transaction(tenant_id, txn_id)
        if found is None:
            raise NotFound("transaction")
        txn = found[0]
        allocated = min(abs(txn.amount_cents), payment.amount_cents)
        link = _new_link(tenant_id, payment.id, txn.id, actor, now)
        link.status = "confirmed"
        link.allocated_cents = allocated
        link.difference_cents = abs(txn.amount_cents) - payment.amount_cents
        link.reasons = ["manual"]
        uow.matching.add(link)
        await uow.matching.flush()
        if txn.source != "external":
            for external in await _external_of(uow, tenant_id, payment.id):
                if external.id != link.id:
                    await _retire_external(uow, tenant_id, external, link, now)
        await _teach(uow, tenant_id, link, now, confirmed=True)
        await _audit(uow, tenant_id, actor, "link_created_manually", link, now)
        await uow.commit()
    return link
