"""The client's default pacing against the emulator's Lexware-like bucket (2/s, burst 2)."""

from __future__ import annotations

import asyncio
import time

from belegsync.emulator import LIMITED_KEY, MAIN_KEY, MAIN_ORG_ID
from belegsync.lexware import LexwareApi, LexwareClient, VoucherListFilter
from integration.lexware.lexware_live import FAST_RETRY, MakeApi, RunningEmulator, StartEmulator

LEXWARE_BUCKET = {"rate_per_second": 2.0, "burst": 2.0}


async def mixed_calls(client: LexwareClient, voucher_id: str, calls: int) -> None:
    """A sync's mix of reads, one after the other, as one task of several."""
    for n in range(calls):
        if n % 3 == 0:
            await client.voucherlist(VoucherListFilter(), size=10)
        elif n % 3 == 1:
            await client.bookkeeping_voucher(voucher_id)
        else:
            await client.payments(voucher_id)


def a_paid_voucher(emulator: RunningEmulator) -> str:
    vouchers = emulator.world.vouchers(MAIN_ORG_ID)
    return next(v.id for v in vouchers if v.voucher_type == "purchaseinvoice" and v.payment_items)


async def started(emulator_factory: StartEmulator) -> RunningEmulator:
    emulator = await emulator_factory(**LEXWARE_BUCKET)
    settings = await emulator.call("GET", "/settings")
    assert (settings["ratePerSecond"], settings["burst"]) == ("2.0", "2.0")
    return emulator


def default_api(make_api: MakeApi, url: str) -> LexwareApi:
    # The production default of 2 requests/s, not the tests' fast one.
    return make_api(url, rate_per_second=2.0, retry_policy=FAST_RETRY)


async def test_concurrent_tasks_sharing_a_key_get_no_429_at_the_full_rate(
    start_emulator: StartEmulator, make_api: MakeApi
) -> None:
    emulator = await started(start_emulator)
    api = default_api(make_api, emulator.url)
    voucher_id = a_paid_voucher(emulator)
    # Four tasks, each with its own client object for the same key, as a worker would have.
    clients = [api.for_key(MAIN_KEY) for _ in range(4)]

    begin = time.perf_counter()
    await asyncio.gather(*(mixed_calls(c, voucher_id, 3) for c in clients))
    elapsed = time.perf_counter() - begin

    counters = await emulator.counters()
    assert counters["requestsByKey"] == {MAIN_KEY: 12}
    assert counters["throttled"] == 0
    assert counters["byStatus"] == {"200": 12}
    assert sum(c.stats.retries for c in clients) == 0
    # 12 slots 0.5 s apart: 5.5 s at exactly 2/s; never faster (load can only add to it).
    # That the pacer reaches the full rate is proven on a fake clock in
    # tests/lexware/test_ratelimit.py and measured by bench/rate_limit.py.
    assert elapsed >= 5.4


async def test_two_keys_do_not_slow_each_other_down(
    start_emulator: StartEmulator, make_api: MakeApi
) -> None:
    emulator = await started(start_emulator)
    api = default_api(make_api, emulator.url)
    voucher_id = a_paid_voucher(emulator)
    main, other = api.for_key(MAIN_KEY), api.for_key(LIMITED_KEY)

    async def six_profiles(client: LexwareClient) -> None:
        for _ in range(6):
            await client.profile()

    begin = time.perf_counter()
    await asyncio.gather(mixed_calls(main, voucher_id, 6), six_profiles(other))
    elapsed = time.perf_counter() - begin

    counters = await emulator.counters()
    assert counters["requestsByKey"] == {MAIN_KEY: 6, LIMITED_KEY: 6}
    assert counters["throttled"] == 0
    # Six calls per key take 2.5 s in parallel, never less (load can only add to it). Each
    # key has a pacer of its own; that they never wait for each other is proven on a fake
    # clock in tests/lexware/test_ratelimit.py (a shared pacer would need 5.5 s here).
    assert elapsed >= 2.4
    assert len(api.pacers) == 2
    main_pacer, other_pacer = main._sender._pacer, other._sender._pacer
    assert main_pacer is not other_pacer
