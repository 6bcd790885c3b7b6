"""Which bank line a payment advice describes, and what matching reads of it."""

from __future__ import annotations

from datetime import date

from belegsync.domain.advice import (
    Advice,
    AdviceItem,
    AdviceKind,
    AdviceLine,
    line_for_advice,
    matching_text,
    with_advice,
)
from belegsync.domain.matching_text import stated_fee


def _advice(
    reference: str = "", day: date | None = date(2024, 4, 15), credit: bool = True
) -> Advice:
    return Advice(
        kind=AdviceKind.PAYOUT,
        reference=reference,
        day=day,
        credit=credit,
        items=(
            AdviceItem("ZA-24-0113", 12345, 11981),
            AdviceItem("ZA-24-0114", 20000, 19410),
        ),
    )


def _line(
    txn_id: str,
    cents: int,
    day: date,
    *,
    batch: str = "",
    text: str = "",
    has_advice: bool = False,
    currency: str = "EUR",
) -> AdviceLine:
    return AdviceLine(txn_id, cents, day, currency, batch, text, has_advice)


def test_the_line_of_the_paid_sum_near_the_advice_date_is_the_one() -> None:
    lines = [
        _line("early", 31391, date(2024, 4, 1)),  # too early
        _line("right", 31391, date(2024, 4, 17)),
        _line("debit", -31391, date(2024, 4, 17)),  # the other direction
        _line("gross", 32345, date(2024, 4, 17)),  # the invoices' sum, not what was paid
        _line("usd", 31391, date(2024, 4, 17), currency="USD"),
    ]
    assert [line.id for line in line_for_advice(_advice(), lines)] == ["right"]


def test_a_batch_reference_decides_alone_and_a_described_line_is_not_offered_again() -> None:
    lines = [
        _line("a", 31391, date(2024, 4, 16)),
        _line("b", 31391, date(2024, 4, 18), batch="B2B-20240415-001"),
    ]
    assert [line.id for line in line_for_advice(_advice("B2B-20240415-001"), lines)] == ["b"]
    taken = [lines[0], _line("b", 31391, date(2024, 4, 18), batch="X", has_advice=True)]
    assert [line.id for line in line_for_advice(_advice(), taken)] == ["a"]


def test_of_two_fitting_lines_the_one_naming_the_advice_wins_else_both_are_offered() -> None:
    lines = [
        _line("a", 31391, date(2024, 4, 16), text="Gutschrift"),
        _line("b", 31391, date(2024, 4, 18), text="Auszahlung Abrechnung 2024/0012"),
    ]
    assert [line.id for line in line_for_advice(_advice("2024/0012"), lines)] == ["b"]
    assert [line.id for line in line_for_advice(_advice(), lines)] == ["a", "b"]


def test_an_advice_without_a_date_fits_its_amount_on_any_day() -> None:
    lines = [_line("a", 31391, date(2023, 1, 2))]
    assert [line.id for line in line_for_advice(_advice(day=None), lines)] == ["a"]


def test_a_transfer_batch_is_a_debit_line() -> None:
    lines = [_line("in", 31391, date(2024, 4, 15)), _line("out", -31391, date(2024, 4, 15))]
    assert [line.id for line in line_for_advice(_advice(credit=False), lines)] == ["out"]


def test_matching_reads_each_reference_and_the_fee_as_a_purpose_states_it() -> None:
    text = matching_text(_advice())
    assert text.splitlines() == ["ZA-24-0113", "ZA-24-0114", "abzgl. Gebühr 9,54"]
    assert stated_fee(with_advice("Auszahlung 2024/0012", text)) == 954
    assert with_advice("Auszahlung", None) == "Auszahlung"
    big = Advice(AdviceKind.PAYOUT, "", None, True, (AdviceItem("R1", 123_456_789, 1),))
    assert matching_text(big).splitlines()[-1] == "abzgl. Gebühr 1.234.567,88"
