"""``POST /webhooks/lexware``: Lexware's signed event callbacks queue a sync."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Request, Response, post
from litestar.di import NamedDependency

from belegsync.sync.requests import request_sync_for_organization
from belegsync.web.deps import InvalidWebhook, WebDeps

logger = structlog.get_logger("belegsync.web")

MAX_BODY = 64 * 1024


@post("/webhooks/lexware", include_in_schema=False, status_code=200)
async def lexware_webhook(
    request: Request[Any, Any, Any], deps: NamedDependency[WebDeps]
) -> Response[dict[str, Any]]:
    """Verify ``X-Lxo-Signature`` over the raw body, then queue a sync of every active
    connection to the event's organisation (one run at a time; a queued one suffices).
    A bad signature answers 401 and changes nothing."""
    body = await request.body()
    if len(body) > MAX_BODY:
        return Response({"error": "payload_too_large"}, status_code=413)
    try:
        event = deps.verify_webhook(body, request.headers.get("x-lxo-signature"))
    except InvalidWebhook as invalid:
        logger.warning("webhook_rejected", code=invalid.code)
        status = 401 if "signature" in invalid.code else 400
        return Response({"error": invalid.code}, status_code=status)
    queued = await request_sync_for_organization(
        uow_factory=deps.uow_factory, queue=deps.queue, organization_id=event.organization_id
    )
    logger.info(
        "webhook_received",
        event_type=event.event_type,
        organization_id=event.organization_id,
        queued=len(queued),
    )
    return Response({"queued": len(queued)}, status_code=200)
