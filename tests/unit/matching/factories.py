"""Small builders for matching tests: payments and bank lines with sensible defaults."""

from __future__ import annotations

from datetime import date
from typing import Any

from belegsync.domain.matching import BankTxn, ExpectedPayment
from belegsync.matching import MatchResult

D0 = date(2024, 3, 1)
IBAN_A = "DE89370400440532013000"
IBAN_B = "DE02120300000000202051"


def payment(
    pid: str = "v1#0",
    *,
    number: str = "RE-2024-0042",
    amount: int = 11900,
    gross: int | None = None,
    vtype: str = "salesinvoice",
    paid: date | None = D0,
    contact: str | None = "c1",
    name: str = "Müller Bau GmbH",
    tenant: str = "t1",
    **extra: Any,
) -> ExpectedPayment:
    return ExpectedPayment(
        id=pid,
        voucher_id=extra.pop("voucher_id", pid.split("#")[0]),
        tenant_id=tenant,
        voucher_type=vtype,
        voucher_number=number,
        voucher_date=extra.pop("voucher_date", date(2024, 2, 20)),
        amount_cents=amount,
        gross_cents=gross if gross is not None else amount,
        paid_date=paid,
        contact_id=contact,
        contact_name=name,
        **{"position": _position(pid), **extra},
    )


def _position(pid: str) -> int:
    """The item's place as its id ``voucher#k`` writes it (0 where it writes none)."""
    tail = pid.partition("#")[2]
    return int(tail) if tail.isdigit() else 0


def txn(
    tid: str = "b1",
    *,
    amount: int = 11900,
    text: str = "RE-2024-0042",
    day: date = D0,
    name: str = "MUELLER BAU GMBH",
    iban: str = IBAN_A,
    tenant: str = "t1",
    **extra: Any,
) -> BankTxn:
    return BankTxn(
        id=tid,
        tenant_id=tenant,
        account_id="acc",
        booking_date=day,
        amount_cents=amount,
        counterparty_name=name,
        counterparty_iban=iban,
        remittance=text,
        **extra,
    )


def first_offered(result: MatchResult) -> dict[str, str]:
    """Per payment offered anything, the line offered first."""
    return {p: offered[0].txn_id for p, offered in result.suggestions_by_payment.items()}


def linked(result: MatchResult) -> dict[str, str]:
    """Per payment linked automatically, its line (the last where it has several)."""
    return {d.suggestion.payment_id: d.suggestion.txn_id for d in result.auto_links}


def linked_or_first(result: MatchResult) -> dict[str, str]:
    """Per payment, the line linked to it, else the line offered first."""
    return {**first_offered(result), **linked(result)}
