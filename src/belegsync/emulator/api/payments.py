"""GET /v1/payments/{voucherId}."""

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
from belegsync.emulator.views import payments


@get("/v1/payments/{voucher_id:str}")
async def get_payments(request: AnyRequest, voucher_id: FromPath[str]) -> Response[bytes]:
    runtime = runtime_of(request)
    voucher = runtime.world.find_voucher(api_key_of(request).organization_id, voucher_id)
    if voucher is None:
        return error_response(request, 404, "Resource not found")
    if voucher.status in ("draft", "unchecked"):
        # documented as "not an error condition" for drafts, but still a 406
        return error_response(request, 406, "No payment information for this voucher/voucher type")
    return json_response(
        payments(voucher, open_amount_as_string=runtime.config.open_amount_as_string)
    )
