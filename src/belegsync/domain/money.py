"""Money as integer cents plus a currency code.

Floats never enter: parsing refuses them, and ``Decimal`` is only used for
arithmetic such as a Skonto percentage, rounded back to cents once and explicitly
with :func:`round_to_cents`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from belegsync.domain.errors import DomainError, InvalidInput

_CENT = Decimal("0.01")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
# The largest amount taken from any input (a statement, a push, a search), exclusive:
# 100 billion euros, more than any account moves at once and well inside the 64-bit
# cents of the store's columns (beyond them a query or an insert fails).
MAX_CENTS = 10**13

__all__ = ["MAX_CENTS", "CurrencyMismatch", "Money", "round_to_cents"]


class CurrencyMismatch(DomainError):
    """Two amounts in different currencies were combined or compared."""

    code = "currency_mismatch"

    def __init__(self, left: str, right: str) -> None:
        super().__init__(
            f"Beträge in {left} und {right} können nicht verrechnet werden.",
            message_en=f"Amounts in {left} and {right} cannot be combined.",
            fields={"left": left, "right": right},
        )


def _refuse_float(value: object) -> None:
    # bool is an int subclass; True as "1 euro" is always a bug upstream.
    if isinstance(value, float | bool):
        raise TypeError(f"money must not be built from {type(value).__name__}")


def round_to_cents(amount: Decimal) -> int:
    """Round a decimal amount in currency units to whole cents, half away from zero.

    ``ROUND_HALF_UP`` is what German invoices and the tax office use
    (0.005 → 0.01, -0.005 → -0.01).
    """
    _refuse_float(amount)
    if not isinstance(amount, Decimal):
        raise TypeError(f"round_to_cents needs a Decimal, got {type(amount).__name__}")
    if not amount.is_finite():
        raise InvalidInput(f"Ungültiger Betrag: {amount}", message_en=f"Invalid amount: {amount}")
    return int(amount.quantize(_CENT, rounding=ROUND_HALF_UP) * 100)


def _to_decimal(value: Decimal | str | int) -> Decimal:
    _refuse_float(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidInput(
                f"„{value}“ ist kein gültiger Betrag.",
                code="invalid_amount",
                message_en=f"'{value}' is not a valid amount.",
            ) from None
        return parsed
    if isinstance(value, Decimal):
        return value
    raise TypeError(f"cannot parse money from {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in cents of one currency; same-currency arithmetic only."""

    cents: int
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if isinstance(self.cents, bool) or not isinstance(self.cents, int):
            raise TypeError(f"cents must be an int, got {type(self.cents).__name__}")
        if not _CURRENCY_RE.fullmatch(self.currency):
            raise InvalidInput(
                f"Ungültiger Währungscode „{self.currency}“.",
                code="invalid_currency",
                message_en=f"Invalid currency code '{self.currency}'.",
            )

    @classmethod
    def parse(cls, value: Decimal | str | int, currency: str = "EUR") -> Money:
        """Parse an amount in currency units ("1234.5", ``Decimal("-3.10")``, ``12``).

        ``int`` means whole units (Lexware sends ``119`` for 119.00 €), not cents;
        use ``Money(cents=…)`` for cents. More than two significant decimal places
        are refused rather than rounded silently.
        """
        amount = _to_decimal(value)
        if not amount.is_finite():
            raise InvalidInput(
                f"„{value}“ ist kein gültiger Betrag.",
                code="invalid_amount",
                message_en=f"'{value}' is not a valid amount.",
            )
        scaled = amount * 100
        if scaled != scaled.to_integral_value():
            raise InvalidInput(
                f"Der Betrag „{value}“ hat mehr als zwei Nachkommastellen.",
                code="amount_not_in_cents",
                message_en=f"The amount '{value}' has more than two decimal places.",
            )
        return cls(int(scaled), currency)

    @classmethod
    def zero(cls, currency: str = "EUR") -> Money:
        """Zero in ``currency``."""
        return cls(0, currency)

    def to_decimal(self) -> Decimal:
        """The amount in currency units with exactly two decimal places."""
        return (Decimal(self.cents) / 100).quantize(_CENT)

    def to_decimal_string(self) -> str:
        """Machine format, e.g. ``"1234.50"`` or ``"-0.05"``; never exponent notation."""
        return f"{self.to_decimal():f}"

    def format_de(self) -> str:
        """German display, e.g. ``"1.234,50 €"``; other currencies show their code."""
        units, rest = divmod(abs(self.cents), 100)
        grouped = f"{units:,}".replace(",", ".")
        sign = "-" if self.cents < 0 else ""
        symbol = "€" if self.currency == "EUR" else self.currency
        return f"{sign}{grouped},{rest:02d} {symbol}"

    def scaled(self, factor: Decimal | int) -> Money:
        """Multiply by a factor (e.g. ``Decimal("0.02")`` for 2 % Skonto), rounded once."""
        _refuse_float(factor)
        exact = Decimal(self.cents) * Decimal(factor) / 100
        return Money(round_to_cents(exact), self.currency)

    def is_zero(self) -> bool:
        """True for 0.00."""
        return self.cents == 0

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.cents - other.cents, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.cents, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.cents), self.currency)

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.cents < other.cents

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.cents <= other.cents

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.cents > other.cents

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.cents >= other.cents

    def __str__(self) -> str:
        return f"{self.to_decimal_string()} {self.currency}"
