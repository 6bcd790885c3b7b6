from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from belegsync.emulator import MAIN_KEY, Clock, EmulatorApp, EmulatorConfig, build_world, create_app

NOW = datetime(2024, 6, 14, 10, 0, tzinfo=UTC)


def fixed_clock() -> Clock:
    clock = Clock()
    clock.set(NOW)
    return clock


AppFactory = Callable[..., EmulatorApp]


@pytest.fixture
def make_emulator() -> AppFactory:
    def factory(*, voucher_count: int = 10, **config: Any) -> EmulatorApp:
        world = build_world(clock=fixed_clock(), voucher_count=voucher_count)
        return create_app(world, config=EmulatorConfig(**config))

    return factory


@pytest.fixture
def add_voucher() -> Callable[..., Awaitable[dict[str, Any]]]:
    async def add(client: httpx.AsyncClient, org_id: str, **body: object) -> dict[str, Any]:
        response = await client.post(f"/_emulator/organizations/{org_id}/vouchers", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    return add


@pytest.fixture
def app() -> EmulatorApp:
    world = build_world(clock=fixed_clock(), voucher_count=300)
    return create_app(world, config=EmulatorConfig(rate_per_second=1000, burst=1000))


@pytest.fixture
async def client(app: EmulatorApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {MAIN_KEY}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://emu", headers=headers) as c:
        yield c
