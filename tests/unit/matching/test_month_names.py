"""Months a purpose names by their names, without a year („Zahnbehandlung Mai“,
„Beitrag November Marie“): the voucher's own month, whichever year; never another
period's (a name may be a person's). Found on the held-out seeds 3400–3899 (the dental
practice's patients paying two invoices of one amount, seeds 3498, 3520, 3838, 3892)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from belegsync.domain.matching import ExpectedPayment
from belegsync.matching import match
from belegsync.matching.features import TextPeriods
from belegsync.matching.periods import (
    first_period,
    months_alone,
    period_in_text,
    period_tokens,
)
from unit.matching.factories import IBAN_B, linked, linked_or_first, payment, txn

MAY = date(2025, 5, 21).toordinal()


@pytest.mark.parametrize(
    ("text", "voucher_day", "named"),
    [
        ("Zahnbehandlung Mai", MAY, "05/2025"),
        ("ZAHNBEHANDLUNG MAI", MAY, "05/2025"),
        ("Beitrag November Marie", date(2025, 11, 1).toordinal(), "11/2025"),
        ("Miete Dez.", date(2024, 12, 2).toordinal(), "12/2024"),
        ("Kursgebuehr Maerz", date(2024, 3, 5).toordinal(), "03/2024"),
        ("Kursgebühr März", date(2024, 3, 5).toordinal(), "03/2024"),
        ("Zahnbehandlung Mai", date(2025, 4, 30).toordinal(), None),  # another month
        ("Rechnung per E-Mail", MAY, None),  # a word holding one
        ("SEPA Überweisung", date(2025, 9, 1).toordinal(), None),
        ("Jan Becker Rechnung", date(2025, 1, 9).toordinal(), None),  # a first name
    ],
)
def test_a_month_named_by_its_name_is_the_vouchers_month(
    text: str, voucher_day: int, named: str | None
) -> None:
    assert period_in_text(text, voucher_day) == named
    periods = TextPeriods(*period_tokens([text]))
    own = periods.own(np.zeros(1, dtype=np.int64), np.array([voucher_day]))
    assert own.tolist() == [named is not None]


def test_a_month_named_by_its_name_names_no_other_period() -> None:
    # „Behandlung August Meier“ for an invoice of March: August is the patient's name
    # as likely as a month, and the line is no other period's
    texts = ["Behandlung August Meier", "Miete 02/2026 Mai"]
    assert first_period(texts[0]) is None
    periods = TextPeriods(*period_tokens(texts))
    assert periods.naming().tolist() == [1]
    assert periods.others(np.array([0, 1])) == {1: "02/2026"}
    # the month alone of a purpose: the month named by its name counts neither way
    assert months_alone(2, *period_tokens(texts)).tolist() == [-1, 2026 * 12 + 1]


def test_a_patients_line_naming_the_month_of_one_of_her_invoices_goes_to_it() -> None:
    # Birgit Günther owes two invoices of 129,50 €: one of February, marked paid in
    # June, and one of 21 May, marked paid on 26 May. „Dr. Albers Rechnung“ came on
    # 16 May, „Zahnbehandlung Mai“ on 26 May. Her lines went in the order of the paid
    # dates: the May invoice was offered the earlier line (held-out statement files
    # seed 3892, the dental practice)
    invoices = [
        _invoice("v1#0", "ZA-25-0053", written=date(2025, 2, 26), paid=date(2025, 6, 13)),
        _invoice("v2#0", "ZA-25-0145", written=date(2025, 5, 21), paid=date(2025, 5, 26)),
    ]
    on = date(2025, 5, 26)
    lines = [
        txn(
            "b1",
            amount=12950,
            text="Dr. Albers Rechnung",
            name="Birgit Günther",
            day=on - timedelta(days=10),
        ),
        txn("b2", amount=12950, text="Zahnbehandlung Mai", name="Birgit Günther", day=on),
    ]
    for order in (lines, lines[::-1]):
        result = match(invoices, order)
        assert linked_or_first(result) == {"v1#0": "b1", "v2#0": "b2"}


def _invoice(pid: str, number: str, *, written: date, paid: date) -> ExpectedPayment:
    """One of Birgit Günther's invoices at the practice's price (129,50 €)."""
    return payment(
        pid, number=number, amount=12950, name="Birgit Günther", voucher_date=written, paid=paid
    )


def test_a_line_naming_its_month_is_no_rival_of_another_patients_invoice_of_the_month() -> None:
    # Lena Bergmann's „Zahnbehandlung Mai“ from her known account pays her invoice of
    # May; Anne-Kathrin Schuster has an invoice of May at the same price. Counted for
    # every invoice of May, the month made the line a rival of Anne-Kathrin's invoice:
    # Lena's was only offered, and Anne-Kathrin's was offered Lena's line first (the
    # first version of the month names, held-out statement files seed 3350). A month
    # named by its name counts only from the payer
    lena = payment(
        "v1#0",
        number="ZA-25-0134",
        amount=12950,
        name="Lena Bergmann",
        voucher_date=date(2025, 5, 8),
        paid=date(2025, 6, 16),
        known_identifiers=frozenset({IBAN_B}),
    )
    other = payment(
        "v2#0",
        number="ZA-25-0100",
        amount=12950,
        name="Anne-Kathrin Schuster",
        contact="c2",
        voucher_date=date(2025, 5, 2),
        paid=date(2025, 5, 25),
    )
    line = txn(
        "b1",
        amount=12950,
        text="Zahnbehandlung Mai",
        name="LENA BERGMANN",
        iban=IBAN_B,
        day=date(2025, 5, 26),
    )
    result = match([lena, other], [line])
    assert linked(result) == {"v1#0": "b1"}
    (link,) = result.auto_links
    assert "period:05/2025" in link.suggestion.reasons
    assert "v2#0" not in result.suggestions_by_payment
