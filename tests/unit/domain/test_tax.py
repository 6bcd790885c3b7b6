from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belegsync.domain.errors import InvalidInput
from belegsync.domain.tax import PeriodKind, TaxYear, VatReturnPeriod, split_tax_years


def test_tax_year() -> None:
    year = TaxYear(2024, closed=True)
    assert year.first_day == date(2024, 1, 1)
    assert year.last_day == date(2024, 12, 31)
    assert TaxYear(2025).closed is False
    with pytest.raises(InvalidInput):
        TaxYear(24)
    with pytest.raises(TypeError):
        TaxYear("2024")  # type: ignore[arg-type]


def test_split_tax_years() -> None:
    years = [TaxYear(2023, closed=True), TaxYear(2024), TaxYear(2025)]
    assert split_tax_years(years) == (frozenset({2024, 2025}), frozenset({2023}))


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("2024-01", PeriodKind.MONTH, date(2024, 1, 1), date(2024, 1, 31)),
        ("2024-02", PeriodKind.MONTH, date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", PeriodKind.MONTH, date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-12", PeriodKind.MONTH, date(2024, 12, 1), date(2024, 12, 31)),
        ("2024-Q1", PeriodKind.QUARTER, date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-q2", PeriodKind.QUARTER, date(2024, 4, 1), date(2024, 6, 30)),
        (" 2024-Q3 ", PeriodKind.QUARTER, date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-Q4", PeriodKind.QUARTER, date(2024, 10, 1), date(2024, 12, 31)),
    ],
)
def test_parse_period(text: str, kind: PeriodKind, first: date, last: date) -> None:
    period = VatReturnPeriod.parse(text)
    assert period.kind is kind
    assert (period.first_day, period.last_day) == (first, last)
    assert period.contains(first) and period.contains(last)
    assert not period.contains(date(last.year + 1, 1, 1))


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("2024-13", "Monat 13"),
        ("2024-00", "Monat 00"),
        ("2024-Q5", "Quartal 5"),
        ("2024-Q0", "Quartal 0"),
        ("24-01", "Format"),
        ("2024-1", "Format"),
        ("2024/01", "Format"),
        ("", "Format"),
        ("2024-٠١", "Format"),
    ],
)
def test_parse_period_errors_are_clear(text: str, hint: str) -> None:
    with pytest.raises(ValueError, match="JJJJ-MM") as info:
        VatReturnPeriod.parse(text)
    assert isinstance(info.value, InvalidInput)
    assert hint in str(info.value)
    assert info.value.code == "invalid_vat_period"
    assert "YYYY-MM" in info.value.message_en


def test_constructor_validates_number() -> None:
    with pytest.raises(InvalidInput):
        VatReturnPeriod.monthly(2024, 13)
    with pytest.raises(InvalidInput):
        VatReturnPeriod.quarterly(2024, 5)


def test_str_is_canonical() -> None:
    assert str(VatReturnPeriod.parse("2024-q2")) == "2024-Q2"
    assert str(VatReturnPeriod.monthly(2024, 3)) == "2024-03"


def test_ordering() -> None:
    periods = [
        VatReturnPeriod.parse(t) for t in ["2024-04", "2023-Q4", "2024-03", "2024-Q1", "2024-01"]
    ]
    assert [str(p) for p in sorted(periods)] == [
        "2023-Q4",
        "2024-01",
        "2024-Q1",
        "2024-03",
        "2024-04",
    ]
    assert max(periods) == VatReturnPeriod.monthly(2024, 4)
    assert VatReturnPeriod.quarterly(2024, 1) <= VatReturnPeriod.monthly(2024, 3)
    assert VatReturnPeriod.monthly(2024, 4) >= VatReturnPeriod.quarterly(2024, 1)
    assert VatReturnPeriod.monthly(2024, 4) > VatReturnPeriod.quarterly(2024, 1)


periods = st.one_of(
    st.builds(VatReturnPeriod.monthly, st.integers(1900, 2999), st.integers(1, 12)),
    st.builds(VatReturnPeriod.quarterly, st.integers(1900, 2999), st.integers(1, 4)),
)


@given(periods)
def test_parse_str_round_trip(period: VatReturnPeriod) -> None:
    assert VatReturnPeriod.parse(str(period)) == period
    assert period.first_day <= period.last_day


@given(periods, periods)
def test_ordering_is_total_and_consistent_with_equality(
    a: VatReturnPeriod, b: VatReturnPeriod
) -> None:
    assert (a < b) + (a == b) + (a > b) == 1
