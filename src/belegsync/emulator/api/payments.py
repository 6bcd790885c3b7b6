"""GET /v1/payments/{voucherId}."""

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
from belegsync.emulator.model import CREDIT_NOTE_TYPES, Voucher
from belegsync.emulator.views import payments


def payments_refusal(voucher: Voucher, linked_credit_note_status: int | None) -> int | None:
    """The error status the payments endpoint answers for this voucher, if any."""
    if voucher.payments_error is not None:
        return voucher.payments_error
    linked = voucher.voucher_type in CREDIT_NOTE_TYPES and bool(voucher.related_voucher_ids)
    return linked_credit_note_status if linked else None


def payments_answer(call: Call, voucher_id: str) -> Answer:
    runtime = call.runtime
    voucher = runtime.world.find_voucher(call.api_key.organization_id, voucher_id)
    if voucher is None:
        return error_answer(call, 404, "Resource not found")
    refused = payments_refusal(voucher, runtime.config.linked_credit_note_payments_status)
    if refused is not None:
        # "an error code for vouchers/voucher types that do not [have payment information]
        # (e.g. credit notes related to invoices)"; 404 and 406 are both seen
        return error_answer(call, refused, "No payment information for this voucher")
    if voucher.status in ("draft", "unchecked"):
        # documented as "not an error condition" for drafts, but still a 406
        return error_answer(call, 406, "No payment information for this voucher/voucher type")
    return json_answer(
        payments(voucher, open_amount_as_string=runtime.config.open_amount_as_string)
    )


@get("/v1/payments/{voucher_id:str}")
async def get_payments(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    return to_response(payments_answer(call_of(request), voucher_id))
