from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from belegsync.emulator import MAIN_ORG_ID, Clock, World, generate_vouchers

AddVoucher = Callable[..., Awaitable[dict[str, Any]]]


async def test_edit_bumps_version_and_updated_date(
    client: httpx.AsyncClient, add_voucher: AddVoucher
) -> None:
    v = await add_voucher(client, MAIN_ORG_ID, type="purchaseinvoice", voucherNumber="OLD")
    await client.post("/_emulator/clock", json={"advanceSeconds": 3600})
    r = await client.patch(
        f"/_emulator/vouchers/{v['id']}", json={"voucherNumber": "NEW", "totalGrossAmount": "50.00"}
    )
    assert r.json()["version"] == v["version"] + 1
    detail = (await client.get(f"/v1/vouchers/{v['id']}")).json()
    assert detail["voucherNumber"] == "NEW" and detail["totalGrossAmount"] == 50.0
    assert detail["updatedDate"] == "2024-06-14T13:00:00.000+02:00"
    f = (await client.post(f"/_emulator/vouchers/{v['id']}/files", json={"kind": "jpg"})).json()
    assert (await client.get(f"/v1/files/{f['id']}")).content.startswith(b"\xff\xd8")
    await client.delete(f"/_emulator/files/{f['id']}")
    assert (await client.get(f"/v1/files/{f['id']}")).status_code == 404
    assert (await client.post("/_emulator/vouchers/nope/void")).status_code == 400


async def test_fault_injection_is_limited_and_deterministic(client: httpx.AsyncClient) -> None:
    await client.post(
        "/_emulator/faults",
        json={"kind": "error", "status": 503, "pathPrefix": "/v1/profile", "count": 2},
    )
    statuses = [(await client.get("/v1/profile")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    await client.post("/_emulator/faults", json={"kind": "error", "status": 504, "count": 1})
    r = await client.get("/v1/profile")
    assert r.status_code == 504 and r.json() == {"message": "Endpoint request timed out"}
    await client.post("/_emulator/faults", json={"kind": "malformed", "count": 1})
    assert (await client.get("/v1/profile")).text.startswith('{"content":[{"id":"')

    async def pattern() -> list[int]:
        await client.delete("/_emulator/faults")
        await client.post("/_emulator/faults", json={"kind": "error", "rate": 0.5, "seed": 7})
        return [(await client.get("/v1/profile")).status_code for _ in range(12)]

    first = await pattern()
    assert first == await pattern() and 500 in first and 200 in first
    await client.delete("/_emulator/faults")
    counters = (await client.get("/_emulator/counters")).json()
    assert counters["byStatus"]["500"] >= 1 and counters["faultsInjected"] >= 4


async def test_timeout_and_latency(client: httpx.AsyncClient) -> None:
    await client.post(
        "/_emulator/faults", json={"kind": "timeout", "timeoutSeconds": 0.2, "count": 1}
    )
    started = time.perf_counter()
    assert (await client.get("/v1/profile")).status_code == 504
    assert time.perf_counter() - started >= 0.2


def test_generator_is_reproducible_and_fast() -> None:
    def world() -> World:
        clock = Clock()
        clock.set(datetime(2025, 3, 1, tzinfo=UTC))
        w = World(clock=clock)
        w.add_organization("Speed GmbH", org_id="org")
        return w

    a, b = world(), world()
    # Large worlds come from the same generator (benchmarks use 50,000); how fast is a
    # benchmark's question, not a test's.
    generated = generate_vouchers(a, "org", 20_000, seed=5)
    first = generate_vouchers(b, "org", 3_000, seed=9)
    again = generate_vouchers(world(), "org", 3_000, seed=9)
    assert [(v.id, v.number, v.total_gross, v.status, v.file_ids) for v in first] == [
        (v.id, v.number, v.total_gross, v.status, v.file_ids) for v in again
    ]
    types = {v.voucher_type for v in generated}
    assert len(types) == 7
    assert {v.status for v in generated} >= {
        "paid",
        "paidoff",
        "open",
        "voided",
        "transferred",
        "sepadebit",
        "draft",
    }
    assert any(p.item_type == "cashDiscount" for v in generated for p in v.payment_items)
