"""How far a client's lines reach (``domain.matching.lines_reach``): a payment without a
line is told to need an external transaction only once they reach past its window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from belegsync.domain.matching import STALE_ACCOUNT_DAYS, AccountLines, lines_reach

MARCH = date(2024, 3, 1)


def test_an_account_reaches_its_last_booking_or_the_period_its_statement_states() -> None:
    assert AccountLines(last_booking=MARCH).reach == MARCH
    assert AccountLines(MARCH, statement_end=date(2024, 3, 31)).reach == date(2024, 3, 31)
    # a file re-uploaded later of an earlier month does not pull the reach back
    assert AccountLines(date(2024, 4, 2), statement_end=MARCH).reach == date(2024, 4, 2)
    assert AccountLines().reach is None


def test_a_push_reaches_the_day_before_it_in_berlin() -> None:
    # 23:30 UTC on 9 March is 00:30 on the 10th in Berlin: every booking of the 9th is in
    late = AccountLines(date(2024, 3, 4), last_push=datetime(2024, 3, 9, 23, 30, tzinfo=UTC))
    assert late.reach == date(2024, 3, 9)
    early = AccountLines(date(2024, 3, 4), last_push=datetime(2024, 3, 9, 6, 0, tzinfo=UTC))
    assert early.reach == date(2024, 3, 8)
    # a push bringing a booking dated the day of the push reaches that booking
    same_day = AccountLines(date(2024, 3, 9), last_push=datetime(2024, 3, 9, 6, 0, tzinfo=UTC))
    assert same_day.reach == date(2024, 3, 9)


def test_the_least_current_account_decides_and_a_stale_one_is_left_out() -> None:
    connected = AccountLines(date(2024, 3, 19))
    card = AccountLines(statement_end=date(2024, 2, 29))
    assert lines_reach([connected, card]) == date(2024, 2, 29)
    # a savings account last booked in December says nothing about March
    savings = AccountLines(date(2023, 12, 31))
    assert lines_reach([connected, card, savings]) == date(2024, 2, 29)
    assert lines_reach([savings]) == date(2023, 12, 31)
    assert lines_reach([]) is None
    assert lines_reach([AccountLines()]) is None


@given(st.lists(st.dates(date(2020, 1, 1), date(2030, 12, 31)), min_size=1, max_size=6))
def test_the_reach_is_one_of_the_accounts_and_within_the_stale_days_of_the_newest(
    days: list[date],
) -> None:
    reach = lines_reach(AccountLines(day) for day in days)
    assert reach in days
    assert max(days) - timedelta(days=STALE_ACCOUNT_DAYS) <= reach <= max(days)


def test_nothing_reaches_past_the_day_of_the_last_import() -> None:
    """A statement stating a period not over yet (a bank's export for the month run on
    the 4th), a booking dated ahead (a transfer value-dated next week): neither says
    anything of the days after the import."""
    imported = datetime(2024, 3, 4, 17, 0, tzinfo=UTC)
    statement = AccountLines(
        date(2024, 3, 1), statement_end=date(2024, 3, 31), last_import=imported
    )
    assert statement.reach == date(2024, 3, 4)
    ahead = AccountLines(date(2024, 3, 11), last_import=imported)
    assert ahead.reach == date(2024, 3, 4)
    # a push of the evening (18:00 UTC, 19:00 in Berlin) reaches the day before it
    pushed = datetime(2024, 3, 4, 18, 0, tzinfo=UTC)
    assert AccountLines(date(2024, 3, 11), last_push=pushed, last_import=pushed).reach == date(
        2024, 3, 4
    )
    assert AccountLines(date(2024, 2, 20), last_push=pushed, last_import=pushed).reach == date(
        2024, 3, 3
    )
