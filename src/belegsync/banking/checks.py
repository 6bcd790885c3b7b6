"""Checks every parsed statement passes before anything of it is stored."""

from __future__ import annotations

from belegsync.banking.errors import StatementError
from belegsync.banking.model import ParsedStatement

INCOMPLETE_ADVICE_DE = (
    "Die Datei ist vermutlich unvollständig (abgeschnitten) oder beschädigt. Bitte laden Sie "
    "den Auszug im Online-Banking erneut herunter."
)
INCOMPLETE_ADVICE_EN = (
    "The file is probably incomplete (cut off) or damaged. Please download the statement "
    "again from online banking."
)


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{part:02d}"


def check_balances(statement: ParsedStatement, source: str) -> None:
    """Opening balance + booked entries = closing balance, where the statement has both."""
    opening, closing = statement.opening_balance_cents, statement.closing_balance_cents
    if opening is None or closing is None:
        return
    booked = sum(t.amount_cents for t in statement.transactions if t.status == "booked")
    if opening + booked == closing:
        return
    where = statement.location or source
    label = f"Auszug {statement.statement_id}" if statement.statement_id else "Auszug"
    raise StatementError(
        where,
        f"{label}: Anfangssaldo {_euros(opening)} + Umsätze {_euros(booked)} ergibt "
        f"{_euros(opening + booked)}, der Endsaldo ist aber {_euros(closing)}.",
        f"{label.replace('Auszug', 'statement')}: opening balance {_euros(opening)} + "
        f"entries {_euros(booked)} makes {_euros(opening + booked)}, but the closing "
        f"balance is {_euros(closing)}.",
        code="statement_incomplete",
        advice_de=INCOMPLETE_ADVICE_DE,
        advice_en=INCOMPLETE_ADVICE_EN,
    )
