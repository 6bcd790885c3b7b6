"""The gateway answers the common reads itself (no Litestar); both ways answer alike."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from belegsync.emulator import (
    LIMITED_KEY,
    MAIN_KEY,
    MAIN_ORG_ID,
    NO_XL_KEY,
    Clock,
    EmulatorApp,
    EmulatorConfig,
    build_world,
    create_app,
)
from belegsync.emulator.gateway import Message, Receive, Scope, Send

NOW = datetime(2024, 6, 14, 10, 0, tzinfo=UTC)
RESOURCE = {
    "purchaseinvoice": "vouchers",
    "purchasecreditnote": "vouchers",
    "salesinvoice": "vouchers",
    "salescreditnote": "vouchers",
    "invoice": "invoices",
    "creditnote": "credit-notes",
    "downpaymentinvoice": "down-payment-invoices",
}
ACCEPTS = (None, "*/*", "application/pdf", "application/xml", "image/png", "text/html")
LISTS: list[dict[str, Any]] = [
    {"voucherType": "any", "voucherStatus": "any", "size": 250},
    {"voucherType": "invoice,purchaseinvoice", "voucherStatus": "open,paid", "size": 7, "page": 2},
    {"voucherType": "any", "voucherStatus": "overdue"},
    {"voucherType": "any", "voucherStatus": "any", "updatedDateFrom": "2024-01-01"},
    {"voucherType": "any", "voucherStatus": "any", "archived": "", "sort": ""},
    {"voucherType": "any", "voucherStatus": "any", "size": 251},
    {"voucherType": "any", "voucherStatus": "any", "size": 100, "page": 100},
    {"voucherType": "bogus", "voucherStatus": "any"},
    {"voucherStatus": "any"},
    {"voucherType": "any", "voucherStatus": "any", "voucherNumber": "RE 1+2&amp;"},
]


def world_app(*, fast_reads: bool) -> EmulatorApp:
    world = build_world(clock=Clock(now=lambda: NOW), voucher_count=80)
    config = EmulatorConfig(rate_per_second=10_000, burst=10_000)
    return create_app(world, config=config, fast_reads=fast_reads)


def normalized(response: httpx.Response) -> tuple[int, list[tuple[str, str]], str]:
    """Status, headers and body; error bodies carry random request and trace ids."""
    body = response.content.decode("latin-1")
    body = re.sub(r'"(requestId|traceId)":"[0-9a-f]+"', r'"\1":"-"', body)
    return response.status_code, sorted(response.headers.items()), body


class Both:
    """The same requests to an emulator with and one without the fast reads."""

    def __init__(self, fast: httpx.AsyncClient, slow: httpx.AsyncClient) -> None:
        self.fast, self.slow = fast, slow
        self.compared = 0

    async def get(
        self, path: str, *, key: str | None = MAIN_KEY, accept: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {} if key is None else {"Authorization": f"Bearer {key}"}
        if accept is not None:
            headers["Accept"] = accept
        method = kw.pop("method", "GET")
        fast = await self.fast.request(method, path, headers=headers, **kw)
        slow = await self.slow.request(method, path, headers=headers, **kw)
        assert normalized(fast) == normalized(slow), f"{method} {path} {accept}"
        self.compared += 1
        return fast


@pytest.fixture
async def both() -> AsyncIterator[Both]:
    fast_app, slow_app = world_app(fast_reads=True), world_app(fast_reads=False)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=fast_app), base_url="http://e") as f,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=slow_app), base_url="http://e") as s,
    ):
        yield Both(f, s)
        counters = [(await c.get("/_emulator/counters")).json() for c in (f, s)]
        assert counters[0] == counters[1]


async def test_reads_answer_alike_with_and_without_litestar(both: Both) -> None:
    for params in LISTS:
        await both.get("/v1/voucherlist", params=params)
    await both.get("/v1/voucherlist?voucherType=any&voucherStatus=any&size=3&size=5&page=%31")
    listing = await both.get("/v1/voucherlist", params=LISTS[0])
    items = listing.json()["content"]
    assert len(items) > 40
    for item in items:
        resource = RESOURCE[item["voucherType"]]
        detail = (await both.get(f"/v1/{resource}/{item['id']}")).json()
        await both.get(f"/v1/{'invoices' if resource == 'vouchers' else 'vouchers'}/{item['id']}")
        await both.get(f"/v1/payments/{item['id']}")
        if resource == "vouchers":
            for file_id in detail["files"]:
                for accept in ACCEPTS:
                    await both.get(f"/v1/files/{file_id}", accept=accept)
        else:
            for accept in ACCEPTS:
                await both.get(f"/v1/{resource}/{item['id']}/file", accept=accept)
    assert both.compared > 500


async def test_edge_paths_and_keys_answer_alike(both: Both) -> None:
    listing = await both.get("/v1/voucherlist", params=LISTS[0])
    some = listing.json()["content"][0]["id"]
    for key in (MAIN_KEY, LIMITED_KEY, NO_XL_KEY, "unknown", None):
        await both.get("/v1/profile", key=key)
        await both.get(f"/v1/payments/{some}", key=key)
        await both.get(f"/v1/files/{some}", key=key, accept="*/*")
    for path in (
        f"/v1/vouchers/{some}/",
        f"/v1/payments/{some}/",
        "/v1/payments/no%20such%20id",
        "/v1/payments/x.y",
        "/v1/files/unknown",
        "/v1/invoices/unknown/file",
        "/v1/invoices/unknown/files",
        "/v1/profile/",
        "/v1/vouchers/",
        "/v1/event-subscriptions",
    ):
        await both.get(path)
    await both.get(f"/v1/payments/{some}", method="HEAD")
    await both.get(f"/v1/vouchers/{some}", method="DELETE")


async def test_faults_apply_to_fast_reads(both: Both) -> None:
    some = (await both.get("/v1/voucherlist", params=LISTS[0])).json()["content"][0]["id"]
    for client in (both.fast, both.slow):
        fault = {"kind": "truncated", "pathPrefix": "/v1/payments", "count": 1}
        assert (await client.post("/_emulator/faults", json=fault)).status_code == 201
    cut = await both.get(f"/v1/payments/{some}")
    whole = await both.get(f"/v1/payments/{some}")
    assert whole.content.startswith(cut.content) and len(cut.content) == len(whole.content) // 2


async def test_common_reads_do_not_reach_litestar() -> None:
    app = world_app(fast_reads=True)
    gateway = app._gateway
    litestar = gateway.app
    reached: list[str] = []

    async def counting(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(str(scope["path"]))
        await litestar(scope, receive, send)

    gateway.app = counting
    headers = {"Authorization": f"Bearer {MAIN_KEY}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://e", headers=headers) as c:
        items = (await c.get("/v1/voucherlist", params=LISTS[0])).json()["content"]
        first = items[0]
        await c.get(f"/v1/{RESOURCE[first['voucherType']]}/{first['id']}")
        await c.get(f"/v1/payments/{first['id']}")
        await c.get("/v1/profile")
        assert reached == []
        await c.get(f"/v1/payments/{first['id']}/")  # an unusual shape goes to Litestar
        await c.get(f"/_emulator/vouchers/{first['id']}")
    assert reached == [f"/v1/payments/{first['id']}/", f"/_emulator/vouchers/{first['id']}"]


async def test_a_failing_fast_read_is_answered_by_litestar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = world_app(fast_reads=True)

    def broken(scope: Scope, api_key: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app._gateway, "fast_path", broken)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/profile",
        "raw_path": b"/v1/profile",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"authorization", f"Bearer {MAIN_KEY}".encode())],
        "server": ("e", 80),
        "scheme": "http",
        "http_version": "1.1",
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"])["organizationId"] == MAIN_ORG_ID
