from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from belegsync.lexware import LexwareApi, RetryPolicy

from .fakes import API_KEY, FAST_RETRY, Handler

MakeApi = Callable[..., LexwareApi]


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
async def make_api() -> AsyncIterator[MakeApi]:
    """Build LexwareApi objects around MockTransport handlers; closed at teardown."""
    created: list[LexwareApi] = []

    def factory(
        handler: Handler,
        *,
        retry_policy: RetryPolicy = FAST_RETRY,
        rate_per_second: float = 1_000_000.0,
        **kwargs: Any,
    ) -> LexwareApi:
        api = LexwareApi(
            transport=httpx.MockTransport(handler),
            retry_policy=retry_policy,
            rate_per_second=rate_per_second,
            **kwargs,
        )
        created.append(api)
        return api

    yield factory
    for api in created:
        await api.aclose()
