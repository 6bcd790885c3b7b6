"""Which Lexware events belegsync subscribes to, and what each one asks of the sync.

Lexware's callback carries only ``organizationId``, ``eventType``, ``resourceId`` and
``eventDate``; no event id, no order, no exactly-once delivery. An event is identified
by the digest of those four fields, and it only ever tells the sync which voucher to
look at again: what is stored follows what Lexware answers now, never the event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from belegsync.store.event_repository import EventFields

# Resource prefix of an event type → the voucherlist type whose detail endpoint serves
# it. Bookkeeping vouchers share one endpoint, so any bookkeeping type will do until
# the detail tells the real one.
VOUCHER_RESOURCES: dict[str, str] = {
    "voucher": "purchaseinvoice",
    "invoice": "invoice",
    "credit-note": "creditnote",
    "down-payment-invoice": "downpaymentinvoice",
}
PAYMENT_CHANGED = "payment.changed"
TOKEN_REVOKED = "token.revoked"  # noqa: S105 (an event name, not a secret)

SUBSCRIBED_EVENT_TYPES: tuple[str, ...] = (
    *(
        f"{resource}.{event}"
        for resource in VOUCHER_RESOURCES
        for event in ("status.changed", "changed", "deleted")
    ),
    PAYMENT_CHANGED,
    TOKEN_REVOKED,
)

# Lexware retries a failed delivery for about two days; an event older than this is a
# replay, not a retry. A little clock skew is allowed the other way.
MAX_EVENT_AGE = timedelta(days=3)
MAX_EVENT_SKEW = timedelta(minutes=10)

WEBHOOK_PATH = "/webhooks/lexware"


@dataclass(frozen=True, slots=True)
class EventTarget:
    """What one event asks the sync to do with its resource."""

    kind: str  # "voucher", "deleted", "revoked" or "other"
    type_hint: str | None = None


def target_of(event_type: str) -> EventTarget:
    event_type = event_type.lower()
    if event_type == TOKEN_REVOKED:
        return EventTarget("revoked")
    if event_type == PAYMENT_CHANGED:
        return EventTarget("voucher")
    resource, _, action = event_type.partition(".")
    hint = VOUCHER_RESOURCES.get(resource)
    if hint is None:
        return EventTarget("other")
    if action == "deleted":
        return EventTarget("deleted", hint)
    return EventTarget("voucher", hint)


def event_fields(
    organization_id: str, event_type: str, resource_id: str, event_date: datetime
) -> EventFields:
    """The stored form of a callback; equal callbacks give equal digests."""
    when = event_date.astimezone(UTC)
    text = "|".join((organization_id, event_type.lower(), resource_id, when.isoformat()))
    return EventFields(
        digest=hashlib.sha256(text.encode()).hexdigest(),
        organization_id=organization_id,
        event_type=event_type.lower(),
        resource_id=resource_id,
        event_date=when,
    )


def is_stale(event_date: datetime, now: datetime) -> bool:
    """Too old to be one of Lexware's retries, or dated in the future."""
    return event_date < now - MAX_EVENT_AGE or event_date > now + MAX_EVENT_SKEW


def callback_url(public_url: str) -> str | None:
    """Where Lexware should post events; ``None`` unless the app is public over https
    (Lexware refuses other callback URLs)."""
    base = public_url.strip().rstrip("/")
    if not base.lower().startswith("https://"):
        return None
    return base + WEBHOOK_PATH
