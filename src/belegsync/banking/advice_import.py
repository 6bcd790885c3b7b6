"""Use case: import a payment advice file and attach each advice to its bank line.

An advice names the invoices behind one line (``domain.advice``). It is parsed and
checked whole first; then each advice is stored and attached to the one line it fits
(:func:`line_for_advice`) — or kept waiting when the statement with its line is not
imported yet (a collection file is often uploaded the day it is submitted): each
statement import attaches the waiting ones (:func:`attach_waiting`). The same advice
uploaded again is recognised by its content and stored once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import structlog

from belegsync.banking.advice import parse_advices
from belegsync.domain.advice import Advice, line_for_advice
from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.store.banking_repository import advice_of
from belegsync.store.errors import NotFound
from belegsync.store.models import PaymentAdvice
from belegsync.store.uow import UnitOfWork

__all__ = [
    "AdviceImportResult",
    "AttachedAdvice",
    "attach_batch",
    "attach_waiting",
    "fingerprint",
    "import_advices",
]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AttachedAdvice:
    """One advice of the file and where it went: ``txn_id`` None while it waits for its
    line; ``ambiguous``: several lines fit and none was chosen."""

    reference: str
    items: int
    paid_cents: int
    credit: bool
    txn_id: str | None
    booking_date: date | None = None
    ambiguous: bool = False
    known: bool = False  # uploaded before: nothing stored anew


@dataclass(frozen=True, slots=True)
class AdviceImportResult:
    advices: tuple[AttachedAdvice, ...]

    @property
    def attached(self) -> int:
        return sum(1 for a in self.advices if a.txn_id is not None)

    @property
    def waiting(self) -> int:
        return len(self.advices) - self.attached

    def as_json(self) -> dict[str, Any]:
        """The result as the CLI's ``--json`` and the API answer it (signed cents)."""
        return {
            "attached": self.attached,
            "waiting": self.waiting,
            "advices": [
                {
                    "reference": a.reference,
                    "items": a.items,
                    "paid_cents": a.paid_cents if a.credit else -a.paid_cents,
                    "transaction_id": a.txn_id,
                    "booking_date": a.booking_date.isoformat() if a.booking_date else None,
                    "ambiguous": a.ambiguous,
                    "already_known": a.known,
                }
                for a in self.advices
            ],
        }


def fingerprint(advice: Advice) -> str:
    """The advice's content as one hash: what it says, not how the file wrote it."""
    document = json.dumps(asdict(advice), default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(document.encode()).hexdigest()


async def import_advices(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    filename: str,
    data: bytes,
    actor: str,
) -> AdviceImportResult:
    """Parse ``data`` (all or nothing), store its advices and attach them to their
    lines. Raises ``AdviceError`` (4xx) for a malformed file, ``InvalidInput`` for
    one without any advice."""
    advices = parse_advices(data, filename)
    if not advices:
        raise InvalidInput(
            "Die Datei enthält keine Sammelbuchung, die aufzuschlüsseln wäre (die Bank "
            "bucht jede Zahlung einzeln). Es wurde nichts zugeordnet.",
            code="advice_empty",
            message_en="The file holds no batch to break down (the bank books each payment "
            "on its own). Nothing was attached.",
        )
    now = clock.now()
    async with uow_factory() as uow:
        if await uow.tenants.get(tenant_id) is None:
            raise NotFound("tenant")
        stored: list[tuple[PaymentAdvice, Advice, bool]] = []
        for advice in advices:
            row, known = await _stored(uow, tenant_id, advice, filename, actor, now)
            stored.append((row, advice, known))
        waiting = [(row, advice) for row, advice, _ in stored if row.bank_transaction_id is None]
        found = await _attach(uow, tenant_id, waiting)
        await uow.commit()
    out = tuple(
        AttachedAdvice(
            reference=advice.reference,
            items=len(advice.items),
            paid_cents=advice.paid_cents,
            credit=advice.credit,
            txn_id=row.bank_transaction_id,
            booking_date=found.booked.get(row.id),
            ambiguous=row.id in found.ambiguous,
            known=known,
        )
        for row, advice, known in stored
    )
    log.info(
        "advices_imported",
        tenant_id=tenant_id,
        advices=len(out),
        attached=sum(1 for a in out if a.txn_id),
    )
    return AdviceImportResult(out)


@dataclass(frozen=True, slots=True)
class _Found:
    booked: dict[str, date]  # advice id → booking day of the line it was attached to
    ambiguous: set[str]  # advice ids several lines fit


async def _attach(
    uow: UnitOfWork, tenant_id: str, waiting: Sequence[tuple[PaymentAdvice, Advice]]
) -> _Found:
    """Attach each waiting advice to the one free line it fits (in order: a line taken
    by one is no longer free for the next)."""
    found = _Found({}, set())
    if not waiting:
        return found
    lines = await uow.advices.lines_for(tenant_id, [advice for _, advice in waiting])
    taken: set[str] = set()
    for row, advice in waiting:
        fitting = line_for_advice(advice, [line for line in lines if line.id not in taken])
        if len(fitting) == 1 and await uow.advices.attach(row, fitting[0].id):
            taken.add(fitting[0].id)
            found.booked[row.id] = fitting[0].booking_date
        elif fitting:
            found.ambiguous.add(row.id)
    return found


async def attach_waiting(uow: UnitOfWork, tenant_id: str) -> int:
    """Attach the tenant's waiting advices whose line is now imported (in the caller's
    unit of work); returns how many found their line."""
    waiting = await uow.advices.pending(tenant_id)
    found = await _attach(uow, tenant_id, [(row, advice_of(row)) for row in waiting])
    return len(found.booked)


async def attach_batch(
    uow: UnitOfWork, tenant_id: str, txn_id: str, advice: Advice, now: datetime
) -> None:
    """Store the bank's breakdown of a batch line as its advice (in the caller's unit of
    work; the statement import's, ``batch_breakdown``)."""
    name = f"Sammlerauflösung {advice.reference}"
    row, _ = await _stored(uow, tenant_id, advice, name, "import", now)
    if row.bank_transaction_id is None:
        await uow.advices.attach(row, txn_id)


async def _stored(
    uow: UnitOfWork, tenant_id: str, advice: Advice, file_name: str, actor: str, now: datetime
) -> tuple[PaymentAdvice, bool]:
    """The stored row of the advice, added unless the same advice is stored already
    (then ``True``: known before)."""
    mark = fingerprint(advice)
    row = await uow.advices.known(tenant_id, mark)
    if row is not None:
        return row, True
    added = await uow.advices.add(
        tenant_id=tenant_id,
        advice=advice,
        fingerprint=mark,
        file_name=file_name,
        actor=actor,
        now=now,
    )
    return added, False
