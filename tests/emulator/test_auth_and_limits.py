from __future__ import annotations

from collections.abc import Callable

import httpx

from belegsync.emulator import EXPIRED_KEY, LIMITED_KEY, MAIN_KEY, NO_XL_KEY, EmulatorApp


def _client(app: EmulatorApp, key: str | None) -> httpx.AsyncClient:
    headers = {} if key is None else {"Authorization": f"Bearer {key}"}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://e", headers=headers
    )


async def test_missing_and_unknown_keys_get_401(app: EmulatorApp) -> None:
    async with _client(app, None) as c:
        r = await c.get("/v1/profile")
        assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    async with _client(app, "nope") as c:
        assert (await c.get("/v1/profile")).status_code == 401


async def test_malformed_header_gets_gateway_403(app: EmulatorApp) -> None:
    async with _client(app, None) as c:
        r = await c.get("/v1/profile", headers={"Authorization": "Token abc"})
    assert r.status_code == 403
    assert "not a valid key=value pair" in r.json()["message"]


async def test_expired_revoked_no_xl_and_permissions(app: EmulatorApp) -> None:
    async with _client(app, EXPIRED_KEY) as c:
        assert (await c.get("/v1/profile")).status_code == 401
    async with _client(app, NO_XL_KEY) as c:
        r = await c.get("/v1/profile")
        assert r.status_code == 402 and "requestId" in r.json()
    async with _client(app, LIMITED_KEY) as c:
        assert (await c.get("/v1/profile")).status_code == 200
        r = await c.get("/v1/payments/anything")
        assert r.status_code == 403
        r = await c.get("/v1/files/anything")
        assert r.status_code == 403 and "IssueList" in r.json()
    async with _client(app, MAIN_KEY) as c:
        assert (await c.post(f"/_emulator/keys/{MAIN_KEY}/revoke")).status_code == 200
        assert (await c.get("/v1/profile")).status_code == 401


async def test_key_expires_when_clock_advances(app: EmulatorApp) -> None:
    async with _client(app, MAIN_KEY) as c:
        assert (await c.get("/v1/profile")).status_code == 200
        await c.post("/_emulator/clock", json={"advanceSeconds": 700 * 86400})
        assert (await c.get("/v1/profile")).status_code == 401


async def test_burst_is_throttled_and_not_executed(
    make_emulator: Callable[..., EmulatorApp],
) -> None:
    app = make_emulator()
    # The bucket's time stands still: a loaded machine that takes a second between two
    # requests must not refill it (CI once saw the fifth request pass as a 409).
    app.runtime.limiter.monotonic = lambda: 0.0
    org = app.world.keys[MAIN_KEY].organization_id
    async with _client(app, MAIN_KEY) as c:
        statuses = []
        for _ in range(5):
            r = await c.post(
                "/v1/event-subscriptions",
                json={"eventType": "voucher.changed", "callbackUrl": "https://x.example/a"},
            )
            statuses.append(r.status_code)
            if r.status_code == 429:
                assert r.json() == {"message": "Rate limit exceeded"}
                assert "retry-after" not in r.headers
        counters = (await c.get("/_emulator/counters")).json()
    assert statuses[:2] == [201, 409]
    assert statuses[2:] == [429, 429, 429]
    assert len([s for s in app.world.subscriptions.values() if s.organization_id == org]) == 1
    assert counters["throttled"] == 3


async def test_throttle_as_500_mode(make_emulator: Callable[..., EmulatorApp]) -> None:
    app = make_emulator(rate_per_second=0.001, burst=1, throttle_as_500=True)
    async with _client(app, MAIN_KEY) as c:
        assert (await c.get("/v1/profile")).status_code == 200
        r = await c.get("/v1/profile")
    assert r.status_code == 500
    assert r.json() == {"message": "Internal server error or rate limit exceeded"}
