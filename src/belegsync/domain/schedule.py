"""The daily morning sync schedule, with "now" always passed in.

Each connection gets a stable slot in Berlin local time (default between 06:00 and
08:00, spread by a hash of its id so that not every client hits Lexware at once).
A connection is due once per Berlin calendar day, from its slot on: if the slot
has passed today and no run has started since today's slot, a run is due. After
downtime this gives exactly one catch-up run, however many days were missed;
before today's slot nothing is due because today's run follows shortly.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from belegsync.domain.dates import BERLIN, UTC, ensure_aware_utc
from belegsync.domain.errors import InvalidInput

DEFAULT_BASE_TIME = time(6, 0)
DEFAULT_SPREAD_MINUTES = 120


def daily_slot(
    key: str,
    base_time: time = DEFAULT_BASE_TIME,
    spread_minutes: int = DEFAULT_SPREAD_MINUTES,
) -> time:
    """A stable local time in ``[base_time, base_time + spread_minutes)`` for ``key``.

    ``key`` is a tenant or connection id. sha256 rather than ``hash()`` because
    Python salts string hashes per process, and the slot must not move on restart.
    """
    if spread_minutes < 1:
        raise InvalidInput(
            "Die Streuung muss mindestens eine Minute betragen.",
            code="invalid_spread",
            message_en="The spread must be at least one minute.",
        )
    base = base_time.hour * 60 + base_time.minute
    if base + spread_minutes > 24 * 60:
        raise InvalidInput(
            "Das Zeitfenster der täglichen Synchronisation darf nicht über Mitternacht gehen.",
            code="invalid_spread",
            message_en="The daily sync time range must not pass midnight.",
        )
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    minute = base + int.from_bytes(digest[:8], "big") % spread_minutes
    return time(minute // 60, minute % 60)


def slot_instant(day: date, slot: time, tz: ZoneInfo = BERLIN) -> datetime:
    """The UTC instant of ``slot`` on local ``day``.

    In the spring-forward gap the wall time is read with the offset before the
    switch (02:30 becomes 03:30 CEST); in the autumn overlap the first occurrence
    counts. Either way there is exactly one slot per local day.
    """
    return datetime.combine(day, slot, tzinfo=tz).astimezone(UTC)


def _todays_slot(now_utc: datetime, slot: time, tz: ZoneInfo) -> datetime:
    return slot_instant(now_utc.astimezone(tz).date(), slot, tz)


def is_due(
    now_utc: datetime,
    last_run_started_utc: datetime | None,
    slot: time,
    tz: ZoneInfo = BERLIN,
) -> bool:
    """Whether the daily run is due at ``now_utc``.

    Due once today's slot has passed and no run has started since it. Any started
    run counts, also a failed one: transient errors are retried by the sync, and a
    rejected key must not be hammered every minute.
    """
    now = ensure_aware_utc(now_utc)
    todays = _todays_slot(now, slot, tz)
    if now < todays:
        return False
    return last_run_started_utc is None or ensure_aware_utc(last_run_started_utc) < todays


def next_due(
    now_utc: datetime,
    last_success_utc: datetime | None,
    slot: time,
    tz: ZoneInfo = BERLIN,
) -> datetime:
    """When the next daily run is due, in UTC; ``now_utc`` itself if it is due now."""
    now = ensure_aware_utc(now_utc)
    if is_due(now, last_success_utc, slot, tz):
        return now
    today = now.astimezone(tz).date()
    todays = slot_instant(today, slot, tz)
    if now < todays:
        return todays
    return slot_instant(today + timedelta(days=1), slot, tz)
