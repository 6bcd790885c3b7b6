"""Normalised statements and transactions, the output of every parser.

Amounts are signed integer cents (negative = money out of the account), dates are
calendar dates as the bank books them (Berlin), texts are kept as delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

TxnStatus = Literal["booked", "pending"]


@dataclass(frozen=True, kw_only=True, slots=True)
class ParsedTransaction:
    booking_date: date
    value_date: date | None
    amount_cents: int
    currency: str
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    # Verwendungszweck: the lines joined; ``remittance_lines`` keeps them as delivered.
    remittance: str = ""
    remittance_lines: tuple[str, ...] = ()
    end_to_end_id: str | None = None
    mandate_reference: str | None = None
    creditor_id: str | None = None
    bank_reference: str | None = None
    batch_reference: str | None = None
    status: TxnStatus = "booked"
    original_amount_cents: int | None = None
    original_currency: str | None = None
    is_reversal: bool = False
    purpose_code: str | None = None
    booking_text: str | None = None
    # Identifiers kept as written although they fail validation, e.g.
    # ("counterparty_iban_invalid",); see ``IDENTIFIER_ISSUES``.
    identifier_issues: tuple[str, ...] = ()
    # Where the transaction came from in its file, for messages ("Zeile 7", an XPath).
    location: str = field(default="", compare=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class ParsedStatement:
    account_iban: str | None
    currency: str
    transactions: tuple[ParsedTransaction, ...]
    format: str
    opening_balance_cents: int | None = None
    closing_balance_cents: int | None = None
    account_bic: str | None = None
    bank_name: str | None = None
    statement_id: str | None = None
    # False when the account identifier failed validation (kept as written).
    account_valid: bool = True
    # The days the statement covers (from its balances or period), if it says so.
    period_from: date | None = None
    period_to: date | None = None
    # Where the statement starts in its file, for messages.
    location: str = field(default="", compare=False)


IDENTIFIER_ISSUES = {
    "counterparty_iban_invalid": ("IBAN der Gegenpartei ungültig", "counterparty IBAN invalid"),
    "counterparty_bic_invalid": ("BIC der Gegenpartei ungültig", "counterparty BIC invalid"),
    "account_iban_invalid": ("Konto-IBAN ungültig", "account IBAN invalid"),
}
