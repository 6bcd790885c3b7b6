"""The sync window: which voucher dates a tenant's sync covers.

Rules, decided here once:

* A tenant has an explicit set of tax years, each open or closed. Every year from
  the earliest known year up to the current (Berlin) year counts as open unless it
  is explicitly closed — the firm still works on years nobody has closed, including
  gaps and years newer than the newest one recorded. Years before the earliest
  known one are out of scope (before the client came to the firm).
* A tenant with no tax years at all has the current year open.
* The window starts on 1 January of the earliest open year.
* Bookkeeping-service tenants start on the day after the last submitted VAT
  return period instead, if that is later (it never reaches back into a closed
  year by itself because the year rule still applies).
* ``None`` means there is nothing to sync: every year up to today is closed, or
  the start would lie after today.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from belegsync.domain.errors import InvalidInput
from belegsync.domain.tax import VatReturnPeriod


def sync_window_start(
    open_tax_years: Iterable[int],
    closed_tax_years: Iterable[int],
    bookkeeping_service: bool,
    last_vat_return: VatReturnPeriod | None,
    today: date,
) -> date | None:
    """The first voucher date to sync, or ``None`` if nothing is to be synced."""
    opened = frozenset(open_tax_years)
    closed = frozenset(closed_tax_years)
    both = opened & closed
    if both:
        raise InvalidInput(
            f"Steuerjahr {min(both)} ist zugleich offen und abgeschlossen.",
            code="tax_year_conflict",
            message_en=f"Tax year {min(both)} is both open and closed.",
        )
    first_known = min(opened | closed, default=today.year)
    open_years = [y for y in range(first_known, today.year + 1) if y not in closed]
    if not open_years:
        return None
    start = date(open_years[0], 1, 1)
    if bookkeeping_service and last_vat_return is not None:
        start = max(start, last_vat_return.last_day + timedelta(days=1))
        # Past a closed year again? The day after the return may fall into a year
        # that staff closed since; then continue with the next open year.
        later_open = [y for y in open_years if y >= start.year]
        if not later_open:
            return None
        start = max(start, date(later_open[0], 1, 1))
    return start if start <= today else None


def sync_window(
    open_tax_years: Iterable[int],
    closed_tax_years: Iterable[int],
    bookkeeping_service: bool,
    last_vat_return: VatReturnPeriod | None,
    today: date,
) -> SyncWindow | None:
    """The window from :func:`sync_window_start` to ``today`` (Berlin), or ``None``."""
    start = sync_window_start(
        open_tax_years, closed_tax_years, bookkeeping_service, last_vat_return, today
    )
    return None if start is None else SyncWindow(start, today)


def is_voucher_in_closed_year(voucher_date: date, closed_years: Iterable[int]) -> bool:
    """Whether the voucher's date lies in a closed tax year."""
    return voucher_date.year in frozenset(closed_years)


@dataclass(frozen=True, slots=True)
class SyncWindow:
    """An inclusive range of whole Berlin days, as Lexware's date filters use them."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidInput(
                f"Der Zeitraum beginnt ({self.start}) nach seinem Ende ({self.end}).",
                code="invalid_window",
                message_en=f"The window starts ({self.start}) after it ends ({self.end}).",
            )

    @property
    def days(self) -> int:
        """Number of days, both ends included."""
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies in the window."""
        return self.start <= day <= self.end

    def slices(self, max_days: int) -> list[SyncWindow]:
        """Consecutive, non-overlapping windows of at most ``max_days`` covering this one.

        Used to keep each voucher-list query below Lexware's 10,000-entry window.
        """
        return list(self._iter_slices(max_days))

    def _iter_slices(self, max_days: int) -> Iterator[SyncWindow]:
        if max_days < 1:
            raise InvalidInput(
                "Ein Teilzeitraum muss mindestens einen Tag lang sein.",
                code="invalid_slice",
                message_en="A slice must be at least one day long.",
            )
        start = self.start
        while start <= self.end:
            end = min(start + timedelta(days=max_days - 1), self.end)
            yield SyncWindow(start, end)
            start = end + timedelta(days=1)
