"""Signed webhook delivery (X-Lxo-Signature: RSA PKCS#1 v1.5 + SHA-512, base64)."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from belegsync.emulator.clock import format_datetime
from belegsync.emulator.config import EmulatorConfig
from belegsync.emulator.counters import Counters
from belegsync.emulator.state import Event, World

_SUCCESS = frozenset({200, 201, 202, 204})


@cache
def signing_key() -> rsa.RSAPrivateKey:
    """One key pair per process; 2048 bit keeps start-up fast."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_key_pem() -> bytes:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def sign(body: bytes) -> str:
    signature = signing_key().sign(body, padding.PKCS1v15(), hashes.SHA512())
    return base64.b64encode(signature).decode()


def payload_bytes(event: Event) -> bytes:
    payload = {
        "organizationId": event.organization_id,
        "eventType": event.event_type,
        "resourceId": event.resource_id,
        "eventDate": format_datetime(event.event_date),
    }
    return json.dumps(payload, separators=(",", ":")).encode()


@dataclass
class Delivery:
    subscription_id: str
    callback_url: str
    event_type: str
    resource_id: str
    attempts: int = 0
    status: int | None = None
    outcome: str = "pending"

    def describe(self) -> dict[str, Any]:
        return {
            "subscriptionId": self.subscription_id,
            "callbackUrl": self.callback_url,
            "eventType": self.event_type,
            "resourceId": self.resource_id,
            "attempts": self.attempts,
            "lastStatus": self.status,
            "outcome": self.outcome,
        }


class WebhookDispatcher:
    def __init__(self, world: World, config: EmulatorConfig, counters: Counters) -> None:
        self.world = world
        self.config = config
        self.counters = counters
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        world.listeners.append(self.on_event)

    def on_event(self, event: Event) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # changes made outside a running server (seeding) send nothing
        for sub in list(self.world.subscriptions.values()):
            if sub.organization_id != event.organization_id or sub.event_type != event.event_type:
                continue
            delivery = Delivery(sub.id, sub.callback_url, event.event_type, event.resource_id)
            self.deliveries.append(delivery)
            task = loop.create_task(self._deliver(delivery, payload_bytes(event)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, delivery: Delivery, body: bytes) -> None:
        headers = {"Content-Type": "application/json", "X-Lxo-Signature": sign(body)}
        delays = [0.0, *self.config.webhook_retry_delays]
        async with httpx.AsyncClient(
            timeout=self.config.webhook_timeout_seconds, follow_redirects=True, max_redirects=3
        ) as client:
            for delay in delays:
                await asyncio.sleep(delay * self.config.webhook_time_factor)
                if delivery.subscription_id not in self.world.subscriptions:
                    delivery.outcome = "subscription_gone"
                    return
                delivery.attempts += 1
                try:
                    response = await client.post(
                        delivery.callback_url, content=body, headers=headers
                    )
                    delivery.status = response.status_code
                except httpx.HTTPError:
                    delivery.status = None
                if delivery.status in _SUCCESS:
                    delivery.outcome = "delivered"
                    self.counters.webhooks_delivered += 1
                    return
                if delivery.status == 410:
                    self.world.subscriptions.pop(delivery.subscription_id, None)
                    delivery.outcome = "gone"
                    return
                retryable = delivery.status is None or delivery.status in (401, 403, 404, 429)
                if not retryable and delivery.status is not None and delivery.status < 500:
                    break
        self.counters.webhooks_failed += 1
        delivery.outcome = "failed"
        if delivery.status in (None, 404):
            # 404 or an unreachable host removes the subscription after the retries
            self.world.subscriptions.pop(delivery.subscription_id, None)
