from __future__ import annotations

from datetime import date

import pytest

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID, build_world, generate_vouchers
from belegsync.lexware import LexwareSearchWindowError, VoucherListFilter
from integration.lexware.lexware_live import MakeApi, StartEmulator, fixed_clock


@pytest.mark.parametrize(("size", "pages"), [(250, 3), (99, 8)])
async def test_paging_returns_every_voucher_of_the_org_once(
    start_emulator: StartEmulator, make_api: MakeApi, size: int, pages: int
) -> None:
    emulator = await start_emulator(world=build_world(seed="empty", clock=fixed_clock()))
    created = await emulator.call(
        "POST", f"/organizations/{MAIN_ORG_ID}/generate", {"count": 700, "seed": 7}
    )
    assert created == {"created": 700, "total": 700}
    client = make_api(emulator.url).for_key(MAIN_KEY)

    ids = [item.id async for item in client.iter_voucherlist(VoucherListFilter(), size=size)]

    assert len(ids) == 700
    assert set(ids) == {v.id for v in emulator.world.vouchers(MAIN_ORG_ID)}
    assert client.stats.requests_sent == pages
    assert (await emulator.counters())["byStatus"] == {"200": pages}


async def test_filtered_paging_matches_the_world(
    start_emulator: StartEmulator, make_api: MakeApi
) -> None:
    emulator = await start_emulator(world=build_world(clock=fixed_clock(), voucher_count=600))
    client = make_api(emulator.url).for_key(MAIN_KEY)
    query = VoucherListFilter(
        voucher_types=["purchaseinvoice", "invoice"],
        voucher_statuses=["paid"],
        voucher_date_from=date(2023, 6, 1),
        voucher_date_to=date(2024, 3, 31),
    )

    ids = [item.id async for item in client.iter_voucherlist(query, size=50)]

    expected = {
        v.id
        for v in emulator.world.vouchers(MAIN_ORG_ID)
        if v.voucher_type in ("purchaseinvoice", "invoice")
        and v.status == "paid"
        and date(2023, 6, 1) <= v.voucher_date <= date(2024, 3, 31)
    }
    assert len(expected) > 50  # more than one page, or the test proves little
    assert sorted(ids) == sorted(expected)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(date(2024, 1, 1), date(2024, 3, 31), id="12000-over-3-months"),
        pytest.param(date(2024, 2, 1), date(2024, 2, 3), id="12000-on-3-days"),
    ],
)
async def test_sliced_walk_yields_each_of_12000_vouchers_once(
    start_emulator: StartEmulator, make_api: MakeApi, start: date, end: date
) -> None:
    world = build_world(seed="empty", clock=fixed_clock())
    generate_vouchers(world, MAIN_ORG_ID, 12_000, seed=11, start=start, end=end)
    emulator = await start_emulator(world=world)
    client = make_api(emulator.url).for_key(MAIN_KEY)

    ids = [
        item.id
        async for item in client.iter_voucherlist_sliced(VoucherListFilter(), start=start, end=end)
    ]

    assert len(ids) == len(set(ids)) == 12_000
    assert set(ids) == {v.id for v in world.vouchers(MAIN_ORG_ID)}
    by_status = (await emulator.counters())["byStatus"]
    # no request ran into "Maximum search window size exceeded"
    assert set(by_status) == {"200"}
    assert by_status["200"] == client.stats.requests_sent


async def test_unsliced_walk_past_the_window_is_refused(
    start_emulator: StartEmulator, make_api: MakeApi
) -> None:
    world = build_world(seed="empty", clock=fixed_clock())
    generate_vouchers(world, MAIN_ORG_ID, 10_100, seed=12, start=date(2024, 1, 1))
    emulator = await start_emulator(world=world)
    client = make_api(emulator.url).for_key(MAIN_KEY)

    last_allowed = await client.voucherlist(VoucherListFilter(), page=39, size=250)
    with pytest.raises(LexwareSearchWindowError) as caught:
        await client.voucherlist(VoucherListFilter(), page=40, size=250)

    assert last_allowed.total_elements == 10_000  # capped, although 10,100 match
    assert len(last_allowed.content) == 250
    assert caught.value.status == 400
    assert caught.value.detail == "Maximum search window size exceeded"


async def test_the_window_answered_as_500_is_recognised_without_retries(
    start_emulator: StartEmulator, make_api: MakeApi
) -> None:
    emulator = await start_emulator(search_window_as_500=True)
    client = make_api(emulator.url).for_key(MAIN_KEY)

    with pytest.raises(LexwareSearchWindowError) as caught:
        await client.voucherlist(VoucherListFilter(), page=40, size=250)

    assert caught.value.status == 500
    assert caught.value.detail == "Maximum search window size exceeded"
    assert client.stats.requests_sent == 1 and client.stats.retries == 0
