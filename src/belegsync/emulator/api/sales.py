"""GET /v1/invoices|credit-notes|down-payment-invoices/{id} and their /file downloads."""

from __future__ import annotations

from litestar import Response, get
from litestar.params import FromPath

from belegsync.emulator.api.common import (
    AnyRequest,
    api_key_of,
    error_response,
    json_response,
    runtime_of,
)
from belegsync.emulator.documents import FILENAME_PREFIX, MEDIA_TYPES, negotiate_sales_file
from belegsync.emulator.model import Voucher
from belegsync.emulator.views import sales_voucher

_TYPE_BY_RESOURCE = {
    "invoices": "invoice",
    "credit-notes": "creditnote",
    "down-payment-invoices": "downpaymentinvoice",
}


def _find(request: AnyRequest, resource: str, voucher_id: str) -> Voucher | None:
    world = runtime_of(request).world
    voucher = world.find_voucher(api_key_of(request).organization_id, voucher_id)
    # the wrong type endpoint answers exactly like an unknown id
    if voucher is None or voucher.voucher_type != _TYPE_BY_RESOURCE[resource]:
        return None
    return voucher


async def _detail(request: AnyRequest, resource: str, voucher_id: str) -> Response[bytes]:
    voucher = _find(request, resource, voucher_id)
    if voucher is None:
        return error_response(request, 404, "Resource not found")
    contact = None
    if voucher.contact_id is not None:
        contact = runtime_of(request).world.find_contact(
            voucher.organization_id, voucher.contact_id
        )
    return json_response(sales_voucher(voucher, contact))


async def _file(request: AnyRequest, resource: str, voucher_id: str) -> Response[bytes]:
    runtime = runtime_of(request)
    voucher = _find(request, resource, voucher_id)
    if voucher is None:
        return error_response(request, 404, "Resource not found")
    if voucher.status == "draft":
        return error_response(
            request,
            409,
            f"Voucher {voucher.id} is in status 'draft' and therefore cannot be downloaded",
        )
    outcome = negotiate_sales_file(voucher.document_profile, request.headers.get("accept"))
    if outcome == 406:
        return error_response(request, 406, "Requested media type is not supported")
    stored = None
    if voucher.document_file_id is not None:
        stored = runtime.world.find_file(voucher.organization_id, voucher.document_file_id)
    if isinstance(outcome, int) or stored is None:
        return error_response(request, 404, "Resource not found")
    content = runtime.documents.content(stored, outcome)
    filename = f"{FILENAME_PREFIX[voucher.voucher_type]}_{voucher.number}.{outcome}"
    return Response(
        content=content,
        media_type=MEDIA_TYPES[outcome],
        headers={"Content-Disposition": f"inline; filename={filename};"},
    )


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
