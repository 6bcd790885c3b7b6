"""``POST /webhooks/lexware``: Lexware's signed event callbacks."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Response, post
from litestar.di import NamedDependency

from belegsync.sync.events_receiver import receive_event
from belegsync.web.deps import InvalidWebhook, WebDeps
from belegsync.web.types import WebRequest

logger = structlog.get_logger("belegsync.web")

MAX_BODY = 64 * 1024


@post("/webhooks/lexware", include_in_schema=False, status_code=200)
async def lexware_webhook(
    request: WebRequest, deps: NamedDependency[WebDeps]
) -> Response[dict[str, Any]]:
    """Verify ``X-Lxo-Signature`` over the raw body first; then store the event once and
    queue a sync of the voucher it names (the answer never waits for Lexware).

    A bad signature answers 401 and changes nothing; a replay is answered 200 and
    ignored; a stale event 422; an organisation without a connection 410 (Lexware then
    deletes that subscription)."""
    body = await request.body()
    if len(body) > MAX_BODY:
        return Response({"error": "payload_too_large"}, status_code=413)
    try:
        event = deps.verify_webhook(body, request.headers.get("x-lxo-signature"))
    except InvalidWebhook as invalid:
        logger.warning("webhook_rejected", code=invalid.code)
        status = 401 if "signature" in invalid.code else 400
        return Response({"error": invalid.code}, status_code=status)
    received = await receive_event(
        uow_factory=deps.uow_factory,
        queue=deps.queue,
        clock=deps.clock,
        organization_id=event.organization_id,
        event_type=event.event_type,
        resource_id=event.resource_id,
        event_date=event.event_date,
    )
    logger.info(
        "webhook_received",
        event_type=event.event_type,
        organization_id=event.organization_id,
        outcome=received.code,
    )
    if received.status >= 400:
        return Response({"error": received.code}, status_code=received.status)
    return Response(
        {"outcome": received.code, "queued": int(received.queued)}, status_code=received.status
    )
