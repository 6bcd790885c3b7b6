"""Form parsing for the matching and bank pages, and "import, then match"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from belegsync.banking import ImportResult, import_statement
from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.matching.service import run_matching
from belegsync.store.uow import UnitOfWork

__all__ = ["import_and_match", "parse_amount_cents", "parse_day"]


def parse_amount_cents(text: str) -> int | None:
    """ "1.234,56", "1234.56", "-119,00" → cents; empty → None."""
    cleaned = text.strip().replace(" ", "").replace("€", "")
    if not cleaned:
        return None
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(
            f"„{text}“ ist kein Betrag.",
            code="amount_invalid",
            message_en=f"'{text}' is not an amount.",
        ) from None
    # Size first: quantize() fails on numbers longer than the decimal context.
    if not value.is_finite() or abs(value) > Decimal("1000000000"):
        raise InvalidInput(
            f"„{text[:40]}“ ist kein Betrag.",
            code="amount_invalid",
            message_en=f"'{text[:40]}' is not an amount.",
        )
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(
            f"„{text}“ ist kein Betrag mit höchstens zwei Nachkommastellen.",
            code="amount_invalid",
            message_en=f"'{text}' is not an amount with at most two decimals.",
        )
    return int(value * 100)


def parse_day(text: str) -> date | None:
    """ISO (from ``<input type=date>``) or TT.MM.JJJJ; empty → None."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        if "." in cleaned:
            day, month, year = cleaned.split(".")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(
            "Bitte geben Sie das Datum als TT.MM.JJJJ an.",
            code="date_invalid",
            message_en="Please enter the date as DD.MM.YYYY.",
        ) from None


async def import_and_match(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    filename: str,
    data: bytes,
    account_iban: str | None,
    actor: str,
) -> ImportResult:
    """Import a statement file, then match: new lines may pay open vouchers."""
    result = await import_statement(
        uow_factory=uow_factory, clock=clock, tenant_id=tenant_id, filename=filename,
        data=data, account_iban=account_iban, actor=actor,
    )  # fmt: skip
    await run_matching(uow_factory, clock, tenant_id)
    return result
