"""Payment advices: the list of invoices behind one bank line.

A bank line may pay many vouchers at once and name none of them: a billing service's
or factoring company's payout („Auszahlung Abrechnung 2024/0012 … 9 Rechnungen“), a
central settlement office's weekly transfer („ZR-ZAHLUNG KW 14 AVIS 884012“), or the
client's own SEPA direct debit batch („SEPA-SAMMLER … ANZAHL 12“). The payer sends the
breakdown apart from the statement — a payout or settlement advice (Zahlungsavis,
Auszahlungsavis, Regulierungsavis) as CSV, or for a collection batch the client's own
pain.008 file. Imported, an advice is attached to its bank line, and matching reads its
items as the line's own: each item names an invoice and what it settled.

Amounts are positive integer cents. ``amount_cents`` is what the item settles of the
invoice (its gross, or less where the payer deducted Skonto), ``paid_cents`` what of it
reached the bank line after the payer's fee; the line's amount is the sum of the paid
cents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "Advice",
    "AdviceItem",
    "AdviceKind",
    "AdviceLine",
    "line_for_advice",
    "matching_text",
    "returnable_items",
    "with_advice",
]

# how far the bank may book the line from the advice's date (collection date, payout
# date): a collection is booked on its date or the next business days, a payout
# announced in the advice reaches the account a few business days later
ADVICE_DAYS_BEFORE = 3
ADVICE_DAYS_AFTER = 10


class AdviceKind(StrEnum):
    COLLECTION = "pain.008"  # the client's own SEPA direct debit batch
    TRANSFERS = "pain.001"  # the client's own batch of credit transfers
    PAYOUT = "csv"  # a payer's payout or settlement advice
    BANK = "camt.054"  # the bank's breakdown of a batch booked as one line


@dataclass(frozen=True, slots=True)
class AdviceItem:
    """One invoice of an advice: the text naming it (invoice number, purpose), what the
    item settles of it and what of that reached the bank line."""

    reference: str
    amount_cents: int
    paid_cents: int
    name: str = ""
    end_to_end_id: str = ""

    @property
    def fee_cents(self) -> int:
        return self.amount_cents - self.paid_cents


@dataclass(frozen=True, slots=True)
class Advice:
    """A bank line's breakdown as its file states it.

    ``credit``: the line brings money in (a payout, a collection batch); ``reference``:
    the batch's or advice's own identifier (pain's PmtInfId, the advice number), empty
    where the file gives none; ``day``: the requested collection or execution date, or
    the payout date the advice names.
    """

    kind: AdviceKind
    reference: str
    day: date | None
    credit: bool
    items: tuple[AdviceItem, ...]
    currency: str = "EUR"

    @property
    def paid_cents(self) -> int:
        """What the bank line carries (unsigned)."""
        return sum(item.paid_cents for item in self.items)

    @property
    def fee_cents(self) -> int:
        return sum(item.fee_cents for item in self.items)


@dataclass(frozen=True, slots=True)
class AdviceLine:
    """A bank line an advice may belong to: what :func:`line_for_advice` compares."""

    id: str
    amount_cents: int  # signed, as booked
    booking_date: date
    currency: str
    batch_reference: str  # the bank's batch identifier (CAMT PmtInfId), empty if none
    remittance: str
    has_advice: bool = False


def line_for_advice(advice: Advice, lines: Sequence[AdviceLine]) -> list[AdviceLine]:
    """The lines the advice may belong to, best first: a line whose batch reference is
    the advice's decides alone; else the lines of its amount, direction and currency
    booked near its date (any date where the advice names none), those naming the
    advice's reference in their purpose first. A line holding an advice already is not
    offered. One line: attach; none or several: the caller asks the user."""
    signed = advice.paid_cents if advice.credit else -advice.paid_cents
    free = [line for line in lines if not line.has_advice and line.currency == advice.currency]
    if advice.reference:
        batch = [line for line in free if line.batch_reference == advice.reference]
        if batch:
            return [line for line in batch if line.amount_cents == signed]
    fitting = [
        line
        for line in free
        if line.amount_cents == signed
        and (
            advice.day is None
            or -ADVICE_DAYS_BEFORE <= (line.booking_date - advice.day).days <= ADVICE_DAYS_AFTER
        )
    ]
    if advice.reference and len(fitting) > 1:
        named = [line for line in fitting if advice.reference in line.remittance]
        if named:
            return named
    return fitting


def _euros(cents: int) -> str:
    """``1234567`` → ``12.345,67`` (as German purposes write amounts)."""
    whole, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole:,}".replace(",", ".") + f",{rest:02d}"


def matching_text(advice: Advice) -> str:
    """What matching reads of an advice besides the line's own purpose: each item's
    reference on a line of its own (a reference cut by no other text), and the fee the
    payer kept as a purpose states it („abzgl. Gebühr 82,42“). Amounts are left out:
    their digits would read as numbers of vouchers."""
    lines = [item.reference for item in advice.items if item.reference]
    if advice.fee_cents > 0:
        lines.append(f"abzgl. Gebühr {_euros(advice.fee_cents)}")
    return "\n".join(lines)


def returnable_items(advice: Advice) -> tuple[tuple[str, str, int], ...]:
    """(end-to-end id, reference, paid cents) of each item that states an end-to-end id
    and a reference: a collection's or a transfer's item comes back with its end-to-end
    id (a SEPA return keeps the original's), which tells which item of the batch line
    it undid."""
    return tuple(
        (item.end_to_end_id, item.reference, item.paid_cents)
        for item in advice.items
        if item.end_to_end_id and item.reference
    )


def with_advice(remittance: str, advice_text: str | None) -> str:
    """A line's purpose as matching reads it: its own, then its advice's items."""
    return f"{remittance}\n{advice_text}" if advice_text else remittance
