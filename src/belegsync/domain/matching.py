"""Value objects of matching: what we expect to be paid, what the bank shows, and links.

Amounts are integer cents. An :class:`ExpectedPayment` is one Lexware payment item
that moves money through a bank (or the voucher's gross when it has no items); its
``amount_cents`` is always positive and the direction comes from the voucher type.
A :class:`BankTxn` carries the signed bank amount (negative: money out).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from belegsync.domain.dates import berlin_date
from belegsync.domain.vouchers import Direction, direction

__all__ = [
    "AccountLines",
    "AmountKind",
    "BankTxn",
    "DifferenceReason",
    "ExistingLink",
    "ExpectedPayment",
    "LinkDecision",
    "LinkStatus",
    "MatchFeatures",
    "Suggestion",
    "TxnStatus",
    "Unmatched",
    "UnmatchedReason",
    "creditor_is_counterparty",
    "instructed_cents",
    "lines_reach",
]


class TxnStatus(StrEnum):
    """Booked lines are final; pending ones (camt.052 ``PDNG``) may still change."""

    BOOKED = "booked"
    PENDING = "pending"


class LinkStatus(StrEnum):
    """Life of a link; links are never deleted, only their status changes."""

    SUGGESTED = "suggested"
    AUTO_CONFIRMED = "auto_confirmed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    UNDONE = "undone"


# Links in these states hold money of the transaction and settle the payment.
ALLOCATING_STATUSES: frozenset[LinkStatus] = frozenset(
    {LinkStatus.AUTO_CONFIRMED, LinkStatus.CONFIRMED}
)


class DifferenceReason(StrEnum):
    """Why the linked bank amount differs from the expected amount."""

    SKONTO = "skonto"
    FEE = "fee"
    ROUNDING = "rounding"
    PARTIAL = "partial"
    COLLECTIVE = "collective"
    TOLERANCE = "tolerance"
    PAYOUT_FEE = "payout_fee"  # a payment provider kept its fee from a payout


class AmountKind(StrEnum):
    """How the bank amount relates to the expected one (drives the amount feature)."""

    EXACT = "exact"  # item, gross or gross minus Lexware's cashDiscount
    SKONTO = "skonto"  # gross minus a guessed 2 % / 3 % Skonto, to the cent
    FEE = "fee"  # a small shortfall (bank fee)
    ROUNDING = "rounding"  # a few cents off
    BAND = "band"  # within 95–105 %
    COLLECTIVE = "collective"  # part of a larger transfer paying several vouchers
    NET_OF_FEE = "net_of_fee"  # one of several sales in a payout, minus the provider's fee
    OTHER = "other"
    # the amount the payer instructed is exact; the banks kept their charges from it
    # (camt ``AmtDtls/InstdAmt``, MT940 ``OAMT+``: ``instructed_cents``)
    CHARGES = "charges"

    @property
    def is_exact(self) -> bool:
        """Exact to the cent (the only kinds that may be confirmed automatically)."""
        return self in (AmountKind.EXACT, AmountKind.SKONTO, AmountKind.CHARGES)


@dataclass(frozen=True, slots=True)
class ExpectedPayment:
    """One expected bank movement for a voucher (a Lexware payment item).

    ``id`` identifies the row (e.g. ``"<voucherId>#0"``) and is what rejected pairs
    and links refer to. ``amount_cents`` is the item amount (positive); without items
    it is the gross. ``skonto_cents`` is Lexware's ``cashDiscount`` item and
    ``settled_otherwise_cents`` the sum of items that move no bank money (credit note
    offsets, irrecoverable amounts), so a part payment is recognisable.
    ``known_identifiers`` are IBANs and SEPA creditor ids known for the contact
    besides what the run learns (``IbanContactMemory``, the link history), compacted:
    ``run_matching`` hands none over — Lexware's Public API holds no bank account of a
    contact —, callers that know one from elsewhere may.
    """

    id: str
    voucher_id: str
    tenant_id: str
    voucher_type: str
    voucher_number: str
    voucher_date: date
    amount_cents: int
    gross_cents: int
    paid_date: date | None = None
    contact_id: str | None = None
    contact_name: str = ""
    skonto_cents: int = 0
    settled_otherwise_cents: int = 0
    has_items: bool = True
    item_type: str | None = None
    currency: str = "EUR"
    known_identifiers: frozenset[str] = field(default_factory=frozenset)
    customer_number: str | None = None
    references: tuple[str, ...] = ()
    # the item's place among its voucher's (Lexware's order of the payment items: the
    # order the bookkeeper entered them; 0 for a voucher without items)
    position: int = 0

    def __post_init__(self) -> None:
        for name in ("amount_cents", "gross_cents", "skonto_cents", "settled_otherwise_cents"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be int cents, got {type(value).__name__}")
        if self.amount_cents <= 0:
            raise ValueError("amount_cents must be positive; the sign comes from the type")

    @property
    def direction(self) -> Direction:
        """Debit (money out) or credit (money in), from the voucher type."""
        return direction(self.voucher_type)

    @property
    def is_part_payment(self) -> bool:
        """This item pays only part of the voucher (more items or an open rest)."""
        covered = self.amount_cents + self.skonto_cents + self.settled_otherwise_cents
        return covered < self.gross_cents

    @property
    def anchor_date(self) -> date:
        """The date the bank line should be near: posting/paid date, else voucher date."""
        return self.paid_date if self.paid_date is not None else self.voucher_date


def creditor_is_counterparty(amount_cents: int) -> bool:
    """Whether a statement line's SEPA creditor id (``CRED+``, camt ``CdtrSchmeId``)
    names its counterparty: on money out, the counterparty collected a direct debit. On
    money in the id is the client's own — the client collected from its customer — and
    tells nothing about who paid: every customer's collection carries it."""
    return amount_cents < 0


def instructed_cents(
    amount_cents: int, currency: str, original_cents: int | None, original_currency: str | None
) -> int:
    """The amount the payer instructed where the banks kept charges from it, else 0.

    A bank reports the instructed amount of a line apart from the booked one (camt
    ``AmtDtls/InstdAmt``: "before deduction of charges, in the currency as ordered";
    MT940 ``OAMT+``). A foreign transfer with shared charges (SWIFT ``SHA``) arrives
    for less than the invoice: its instructed amount is the invoice's. Only an amount
    in the line's own currency says so (another currency is an exchange, not a
    charge), and only one above the booked amount (none was kept back otherwise)."""
    if original_cents is None or original_currency is None or original_currency != currency:
        return 0
    return original_cents if original_cents > abs(amount_cents) else 0


@dataclass(frozen=True, slots=True)
class BankTxn:
    """A bank statement line as the importer normalised it.

    ``remittance`` holds all purpose lines joined with a newline, so that matching can
    join them with and without spaces. IBAN and creditor id are compacted upper case.
    """

    id: str
    tenant_id: str
    account_id: str
    booking_date: date
    amount_cents: int
    value_date: date | None = None
    currency: str = "EUR"
    counterparty_name: str = ""
    counterparty_iban: str = ""
    remittance: str = ""
    end_to_end_id: str = ""
    mandate_ref: str = ""
    creditor_id: str = ""
    status: TxnStatus = TxnStatus.BOOKED
    is_reversal: bool = False
    source: str = "file"
    # what matching reads of the line's payment advice (``domain.advice.matching_text``):
    # the invoices its payer listed apart from the statement; empty without one
    advice: str = ""
    # of that advice, (end-to-end id, reference, paid cents) per item that states an
    # end-to-end id (``domain.advice.returnable_items``): which item a return undid
    advice_items: tuple[tuple[str, str, int], ...] = ()
    # the amount the payer instructed, as the bank reports it (camt ``InstdAmt``,
    # MT940 ``OAMT+``), and its currency: before the banks' charges (``instructed_cents``)
    original_amount_cents: int | None = None
    original_currency: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.amount_cents, bool) or not isinstance(self.amount_cents, int):
            raise TypeError("amount_cents must be int cents")

    @property
    def direction(self) -> Direction:
        """Negative amounts leave the account (debit)."""
        return Direction.DEBIT if self.amount_cents < 0 else Direction.CREDIT


@dataclass(frozen=True, slots=True)
class ExistingLink:
    """A link stored earlier; allocating ones reduce what a transaction can still pay."""

    payment_id: str
    txn_id: str
    allocated_cents: int
    status: LinkStatus


class MatchFeatures(NamedTuple):
    """The explainable inputs of a score, each in [0, 1] (penalty is subtracted).

    A named tuple rather than a frozen dataclass: the engine builds hundreds of
    thousands per run, and tuples are several times cheaper to create.
    """

    amount: float
    reference: float
    counterparty: float
    date: float
    penalty: float
    amount_kind: AmountKind
    amount_delta_cents: int  # bank amount minus expected amount (absolute values)
    days_delta: int  # booking (or value) date minus anchor date
    reference_hit: str | None  # the token that hit, e.g. "RE-2024-0042"
    counterparty_evidence: str  # "identifier_known", "name 97", "unknown", "different"
    identifying: bool  # reference hit, known IBAN/creditor id, or name ≥ strong bar
    anchored: bool = True  # days_delta counts from Lexware's paid date (else voucher date)
    extra: tuple[str, ...] = ()  # further reason codes: recurring, period, payout, …


class Suggestion(NamedTuple):
    """A scored pair with everything a person needs to judge it (immutable)."""

    payment_id: str
    txn_id: str
    score: float
    allocated_cents: int
    difference_cents: int
    difference_reason: DifferenceReason | None
    features: MatchFeatures
    collective_group: str | None = None

    @property
    def reasons(self) -> tuple[str, ...]:
        """Short, stable reason codes for the UI and the audit trail."""
        f = self.features
        out = [f"amount:{f.amount_kind.value}:{f.amount_delta_cents:+d}"]
        out.append(f"days:{'paid' if f.anchored else 'voucher'}:{f.days_delta:+d}")
        if f.reference_hit is not None:
            out.append(f"reference:{f.reference_hit}")
        out.append(f"counterparty:{f.counterparty_evidence}")
        if f.penalty > 0:
            out.append("paid_before_voucher")
        if self.difference_reason is not None:
            out.append(f"difference:{self.difference_reason.value}")
        if self.collective_group is not None:
            out.append(f"collective:{self.collective_group}")
        out.extend(f.extra)
        return tuple(out)


class LinkDecision(NamedTuple):
    """An automatic link and the margins that allowed it (a named tuple, as
    :class:`Suggestion`: a run links tens of thousands of pairs)."""

    suggestion: Suggestion
    status: LinkStatus
    payment_runner_up: float
    txn_runner_up: float
    sole: bool = False  # the only plausible pair of its payment and its transaction

    @property
    def provenance(self) -> str:
        """One line for people: ``auto: amount exact + RE-2024-0042 + identifier_known``."""
        f = self.suggestion.features
        parts = [f"amount {f.amount_kind.value}"]
        if f.reference_hit is not None:
            parts.append(f"{f.reference_hit} in purpose")
        parts.append(f.counterparty_evidence)
        return "auto: " + " + ".join(parts)


class UnmatchedReason(StrEnum):
    """Why a payment got neither a link nor a suggestion."""

    NO_CANDIDATE = "no_candidate"  # feeds "Externe Transaktion erforderlich"
    BELOW_THRESHOLD = "below_threshold"
    # no line yet, but the client's lines do not reach the end of the payment's date
    # window: its line may come with the next statement (never "extern" before)
    AWAITING_LINES = "awaiting_lines"


# An account whose lines end this long before the newest of the client's accounts no
# longer says how far the lines reach: closed, or a savings account booked once a
# quarter.
STALE_ACCOUNT_DAYS = 45


@dataclass(frozen=True, slots=True)
class AccountLines:
    """What says how far one real account's lines reach: its last line's booking day,
    the last day a statement file of it covers (its period, CAMT ``FrToDt``, MT940's
    closing balance), when the bank connection last pushed lines of it, and when the
    store last took a line or statement of it (``last_import``)."""

    last_booking: date | None = None
    statement_end: date | None = None
    last_push: datetime | None = None
    last_import: datetime | None = None

    @property
    def reach(self) -> date | None:
        """The last day whose bookings are all here. A push brought every booking the
        connection had: all of the day before (Europe/Berlin), a booking of the day
        itself may still come. Never past the day of the last import: a booking dated
        ahead (a transfer value-dated next week) or a statement stating a period not
        over yet says nothing of the days to come."""
        pushed = berlin_date(self.last_push) - timedelta(days=1) if self.last_push else None
        days = [d for d in (self.last_booking, self.statement_end, pushed) if d is not None]
        if not days:
            return None
        reach = max(days)
        return min(reach, berlin_date(self.last_import)) if self.last_import else reach


def lines_reach(accounts: Iterable[AccountLines]) -> date | None:
    """How far a client's lines reach: the earliest reach of its accounts still current
    (``STALE_ACCOUNT_DAYS``). A client who uploads the credit card's statement once a
    month beside a daily bank connection has the card's lines only up to the end of
    last month: a voucher paid by card since then may still find its line. None: no
    lines yet (no payment can be told to need an external transaction before the
    first statement or push)."""
    days = [day for day in (a.reach for a in accounts) if day is not None]
    if not days:
        return None
    current = max(days) - timedelta(days=STALE_ACCOUNT_DAYS)
    return min(day for day in days if day >= current)


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A payment left open, with why."""

    payment_id: str
    reason: UnmatchedReason
    best_score: float = 0.0
