"""Real signed deliveries from the emulator, checked with the client's WebhookVerifier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID, serve_in_background
from belegsync.lexware import (
    SIGNATURE_HEADER,
    LexwareApi,
    WebhookSignatureError,
    WebhookVerifier,
)
from integration.lexware.lexware_live import FAST_RETRY, running_emulator

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class Delivery:
    body: bytes
    signature: str | None


@dataclass
class Receiver:
    """A minimal ASGI webhook endpoint that keeps each body and its signature header."""

    deliveries: list[Delivery] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        header = SIGNATURE_HEADER.lower().encode()
        signature = next((v.decode() for k, v in scope["headers"] if k == header), None)
        self.deliveries.append(Delivery(body, signature))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@dataclass
class Delivered:
    delivery: Delivery
    voucher_id: str
    public_key: bytes


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def delivered() -> AsyncIterator[Delivered]:
    """Subscribe through the client, pay a voucher, and return the one delivery.

    The checks below only read it, so the module shares one delivery.
    """
    receiver = Receiver()
    async with (
        running_emulator(allow_http_callbacks=True) as emulator,
        serve_in_background(receiver) as hook_url,  # type: ignore[arg-type]
        LexwareApi(base_url=emulator.url, retry_policy=FAST_RETRY) as api,
    ):
        client = api.for_key(MAIN_KEY)
        await client.create_event_subscription("payment.changed", f"{hook_url}/lexware")
        voucher = await emulator.add_voucher(type="purchaseinvoice", status="open")
        await emulator.call("POST", f"/vouchers/{voucher['id']}/pay", {})
        await emulator.app.runtime.webhooks.drain()
        public_key = (await emulator.control.get("/_emulator/webhook-public-key")).content
        log = (await emulator.call("GET", "/webhook-deliveries"))["deliveries"]
        assert [(d["eventType"], d["outcome"]) for d in log] == [("payment.changed", "delivered")]
        assert len(receiver.deliveries) == 1
        yield Delivered(receiver.deliveries[0], voucher["id"], public_key)


def test_genuine_delivery_verifies_with_the_emulator_key(delivered: Delivered) -> None:
    verifier = WebhookVerifier(delivered.public_key)

    event = verifier.parse(delivered.delivery.body, delivered.delivery.signature)

    assert event.event_type == "payment.changed"
    assert event.resource_id == delivered.voucher_id
    assert event.organization_id == MAIN_ORG_ID
    assert event.event_date is not None


def test_tampered_body_fails(delivered: Delivered) -> None:
    verifier = WebhookVerifier(delivered.public_key)
    body = delivered.delivery.body
    tampered = body.replace(delivered.voucher_id.encode(), b"0" * len(delivered.voucher_id))
    assert tampered != body

    with pytest.raises(WebhookSignatureError) as caught:
        verifier.verify(tampered, delivered.delivery.signature)
    assert caught.value.code == "lexware_webhook_signature_invalid"
    # even one added byte of whitespace breaks it: we verify the raw bytes
    with pytest.raises(WebhookSignatureError):
        verifier.verify(body + b"\n", delivered.delivery.signature)


def test_lexware_published_key_rejects_the_emulator_signature(delivered: Delivered) -> None:
    with pytest.raises(WebhookSignatureError):
        WebhookVerifier().verify(delivered.delivery.body, delivered.delivery.signature)


@pytest.mark.parametrize("signature", [None, ""])
def test_missing_signature_fails(delivered: Delivered, signature: str | None) -> None:
    verifier = WebhookVerifier(delivered.public_key)

    with pytest.raises(WebhookSignatureError) as caught:
        verifier.verify(delivered.delivery.body, signature)

    assert caught.value.code == "lexware_webhook_signature_missing"


def test_garbage_signature_fails(delivered: Delivered) -> None:
    with pytest.raises(WebhookSignatureError):
        WebhookVerifier(delivered.public_key).verify(delivered.delivery.body, "not base64!")
