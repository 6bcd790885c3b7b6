"""JSON representations of vouchers and contacts as the Lexware endpoints return them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from belegsync.emulator.clock import format_date, format_datetime, format_datetime_to_second
from belegsync.emulator.model import (
    CONTACT_ROLES,
    CREDIT_NOTE_TYPES,
    REVENUE_TYPES,
    Contact,
    Voucher,
)

_CENT = Decimal("0.01")


def list_item(voucher: Voucher, today: date, *, dates_to_seconds: bool = False) -> dict[str, Any]:
    """A voucherlist entry; the documented samples carry its dates to the second only."""
    stamp = format_datetime_to_second if dates_to_seconds else format_datetime
    item: dict[str, Any] = {
        "id": voucher.id,
        "voucherType": voucher.voucher_type,
        "voucherStatus": voucher.effective_status(today),
        "voucherNumber": voucher.number,
        "voucherDate": format_date(voucher.voucher_date),
        "createdDate": stamp(voucher.created),
        "updatedDate": stamp(voucher.updated),
    }
    if voucher.due_date is not None and voucher.status != "draft":
        item["dueDate"] = format_date(voucher.due_date)
    item.update(
        {
            "contactId": voucher.contact_id,
            "contactName": voucher.contact_name,
            "totalAmount": voucher.total_gross,
            "openAmount": voucher.open_amount(),
            "currency": "EUR",
            "archived": voucher.archived,
        }
    )
    return item


def bookkeeping_voucher(voucher: Voucher) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": voucher.id,
        "organizationId": voucher.organization_id,
        "type": voucher.voucher_type,
        "voucherStatus": voucher.status,
        "voucherNumber": voucher.number,
        "voucherDate": format_date(voucher.voucher_date),
    }
    if voucher.shipping_date is not None and voucher.voucher_type.startswith("sales"):
        body["shippingDate"] = format_date(voucher.shipping_date)
    if voucher.due_date is not None:
        body["dueDate"] = format_date(voucher.due_date)
    body["totalGrossAmount"] = voucher.total_gross
    body["totalTaxAmount"] = voucher.total_tax
    body["taxType"] = voucher.tax_type
    body["useCollectiveContact"] = voucher.contact_id is None
    if voucher.contact_id is None:
        body["contactName"] = voucher.contact_name
    else:
        body["contactId"] = voucher.contact_id
    if voucher.remark:
        body["remark"] = voucher.remark
    body["voucherItems"] = [
        {
            "amount": item.amount if voucher.tax_type == "gross" else item.amount - item.tax_amount,
            "taxAmount": item.tax_amount,
            "taxRatePercent": item.tax_rate,
            "categoryId": item.category_id,
        }
        for item in voucher.items
    ]
    body["files"] = list(voucher.file_ids)
    body["createdDate"] = format_datetime(voucher.created)
    body["updatedDate"] = format_datetime(voucher.updated)
    body["version"] = voucher.version
    return body


def _address(voucher: Voucher, contact: Contact | None) -> dict[str, Any]:
    if contact is None:
        return {"name": voucher.contact_name, "countryCode": "DE"}
    return {
        "contactId": contact.id,
        "name": contact.name,
        "street": contact.street,
        "city": contact.city,
        "zip": contact.zip,
        "countryCode": contact.country_code,
    }


def _line_items(voucher: Voucher) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for item in voucher.items:
        net = item.amount - item.tax_amount
        lines.append(
            {
                "id": f"{voucher.id[:-4]}{len(lines):04d}",
                "type": "custom",
                "name": item.name,
                "quantity": 1,
                "unitName": "Stück",
                "unitPrice": {
                    "currency": "EUR",
                    "netAmount": net,
                    "grossAmount": item.amount,
                    "taxRatePercentage": item.tax_rate,
                },
                "discountPercentage": 0,
                "lineItemAmount": net,
            }
        )
    return lines


_TITLES = {
    "invoice": "Rechnung",
    "creditnote": "Rechnungskorrektur",
    "downpaymentinvoice": "Abschlagsrechnung",
}


def sales_voucher(voucher: Voucher, contact: Contact | None) -> dict[str, Any]:
    """Invoice, credit note or down payment invoice; drafts omit dueDate and files."""
    kind = voucher.voucher_type
    total_net = voucher.total_gross - voucher.total_tax
    body: dict[str, Any] = {
        "id": voucher.id,
        "organizationId": voucher.organization_id,
        "createdDate": format_datetime(voucher.created),
        "updatedDate": format_datetime(voucher.updated),
        "version": voucher.version,
        "language": "de",
        "archived": voucher.archived,
        "voucherStatus": voucher.status,
        "voucherNumber": voucher.number,
        "voucherDate": format_date(voucher.voucher_date),
    }
    if kind != "creditnote" and voucher.status != "draft" and voucher.due_date is not None:
        body["dueDate"] = format_date(voucher.due_date)
    body["address"] = _address(voucher, contact)
    if kind != "downpaymentinvoice":
        body["electronicDocumentProfile"] = voucher.document_profile
    lines = _line_items(voucher)
    if kind == "creditnote":
        for line in lines:
            del line["discountPercentage"]
    body["lineItems"] = lines
    body["totalPrice"] = {
        "currency": "EUR",
        "totalNetAmount": total_net,
        "totalGrossAmount": voucher.total_gross,
        "totalTaxAmount": voucher.total_tax,
    }
    body["taxAmounts"] = [
        {
            "taxRatePercentage": i.tax_rate,
            "taxAmount": i.tax_amount,
            "netAmount": i.amount - i.tax_amount,
        }
        for i in sorted(voucher.items, key=lambda i: i.tax_rate)
    ]
    body["taxConditions"] = {"taxType": voucher.tax_type}
    if kind != "creditnote":
        duration = (
            30 if voucher.due_date is None else (voucher.due_date - voucher.voucher_date).days
        )
        body["paymentConditions"] = {
            "paymentTermLabel": f"Zahlbar innerhalb von {duration} Tagen ohne Abzug",
            "paymentTermLabelTemplate": "Zahlbar innerhalb von {paymentRange} Tagen ohne Abzug",
            "paymentTermDuration": duration,
        }
        body["shippingConditions"] = _shipping(voucher)
    if kind == "invoice":
        body["closingInvoice"] = False
    if kind == "downpaymentinvoice":
        body["closingInvoiceId"] = None
    else:
        body["relatedVouchers"] = [
            {"id": rid, "voucherType": "invoice"} for rid in voucher.related_voucher_ids
        ]
    body["title"] = _TITLES[kind]
    body["introduction"] = "Unsere Lieferungen/Leistungen stellen wir Ihnen wie folgt in Rechnung."
    body["remark"] = voucher.remark or "Vielen Dank für die gute Zusammenarbeit."
    if voucher.status != "draft" and voucher.document_file_id is not None:
        body["files"] = {"documentFileId": voucher.document_file_id}
    return body


def _shipping(voucher: Voucher) -> dict[str, Any]:
    if voucher.shipping_date is None:
        return {"shippingType": "none"}
    return {"shippingDate": format_date(voucher.shipping_date), "shippingType": "delivery"}


def payments(voucher: Voucher, *, open_amount_as_string: bool) -> dict[str, Any]:
    open_amount = voucher.open_amount() or Decimal("0.00")
    balanced = voucher.status in ("paid", "paidoff", "voided") or open_amount == 0
    if balanced:
        payment_status = "balanced"
    else:
        payment_status = "openRevenue" if voucher.voucher_type in REVENUE_TYPES else "openExpense"
    body: dict[str, Any] = {
        "openAmount": format(open_amount.quantize(_CENT), "f")
        if open_amount_as_string
        else open_amount,
        "currency": "EUR",
        "paymentStatus": payment_status,
        "voucherType": voucher.voucher_type,
        "voucherStatus": voucher.status,
    }
    if voucher.status in ("paid", "paidoff") and voucher.paid_date is not None:
        body["paidDate"] = format_datetime(voucher.paid_date)
    body["paymentItems"] = [
        {
            "paymentItemType": p.item_type,
            "postingDate": format_datetime(p.posting_date),
            "amount": p.amount,
            "currency": "EUR",
        }
        for p in voucher.payment_items
    ]
    return body


def is_credit_note(voucher: Voucher) -> bool:
    return voucher.voucher_type in CREDIT_NOTE_TYPES


def contact_view(contact: Contact) -> dict[str, Any]:
    """A contact of /v1/contacts: a company with its billing address; a role the contact
    does not have is left out of ``roles``."""
    roles: dict[str, Any] = {}
    for role in CONTACT_ROLES:
        number = contact.role_number(role)
        if number is not None:
            roles[role] = {"number": number}
    return {
        "id": contact.id,
        "organizationId": contact.organization_id,
        "version": contact.version,
        "roles": roles,
        "company": {"name": contact.name, "contactPersons": []},
        "addresses": {
            "billing": [
                {
                    "street": contact.street,
                    "zip": contact.zip,
                    "city": contact.city,
                    "countryCode": contact.country_code,
                }
            ]
        },
        **({"emailAddresses": {"business": [contact.email]}} if contact.email else {}),
        "archived": contact.archived,
    }
