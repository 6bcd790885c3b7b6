"""Bookkeeping vouchers: GET/POST/PUT /v1/vouchers and POST /v1/vouchers/{id}/files."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Response, get, post, put
from litestar.params import FromPath

from belegsync.emulator.api.common import (
    Answer,
    AnyRequest,
    Call,
    api_key_of,
    call_of,
    error_answer,
    error_response,
    json_answer,
    json_response,
    resource_url,
    runtime_of,
    to_response,
)
from belegsync.emulator.api.files import store_upload, validated_upload
from belegsync.emulator.clock import format_datetime
from belegsync.emulator.model import BOOKKEEPING_TYPES, Voucher, VoucherItem
from belegsync.emulator.views import bookkeeping_voucher

_TOLERANCE = Decimal("0.01")


class Invalid(ValueError):
    def __init__(self, i18n_key: str, source: str) -> None:
        super().__init__(source)
        self.i18n_key = i18n_key
        self.source = source


def _find(request: AnyRequest, voucher_id: FromPath[str]) -> Voucher | None:
    voucher = runtime_of(request).world.find_voucher(
        api_key_of(request).organization_id, voucher_id
    )
    return voucher if voucher is not None and voucher.is_bookkeeping else None


def voucher_answer(call: Call, voucher_id: str) -> Answer:
    voucher = call.runtime.world.find_voucher(call.api_key.organization_id, voucher_id)
    if voucher is None or not voucher.is_bookkeeping:
        return error_answer(call, 404, "Resource not found")
    return json_answer(bookkeeping_voucher(voucher))


@get("/v1/vouchers/{voucher_id:str}")
async def get_voucher(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    return to_response(voucher_answer(call_of(request), voucher_id))


def _money(body: dict[str, Any], name: str) -> Decimal:
    value = body.get(name)
    if value is None:
        raise Invalid("missing_entity", name)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise Invalid("invalid_value", name) from None


def _day(body: dict[str, Any], name: str, *, required: bool) -> date | None:
    raw = body.get(name)
    if raw is None:
        if required:
            raise Invalid("missing_entity", name)
        return None
    try:
        return date.fromisoformat(str(raw)) if len(str(raw)) == 10 else None
    except ValueError:
        raise Invalid("invalid_value", name) from None


def _items(body: dict[str, Any], tax_type: str) -> list[VoucherItem]:
    raw_items = body.get("voucherItems")
    if not isinstance(raw_items, list) or not raw_items:
        raise Invalid("missing_entity", "voucherItems")
    items = []
    for index, raw in enumerate(raw_items):
        amount = _money(raw, "amount")
        tax = _money(raw, "taxAmount")
        rate = _money(raw, "taxRatePercent")
        if not raw.get("categoryId"):
            raise Invalid("missing_entity", f"voucherItems[{index}].categoryId")
        base = amount * rate / (100 + rate) if tax_type == "gross" else amount * rate / 100
        if abs(base - tax) > _TOLERANCE:
            raise Invalid("invalid_taxamount", f"voucherItems[{index}].taxAmount")
        gross = amount if tax_type == "gross" else amount + tax
        items.append(VoucherItem(gross, tax, rate, str(raw["categoryId"])))
    return items


def apply_body(request: AnyRequest, voucher: Voucher, body: dict[str, Any]) -> None:
    """Validate a POST/PUT body the way Lexware does (every failure is a 406)."""
    voucher_type = body.get("type")
    if voucher_type not in BOOKKEEPING_TYPES:
        raise Invalid("missing_entity" if voucher_type is None else "invalid_value", "type")
    tax_type = body.get("taxType")
    if tax_type not in ("net", "gross"):
        raise Invalid("missing_entity" if tax_type is None else "invalid_value", "taxType")
    if not body.get("voucherNumber"):
        raise Invalid("missing_entity", "voucherNumber")
    voucher_date = _day(body, "voucherDate", required=True)
    assert voucher_date is not None  # _day raised otherwise
    items = _items(body, tax_type)
    total_gross = _money(body, "totalGrossAmount")
    total_tax = _money(body, "totalTaxAmount")
    if sum((i.amount for i in items), Decimal(0)) != total_gross:
        raise Invalid("invalid_total_amount", "totalGrossAmount")
    if sum((i.tax_amount for i in items), Decimal(0)) != total_tax:
        raise Invalid("invalid_taxamount", "totalTaxAmount")
    world = runtime_of(request).world
    if body.get("useCollectiveContact"):
        voucher.contact_id = None
        purchase = voucher_type.startswith("purchase")
        voucher.contact_name = body.get("contactName") or (
            "Sammellieferant" if purchase else "Sammelkunde"
        )
    else:
        contact = world.find_contact(voucher.organization_id, str(body.get("contactId")))
        if contact is None:
            raise Invalid("missing_entity", "contactId")
        voucher.contact_id, voucher.contact_name = contact.id, contact.name
    voucher.voucher_type, voucher.tax_type = voucher_type, tax_type
    voucher.number = str(body["voucherNumber"])
    voucher.voucher_date = voucher_date
    voucher.due_date = _day(body, "dueDate", required=False) or voucher_date
    voucher.shipping_date = _day(body, "shippingDate", required=False)
    voucher.items, voucher.total_gross, voucher.total_tax = items, total_gross, total_tax
    voucher.remark = body.get("remark")


async def _json_body(request: AnyRequest) -> dict[str, Any] | Response[bytes]:
    if not request.headers.get("content-type", "").startswith("application/json"):
        return error_response(request, 415, "Only application/json is supported")
    try:
        body = json.loads(await request.body(), parse_float=Decimal)
    except ValueError:
        return error_response(request, 400, "Malformed JSON", source=None)
    if not isinstance(body, dict):
        return error_response(request, 400, "Malformed JSON")
    return body


def _action_result(request: AnyRequest, voucher: Voucher, status: int) -> Response[bytes]:
    url = resource_url(request, f"/v1/vouchers/{voucher.id}")
    result = {
        "id": voucher.id,
        "resourceUri": url,
        "createdDate": format_datetime(voucher.created),
        "updatedDate": format_datetime(voucher.updated),
        "version": voucher.version,
    }
    return json_response(result, status=status, headers={"Location": url})


@post("/v1/vouchers")
async def create_voucher(request: AnyRequest) -> Response[bytes]:
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    if body.get("voucherStatus") not in (None, "open"):
        return error_response(
            request, 406, "invalid", i18n_key="invalid_value", source="voucherStatus"
        )
    world = runtime_of(request).world
    now = world.now()
    voucher = Voucher(
        id=world.new_id(),
        organization_id=api_key_of(request).organization_id,
        voucher_type="purchaseinvoice",
        status="open",
        number="",
        voucher_date=now.date(),
        due_date=None,
        created=now,
        updated=now,
        contact_id=None,
        contact_name="",
        total_gross=Decimal(0),
        total_tax=Decimal(0),
        items=[],
    )
    try:
        apply_body(request, voucher, body)
    except Invalid as exc:
        return error_response(request, 406, "invalid", i18n_key=exc.i18n_key, source=exc.source)
    world.add_voucher(voucher)
    return _action_result(request, voucher, 200)


@put("/v1/vouchers/{voucher_id:str}")
async def update_voucher(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    voucher = _find(request, voucher_id)
    if voucher is None:
        return error_response(request, 404, "Resource not found")
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    if body.get("version") != voucher.version:
        return error_response(request, 409, "conflict", i18n_key="invalid_value", source="version")
    status = body.get("voucherStatus")
    if status is not None and not (voucher.status == "unchecked" and status == "open"):
        return error_response(
            request, 406, "invalid", i18n_key="invalid_value", source="voucherStatus"
        )
    world = runtime_of(request).world
    try:
        apply_body(request, voucher, body)
    except Invalid as exc:
        return error_response(request, 406, "invalid", i18n_key=exc.i18n_key, source=exc.source)
    if status == "open":
        voucher.status = "open"
    kept = {str(f) for f in body.get("files") or []}
    for file_id in [f for f in voucher.file_ids if f not in kept]:
        # omitting a file id on PUT deletes the file for good
        world.delete_file(file_id)
    runtime_of(request).documents.forget_voucher(voucher)
    world.edit(voucher)
    return _action_result(request, voucher, 200)


@post("/v1/vouchers/{voucher_id:str}/files", status_code=202)
async def upload_voucher_file(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    voucher = _find(request, voucher_id)
    if voucher is None:
        return error_response(request, 404, "Resource not found")
    checked = await validated_upload(request, need_type=False)
    if isinstance(checked, Response):
        return checked
    kind, content = checked
    world = runtime_of(request).world
    existing = world.file_by_checksum(voucher.organization_id, content)
    if existing is not None:
        return json_response({"id": existing.id}, status=202)
    stored = store_upload(world, voucher.organization_id, voucher, kind, content)
    world.edit(voucher)
    return json_response({"id": stored.id}, status=202)


VOUCHER_HANDLERS = [get_voucher, create_voucher, update_voucher, upload_voucher_file]
