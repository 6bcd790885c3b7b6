"""The Lexware client against the emulator over real HTTP on 127.0.0.1.

Most tests start their own emulator (a real uvicorn server on a free port) so fault rules,
rate buckets and counters never leak between tests. Modules that only read (files,
webhook signatures) share one per module: stopping a uvicorn server costs ~0.15 s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from belegsync.emulator import MAIN_KEY, World
from belegsync.lexware import LexwareApi, LexwareClient
from integration.lexware.lexware_live import (
    FAST_RETRY,
    MakeApi,
    RunningEmulator,
    StartEmulator,
    running_emulator,
)


@pytest.fixture
async def start_emulator() -> AsyncIterator[StartEmulator]:
    """``await start_emulator(world=None, **EmulatorConfig fields)``; stopped at teardown."""
    async with AsyncExitStack() as stack:

        async def start(world: World | None = None, **config: Any) -> RunningEmulator:
            return await stack.enter_async_context(running_emulator(world, **config))

        yield start


@pytest.fixture
async def emulator(start_emulator: StartEmulator) -> RunningEmulator:
    return await start_emulator()


@pytest.fixture
async def make_api() -> AsyncIterator[MakeApi]:
    """``make_api(url, **LexwareApi options)``: fast retries and no own pacing by default."""
    created: list[LexwareApi] = []

    def factory(url: str, **options: Any) -> LexwareApi:
        options.setdefault("retry_policy", FAST_RETRY)
        options.setdefault("rate_per_second", 10_000.0)
        api = LexwareApi(base_url=url, **options)
        created.append(api)
        return api

    yield factory
    for api in created:
        await api.aclose()


@pytest.fixture
def api(emulator: RunningEmulator, make_api: MakeApi) -> LexwareApi:
    return make_api(emulator.url)


@pytest.fixture
def client(api: LexwareApi) -> LexwareClient:
    return api.for_key(MAIN_KEY)
