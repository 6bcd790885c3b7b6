"""GET /v1/invoices|credit-notes|down-payment-invoices/{id} and their /file downloads."""

from __future__ import annotations

from litestar import Response, get
from litestar.params import FromPath

from belegsync.emulator.api.common import (
    Answer,
    AnyRequest,
    Call,
    call_of,
    error_answer,
    json_answer,
    to_response,
)
from belegsync.emulator.documents import FILENAME_PREFIX, MEDIA_TYPES, negotiate_sales_file
from belegsync.emulator.model import Voucher
from belegsync.emulator.views import sales_voucher

_TYPE_BY_RESOURCE = {
    "invoices": "invoice",
    "credit-notes": "creditnote",
    "down-payment-invoices": "downpaymentinvoice",
}
SALES_RESOURCES = frozenset(_TYPE_BY_RESOURCE)


def _find(call: Call, resource: str, voucher_id: str) -> Voucher | None:
    voucher = call.runtime.world.find_voucher(call.api_key.organization_id, voucher_id)
    # the wrong type endpoint answers exactly like an unknown id
    if voucher is None or voucher.voucher_type != _TYPE_BY_RESOURCE[resource]:
        return None
    return voucher


def sales_answer(call: Call, resource: str, voucher_id: str) -> Answer:
    """GET /v1/{invoices|credit-notes|down-payment-invoices}/{id}."""
    voucher = _find(call, resource, voucher_id)
    if voucher is None:
        return error_answer(call, 404, "Resource not found")
    contact = None
    if voucher.contact_id is not None:
        contact = call.runtime.world.find_contact(voucher.organization_id, voucher.contact_id)
    return json_answer(sales_voucher(voucher, contact))


def sales_file_answer(call: Call, resource: str, voucher_id: str) -> Answer:
    """GET /v1/{invoices|credit-notes|down-payment-invoices}/{id}/file."""
    runtime = call.runtime
    voucher = _find(call, resource, voucher_id)
    if voucher is None:
        return error_answer(call, 404, "Resource not found")
    if voucher.status == "draft":
        return error_answer(
            call,
            409,
            f"Voucher {voucher.id} is in status 'draft' and therefore cannot be downloaded",
        )
    outcome = negotiate_sales_file(voucher.document_profile, call.accept)
    if outcome == 406:
        return error_answer(call, 406, "Requested media type is not supported")
    stored = None
    if voucher.document_file_id is not None:
        stored = runtime.world.find_file(voucher.organization_id, voucher.document_file_id)
    if isinstance(outcome, int) or stored is None:
        return error_answer(call, 404, "Resource not found")
    content = runtime.documents.content(stored, outcome)
    filename = f"{FILENAME_PREFIX[voucher.voucher_type]}_{voucher.number}.{outcome}"
    return Answer(
        200,
        content,
        MEDIA_TYPES[outcome],
        (("Content-Disposition", f"inline; filename={filename};"),),
    )


async def _detail(request: AnyRequest, resource: str, voucher_id: str) -> Response[bytes]:
    return to_response(sales_answer(call_of(request), resource, voucher_id))


async def _file(request: AnyRequest, resource: str, voucher_id: str) -> Response[bytes]:
    return to_response(sales_file_answer(call_of(request), resource, voucher_id))


@get("/v1/invoices/{voucher_id:str}")
async def get_invoice(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    return await _detail(request, "invoices", voucher_id)


@get("/v1/credit-notes/{voucher_id:str}")
async def get_credit_note(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    return await _detail(request, "credit-notes", voucher_id)


@get("/v1/down-payment-invoices/{voucher_id:str}")
async def get_down_payment_invoice(
    request: AnyRequest, voucher_id: FromPath[str]
) -> Response[bytes]:
    return await _detail(request, "down-payment-invoices", voucher_id)


@get("/v1/invoices/{voucher_id:str}/file")
async def get_invoice_file(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    return await _file(request, "invoices", voucher_id)


@get("/v1/credit-notes/{voucher_id:str}/file")
async def get_credit_note_file(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    return await _file(request, "credit-notes", voucher_id)


@get("/v1/down-payment-invoices/{voucher_id:str}/file")
async def get_down_payment_invoice_file(
    request: AnyRequest, voucher_id: FromPath[str]
) -> Response[bytes]:
    return await _file(request, "down-payment-invoices", voucher_id)


SALES_HANDLERS = [
    get_invoice,
    get_credit_note,
    get_down_payment_invoice,
    get_invoice_file,
    get_credit_note_file,
    get_down_payment_invoice_file,
]
