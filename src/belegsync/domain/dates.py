"""Date and time helpers: aware UTC inside, Europe/Berlin at the edges.

No function here reads the clock; "now" and "today" are always passed in.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from belegsync.domain.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")

__all__ = [
    "BERLIN",
    "UTC",
    "add_months",
    "berlin_date",
    "berlin_day_bounds",
    "ensure_aware_utc",
    "parse_aware_datetime",
    "parse_day",
]


def _require_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise InvalidInput(
            f"Zeitpunkt ohne Zeitzone: {dt.isoformat()}",
            code="naive_datetime",
            message_en=f"Datetime without a time zone: {dt.isoformat()}",
        )


def ensure_aware_utc(dt: datetime) -> datetime:
    """Return ``dt`` converted to UTC; naive datetimes are refused, never guessed."""
    _require_aware(dt)
    return dt.astimezone(UTC)


def berlin_date(dt: datetime) -> date:
    """The calendar date of an aware instant in Europe/Berlin.

    Lexware timestamps like ``2023-07-14T00:00:00.000+01:00`` mean 14 July; the
    UTC date (13 July) would be wrong, so this never goes through UTC dates.
    """
    _require_aware(dt)
    return dt.astimezone(BERLIN).date()


def parse_aware_datetime(text: str) -> datetime:
    """Parse an ISO-8601 timestamp that carries an offset (Lexware's format)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"„{text}“ ist kein gültiger Zeitpunkt.",
            code="invalid_datetime",
            message_en=f"'{text}' is not a valid timestamp.",
        ) from None
    _require_aware(parsed)
    return parsed


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamping to the month's last day.

    31 January + 1 month is 28 (or 29) February.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise InvalidInput(
            "Das Datum liegt außerhalb des gültigen Bereichs.",
            code="date_out_of_range",
            message_en="The date is out of range.",
        )
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def berlin_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The Berlin calendar day as a half-open UTC interval ``[start, end)``.

    On DST switch days the interval is 23 or 25 hours long.
    """
    start = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=BERLIN)
    return start.astimezone(UTC), end.astimezone(UTC)


def parse_day(text: str) -> date:
    """A day typed by a person: ``TT.MM.JJJJ`` (German) or ``JJJJ-MM-TT`` (ISO)."""
    value = text.strip()
    try:
        if "." in value:
            day, month, year = value.split(".")
            if len(year) != 4:
                raise ValueError(year)
            return date(int(year), int(month), int(day))
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"„{value[:40]}“ ist kein Datum. Bitte geben Sie es als TT.MM.JJJJ an.",
            code="date_invalid",
            message_en=f"'{value[:40]}' is not a date. Please enter it as DD.MM.YYYY.",
        ) from None


def parse_optional_day(text: str) -> date | None:
    """:func:`parse_day` for a field that may stay empty (a filter): empty → ``None``."""
    return parse_day(text) if text.strip() else None
