from __future__ import annotations

import asyncio
import time

import httpx

from belegsync.lexware import LexwareApi, Pacer, PacerRegistry, RetryPolicy

from .conftest import MakeApi
from .fakes import API_KEY, Recorder, body_response, json_response

NO_RETRY = RetryPolicy(attempts=1, timeout=1, wait_initial=0, wait_max=0, wait_jitter=0)


class FakeClock:
    """Monotonic time that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, target)


class TokenBucket:
    """Lexware's documented limiter: refill 2/s, here with capacity 1 (stricter than 2)."""

    def __init__(self, clock: FakeClock, rate: float = 2.0, capacity: float = 1.0) -> None:
        self.clock = clock
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = clock()
        self.answers: list[int] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.times.append(now)
        if self.tokens < 1:
            self.answers.append(429)
            return body_response(429, {"message": "Rate limit exceeded"})
        self.tokens -= 1
        self.answers.append(200)
        return json_response(200, "payments_sample_open_invoice.json")


async def test_concurrent_callers_get_evenly_spaced_slots() -> None:
    clock = FakeClock()
    pacer = Pacer(2.0, clock=clock, sleep=clock.sleep)
    granted: list[float] = []

    async def call() -> None:
        await pacer.acquire()
        granted.append(clock())

    await asyncio.gather(*(call() for _ in range(20)))
    gaps = [b - a for a, b in zip(sorted(granted), sorted(granted)[1:], strict=False)]
    assert all(gap >= 0.5 for gap in gaps)
    assert max(granted) - min(granted) == 19 * 0.5


async def test_a_paced_client_never_sees_429_at_full_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(clock)
    pacers = PacerRegistry(2.0, clock=clock, sleep=clock.sleep)
    async with LexwareApi(
        transport=httpx.MockTransport(bucket), pacers=pacers, retry_policy=NO_RETRY
    ) as api:
        client = api.for_key(API_KEY)
        for _ in range(200):
            await client.payments("v-1")
    assert set(bucket.answers) == {200}
    achieved = (len(bucket.times) - 1) / (bucket.times[-1] - bucket.times[0])
    assert achieved >= 0.95 * 2.0


async def test_real_clock_spacing_at_high_rate(make_api: MakeApi) -> None:
    sent: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(time.monotonic())
        return json_response(200, "payments_sample_open_invoice.json")

    rate = 20.0
    client = make_api(handler, rate_per_second=rate).for_key(API_KEY)
    await asyncio.gather(*(client.payments(f"v-{i}") for i in range(20)))
    # Only the bound that load cannot break: never faster than the pacer allows. That it
    # reaches the full rate is proven with the fake clock above, free of scheduling noise.
    achieved = (len(sent) - 1) / (sent[-1] - sent[0])
    assert achieved <= 1.05 * rate


async def test_clients_of_one_key_share_a_pacer(make_api: MakeApi) -> None:
    api = make_api(Recorder(json_response(200, "payments_sample_open_invoice.json")))
    first = api.for_key(API_KEY)
    second = api.for_key(API_KEY)
    other = api.for_key(API_KEY + "-other")
    assert first._sender._pacer is second._sender._pacer
    assert first._sender._pacer is not other._sender._pacer
    assert len(api.pacers) == 2


async def test_shared_pacer_spaces_two_clients_of_one_key() -> None:
    clock = FakeClock()
    bucket = TokenBucket(clock)
    pacers = PacerRegistry(2.0, clock=clock, sleep=clock.sleep)
    async with LexwareApi(
        transport=httpx.MockTransport(bucket), pacers=pacers, retry_policy=NO_RETRY
    ) as api:
        one, two = api.for_key(API_KEY), api.for_key(API_KEY)
        for _ in range(10):
            await one.payments("a")
            await two.payments("b")
    assert set(bucket.answers) == {200}
    assert bucket.times[-1] - bucket.times[0] == 19 * 0.5


async def test_different_keys_do_not_wait_for_each_other() -> None:
    clock = FakeClock()
    pacers = PacerRegistry(2.0, clock=clock, sleep=clock.sleep)
    first = pacers.for_fingerprint("a")
    second = pacers.for_fingerprint("b")
    assert first.reserve() == 0.0
    assert second.reserve() == 0.0
    assert first.reserve() == 0.5


def test_registry_never_stores_the_key() -> None:
    api_pacers = PacerRegistry()
    from belegsync.lexware.ratelimit import key_fingerprint

    api_pacers.for_fingerprint(key_fingerprint(API_KEY))
    assert all(API_KEY not in k for k in api_pacers._pacers)
