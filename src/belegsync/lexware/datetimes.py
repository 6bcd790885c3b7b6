"""Lexware's date and datetime formats, in and out."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator

BERLIN = ZoneInfo("Europe/Berlin")

# Old docs print offsets without a colon (``+0100``); fromisoformat handles that, but we
# normalise anyway so every documented form goes through one code path.
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_lexware_datetime(value: object) -> object:
    """Parse any documented Lexware datetime to an aware datetime.

    Accepts ``2023-06-30T00:00:00.000+02:00``, ``…Z``, ``2017-01-03T13:15:45+0100`` and
    plain ``yyyy-MM-dd``. A value without offset is read as Europe/Berlin time, the zone
    Lexware accounts live in. Non-strings pass through for pydantic to judge.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=BERLIN)
    if not isinstance(value, str):
        return value
    try:
        # Every documented form but a lower-case ``z`` or surrounding blanks is ISO 8601
        # as Python reads it: one C call for the common case.
        parsed = datetime.fromisoformat(value)
    except ValueError:
        pass
    else:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=BERLIN)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    elif "T" in text:
        text = _COMPACT_OFFSET.sub(r"\1:\2", text)
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BERLIN)


LexwareDateTime = Annotated[datetime, BeforeValidator(parse_lexware_datetime)]
"""A pydantic field type for Lexware datetimes; always aware."""


def berlin_date(moment: datetime) -> date:
    """The calendar day of ``moment`` in Europe/Berlin (never the UTC day)."""
    return moment.astimezone(BERLIN).date()


def format_filter_date(day: date) -> str:
    """Voucherlist date filters take ``yyyy-MM-dd`` (whole Berlin days)."""
    return day.strftime("%Y-%m-%d")
