from __future__ import annotations

import httpx
import pytest

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID
from belegsync.lexware import (
    LexwareClient,
    LexwareConflictError,
    LexwareUnavailableError,
    VoucherListFilter,
)
from integration.lexware.lexware_live import MakeApi, RunningEmulator


def paid_voucher_id(emulator: RunningEmulator) -> str:
    vouchers = emulator.world.vouchers(MAIN_ORG_ID)
    return next(v.id for v in vouchers if v.voucher_type == "purchaseinvoice" and v.payment_items)


async def test_503_for_the_next_requests_is_retried(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    voucher_id = paid_voucher_id(emulator)
    await emulator.add_fault(kind="error", status=503, pathPrefix="/v1/payments", count=3)

    payments = await client.payments(voucher_id)

    assert payments.payment_items
    assert (client.stats.requests_sent, client.stats.retries) == (4, 3)
    assert (await emulator.counters())["byStatus"] == {"200": 1, "503": 3}


async def test_throttling_answered_as_500_is_retried(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    settings = await emulator.call("PUT", "/settings", {"throttleAs500": True})
    assert settings["throttleAs500"] is True
    await emulator.add_fault(kind="throttle", count=2)

    profile = await client.profile()

    assert profile.organization_id == MAIN_ORG_ID
    assert client.stats.retries == 2
    assert client.stats.rate_limited == 0  # a 500 is not counted as a 429
    assert (await emulator.counters())["byStatus"] == {"200": 1, "500": 2}


class Ticks:
    """The bucket's time source: each request arrives ``step`` seconds after the last one.

    Whatever the machine's load, a 16/s bucket of capacity 1 then refills half a token
    per request (1/32 s, exact in binary): every other request is throttled.
    """

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


async def test_real_bucket_in_500_mode_is_retried_until_it_refills(
    emulator: RunningEmulator, make_api: MakeApi
) -> None:
    await emulator.call(
        "PUT", "/settings", {"throttleAs500": True, "ratePerSecond": 16, "burst": 1}
    )
    emulator.app.runtime.limiter.monotonic = Ticks(1 / 32)
    # A client faster than the bucket: throttled calls must be retried, not lost.
    client = make_api(emulator.url, rate_per_second=100.0).for_key(MAIN_KEY)

    for _ in range(10):
        await client.profile()

    counters = await emulator.counters()
    assert counters["byStatus"] == {"200": 10, "500": 9}
    assert counters["throttled"] == client.stats.retries == 9


async def test_client_timeout_is_retried(emulator: RunningEmulator, make_api: MakeApi) -> None:
    # The gateway would answer only after 0.6 s; we give up after 0.2 s and ask again.
    await emulator.add_fault(kind="timeout", timeoutSeconds=0.6, count=1)
    client = make_api(emulator.url, timeout=httpx.Timeout(0.2)).for_key(MAIN_KEY)

    page = await client.voucherlist(VoucherListFilter(), size=10)

    assert len(page.content) == 10
    assert client.stats.retries == 1


async def test_gateway_timeout_504_is_retried(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    await emulator.add_fault(kind="timeout", timeoutSeconds=0.05, count=2)

    await client.profile()

    assert client.stats.retries == 2
    assert (await emulator.counters())["byStatus"] == {"200": 1, "504": 2}


async def test_latency_below_the_timeout_needs_no_retry_and_above_it_does(
    emulator: RunningEmulator, make_api: MakeApi
) -> None:
    client = make_api(emulator.url, timeout=httpx.Timeout(0.3)).for_key(MAIN_KEY)
    await emulator.add_fault(kind="latency", latencyMs=100, count=1)
    await client.profile()
    assert client.stats.retries == 0

    await emulator.add_fault(kind="latency", latencyMs=600, count=2)
    await client.profile()
    assert client.stats.retries == 2


async def test_504_after_applying_a_get_is_retried(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    voucher_id = paid_voucher_id(emulator)
    await emulator.add_fault(
        kind="error", status=504, applyFirst=True, method="GET", pathPrefix="/v1/vouchers", count=1
    )

    voucher = await client.bookkeeping_voucher(voucher_id)

    assert voucher.id == voucher_id
    assert client.stats.retries == 1
    assert (await emulator.counters())["byStatus"] == {"200": 1, "504": 1}


async def test_504_after_applying_a_post_is_not_retried(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    # The subscription was created although the answer was 504: repeating the POST blindly
    # would have hit 409; the caller has to look first.
    await emulator.add_fault(kind="error", status=504, applyFirst=True, method="POST", count=1)

    with pytest.raises(LexwareUnavailableError) as caught:
        await client.create_event_subscription("invoice.changed", "https://h.example/hook")

    assert caught.value.status == 504
    assert client.stats.retries == 0
    created = await client.event_subscriptions()
    assert [(s.event_type, s.callback_url) for s in created] == [
        ("invoice.changed", "https://h.example/hook")
    ]
    with pytest.raises(LexwareConflictError):
        await client.create_event_subscription("invoice.changed", "https://h.example/hook")
