from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belegsync.domain.errors import InvalidInput
from belegsync.domain.tax import VatReturnPeriod
from belegsync.domain.window import (
    SyncWindow,
    is_voucher_in_closed_year,
    sync_window,
    sync_window_start,
)

TODAY = date(2026, 5, 4)


def start(
    open_years: set[int] | frozenset[int] = frozenset(),
    closed_years: set[int] | frozenset[int] = frozenset(),
    *,
    service: bool = False,
    last_return: str | None = None,
    today: date = TODAY,
) -> date | None:
    period = None if last_return is None else VatReturnPeriod.parse(last_return)
    return sync_window_start(open_years, closed_years, service, period, today)


def test_earliest_open_year() -> None:
    assert start({2024, 2025, 2026}) == date(2024, 1, 1)
    assert start({2025}, {2024}) == date(2025, 1, 1)


def test_closing_a_year_moves_the_start() -> None:
    assert start({2024, 2025}, {2023}) == date(2024, 1, 1)
    assert start({2025}, {2023, 2024}) == date(2025, 1, 1)


def test_earliest_open_year_even_with_a_closed_year_after_it() -> None:
    assert start({2023}, {2024, 2025}) == date(2023, 1, 1)


def test_years_after_the_latest_known_one_count_as_open() -> None:
    assert start(set(), {2023, 2024, 2025}) == date(2026, 1, 1)


def test_unrecorded_gap_year_counts_as_open() -> None:
    assert start(set(), {2022, 2024, 2025}) == date(2023, 1, 1)


def test_no_known_years_means_the_current_year() -> None:
    assert start() == date(2026, 1, 1)
    assert start(today=date(2027, 1, 1)) == date(2027, 1, 1)


def test_everything_closed_up_to_today_means_nothing_to_sync() -> None:
    assert start(set(), {2025, 2026}) is None
    assert start({2027}, {2026}) is None
    assert sync_window(set(), {2026}, False, None, TODAY) is None


def test_future_open_year_alone_does_not_open_the_past() -> None:
    # 2027 is recorded ahead of time; nothing before it is known.
    assert start({2027}) is None


def test_conflicting_year_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        start({2025}, {2025})
    assert info.value.code == "tax_year_conflict"


@pytest.mark.parametrize(
    ("last_return", "expected"),
    [
        ("2026-03", date(2026, 4, 1)),
        ("2026-01", date(2026, 2, 1)),
        ("2025-Q4", date(2026, 1, 1)),
        ("2026-Q1", date(2026, 4, 1)),
        ("2025-12", date(2026, 1, 1)),
    ],
)
def test_bookkeeping_service_starts_after_last_vat_return(last_return: str, expected: date) -> None:
    assert start({2025, 2026}, service=True, last_return=last_return) == expected


def test_bookkeeping_service_uses_the_later_of_both_rules() -> None:
    # Return for 2024-Q4 submitted, but 2025 already closed: 2026 is the open year.
    assert start({2026}, {2025}, service=True, last_return="2024-Q4") == date(2026, 1, 1)


def test_bookkeeping_service_skips_a_closed_year_after_the_return() -> None:
    assert start({2024}, {2025}, service=True, last_return="2024-12") == date(2026, 1, 1)


def test_bookkeeping_service_without_a_return_follows_tax_years() -> None:
    assert start({2025}, service=True) == date(2025, 1, 1)


def test_vat_return_ignored_without_bookkeeping_service() -> None:
    assert start({2025}, service=False, last_return="2026-03") == date(2025, 1, 1)


def test_newer_vat_return_moves_the_start_monthly_and_quarterly() -> None:
    years = {2025, 2026}
    monthly = [start(years, service=True, last_return=f"2026-0{m}") for m in (1, 2, 3)]
    assert monthly == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    quarterly = start(years, service=True, last_return="2026-Q1")
    assert quarterly == date(2026, 4, 1)


def test_return_covering_today_means_nothing_to_sync_yet() -> None:
    assert start({2026}, service=True, last_return="2026-Q2") is None
    assert start({2026}, service=True, last_return="2026-04", today=date(2026, 4, 30)) is None
    assert start({2026}, service=True, last_return="2026-04", today=date(2026, 5, 1)) == date(
        2026, 5, 1
    )


def test_sync_window_ends_today() -> None:
    assert sync_window({2025}, set(), False, None, TODAY) == SyncWindow(date(2025, 1, 1), TODAY)


def test_is_voucher_in_closed_year() -> None:
    assert is_voucher_in_closed_year(date(2024, 12, 31), [2024])
    assert not is_voucher_in_closed_year(date(2025, 1, 1), [2024])
    assert not is_voucher_in_closed_year(date(2025, 1, 1), [])


def test_window_basics() -> None:
    window = SyncWindow(date(2026, 1, 1), date(2026, 1, 31))
    assert window.days == 31
    assert window.contains(date(2026, 1, 1)) and window.contains(date(2026, 1, 31))
    assert not window.contains(date(2025, 12, 31)) and not window.contains(date(2026, 2, 1))
    assert SyncWindow(TODAY, TODAY).days == 1
    with pytest.raises(InvalidInput):
        SyncWindow(TODAY, TODAY - timedelta(days=1))


def test_slices_example() -> None:
    window = SyncWindow(date(2026, 1, 1), date(2026, 1, 10))
    assert window.slices(4) == [
        SyncWindow(date(2026, 1, 1), date(2026, 1, 4)),
        SyncWindow(date(2026, 1, 5), date(2026, 1, 8)),
        SyncWindow(date(2026, 1, 9), date(2026, 1, 10)),
    ]
    assert window.slices(100) == [window]
    with pytest.raises(InvalidInput):
        window.slices(0)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=1, max_value=400),
)
def test_slices_cover_exactly_once(first: date, length: int, max_days: int) -> None:
    window = SyncWindow(first, first + timedelta(days=length))
    slices = window.slices(max_days)
    assert slices[0].start == window.start
    assert slices[-1].end == window.end
    assert all(s.days <= max_days for s in slices)
    assert all(a.end + timedelta(days=1) == b.start for a, b in pairwise(slices))
    assert sum(s.days for s in slices) == window.days


@given(
    st.sets(st.integers(2015, 2030), max_size=6),
    st.sets(st.integers(2015, 2030), max_size=6),
    st.booleans(),
    st.one_of(
        st.none(),
        st.builds(VatReturnPeriod.monthly, st.integers(2015, 2030), st.integers(1, 12)),
        st.builds(VatReturnPeriod.quarterly, st.integers(2015, 2030), st.integers(1, 4)),
    ),
    st.dates(min_value=date(2016, 1, 1), max_value=date(2030, 12, 31)),
)
def test_start_properties(
    open_years: set[int],
    closed_years: set[int],
    service: bool,
    last_return: VatReturnPeriod | None,
    today: date,
) -> None:
    open_years -= closed_years
    result = sync_window_start(open_years, closed_years, service, last_return, today)
    if result is None:
        return
    assert result <= today
    assert result.year not in closed_years
    if service and last_return is not None:
        assert result > last_return.last_day
    else:
        assert result.month == 1 and result.day == 1
