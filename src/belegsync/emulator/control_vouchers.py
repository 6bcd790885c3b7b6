"""/_emulator control API for data: contacts, vouchers, payments, status changes, files."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

from litestar import Response, delete, get, patch, post
from litestar.params import FromPath

from belegsync.emulator.api.common import AnyRequest, runtime_of
from belegsync.emulator.control_common import body_of, money, ok, parse_date, parse_datetime
from belegsync.emulator.model import (
    FILE_KINDS,
    PAYMENT_ITEM_TYPES,
    STATUSES,
    SYNCED_TYPES,
    Contact,
    PaymentItem,
    StoredFile,
    Voucher,
    VoucherItem,
)
from belegsync.emulator.state import World, WorldError
from belegsync.emulator.views import bookkeeping_voucher, list_item, payments

_CENT = Decimal("0.01")


def _items(body: dict[str, Any], voucher_type: str) -> list[VoucherItem]:
    raw_items = body.get("items") or [
        {"amount": body.get("totalGrossAmount", "119.00"), "taxRate": body.get("taxRate", 19)}
    ]
    category = "8f8664a8-fd86-11e1-a21f-0800200c9a66"
    items = []
    for raw in raw_items:
        gross = money(raw["amount"], "amount")
        rate = Decimal(str(raw.get("taxRate", 19)))
        tax = (
            money(raw["taxAmount"], "taxAmount")
            if "taxAmount" in raw
            else (gross * rate / (100 + rate)).quantize(_CENT)
        )
        items.append(
            VoucherItem(
                gross,
                tax,
                rate,
                str(raw.get("categoryId", category)),
                str(raw.get("name", "Leistung")),
            )
        )
    return items


def _contact(
    world: World, org_id: str, body: dict[str, Any], voucher_type: str
) -> tuple[str | None, str]:
    if body.get("contactId"):
        contact = world.find_contact(org_id, str(body["contactId"]))
        if contact is None:
            raise WorldError("unknown contact")
        return contact.id, contact.name
    if body.get("contactName"):
        contact = world.add_contact(
            Contact(
                world.new_id(), org_id, str(body["contactName"]), "Hauptstraße 1", "10115", "Berlin"
            )
        )
        return contact.id, contact.name
    return None, "Sammellieferant" if voucher_type.startswith("purchase") else "Sammelkunde"


def add_generated_file(
    world: World, voucher: Voucher, kind: str, data: bytes | None = None, *, notify: bool
) -> StoredFile:
    if kind not in FILE_KINDS:
        raise WorldError(f"file kind must be one of {sorted(FILE_KINDS)}")
    stored = StoredFile(
        id=world.new_id(),
        organization_id=voucher.organization_id,
        voucher_id=voucher.id,
        kind=kind,
        sales_document=not voucher.is_bookkeeping,
        zugferd=voucher.document_profile == "EN16931",
        page_seed=len(voucher.file_ids),
        data=data,
        checksum=None if data is None else hashlib.sha256(data).hexdigest(),
    )
    if notify:
        world.attach_file(stored)
    else:
        world.add_file(stored)
    return stored


def _summary(world: World, voucher: Voucher) -> dict[str, Any]:
    body = list_item(voucher, world.due_today())
    body["paymentsError"] = voucher.payments_error
    body["relatedVoucherIds"] = list(voucher.related_voucher_ids)
    body["version"] = voucher.version
    body["files"] = list(voucher.file_ids)
    body["documentFileId"] = voucher.document_file_id
    body["payments"] = (
        payments(voucher, open_amount_as_string=False) if voucher.status != "draft" else None
    )
    if voucher.is_bookkeeping:
        body["detail"] = bookkeeping_voucher(voucher)
    return body


def _role_number(body: dict[str, Any], name: str) -> int | None:
    raw = body.get(name)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise WorldError(f"{name} must be a positive whole number")
    return int(raw)


def _roles(body: dict[str, Any]) -> list[str] | None:
    raw = body.get("roles")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise WorldError('roles must be a list such as ["customer", "vendor"]')
    return raw


@post("/organizations/{organization_id:str}/contacts")
async def add_contact(request: AnyRequest, organization_id: FromPath[str]) -> Response[bytes]:
    """Both roles unless `roles` or only one of customerNumber/vendorNumber is given."""
    body = await body_of(request)
    world = runtime_of(request).world
    world.organization(organization_id)
    contact = Contact(
        str(body.get("id") or world.new_id()),
        organization_id,
        str(body.get("name", "Neuer Kontakt GmbH")),
        str(body.get("street", "Hauptstraße 1")),
        str(body.get("zip", "10115")),
        str(body.get("city", "Berlin")),
        customer_number=_role_number(body, "customerNumber"),
        vendor_number=_role_number(body, "vendorNumber"),
        archived=bool(body.get("archived", False)),
        email=str(body["email"]) if body.get("email") else None,
    )
    world.add_contact(contact, roles=_roles(body))
    return ok(
        {
            "id": contact.id,
            "name": contact.name,
            "customerNumber": contact.customer_number,
            "vendorNumber": contact.vendor_number,
        },
        201,
    )


@post("/organizations/{organization_id:str}/vouchers")
async def add_voucher(request: AnyRequest, organization_id: FromPath[str]) -> Response[bytes]:
    """Any type, status, amounts, contact, dates and files; payments via "payments"."""
    body = await body_of(request)
    world = runtime_of(request).world
    world.organization(organization_id)
    voucher_type = str(body.get("type", "purchaseinvoice"))
    status = str(body.get("status", "open"))
    if voucher_type not in SYNCED_TYPES or status not in STATUSES - {"overdue"}:
        raise WorldError("unknown type or status")
    items = _items(body, voucher_type)
    voucher_date = parse_date(body.get("voucherDate", world.due_today().isoformat()), "voucherDate")
    created = (
        parse_datetime(body["createdDate"], "createdDate")
        if body.get("createdDate")
        else world.now()
    )
    contact_id, contact_name = _contact(world, organization_id, body, voucher_type)
    voucher = Voucher(
        id=str(body.get("id") or world.new_id()),
        organization_id=organization_id,
        voucher_type=voucher_type,
        status=status,
        number=str(
            body.get("voucherNumber") or f"EMU-{world.voucher_count(organization_id) + 1:05d}"
        ),
        voucher_date=voucher_date,
        due_date=parse_date(body["dueDate"], "dueDate")
        if body.get("dueDate")
        else (None if voucher_type == "creditnote" else voucher_date + timedelta(days=14)),
        created=created,
        updated=parse_datetime(body["updatedDate"], "updatedDate")
        if body.get("updatedDate")
        else created,
        contact_id=contact_id,
        contact_name=contact_name,
        total_gross=sum((i.amount for i in items), Decimal("0.00")),
        total_tax=sum((i.tax_amount for i in items), Decimal("0.00")),
        items=items,
        archived=bool(body.get("archived", False)),
        remark=body.get("remark"),
        document_profile=str(body.get("documentProfile", "NONE")),
        related_voucher_ids=[str(v) for v in body.get("relatedVoucherIds") or []],
        payments_error=_payments_error(body.get("paymentsError")),
    )
    voucher.payment_items = _payment_items(body.get("payments") or [])
    if status in ("paid", "paidoff"):
        latest = max((p.posting_date for p in voucher.payment_items), default=created)
        voucher.paid_date = (
            parse_datetime(body["paidDate"], "paidDate") if body.get("paidDate") else latest
        )
    world.add_voucher(voucher)
    default_files = ["xml" if voucher.document_profile == "XRechnung" else "pdf"]
    for kind in body.get(
        "files", default_files if status != "draft" or voucher.is_bookkeeping else []
    ):
        add_generated_file(world, voucher, str(kind), notify=False)
    return ok(_summary(world, voucher), 201)


def _payments_error(raw: Any) -> int | None:
    if raw is None:
        return None
    status = int(raw)
    if not 400 <= status <= 599:
        raise WorldError("paymentsError must be an HTTP error status")
    return status


def _payment_items(raw_items: list[dict[str, Any]]) -> list[PaymentItem]:
    items = []
    for raw in raw_items:
        item_type = str(raw.get("type", "partPaymentFinancialTransaction"))
        if item_type not in PAYMENT_ITEM_TYPES:
            raise WorldError(f"unknown paymentItemType {item_type}")
        items.append(
            PaymentItem(
                item_type,
                parse_datetime(raw["postingDate"], "postingDate"),
                money(raw["amount"], "amount"),
            )
        )
    return items


@get("/vouchers/{voucher_id:str}")
async def get_voucher(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    world = runtime_of(request).world
    return ok(_summary(world, world.voucher(voucher_id)))


@post("/vouchers/{voucher_id:str}/pay")
async def pay(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    """{"items": [{"type", "amount", "postingDate"}], "paidDate"?}; pays in full if no items."""
    body = await body_of(request)
    world = runtime_of(request).world
    voucher = world.voucher(voucher_id)
    items = _payment_items(body.get("items") or [])
    if not items:
        open_amount = voucher.open_amount() or Decimal("0.00")
        posting = (
            parse_datetime(body["paidDate"], "paidDate") if body.get("paidDate") else world.now()
        )
        items = [PaymentItem("partPaymentFinancialTransaction", posting, open_amount)]
    paid_date = parse_datetime(body["paidDate"], "paidDate") if body.get("paidDate") else None
    world.pay(voucher, items, paid_date=paid_date)
    return ok(_summary(world, voucher))


async def _status(request: AnyRequest, voucher_id: str, status: str) -> Response[bytes]:
    world = runtime_of(request).world
    voucher = world.voucher(voucher_id)
    if status not in STATUSES - {"overdue"}:
        raise WorldError("unknown status")
    world.set_status(voucher, status)
    return ok(_summary(world, voucher))


@post("/vouchers/{voucher_id:str}/void")
async def void(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    return await _status(request, voucher_id, "voided")


@post("/vouchers/{voucher_id:str}/reopen")
async def reopen(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    return await _status(request, voucher_id, "open")


@post("/vouchers/{voucher_id:str}/status")
async def set_status(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    body = await body_of(request)
    return await _status(request, voucher_id, str(body.get("status")))


@patch("/vouchers/{voucher_id:str}")
async def edit_voucher(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    """Change number, dates, amount, contact name, remark or archived; bumps version."""
    body = await body_of(request)
    runtime = runtime_of(request)
    world = runtime.world
    voucher = world.voucher(voucher_id)
    changes: dict[str, object] = {}
    if "voucherNumber" in body:
        changes["number"] = str(body["voucherNumber"])
    if "voucherDate" in body:
        changes["voucher_date"] = parse_date(body["voucherDate"], "voucherDate")
    if "dueDate" in body:
        changes["due_date"] = parse_date(body["dueDate"], "dueDate")
    if "paymentsError" in body:
        changes["payments_error"] = _payments_error(body["paymentsError"])
    if "relatedVoucherIds" in body:
        changes["related_voucher_ids"] = [str(v) for v in body["relatedVoucherIds"] or []]
    for field, attr in (
        ("contactName", "contact_name"),
        ("remark", "remark"),
        ("archived", "archived"),
    ):
        if field in body:
            changes[attr] = body[field]
    if "totalGrossAmount" in body or "items" in body:
        items = _items(body, voucher.voucher_type)
        changes["items"] = items
        changes["total_gross"] = sum((i.amount for i in items), Decimal("0.00"))
        changes["total_tax"] = sum((i.tax_amount for i in items), Decimal("0.00"))
    runtime.documents.forget_voucher(voucher)
    world.edit(voucher, **changes)
    return ok(_summary(world, voucher))


@delete("/vouchers/{voucher_id:str}", status_code=200)
async def delete_voucher(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    """Deleted in Lexware (paid or not): unlisted, detail/payments/files 404, `*.deleted`."""
    runtime = runtime_of(request)
    voucher = runtime.world.voucher(voucher_id)
    runtime.documents.forget_voucher(voucher)
    runtime.world.delete_voucher(voucher)
    return ok({"deleted": voucher.id})


@post("/vouchers/{voucher_id:str}/files")
async def add_file(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    """{"kind": "pdf|png|jpg|xml", "contentBase64"?}: generated unless content is given."""
    body = await body_of(request)
    world = runtime_of(request).world
    voucher = world.voucher(voucher_id)
    data = base64.b64decode(body["contentBase64"]) if body.get("contentBase64") else None
    stored = add_generated_file(world, voucher, str(body.get("kind", "pdf")), data, notify=True)
    return ok({"id": stored.id, "voucherId": voucher.id}, 201)


@delete("/files/{file_id:str}", status_code=200)
async def delete_file(request: AnyRequest, file_id: FromPath[str]) -> Response[bytes]:
    runtime_of(request).world.delete_file(file_id)
    return ok({"deleted": file_id})


VOUCHER_CONTROL_HANDLERS = [
    add_contact,
    add_voucher,
    get_voucher,
    pay,
    void,
    reopen,
    set_status,
    edit_voucher,
    delete_voucher,
    add_file,
    delete_file,
]
