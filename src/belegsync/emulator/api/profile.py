"""GET /v1/profile."""

from __future__ import annotations

from typing import Any

from litestar import Response, get

from belegsync.emulator.api.common import (
    Answer,
    AnyRequest,
    Call,
    call_of,
    json_answer,
    to_response,
)
from belegsync.emulator.clock import format_datetime


def profile_answer(call: Call) -> Answer:
    runtime = call.runtime
    api_key = call.api_key
    org = runtime.world.organizations[api_key.organization_id]
    body: dict[str, Any] = {
        "organizationId": org.id,
        "companyName": org.name,
        "created": {
            "userId": org.owner_id,
            "userName": org.owner_name,
            "userEmail": org.owner_email,
            "date": format_datetime(api_key.created),
        },
        "connectionId": api_key.connection_id,
    }
    if runtime.config.profile_docs_sample:
        body["features"] = ["cashbox"]
    body["businessFeatures"] = ["INVOICING", "INVOICING_PRO", "BOOKKEEPING"]
    if runtime.config.profile_docs_sample:
        body["subscriptionStatus"] = "active"
    body["taxType"] = org.tax_type
    body["smallBusiness"] = org.small_business
    return json_answer(body)


@get("/v1/profile")
async def get_profile(request: AnyRequest) -> Response[bytes]:
    return to_response(profile_answer(call_of(request)))
