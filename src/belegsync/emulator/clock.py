"""The emulator's clock: real time by default, settable and advanceable for tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def _system_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    """Emulated "now": an injectable base function plus an offset, or a frozen instant."""

    def __init__(self, now: Callable[[], datetime] = _system_now) -> None:
        self._base = now
        self._offset = timedelta()
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        if self._frozen is not None:
            return self._frozen
        return self._base() + self._offset

    def set(self, instant: datetime, *, frozen: bool = True) -> None:
        if instant.tzinfo is None:
            raise ValueError("the emulator clock needs an aware datetime")
        if frozen:
            self._frozen = instant.astimezone(UTC)
        else:
            self._frozen = None
            self._offset = instant - self._base()

    def advance(self, delta: timedelta) -> None:
        if self._frozen is not None:
            self._frozen += delta
        else:
            self._offset += delta

    def today_berlin(self) -> date:
        return self.now().astimezone(BERLIN).date()


# Formatting with the Berlin zone costs more than the rest of a list entry; the same
# instants and days are formatted again on every list page and detail.
_FORMATTED = 1 << 17


@lru_cache(maxsize=_FORMATTED)
def format_datetime(instant: datetime) -> str:
    """Lexware's format: Berlin offset with colon and exactly three millisecond digits."""
    return instant.astimezone(BERLIN).isoformat(timespec="milliseconds")


@lru_cache(maxsize=_FORMATTED)
def format_datetime_to_second(instant: datetime) -> str:
    """:func:`format_datetime` with the milliseconds cut (".000")."""
    return format_datetime(instant.replace(microsecond=0))


def berlin_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), BERLIN)


@lru_cache(maxsize=4096)
def format_date(day: date) -> str:
    """Dates (voucherDate, dueDate, …) are emitted as local midnight datetimes."""
    return format_datetime(berlin_midnight(day))


def berlin_date(instant: datetime) -> date:
    return instant.astimezone(BERLIN).date()
