"""Event subscriptions: POST, GET one, GET list, DELETE."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from litestar import Response, delete, get, post
from litestar.params import FromPath

from belegsync.emulator.api.common import (
    AnyRequest,
    api_key_of,
    error_response,
    json_response,
    resource_url,
    runtime_of,
)
from belegsync.emulator.clock import format_datetime
from belegsync.emulator.model import Subscription

_RESOURCES = (
    "article",
    "contact",
    "credit-note",
    "delivery-note",
    "down-payment-invoice",
    "invoice",
    "order-confirmation",
    "quotation",
    "voucher",
)
EVENT_TYPES = frozenset(
    {f"{r}.{e}" for r in _RESOURCES for e in ("created", "changed", "deleted")}
    | {f"{r}.status.changed" for r in _RESOURCES if r not in ("article", "contact")}
    | {
        "dunning.created",
        "dunning.changed",
        "dunning.deleted",
        "recurring-template.created",
        "recurring-template.changed",
        "recurring-template.deleted",
        "payment.changed",
        "token.revoked",
    }
)


def _view(sub: Subscription) -> dict[str, Any]:
    return {
        "subscriptionId": sub.id,
        "organizationId": sub.organization_id,
        "createdDate": format_datetime(sub.created),
        "eventType": sub.event_type,
        "callbackUrl": sub.callback_url,
    }


def _callback_ok(url: str, allow_http_local: bool) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return (
        allow_http_local and parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
    )


@post("/v1/event-subscriptions", status_code=201)
async def create_subscription(request: AnyRequest) -> Response[bytes]:
    runtime = runtime_of(request)
    try:
        body = json.loads(await request.body())
    except ValueError:
        return error_response(request, 400, "Malformed JSON")
    if not isinstance(body, dict):
        return error_response(request, 400, "Malformed JSON")
    event_type = str(body.get("eventType", "")).lower()
    callback = str(body.get("callbackUrl", ""))
    if event_type not in EVENT_TYPES:
        return error_response(request, 406, "eventType is invalid")
    if not _callback_ok(callback, runtime.config.allow_http_callbacks):
        return error_response(request, 406, "callbackUrl must be a valid HTTPS url")
    api_key = api_key_of(request)
    world = runtime.world
    for sub in world.subscriptions.values():
        same = (sub.organization_id, sub.event_type, sub.callback_url)
        if same == (api_key.organization_id, event_type, callback):
            return error_response(request, 409, "Subscription already exists")
    sub = Subscription(
        world.new_id(), api_key.organization_id, api_key.key, event_type, callback, world.now()
    )
    world.subscriptions[sub.id] = sub
    url = resource_url(request, f"/v1/event-subscriptions/{sub.id}")
    created = format_datetime(sub.created)
    result = {
        "id": sub.id,
        "resourceUri": url,
        "createdDate": created,
        "updatedDate": created,
        "version": 0,
    }
    return json_response(result, status=201, headers={"Location": url})


def _own(request: AnyRequest, subscription_id: FromPath[str]) -> Subscription | None:
    sub = runtime_of(request).world.subscriptions.get(subscription_id)
    if sub is None or sub.organization_id != api_key_of(request).organization_id:
        return None
    return sub


@get("/v1/event-subscriptions/{subscription_id:str}")
async def get_subscription(request: AnyRequest, subscription_id: FromPath[str]) -> Response[bytes]:
    sub = _own(request, subscription_id)
    if sub is None:
        return error_response(request, 404, "Resource not found")
    return json_response(_view(sub))


@get("/v1/event-subscriptions")
async def list_subscriptions(request: AnyRequest) -> Response[bytes]:
    org_id = api_key_of(request).organization_id
    subs = [
        s for s in runtime_of(request).world.subscriptions.values() if s.organization_id == org_id
    ]
    return json_response({"content": [_view(s) for s in subs]})


# the decorator status only satisfies Litestar; the handler answers 204 or 404 itself
@delete("/v1/event-subscriptions/{subscription_id:str}", status_code=200)
async def delete_subscription(
    request: AnyRequest, subscription_id: FromPath[str]
) -> Response[bytes]:
    sub = _own(request, subscription_id)
    if sub is None:
        return error_response(request, 404, "Resource not found")
    del runtime_of(request).world.subscriptions[sub.id]
    return Response(content=b"", status_code=204)


SUBSCRIPTION_HANDLERS = [
    create_subscription,
    get_subscription,
    list_subscriptions,
    delete_subscription,
]
