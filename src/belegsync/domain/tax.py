"""Tax years and VAT advance return periods (Umsatzsteuervoranmeldung)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from belegsync.domain.errors import InvalidInput

MIN_YEAR = 1900
MAX_YEAR = 2999

_MONTHLY_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
_QUARTERLY_RE = re.compile(r"([0-9]{4})-[Qq]([0-9])")


def _check_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be an int, got {type(year).__name__}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(
            f"Ungültiges Jahr {year}.", code="invalid_year", message_en=f"Invalid year {year}."
        )


@dataclass(frozen=True, slots=True, order=True)
class TaxYear:
    """A tenant's tax year; staff close it once the firm is done with it."""

    year: int
    closed: bool = False

    def __post_init__(self) -> None:
        _check_year(self.year)

    @property
    def first_day(self) -> date:
        """1 January."""
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        """31 December."""
        return date(self.year, 12, 31)


def split_tax_years(tax_years: Iterable[TaxYear]) -> tuple[frozenset[int], frozenset[int]]:
    """``(open_years, closed_years)`` as plain year numbers."""
    years = list(tax_years)
    return (
        frozenset(t.year for t in years if not t.closed),
        frozenset(t.year for t in years if t.closed),
    )


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


def _bad_period(text: str, why_de: str, why_en: str) -> InvalidInput:
    return InvalidInput(
        f"Ungültiger Voranmeldungszeitraum „{text}“: {why_de} "
        "Erwartet wird JJJJ-MM (monatlich) oder JJJJ-Qn (quartalsweise), z. B. 2024-03 "
        "oder 2024-Q1.",
        code="invalid_vat_period",
        message_en=f"Invalid VAT return period '{text}': {why_en} Expected YYYY-MM "
        "(monthly) or YYYY-Qn (quarterly), e.g. 2024-03 or 2024-Q1.",
        fields={"value": text},
    )


@dataclass(frozen=True, slots=True)
class VatReturnPeriod:
    """A monthly or quarterly VAT advance return period.

    Periods order by their last day, then first day, so "2024-Q1" < "2024-03"
    (same end, the longer period first) and "2024-03" < "2024-04".
    """

    year: int
    kind: PeriodKind
    number: int

    def __post_init__(self) -> None:
        _check_year(self.year)
        limit = 12 if self.kind is PeriodKind.MONTH else 4
        if not 1 <= self.number <= limit:
            raise InvalidInput(
                f"Ungültiger Zeitraum {self.number} ({self.kind}).",
                code="invalid_vat_period",
                message_en=f"Invalid period number {self.number} ({self.kind}).",
            )

    @classmethod
    def monthly(cls, year: int, month: int) -> VatReturnPeriod:
        """The period of one calendar month."""
        return cls(year, PeriodKind.MONTH, month)

    @classmethod
    def quarterly(cls, year: int, quarter: int) -> VatReturnPeriod:
        """The period of one calendar quarter."""
        return cls(year, PeriodKind.QUARTER, quarter)

    @classmethod
    def parse(cls, text: str) -> VatReturnPeriod:
        """Parse ``"YYYY-MM"`` or ``"YYYY-Qn"``; raise :class:`InvalidInput` (a ValueError)."""
        value = text.strip()
        if match := _MONTHLY_RE.fullmatch(value):
            month = int(match.group(2))
            if not 1 <= month <= 12:
                raise _bad_period(
                    text,
                    f"Monat {match.group(2)} gibt es nicht (01–12).",
                    f"month {match.group(2)} does not exist (01-12).",
                )
            return cls.monthly(int(match.group(1)), month)
        if match := _QUARTERLY_RE.fullmatch(value):
            quarter = int(match.group(2))
            if not 1 <= quarter <= 4:
                raise _bad_period(
                    text,
                    f"Quartal {quarter} gibt es nicht (Q1–Q4).",
                    f"quarter {quarter} does not exist (Q1-Q4).",
                )
            return cls.quarterly(int(match.group(1)), quarter)
        raise _bad_period(text, "Das Format stimmt nicht.", "the format is wrong.")

    @property
    def first_month(self) -> int:
        return self.number if self.kind is PeriodKind.MONTH else 3 * self.number - 2

    @property
    def last_month(self) -> int:
        return self.number if self.kind is PeriodKind.MONTH else 3 * self.number

    @property
    def first_day(self) -> date:
        """The first day of the period."""
        return date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> date:
        """The last day of the period."""
        month = self.last_month
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies in the period."""
        return self.first_day <= day <= self.last_day

    def _sort_key(self) -> tuple[date, date]:
        return (self.last_day, self.first_day)

    def __lt__(self, other: VatReturnPeriod) -> bool:
        if not isinstance(other, VatReturnPeriod):
            return NotImplemented
        return self._sort_key() < other._sort_key()

    def __le__(self, other: VatReturnPeriod) -> bool:
        if not isinstance(other, VatReturnPeriod):
            return NotImplemented
        return self._sort_key() <= other._sort_key()

    def __gt__(self, other: VatReturnPeriod) -> bool:
        if not isinstance(other, VatReturnPeriod):
            return NotImplemented
        return self._sort_key() > other._sort_key()

    def __ge__(self, other: VatReturnPeriod) -> bool:
        if not isinstance(other, VatReturnPeriod):
            return NotImplemented
        return self._sort_key() >= other._sort_key()

    def __str__(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year:04d}-{self.number:02d}"
        return f"{self.year:04d}-Q{self.number}"
