"""A batch booked once in the statement and broken down apart (camt.054).

German banks book a batch — the client's own SEPA collection, a batch of transfers —
as one entry of the daily statement (camt.053 or MT940) and, where the client asked for
it, deliver the breakdown in a camt.054 „Sammelbuchungsdatei“ (DFÜ-Abkommen, Anlage 3):
one entry per batch, with the batch's amount, day and bank reference, its items as
transaction details. Imported as they are, the items would be money a second time
beside the statement's line. So the items of a batch whose line the account holds
already (same day, direction and sum, and the same batch or bank reference) become
that line's payment advice (``domain.advice``) instead of lines of their own; and a
statement's batch line whose items the account holds already is not stored again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from belegsync.banking.model import ParsedTransaction
from belegsync.domain.advice import Advice, AdviceItem, AdviceKind

__all__ = ["BatchKey", "StoredLine", "advice_of_items", "batch_items", "batch_key", "line_of"]


@dataclass(frozen=True, slots=True)
class BatchKey:
    """What ties a batch's line and its items: the bank's reference of the batch (its
    PmtInfId or AcctSvcrRef), the booking day and the direction."""

    reference: str
    day: date
    credit: bool


@dataclass(frozen=True, slots=True)
class StoredLine:
    """A line the account holds, as the comparison reads it."""

    id: str
    amount_cents: int
    booking_date: date
    references: frozenset[str]  # its batch and bank references
    has_advice: bool = False


def batch_key(txn: ParsedTransaction) -> BatchKey | None:
    """The key of an item split from a batch entry (it carries the batch's reference)."""
    if not txn.batch_reference:
        return None
    return BatchKey(txn.batch_reference, txn.booking_date, txn.amount_cents > 0)


def batch_items(transactions: Sequence[ParsedTransaction]) -> dict[BatchKey, list[int]]:
    """The positions of the items of each batch split in the file (two items or more)."""
    groups: dict[BatchKey, list[int]] = defaultdict(list)
    for position, txn in enumerate(transactions):
        key = batch_key(txn)
        if key is not None:
            groups[key].append(position)
    return {key: found for key, found in groups.items() if len(found) >= 2}


def line_of(key: BatchKey, cents: int, lines: Sequence[StoredLine]) -> StoredLine | None:
    """The one stored line the batch was booked as: its day, signed sum and reference;
    None where none is, or several are."""
    fitting = [
        line
        for line in lines
        if line.booking_date == key.day
        and line.amount_cents == cents
        and key.reference in line.references
    ]
    return fitting[0] if len(fitting) == 1 else None


def advice_of_items(key: BatchKey, items: Sequence[ParsedTransaction]) -> Advice:
    """The bank's breakdown as the line's advice: per item its purpose, amount, payer
    and end-to-end id."""
    return Advice(
        kind=AdviceKind.BANK,
        reference=key.reference,
        day=key.day,
        credit=key.credit,
        currency=items[0].currency,
        items=tuple(
            AdviceItem(
                reference=txn.remittance,
                amount_cents=abs(txn.amount_cents),
                paid_cents=abs(txn.amount_cents),
                name=txn.counterparty_name or "",
                end_to_end_id=txn.end_to_end_id or "",
            )
            for txn in items
        ),
    )
