from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from belegsync.emulator import MAIN_ORG_ID

AddVoucher = Callable[..., Awaitable[dict[str, Any]]]
LIST = "/v1/voucherlist"


async def test_required_filters_and_validation(client: httpx.AsyncClient) -> None:
    r = await client.get(LIST, params={"voucherType": "invoice"})
    assert r.status_code == 400 and r.json()["message"] == "Missing required request parameters"
    bad = [
        ({"voucherType": "dunning", "voucherStatus": "any"}, "voucherType"),
        ({"voucherType": "any", "voucherStatus": "open,overdue"}, "overdue"),
        (
            {"voucherType": "any", "voucherStatus": "any", "size": "251"},
            "must be equal or lower than 250",
        ),
        (
            {"voucherType": "any", "voucherStatus": "any", "size": "250", "page": "40"},
            "Maximum search window size exceeded",
        ),
        (
            {"voucherType": "any", "voucherStatus": "any", "sort": "voucherNumber,ASC"},
            "parameter 'sort' is invalid",
        ),
    ]
    for params, text in bad:
        r = await client.get(LIST, params=params)
        assert r.status_code == 400, params
        assert text in r.json()["message"]
        assert "requestId" in r.json() and "traceId" in r.json()


async def test_paging_is_stable_and_sorted(client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    dates: list[str] = []
    page = 0
    while True:
        r = await client.get(
            LIST,
            params={"voucherType": "any", "voucherStatus": "any", "size": "70", "page": str(page)},
        )
        body = r.json()
        assert body["size"] == 70 and body["number"] == page
        assert (
            body["sort"][0]["property"] == "voucherdate" and body["sort"][0]["direction"] == "DESC"
        )
        seen += [v["id"] for v in body["content"]]
        dates += [v["voucherDate"][:10] for v in body["content"]]
        if body["last"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == body["totalElements"] == 300
    assert dates == sorted(dates, reverse=True)


async def test_default_size_and_comma_lists(client: httpx.AsyncClient) -> None:
    r = await client.get(
        LIST, params={"voucherType": "invoice,creditnote", "voucherStatus": "paid,paidoff"}
    )
    body = r.json()
    assert body["size"] == 25
    assert {v["voucherType"] for v in body["content"]} <= {"invoice", "creditnote"}
    assert {v["voucherStatus"] for v in body["content"]} <= {"paid", "paidoff"}


async def test_overdue_is_transient(client: httpx.AsyncClient, add_voucher: AddVoucher) -> None:
    late = await add_voucher(
        client,
        MAIN_ORG_ID,
        type="invoice",
        status="open",
        voucherDate="2024-01-02",
        dueDate="2024-01-16",
        voucherNumber="LATE-1",
    )
    params = {"voucherType": "invoice", "voucherStatus": "open", "voucherNumber": "LATE-1"}
    r = await client.get(LIST, params=params)
    assert [v["voucherStatus"] for v in r.json()["content"]] == ["overdue"]
    params["voucherStatus"] = "overdue"
    assert [v["id"] for v in (await client.get(LIST, params=params)).json()["content"]] == [
        late["id"]
    ]


async def test_collective_contact_and_draft(
    client: httpx.AsyncClient, add_voucher: AddVoucher
) -> None:
    await add_voucher(
        client, MAIN_ORG_ID, type="purchaseinvoice", status="open", voucherNumber="COLL-1"
    )
    await add_voucher(client, MAIN_ORG_ID, type="invoice", status="draft", voucherNumber="DRAFT-1")
    r = await client.get(
        LIST, params={"voucherType": "any", "voucherStatus": "any", "voucherNumber": "COLL-1"}
    )
    item = r.json()["content"][0]
    assert item["contactId"] is None and item["contactName"] == "Sammellieferant"
    r = await client.get(
        LIST, params={"voucherType": "any", "voucherStatus": "draft", "voucherNumber": "DRAFT-1"}
    )
    assert r.json()["content"][0]["openAmount"] is None


async def test_updated_date_filter_uses_berlin_days(
    client: httpx.AsyncClient, add_voucher: AddVoucher
) -> None:
    # 23:30 UTC on 31 March is 01:30 on 1 April in Berlin (CEST)
    await add_voucher(
        client,
        MAIN_ORG_ID,
        voucherNumber="BERLIN-1",
        createdDate="2024-03-20T10:00:00+00:00",
        updatedDate="2024-03-31T23:30:00+00:00",
    )
    base = {"voucherType": "any", "voucherStatus": "any", "voucherNumber": "BERLIN-1"}
    april = await client.get(
        LIST, params={**base, "updatedDateFrom": "2024-04-01", "updatedDateTo": "2024-04-01"}
    )
    march = await client.get(LIST, params={**base, "updatedDateTo": "2024-03-31"})
    assert len(april.json()["content"]) == 1
    assert march.json()["content"] == []


async def test_total_elements_capped_at_window(make_emulator: Callable[..., Any]) -> None:
    app = make_emulator(voucher_count=10_050, rate_per_second=1000, burst=1000)
    from belegsync.emulator import MAIN_KEY

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://e",
        headers={"Authorization": f"Bearer {MAIN_KEY}"},
    ) as c:
        r = await c.get(
            LIST, params={"voucherType": "any", "voucherStatus": "any", "size": "250", "page": "39"}
        )
    body = r.json()
    assert body["totalElements"] == 10_000 and body["totalPages"] == 40 and body["last"] is True
