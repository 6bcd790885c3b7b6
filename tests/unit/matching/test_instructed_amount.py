"""A foreign transfer whose banks kept their charges: the bank reports the amount the
payer instructed (camt ``AmtDtls/InstdAmt``, MT940 ``OAMT+``) beside the booked one.
Where the instructed amount is the invoice's, to the cent, the invoice is paid in full:
the charges are the difference, and the pair is as exact as a line of the amount."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from belegsync.domain.matching import (
    AmountKind,
    BankTxn,
    DifferenceReason,
    ExistingLink,
    ExpectedPayment,
    LinkStatus,
    UnmatchedReason,
    instructed_cents,
)
from belegsync.domain.matching_reasons import describe
from belegsync.domain.matching_score import ScoringRules, amount_feature, charges_bound
from belegsync.matching import match
from belegsync.matching.candidates import AMOUNT_SHIFT
from belegsync.matching.columns import TxnColumns
from unit.matching.factories import D0, IBAN_B, payment, txn

SWISS_IBAN = "CH9300762011623852957"


def _swiss_line(booked: int, instructed: int | None, currency: str = "EUR") -> BankTxn:
    return txn(
        "swift",
        amount=booked,
        text="/RFB/RE-2024-0042 INVOICE 0042",
        day=D0 + timedelta(days=3),
        name="ALPENHOLZ AG",
        iban=SWISS_IBAN,
        original_amount_cents=instructed,
        original_currency=currency if instructed is not None else None,
    )


def _invoice(amount: int = 250000) -> ExpectedPayment:
    return payment(amount=amount, name="Alpenholz AG")


def test_the_invoice_paid_in_full_less_the_banks_charges_is_linked_with_them_as_difference() -> (
    None
):
    result = match([_invoice()], [_swiss_line(248750, 250000)])

    [link] = result.auto_links
    s = link.suggestion
    assert (s.payment_id, s.txn_id) == ("v1#0", "swift")
    assert s.allocated_cents == 248750
    assert s.difference_cents == 1250
    assert s.difference_reason is DifferenceReason.FEE
    assert s.features.amount_kind is AmountKind.CHARGES
    assert s.features.amount_delta_cents == -1250
    german, _ = describe(s.reasons[0])
    assert german == "Auftragsbetrag stimmt auf den Cent, die Banken behielten 12,50 € Gebühren ein"


def test_without_the_instructed_amount_the_same_line_is_only_offered() -> None:
    result = match([_invoice()], [_swiss_line(248750, None)])

    assert not result.auto_links
    [top, *_] = result.suggestions_by_payment["v1#0"]
    assert top.txn_id == "swift"
    assert not top.features.amount_kind.is_exact


@pytest.mark.parametrize(
    ("instructed", "currency", "why"),
    [
        (249000, "EUR", "the payer instructed another amount than the invoice's"),
        (250000, "CHF", "an amount in another currency is an exchange, not a charge"),
        (258750, "EUR", "more than the banks keep"),
    ],
)
def test_an_instructed_amount_that_does_not_say_so_links_nothing(
    instructed: int, currency: str, why: str
) -> None:
    booked = 248750 if instructed != 258750 else 198750
    result = match(
        [_invoice(amount=250000 if instructed != 258750 else 258750)],
        [_swiss_line(booked, instructed, currency)],
    )

    assert not result.auto_links, why


def test_a_line_partly_allocated_already_is_no_instructed_payment_of_another() -> None:
    # half of the line went to another voucher by hand: what is left is not what the
    # payer sent for this one
    other = ExistingLink("v9#0", "swift", allocated_cents=100000, status=LinkStatus.CONFIRMED)
    result = match(
        [_invoice(amount=250000)],
        [_swiss_line(248750, 250000)],
        existing_links=[other],
    )

    assert not result.auto_links


def test_an_exact_line_of_the_amount_is_still_exact_not_charged() -> None:
    rules = ScoringRules()
    amounts = ((250000, AmountKind.EXACT),)
    assert amount_feature(250000, amounts, rules, 250000) == (1.0, AmountKind.EXACT, 0)
    assert amount_feature(248750, amounts, rules, 250000) == (1.0, AmountKind.CHARGES, -1250)
    assert amount_feature(248750, amounts, rules) == (0.3, AmountKind.BAND, -1250)
    assert amount_feature(245000, amounts, rules, 250000)[1] is AmountKind.CHARGES
    assert amount_feature(244999, amounts, rules, 250000)[1] is not AmountKind.CHARGES


@pytest.mark.parametrize(
    ("invoice", "kept", "linked"),
    [
        # a receiving bank's 1.5 ‰ and two intermediaries' 25 € on 100.000 €: 200 €
        (10_000_000, 20_000, True),
        (10_000_000, 30_000, True),  # 0.3 % of the amount is the most
        (10_000_000, 30_001, False),
        # below 16.666,67 € the fixed 50 € is the most: 0.3 % is less
        (1_000_000, 5_000, True),
        (1_000_000, 5_001, False),
    ],
)
def test_a_large_payments_charges_are_bounded_by_a_share_of_it(
    invoice: int, kept: int, linked: bool
) -> None:
    rules = ScoringRules()
    amounts = ((invoice, AmountKind.EXACT),)
    kind = amount_feature(invoice - kept, amounts, rules, invoice)[1]
    assert (kind is AmountKind.CHARGES) is linked
    assert charges_bound(invoice, rules) == max(5000, invoice * 3 // 1000)
    # the engine's vectorised scoring agrees with the rule
    result = match([_invoice(amount=invoice)], [_swiss_line(invoice - kept, invoice)])
    assert bool(result.auto_links) is linked
    if linked:
        assert result.auto_links[0].suggestion.difference_cents == kept


@pytest.mark.parametrize(
    ("amount", "currency", "original", "original_currency", "expected"),
    [
        (248750, "EUR", 250000, "EUR", 250000),
        (-248750, "EUR", 250000, "EUR", 250000),  # money out: the client's own charges
        (250000, "EUR", 250000, "EUR", 0),  # nothing kept back
        (248750, "EUR", 250000, "CHF", 0),
        (248750, "EUR", None, None, 0),
        (248750, "EUR", 240000, "EUR", 0),
    ],
)
def test_instructed_cents(
    amount: int, currency: str, original: int | None, original_currency: str | None, expected: int
) -> None:
    assert instructed_cents(amount, currency, original, original_currency) == expected


def test_a_domestic_line_of_another_payer_with_the_instructed_amount_is_not_favoured() -> None:
    # two lines for the invoice: the exact domestic transfer naming it wins over a
    # charged one naming nothing from an unknown payer
    exact = txn("exact", amount=250000, name="ALPENHOLZ AG", iban=IBAN_B)
    charged = txn(
        "charged",
        amount=248750,
        text="PAYMENT",
        name="UNBEKANNT LTD",
        iban=SWISS_IBAN,
        original_amount_cents=250000,
        original_currency="EUR",
    )
    result = match([_invoice()], [exact, charged])

    assert [link.suggestion.txn_id for link in result.auto_links] == ["exact"]


def test_a_small_invoice_whose_charges_take_the_line_below_the_band_is_found_by_them() -> None:
    # 178,50 € ordered, 7,50 € kept: 95.8 % arrived, below the tolerance band (96.5 %);
    # the purpose names only the running number, the name is the contact's
    invoice = payment(number="RE-25-0125", amount=17850, name="Klaus Vogel")
    line = txn(
        "swift",
        amount=17100,
        text="Rechnung 125",
        day=D0 - timedelta(days=1),
        name="Klaus Vogel",
        iban=SWISS_IBAN,
        original_amount_cents=17850,
        original_currency="EUR",
    )
    [link] = match([invoice], [line]).auto_links
    assert (link.suggestion.txn_id, link.suggestion.allocated_cents) == ("swift", 17100)

    unstated = match([invoice], [_without_instructed(line)])
    assert not unstated.auto_links


def _without_instructed(line: BankTxn) -> BankTxn:
    return replace(line, original_amount_cents=None, original_currency=None)


@pytest.mark.parametrize(
    ("instructed", "reason"),
    [(250000, UnmatchedReason.BELOW_THRESHOLD), (None, UnmatchedReason.NO_CANDIDATE)],
)
def test_a_transfer_weeks_after_the_paid_date_keeps_its_invoice_from_the_external_list(
    instructed: int | None, reason: UnmatchedReason
) -> None:
    """Six weeks after the paid date, from an unknown payer naming nothing: no run links
    or offers it, but an exact amount within two months keeps a voucher from
    „Externe Transaktion erforderlich“ (a person searches instead). The amount the
    payer instructed is that amount."""
    line = replace(
        _swiss_line(248750, instructed),
        booking_date=D0 + timedelta(days=42),
        remittance="PAYMENT",
        counterparty_name="TREUHAND HUBER AG",
    )
    result = match([_invoice()], [line])

    assert not result.auto_links and not result.suggestions_by_payment
    assert [u.reason for u in result.unmatched] == [reason]


def test_an_absurd_instructed_amount_is_no_key_of_another_partition() -> None:
    """An amount as ordered beyond what a key holds (a damaged file's) finds nothing:
    its high bits would read as the partition of the client's money out, where a
    supplier's invoice of the low bits' amount would take the credit for its line and
    stay off „Externe Transaktion erforderlich“."""
    invoice = payment(amount=250000, vtype="purchaseinvoice", name="Alpenholz AG")
    line = _swiss_line(248750, (1 << AMOUNT_SHIFT) + 250000)
    result = match([invoice], [line])

    assert [u.reason for u in result.unmatched] == [UnmatchedReason.NO_CANDIDATE]


def test_columns_refuse_an_instructed_column_of_another_length() -> None:
    cols = TxnColumns.from_txns([_swiss_line(248750, 250000), _swiss_line(100, None)])
    assert cols.instructed.tolist() == [250000, 0]
    with pytest.raises(ValueError, match="instructed holds 1 values for 2 lines"):
        replace(cols, instructed=np.array([250000], dtype=np.int64))
