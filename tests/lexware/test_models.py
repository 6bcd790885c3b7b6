from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from belegsync.lexware import (
    ActionResult,
    BookkeepingVoucher,
    EventSubscription,
    Page,
    Payments,
    Profile,
    SalesVoucher,
    VoucherListItem,
    WebhookEvent,
    berlin_date,
    parse_lexware_datetime,
)
from belegsync.lexware.models import EventSubscriptionList

from .fakes import fixture_json


def _no_floats(value: object) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(_no_floats(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_floats(v) for v in value)
    if hasattr(value, "model_dump"):
        return _no_floats(value.model_dump())
    return True


def test_profile_keeps_undocumented_fields() -> None:
    profile = Profile.from_json(fixture_json("profile_response.json"))
    assert profile.organization_id == "aa93e8a8-2aa3-470b-b914-caad8a255dd8"
    assert profile.business_features == ["INVOICING", "INVOICING_PRO", "BOOKKEEPING"]
    assert profile.created is not None and profile.created.date is not None
    assert profile.created.date.utcoffset() == timedelta(hours=1)
    assert profile.model_extra == {"features": ["cashbox"], "subscriptionStatus": "active"}
    assert profile.raw["subscriptionStatus"] == "active"


def test_voucherlist_page() -> None:
    page = Page[VoucherListItem].from_json(fixture_json("voucherlist_response.json"))
    assert page.last is True and page.total_elements == 3
    first, _, overdue = page.content
    assert first.contact_id is None and first.contact_name == "Sammellieferant"
    assert first.total_amount == Decimal("80.04")
    assert overdue.voucher_status == "overdue"
    assert first.voucher_date == datetime.fromisoformat("2023-06-14T00:00:00+02:00")
    assert first.raw["id"] == first.id
    assert _no_floats(page)


def test_bookkeeping_voucher() -> None:
    voucher = BookkeepingVoucher.from_json(fixture_json("voucher_response.json"))
    assert voucher.total_gross_amount == Decimal("326.00")
    assert [i.tax_rate_percent for i in voucher.voucher_items] == [
        Decimal(19),
        Decimal(7),
        Decimal(0),
    ]
    assert voucher.files == []
    assert voucher.voucher_date is not None
    assert berlin_date(voucher.voucher_date) == date(2023, 6, 30)
    assert _no_floats(voucher)


@pytest.mark.parametrize(
    ("sample", "gross", "document_file_id"),
    [
        ("invoice_response.json", "29.85", "75295db7-7e69-4630-befd-a7f4ddfdaa83"),
        ("credit_note_response.json", "36.89", "a79fea19-a892-4ea9-89ad-e879946329a3"),
        ("down_payment_invoice_response.json", "666.00", "aa0388c5-20b5-49d7-96ce-0c08ac0482f4"),
    ],
)
def test_sales_vouchers(sample: str, gross: str, document_file_id: str) -> None:
    voucher = SalesVoucher.from_json(fixture_json(sample))
    assert voucher.total_price is not None
    assert voucher.total_price.total_gross_amount == Decimal(gross)
    assert voucher.document_file_id == document_file_id
    assert voucher.address is not None and voucher.address.name == "Bike & Ride GmbH & Co. KG"
    assert voucher.related_vouchers == []
    assert voucher.voucher_date is not None and voucher.voucher_date.tzinfo is not None
    assert _no_floats(voucher)


def test_invoice_nulls_are_absent_values() -> None:
    voucher = SalesVoucher.from_json(fixture_json("invoice_response.json"))
    assert voucher.due_date is None
    assert voucher.model_extra is not None and voucher.model_extra["xRechnung"] is None
    text_item = voucher.line_items[3]
    assert text_item.type == "text" and text_item.unit_price is None


def test_down_payment_invoice_specific_fields() -> None:
    voucher = SalesVoucher.from_json(fixture_json("down_payment_invoice_response.json"))
    assert voucher.closing_invoice_id == "4ba90e2d-c206-4bb0-a135-3e714db617fb"
    assert voucher.due_date == datetime.fromisoformat("2023-02-19T00:00:00+01:00")


def test_payments_string_open_amount() -> None:
    payments = Payments.from_json(fixture_json("payments_response.json"))
    assert payments.open_amount == Decimal("1337.00")
    assert [p.amount for p in payments.payment_items] == [Decimal("10.0"), Decimal("39.99")]
    assert payments.paid_date is None


def test_payments_paid_with_cash_discount() -> None:
    payments = Payments.from_json(fixture_json("payments_sample_paid_invoice_cashdiscount.json"))
    assert payments.open_amount == Decimal(0)
    assert payments.paid_date == datetime.fromisoformat("2023-07-14T13:42:02.123+02:00")
    assert [p.payment_item_type for p in payments.payment_items] == [
        "manualPayment",
        "cashDiscount",
    ]
    # A posting date at Berlin midnight stays on its Berlin day.
    assert berlin_date(payments.payment_items[0].posting_date) == date(2023, 7, 14)  # type: ignore[arg-type]


def test_payments_open_invoice_without_items() -> None:
    payments = Payments.from_json(fixture_json("payments_sample_open_invoice.json"))
    assert payments.open_amount == Decimal("200.00")
    assert payments.payment_items == []


def test_unknown_enum_values_are_kept() -> None:
    data = fixture_json("payments_sample_open_invoice.json")
    data["paymentStatus"] = "somethingNew"
    data["paymentItems"] = [
        {"paymentItemType": "cryptoPayment", "amount": "1.50", "postingDate": None}
    ]
    payments = Payments.from_json(data)
    assert payments.payment_status == "somethingNew"
    assert payments.payment_items[0].payment_item_type == "cryptoPayment"
    assert payments.payment_items[0].amount == Decimal("1.50")


def test_subscriptions_action_result_and_webhook() -> None:
    result = ActionResult.from_json(fixture_json("event_subscription_create_response.json"))
    assert result.id == "49aa2f76-c51a-4df3-ae83-3a103d781494" and result.version == 0
    voucher_result = ActionResult.from_json(fixture_json("voucher_create_response.json"))
    assert voucher_result.version == 1
    subscription = EventSubscription.from_json(fixture_json("event_subscription_response.json"))
    assert subscription.event_type == "contact.changed"
    listing = EventSubscriptionList.from_json(
        fixture_json("event_subscriptions_list_response.json")
    )
    assert [s.subscription_id for s in listing.content] == [subscription.subscription_id]
    event = WebhookEvent.from_json(fixture_json("webhook_payload.json"))
    assert event.resource_id == "4d43ad14-671d-4e0c-fd4b-2fd8cc117eff"


@pytest.mark.parametrize(
    ("text", "offset_hours"),
    [
        ("2023-06-30T00:00:00.000+02:00", 2),
        ("2023-06-30T00:00:00.000Z", 0),
        ("2017-01-03T13:15:45+0100", 1),
        ("2023-07-14T00:00:00.000+01:00", 1),
        ("2023-06-30", 2),
        ("2023-01-30T10:00:00.000", 1),
        # not ISO 8601 as Python reads it: the normalising path
        (" 2023-06-30T10:00:00.000Z ", 0),
        ("2023-06-30T10:00:00.000z", 0),
    ],
)
def test_datetime_forms_are_aware(text: str, offset_hours: int) -> None:
    parsed = parse_lexware_datetime(text)
    assert isinstance(parsed, datetime)
    assert parsed.utcoffset() == timedelta(hours=offset_hours)


def test_garbage_datetime_is_rejected() -> None:
    with pytest.raises(ValidationError):
        VoucherListItem.from_json(
            {"id": "x", "voucherType": "invoice", "voucherStatus": "paid", "voucherDate": "gestern"}
        )
