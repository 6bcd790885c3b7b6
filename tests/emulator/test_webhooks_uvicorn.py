from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from litestar import Litestar, Request, post

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID, EmulatorApp, serve_in_background


def receiver(received: list[tuple[bytes, str]]) -> Litestar:
    @post("/hook", status_code=200)
    async def hook(request: Request[Any, Any, Any]) -> None:
        received.append((await request.body(), request.headers["x-lxo-signature"]))

    return Litestar(route_handlers=[hook])


async def test_signed_webhook_over_real_servers(make_emulator: Callable[..., EmulatorApp]) -> None:
    app = make_emulator(allow_http_callbacks=True)
    received: list[tuple[bytes, str]] = []
    async with (
        serve_in_background(app) as base,
        serve_in_background(receiver(received)) as hook_base,  # type: ignore[arg-type]
    ):
        headers = {"Authorization": f"Bearer {MAIN_KEY}"}
        async with httpx.AsyncClient(base_url=base, headers=headers) as c:
            bad = await c.post(
                "/v1/event-subscriptions",
                json={"eventType": "payment.changed", "callbackUrl": "http://example.org/x"},
            )
            assert bad.status_code == 406
            r = await c.post(
                "/v1/event-subscriptions",
                json={"eventType": "payment.changed", "callbackUrl": f"{hook_base}/hook"},
            )
            assert r.status_code == 201 and r.headers["location"].endswith(r.json()["id"])
            await asyncio.sleep(0.6)  # let the bucket refill (2 requests/s)
            listed = (await c.get("/v1/event-subscriptions")).json()
            assert [s["subscriptionId"] for s in listed["content"]] == [r.json()["id"]]
            voucher = (
                await c.post(
                    f"/_emulator/organizations/{MAIN_ORG_ID}/vouchers", json={"type": "invoice"}
                )
            ).json()
            await c.post(f"/_emulator/vouchers/{voucher['id']}/pay", json={})
            for _ in range(100):
                if received:
                    break
                await asyncio.sleep(0.02)
            pem = (await c.get("/_emulator/webhook-public-key")).content
    body, signature = received[0]
    payload = json.loads(body)
    assert list(payload) == ["organizationId", "eventType", "resourceId", "eventDate"]
    assert payload["eventType"] == "payment.changed" and payload["resourceId"] == voucher["id"]
    assert body == json.dumps(payload, separators=(",", ":")).encode()
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(base64.b64decode(signature), body, padding.PKCS1v15(), hashes.SHA512())


async def test_revoking_key_deletes_subscriptions_and_410_unsubscribes(
    make_emulator: Callable[..., EmulatorApp],
) -> None:
    app = make_emulator(allow_http_callbacks=True, rate_per_second=100, burst=100)

    @post("/gone", status_code=410)
    async def gone() -> None:
        return None

    headers = {"Authorization": f"Bearer {MAIN_KEY}"}
    async with (
        serve_in_background(app) as base,
        serve_in_background(Litestar([gone])) as hook_base,  # type: ignore[arg-type]
        httpx.AsyncClient(base_url=base, headers=headers) as c,
    ):
        await c.post(
            "/v1/event-subscriptions",
            json={"eventType": "voucher.changed", "callbackUrl": f"{hook_base}/gone"},
        )
        v = (await c.post(f"/_emulator/organizations/{MAIN_ORG_ID}/vouchers", json={})).json()
        await c.patch(f"/_emulator/vouchers/{v['id']}", json={"remark": "x"})
        await app.runtime.webhooks.drain()
        assert (await c.get("/v1/event-subscriptions")).json() == {"content": []}
        sub = await c.post(
            "/v1/event-subscriptions",
            json={"eventType": "voucher.changed", "callbackUrl": "https://a.example/h"},
        )
        sub_id = sub.json()["id"]
        assert (await c.get(f"/v1/event-subscriptions/{sub_id}")).status_code == 200
        await c.post(f"/_emulator/keys/{MAIN_KEY}/revoke")
    assert app.world.subscriptions == {}
