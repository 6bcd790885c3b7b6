from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belegsync.domain.errors import InvalidInput
from belegsync.domain.money import CurrencyMismatch, Money, round_to_cents


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        ("1234.50", 123450),
        ("  -0.05 ", -5),
        ("119", 11900),
        ("12.500", 1250),
        (Decimal("1337.00"), 133700),
        (Decimal("1E+3"), 100000),
        (119, 11900),
        (0, 0),
    ],
)
def test_parse(value: Decimal | str | int, cents: int) -> None:
    assert Money.parse(value) == Money(cents, "EUR")


@pytest.mark.parametrize("value", [1.5, 0.0, True])
def test_parse_refuses_float_and_bool(value: object) -> None:
    with pytest.raises(TypeError):
        Money.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["", "abc", "1,50", "NaN", "Infinity", Decimal("NaN")])
def test_parse_refuses_garbage(value: str | Decimal) -> None:
    with pytest.raises(InvalidInput) as info:
        Money.parse(value)
    assert info.value.code == "invalid_amount"


def test_parse_refuses_sub_cent_amounts_instead_of_rounding() -> None:
    with pytest.raises(InvalidInput) as info:
        Money.parse("0.125")
    assert info.value.code == "amount_not_in_cents"


def test_constructor_checks_types_and_currency() -> None:
    with pytest.raises(TypeError):
        Money(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True)
    with pytest.raises(InvalidInput):
        Money(1, "eur")


@pytest.mark.parametrize(
    ("cents", "decimal_string", "german"),
    [
        (123450, "1234.50", "1.234,50 €"),
        (5, "0.05", "0,05 €"),
        (-123456789, "-1234567.89", "-1.234.567,89 €"),
        (0, "0.00", "0,00 €"),
        (100000, "1000.00", "1.000,00 €"),
    ],
)
def test_formatting(cents: int, decimal_string: str, german: str) -> None:
    money = Money(cents)
    assert money.to_decimal_string() == decimal_string
    assert money.format_de() == german
    assert money.to_decimal() == Decimal(decimal_string)


def test_german_format_for_other_currency_shows_code() -> None:
    assert Money(150, "USD").format_de() == "1,50 USD"


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        ("0.005", 1),
        ("0.004999", 0),
        ("-0.005", -1),
        ("2.675", 268),
        ("19.99", 1999),
        ("-7.125", -713),
    ],
)
def test_round_to_cents_half_up(amount: str, cents: int) -> None:
    assert round_to_cents(Decimal(amount)) == cents


def test_round_to_cents_refuses_float_and_non_finite() -> None:
    with pytest.raises(TypeError):
        round_to_cents(0.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        round_to_cents(Decimal("Infinity"))


def test_arithmetic_same_currency() -> None:
    a, b = Money(1050), Money(-300)
    assert a + b == Money(750)
    assert a - b == Money(1350)
    assert -a == Money(-1050)
    assert abs(b) == Money(300)
    assert b < a <= Money(1050)
    assert a > b
    assert a >= Money(1050)
    assert sorted([a, b]) == [b, a]


def test_arithmetic_refuses_mixed_currencies() -> None:
    with pytest.raises(CurrencyMismatch):
        Money(1) + Money(1, "USD")
    with pytest.raises(CurrencyMismatch):
        Money(1) < Money(1, "USD")  # noqa: B015


def test_scaled_rounds_once_for_skonto() -> None:
    # 2 % Skonto on 119.99 € = 2.3998 € → 2.40 €
    assert Money.parse("119.99").scaled(Decimal("0.02")) == Money(240)
    assert Money(333).scaled(3) == Money(999)
    with pytest.raises(TypeError):
        Money(100).scaled(0.02)  # type: ignore[arg-type]


cents_strategy = st.integers(min_value=-(10**15), max_value=10**15)


@given(cents_strategy)
def test_decimal_string_round_trip(cents: int) -> None:
    money = Money(cents)
    assert Money.parse(money.to_decimal_string()) == money
    assert Money.parse(money.to_decimal()) == money


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**12, min_value=-(10**12)
    )
)
def test_parse_decimal_with_two_places_is_exact(amount: Decimal) -> None:
    assert Money.parse(amount).to_decimal() == amount


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, max_value=10**9, min_value=-(10**9)
    )
)
def test_round_to_cents_is_within_half_a_cent(amount: Decimal) -> None:
    cents = round_to_cents(amount)
    assert abs(Decimal(cents) / 100 - amount) <= Decimal("0.005")


@given(cents_strategy, cents_strategy)
def test_addition_matches_integer_addition(a: int, b: int) -> None:
    assert (Money(a) + Money(b)).cents == a + b
    assert (Money(a) + Money(b)) - Money(b) == Money(a)
