from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from belegsync.domain.dates import BERLIN, UTC, berlin_date
from belegsync.domain.errors import InvalidInput
from belegsync.domain.schedule import daily_slot, is_due, next_due, slot_instant

SLOT = time(6, 37)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_daily_slot_is_stable_and_in_range() -> None:
    # Pinned values: a slot must not move between releases or processes.
    assert daily_slot("tenant-1") == time(7, 50)
    assert daily_slot("3f1c2a9e-0000-4000-8000-000000000001") == time(6, 16)
    slots = [daily_slot(f"tenant-{i}") for i in range(2000)]
    assert all(time(6, 0) <= s < time(8, 0) for s in slots)
    assert len(set(slots)) > 100  # spread over the morning, not clumped


def test_daily_slot_options() -> None:
    assert daily_slot("x", base_time=time(5, 0), spread_minutes=1) == time(5, 0)
    assert time(22, 0) <= daily_slot("x", base_time=time(22, 0), spread_minutes=120) <= time(23, 59)
    with pytest.raises(InvalidInput):
        daily_slot("x", base_time=time(23, 0), spread_minutes=61)
    with pytest.raises(InvalidInput):
        daily_slot("x", spread_minutes=0)


def test_due_after_slot_once_per_day() -> None:
    # 2026-06-10: CEST, slot 06:37 Berlin = 04:37 UTC
    assert not is_due(utc(2026, 6, 10, 4, 36), None, SLOT)
    assert is_due(utc(2026, 6, 10, 4, 37), None, SLOT)
    assert is_due(utc(2026, 6, 10, 4, 37), utc(2026, 6, 9, 4, 37), SLOT)
    assert not is_due(utc(2026, 6, 10, 12, 0), utc(2026, 6, 10, 4, 37), SLOT)
    # An on-demand run before the slot does not replace the morning run.
    assert is_due(utc(2026, 6, 10, 5, 0), utc(2026, 6, 10, 3, 0), SLOT)


def test_catch_up_after_downtime_is_a_single_run() -> None:
    last = utc(2026, 6, 5, 4, 40)
    back_up = utc(2026, 6, 10, 14, 0)
    assert is_due(back_up, last, SLOT)
    assert not is_due(back_up + timedelta(minutes=1), back_up, SLOT)
    assert next_due(back_up, back_up, SLOT) == utc(2026, 6, 11, 4, 37)


def test_late_evening_run_is_still_todays_run() -> None:
    # 23:30 Berlin on 10 June is 21:30 UTC; the day is Berlin's, not UTC's.
    assert is_due(utc(2026, 6, 10, 21, 30), utc(2026, 6, 9, 4, 40), SLOT)
    assert not is_due(utc(2026, 6, 10, 22, 30), utc(2026, 6, 10, 21, 30), SLOT)  # 00:30 on 11th
    assert is_due(utc(2026, 6, 11, 4, 37), utc(2026, 6, 10, 21, 30), SLOT)


def test_naive_now_is_refused() -> None:
    with pytest.raises(InvalidInput):
        is_due(datetime(2026, 6, 10, 6, 0), None, SLOT)
    with pytest.raises(InvalidInput):
        next_due(utc(2026, 6, 10, 6, 0), datetime(2026, 6, 9, 6, 0), SLOT)


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        (date(2026, 3, 28), utc(2026, 3, 28, 5, 37)),  # CET, +01:00
        (date(2026, 3, 29), utc(2026, 3, 29, 4, 37)),  # CEST from 02:00 that night
        (date(2026, 10, 24), utc(2026, 10, 24, 4, 37)),  # CEST
        (date(2026, 10, 25), utc(2026, 10, 25, 5, 37)),  # CET from 03:00 that night
    ],
)
def test_slot_instant_across_dst(day: date, expected_utc: datetime) -> None:
    assert slot_instant(day, SLOT) == expected_utc
    assert slot_instant(day, SLOT).astimezone(BERLIN).time() == SLOT


def test_spring_forward_day() -> None:
    saturday_run = utc(2026, 3, 28, 5, 37)
    # Only 23 hours later, it is due again: it is a new Berlin day after the slot.
    assert not is_due(utc(2026, 3, 29, 4, 36), saturday_run, SLOT)
    assert is_due(utc(2026, 3, 29, 4, 37), saturday_run, SLOT)
    assert next_due(saturday_run, saturday_run, SLOT) == utc(2026, 3, 29, 4, 37)


def test_fall_back_day() -> None:
    saturday_run = utc(2026, 10, 24, 4, 37)
    # 24 hours later it is only 05:37 Berlin: not yet; due 25 hours later.
    assert not is_due(utc(2026, 10, 25, 4, 37), saturday_run, SLOT)
    assert is_due(utc(2026, 10, 25, 5, 37), saturday_run, SLOT)
    assert next_due(saturday_run, saturday_run, SLOT) == utc(2026, 10, 25, 5, 37)


def test_slot_in_the_spring_gap_and_autumn_overlap_still_runs_once() -> None:
    gap = time(2, 30)
    assert slot_instant(date(2026, 3, 29), gap) == utc(2026, 3, 29, 1, 30)  # 03:30 CEST
    assert slot_instant(date(2026, 10, 25), gap) == utc(2026, 10, 25, 0, 30)  # first 02:30
    for start in (utc(2026, 3, 26, 0, 0), utc(2026, 10, 22, 0, 0)):
        assert runs_per_day(simulate(start, days=7, step_minutes=5, slot=gap)) == {1}


def test_next_due_before_slot_is_todays_slot() -> None:
    assert next_due(utc(2026, 6, 10, 3, 0), utc(2026, 6, 9, 4, 40), SLOT) == utc(2026, 6, 10, 4, 37)
    assert next_due(utc(2026, 6, 10, 3, 0), None, SLOT) == utc(2026, 6, 10, 4, 37)
    now = utc(2026, 6, 10, 5, 0)
    assert next_due(now, None, SLOT) == now


def simulate(
    start: datetime, *, days: int, step_minutes: int, slot: time, last: datetime | None = None
) -> list[datetime]:
    runs: list[datetime] = []
    now = start
    end = start + timedelta(days=days)
    while now < end:
        if is_due(now, last, slot):
            runs.append(now)
            last = now
        now += timedelta(minutes=step_minutes)
    return runs


def runs_per_day(runs: list[datetime]) -> set[int]:
    return set(Counter(berlin_date(r) for r in runs).values())


@pytest.mark.parametrize("start", [utc(2026, 3, 25, 0, 0), utc(2026, 10, 21, 0, 0)])
def test_exactly_one_run_per_berlin_day_across_dst_weeks(start: datetime) -> None:
    runs = simulate(start, days=10, step_minutes=1, slot=SLOT)
    assert len(runs) == 10
    assert runs_per_day(runs) == {1}
    assert {r.astimezone(BERLIN).time() for r in runs} == {SLOT}


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
slots = st.times(min_value=time(0, 0), max_value=time(23, 59)).map(
    lambda t: t.replace(second=0, microsecond=0)
)


# The scheduler must tick at least once between the slot and midnight; real slots
# lie between 06:00 and 08:00 and the runner ticks every minute.
morning_to_evening_slots = st.times(min_value=time(0, 0), max_value=time(22, 0)).map(
    lambda t: t.replace(second=0, microsecond=0)
)


@settings(max_examples=50, deadline=None)
@given(moments, st.integers(min_value=1, max_value=90), morning_to_evening_slots)
def test_simulated_scheduler_runs_once_per_berlin_day(
    start: datetime, step: int, slot: time
) -> None:
    runs = simulate(start, days=4, step_minutes=step, slot=slot)
    assert runs_per_day(runs) <= {1}
    assert all(r >= slot_instant(berlin_date(r), slot) for r in runs)
    # Every full Berlin day inside the simulation has its run.
    days = {berlin_date(r) for r in runs}
    first_full = berlin_date(start) + timedelta(days=1)
    last_full = berlin_date(start + timedelta(days=4)) - timedelta(days=1)
    day = first_full
    while day < last_full:
        assert day in days
        day += timedelta(days=1)


@given(moments, st.one_of(st.none(), st.timedeltas(timedelta(0), timedelta(days=10))), slots)
def test_next_due_properties(now: datetime, age: timedelta | None, slot: time) -> None:
    last = None if age is None else now - age
    due_at = next_due(now, last, slot)
    assert (due_at == now) == is_due(now, last, slot)
    assert now <= due_at <= now + timedelta(hours=25)
    if due_at != now:
        assert is_due(due_at, last, slot)
        assert not is_due(due_at - timedelta(microseconds=1), last, slot)


@given(moments, slots, st.timedeltas(timedelta(days=1), timedelta(days=30)))
def test_downtime_gives_one_catch_up_run(last: datetime, slot: time, gap: timedelta) -> None:
    back_up = last + gap
    if not is_due(back_up, last, slot):
        # Back before today's slot: the slot itself is the catch-up.
        back_up = next_due(back_up, last, slot)
    assert is_due(back_up, last, slot)
    assert not is_due(back_up + timedelta(minutes=1), back_up, slot)


@settings(max_examples=50, deadline=None)
@given(moments, st.integers(min_value=1, max_value=240), slots)
def test_never_more_than_one_run_per_berlin_day_for_any_slot(
    start: datetime, step: int, slot: time
) -> None:
    runs = simulate(start, days=3, step_minutes=step, slot=slot)
    assert runs_per_day(runs) <= {1}
