"""Parsing the Abgleich page's query and forms: German amounts and dates, URL state."""

from __future__ import annotations

from datetime import date

import pytest

from belegsync.domain.errors import InvalidInput
from belegsync.web.controllers.matching_forms import (
    amount_input,
    parse_amount_cents,
    parse_optional_day,
    parse_queue,
    unfiltered,
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("240,74", 24074),
        ("-110,28", -11028),
        ("\u2212110,28", -11028),  # a typographic minus, as copied from a page
        ("1.234,56", 123456),
        ("1.234,56 €", 123456),
        ("240.74", 24074),
        ("  7 ", 700),
        ("", None),
    ],
)
def test_german_and_plain_amounts(text: str, cents: int | None) -> None:
    assert parse_amount_cents(text) == cents


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1,234", "12.345", "NaN", "Infinity", "1e400"])
def test_amounts_that_are_none_are_refused_clearly(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_amount_cents(text)
    assert refused.value.code == "amount_invalid" and text in refused.value.message


def test_form_values_round_trip_in_both_languages() -> None:
    assert amount_input(-24074, "de") == "-240,74"
    assert amount_input(24074, "en") == "240.74"
    for cents in (-24074, 5, 123456):
        assert parse_amount_cents(amount_input(cents, "de")) == cents


def test_days() -> None:
    assert parse_optional_day("2024-03-05") == parse_optional_day("05.03.2024") == date(2024, 3, 5)
    assert parse_optional_day("") is None
    with pytest.raises(InvalidInput):
        parse_optional_day("31.02.2024")


def test_queue_state_lives_in_the_url() -> None:
    state = parse_queue("external", "3", {"number": " RE-1 ", "amount": "1.234,56", "q": None})
    assert (state.tab, state.page) == ("external", 3)
    assert state.filters.number == "RE-1" and state.filters.amount_cents == 123456
    url = state.url("/clients/t/matching")
    assert url == "/clients/t/matching?tab=external&number=RE-1&amount=1.234%2C56&page=3"
    assert state.url("/m", page=1, tab="auto") == "/m?tab=auto&number=RE-1&amount=1.234%2C56"


def test_unknown_tab_and_page_fall_back_but_bad_filters_are_refused() -> None:
    state = parse_queue("nonsense", "-4", {})
    assert (state.tab, state.page, state.filters.active) == ("suggestions", 1, False)
    assert parse_queue(None, "x", {}).page == 1
    with pytest.raises(InvalidInput) as reversed_range:
        parse_queue(None, None, {"date_from": "2024-03-05", "date_to": "2024-03-01"})
    assert reversed_range.value.code == "date_range_invalid"
    kept = unfiltered("auto", "2", {"amount": "abc"})
    assert kept.fields["amount"] == "abc" and not kept.filters.active
