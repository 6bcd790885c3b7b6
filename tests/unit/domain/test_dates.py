from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belegsync.domain.dates import (
    BERLIN,
    UTC,
    add_months,
    berlin_date,
    berlin_day_bounds,
    ensure_aware_utc,
    parse_aware_datetime,
)
from belegsync.domain.errors import InvalidInput


def test_lexware_posting_date_is_the_berlin_day_not_the_utc_day() -> None:
    posting = parse_aware_datetime("2023-07-14T00:00:00.000+01:00")
    assert berlin_date(posting) == date(2023, 7, 14)
    assert posting.astimezone(UTC).date() == date(2023, 7, 13)


def test_berlin_date_around_midnight_in_winter_and_summer() -> None:
    assert berlin_date(datetime(2026, 1, 15, 23, 30, tzinfo=UTC)) == date(2026, 1, 16)
    assert berlin_date(datetime(2026, 7, 15, 21, 59, tzinfo=UTC)) == date(2026, 7, 15)
    assert berlin_date(datetime(2026, 7, 15, 22, 0, tzinfo=UTC)) == date(2026, 7, 16)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        berlin_date(datetime(2026, 1, 1))
    assert info.value.code == "naive_datetime"
    with pytest.raises(InvalidInput):
        ensure_aware_utc(datetime(2026, 1, 1))
    with pytest.raises(InvalidInput):
        parse_aware_datetime("2026-01-01T10:00:00")


def test_parse_aware_datetime_rejects_garbage() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_aware_datetime("yesterday")
    assert info.value.code == "invalid_datetime"


def test_ensure_aware_utc_converts() -> None:
    local = datetime(2026, 3, 1, 7, 0, tzinfo=timezone(timedelta(hours=1)))
    converted = ensure_aware_utc(local)
    assert converted == local
    assert converted.utcoffset() == timedelta(0)
    assert converted.hour == 6


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2025, 1, 15), -13, date(2023, 12, 15)),
        (date(2024, 5, 31), 0, date(2024, 5, 31)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_months_out_of_range() -> None:
    with pytest.raises(InvalidInput):
        add_months(date(9999, 12, 1), 1)


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 12, 31))
month_offsets = st.integers(min_value=-600, max_value=600)


@given(dates, month_offsets)
def test_add_months_properties(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


@given(dates, month_offsets)
def test_add_months_round_trip_when_day_exists(day: date, months: int) -> None:
    if day.day <= 28:
        assert add_months(add_months(day, months), -months) == day


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 1), 24)],
)
def test_berlin_day_bounds_across_dst(day: date, hours: int) -> None:
    start, end = berlin_day_bounds(day)
    assert end - start == timedelta(hours=hours)
    assert start.utcoffset() == timedelta(0)
    assert start.astimezone(BERLIN).hour == 0
    assert berlin_date(start) == day
    assert berlin_date(end - timedelta(microseconds=1)) == day
    assert berlin_date(end) == day + timedelta(days=1)
