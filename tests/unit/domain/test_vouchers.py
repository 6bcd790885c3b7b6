from __future__ import annotations

from datetime import date

import pytest

from belegsync.domain.errors import InvalidInput
from belegsync.domain.vouchers import (
    PAID_STATUSES,
    SYNCED_VOUCHER_TYPES,
    Direction,
    ReviewReason,
    account_cents,
    direction,
    is_paid,
    is_synced_type,
    review_needed,
)

D2024 = date(2024, 6, 1)
D2025 = date(2025, 6, 1)


def test_synced_types() -> None:
    expected = {
        "purchaseinvoice",
        "purchasecreditnote",
        "salesinvoice",
        "salescreditnote",
        "invoice",
        "creditnote",
        "downpaymentinvoice",
    }
    assert expected == SYNCED_VOUCHER_TYPES
    assert is_synced_type("invoice")
    assert not is_synced_type("quotation")
    assert not is_synced_type("orderconfirmation")


@pytest.mark.parametrize(
    ("status", "paid"),
    [
        ("paid", True),
        ("paidoff", True),
        ("open", False),
        ("overdue", False),
        ("transferred", False),
        ("sepadebit", False),
        ("voided", False),
        ("draft", False),
        ("PAID", False),
    ],
)
def test_is_paid(status: str, paid: bool) -> None:
    assert is_paid(status) is paid
    assert (status in PAID_STATUSES) is paid


@pytest.mark.parametrize(
    ("voucher_type", "expected"),
    [
        ("purchaseinvoice", "debit"),
        ("salesinvoice", "credit"),
        ("purchasecreditnote", "credit"),
        ("salescreditnote", "debit"),
        ("invoice", "credit"),
        ("downpaymentinvoice", "credit"),
        ("creditnote", "debit"),
    ],
)
def test_direction(voucher_type: str, expected: str) -> None:
    assert direction(voucher_type) == expected
    assert isinstance(direction(voucher_type), Direction)


def test_direction_of_unknown_type() -> None:
    with pytest.raises(InvalidInput) as info:
        direction("quotation")
    assert info.value.code == "unknown_voucher_type"


@pytest.mark.parametrize(
    ("previous", "new", "voucher_date", "changed", "expected"),
    [
        ("paid", None, D2025, False, ReviewReason.DELETED),
        ("paid", None, D2024, True, ReviewReason.DELETED),
        ("paid", "voided", D2025, True, ReviewReason.NO_LONGER_PAID),
        ("paidoff", "open", D2025, True, ReviewReason.NO_LONGER_PAID),
        ("paid", "transferred", D2024, True, ReviewReason.NO_LONGER_PAID),
        ("paid", "paid", D2024, True, ReviewReason.CHANGED_AFTER_CLOSE),
        ("paid", "paidoff", D2024, True, ReviewReason.CHANGED_AFTER_CLOSE),
        ("paid", "paid", D2024, False, None),
        ("paid", "paid", D2025, True, None),
        # never synced before: nothing to review, even in a closed year
        (None, "paid", D2024, True, None),
        (None, None, D2025, False, None),
        (None, "voided", D2025, False, None),
        # was flagged as voided before; paid again is a normal update
        ("voided", "paid", D2025, True, None),
    ],
)
def test_review_needed(
    previous: str | None,
    new: str | None,
    voucher_date: date,
    changed: bool,
    expected: ReviewReason | None,
) -> None:
    assert review_needed(previous, new, voucher_date, [2024], changed) is expected


def test_review_reasons_explain_themselves() -> None:
    assert {r.value for r in ReviewReason} == {"no_longer_paid", "deleted", "changed_after_close"}
    for reason in ReviewReason:
        assert reason.explanation_de and reason.explanation_en
    assert "storniert" in ReviewReason.NO_LONGER_PAID.explanation_de
    assert "abgeschlossen" in ReviewReason.CHANGED_AFTER_CLOSE.explanation_de


@pytest.mark.parametrize(
    ("voucher_type", "stored", "shown"),
    [
        ("purchaseinvoice", 11028, -11028),  # money out, whatever sign Lexware stored
        ("purchaseinvoice", -11028, -11028),
        ("salescreditnote", 500, -500),
        ("salesinvoice", -24074, 24074),  # money in
        ("purchasecreditnote", 500, 500),
        ("invoice", 0, 0),
    ],
)
def test_account_cents_signs_like_the_bank_transaction(
    voucher_type: str, stored: int, shown: int
) -> None:
    assert account_cents(voucher_type, stored) == shown


def test_account_cents_refuses_an_unknown_type() -> None:
    with pytest.raises(InvalidInput):
        account_cents("quotation", 100)
