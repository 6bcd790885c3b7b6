"""Shared helpers of the client-against-emulator tests (fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from belegsync.emulator import (
    MAIN_ORG_ID,
    Clock,
    EmulatorApp,
    EmulatorConfig,
    World,
    build_world,
    create_app,
    serve_in_background,
)
from belegsync.lexware import LexwareApi, RetryPolicy

NOW = datetime(2024, 6, 14, 10, 0, tzinfo=UTC)
# Fast enough not to matter, but not zero: a wait still goes through the retry machinery.
FAST_RETRY = RetryPolicy(attempts=5, timeout=10.0, wait_initial=0.01, wait_max=0.02, wait_jitter=0)
# Tests that are not about throttling run with a bucket that never empties.
UNLIMITED = {"rate_per_second": 10_000.0, "burst": 10_000.0}


def fixed_clock() -> Clock:
    clock = Clock()
    clock.set(NOW)
    return clock


@dataclass
class RunningEmulator:
    """A served emulator: the app (for its world), its base URL and a control client."""

    app: EmulatorApp
    url: str
    control: httpx.AsyncClient

    @property
    def world(self) -> World:
        return self.app.world

    async def call(self, method: str, path: str, body: object = None) -> Any:
        """A control API call (``/_emulator/...``) that must succeed."""
        response = await self.control.request(method, f"/_emulator{path}", json=body)
        assert response.is_success, response.text
        return response.json()

    async def counters(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/counters")
        return result

    async def add_fault(self, **rule: object) -> None:
        await self.call("POST", "/faults", rule)

    async def add_voucher(self, org_id: str = MAIN_ORG_ID, **body: object) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", f"/organizations/{org_id}/vouchers", body)
        return result


@asynccontextmanager
async def running_emulator(
    world: World | None = None, **config: Any
) -> AsyncIterator[RunningEmulator]:
    """Serve an emulator on a free port of 127.0.0.1 with a control client.

    Without a world: the demo world with 40 vouchers and a frozen clock. Without rate
    settings: an effectively unlimited bucket.
    """
    world = world or build_world(clock=fixed_clock(), voucher_count=40)
    app = create_app(world, config=EmulatorConfig(**{**UNLIMITED, **config}))
    async with serve_in_background(app) as url, httpx.AsyncClient(base_url=url) as control:
        yield RunningEmulator(app=app, url=url, control=control)


StartEmulator = Callable[..., Awaitable[RunningEmulator]]
MakeApi = Callable[..., LexwareApi]
