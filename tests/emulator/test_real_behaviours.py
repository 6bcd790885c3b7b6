"""Behaviours of the real Lexware API that the emulator reproduces (defaults and switches)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID, EmulatorApp
from belegsync.emulator.ratelimit import RateLimiter

from .conftest import AppFactory

AddVoucher = Callable[..., Awaitable[dict[str, Any]]]
_MILLIS = re.compile(r"T\d\d:\d\d:\d\d\.(\d{3})[+-]")


async def _put_settings(client: httpx.AsyncClient, **settings: object) -> dict[str, Any]:
    response = await client.put("/_emulator/settings", json=settings)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_wrong_route_or_method_gets_the_gateway_403(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/v1/voucher/abc"),
        ("GET", "/v1/profiles"),
        ("DELETE", "/v1/vouchers/abc"),
        ("POST", "/v1/voucherlist"),
    ):
        r = await client.request(method, path)
        assert r.status_code == 403, (method, path)
        message = r.json()["message"]
        assert "not a valid key=value pair" in message
        assert f"Bearer {MAIN_KEY}" in message  # the gateway echoes the header
    # known routes are unaffected; an unknown id is the endpoint's 404
    assert (await client.get("/v1/vouchers/abc")).status_code == 404
    await _put_settings(client, gateway403ForUnknownRoutes=False)
    assert (await client.get("/v1/voucher/abc")).status_code == 404


async def test_transient_401s_with_a_valid_key(client: httpx.AsyncClient) -> None:
    settings = await _put_settings(client, transientUnauthorized=2)
    assert settings["transientUnauthorized"] == 2
    answers = [(await client.get("/v1/profile")) for _ in range(3)]
    assert [r.status_code for r in answers] == [401, 401, 200]
    assert answers[0].json() == {"message": "Unauthorized"}
    assert (await client.get("/_emulator/settings")).json()["transientUnauthorized"] == 0
    # per route: only the voucher list refuses
    fault = {"kind": "error", "status": 401, "pathPrefix": "/v1/voucherlist", "count": 1}
    assert (await client.post("/_emulator/faults", json=fault)).status_code == 201
    assert (await client.get("/v1/profile")).status_code == 200
    r = await client.get("/v1/voucherlist?voucherType=any&voucherStatus=any")
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}


async def test_deleted_voucher_vanishes(client: httpx.AsyncClient, add_voucher: AddVoucher) -> None:
    voucher = await add_voucher(client, MAIN_ORG_ID, type="purchaseinvoice", status="paid")
    vid = voucher["id"]
    file_id = voucher["files"][0]
    query = "/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=paid&size=250"

    async def listed() -> set[str]:
        ids: set[str] = set()
        page = 0
        while True:
            body = (await client.get(f"{query}&page={page}")).json()
            ids |= {item["id"] for item in body["content"]}
            if body["last"]:
                return ids
            page += 1

    assert vid in await listed()
    assert (await client.delete(f"/_emulator/vouchers/{vid}")).status_code == 200
    assert vid not in await listed()
    assert (await client.get(f"/v1/vouchers/{vid}")).status_code == 404
    assert (await client.get(f"/v1/payments/{vid}")).status_code == 404
    assert (await client.get(f"/v1/files/{file_id}")).status_code == 404


async def test_payments_refused_for_linked_credit_notes(
    client: httpx.AsyncClient, add_voucher: AddVoucher
) -> None:
    invoice = await add_voucher(client, MAIN_ORG_ID, type="invoice", status="paid")
    note = await add_voucher(
        client, MAIN_ORG_ID, type="creditnote", status="paidoff", relatedVoucherIds=[invoice["id"]]
    )
    assert (await client.get(f"/v1/payments/{invoice['id']}")).status_code == 200
    r = await client.get(f"/v1/payments/{note['id']}")
    assert r.status_code == 406 and r.json()["status"] == 406
    assert (await client.get(f"/v1/credit-notes/{note['id']}")).status_code == 200
    await _put_settings(client, linkedCreditNotePaymentsStatus=404)
    assert (await client.get(f"/v1/payments/{note['id']}")).status_code == 404
    await _put_settings(client, linkedCreditNotePaymentsStatus=None)
    assert (await client.get(f"/v1/payments/{note['id']}")).status_code == 200
    # any voucher can be given the refusal
    voucher = await add_voucher(client, MAIN_ORG_ID, type="purchaseinvoice", status="paid")
    r = await client.patch(f"/_emulator/vouchers/{voucher['id']}", json={"paymentsError": 404})
    assert r.status_code == 200
    assert (await client.get(f"/v1/payments/{voucher['id']}")).status_code == 404


async def test_list_dates_to_the_second_detail_to_the_millisecond(
    client: httpx.AsyncClient, add_voucher: AddVoucher
) -> None:
    voucher = await add_voucher(
        client,
        MAIN_ORG_ID,
        type="purchaseinvoice",
        status="paid",
        voucherNumber="PREC-1",
        createdDate="2024-06-01T09:15:30.123+00:00",
        updatedDate="2024-06-02T10:20:40.456+00:00",
    )
    query = "/v1/voucherlist?voucherType=purchaseinvoice&voucherStatus=paid&voucherNumber=PREC-1"
    (item,) = (await client.get(query)).json()["content"]
    detail = (await client.get(f"/v1/vouchers/{voucher['id']}")).json()
    assert item["updatedDate"] == "2024-06-02T12:20:40.000+02:00"
    assert item["createdDate"] == "2024-06-01T11:15:30.000+02:00"
    assert detail["updatedDate"] == "2024-06-02T12:20:40.456+02:00"
    await _put_settings(client, listDatesToSeconds=False)
    (item,) = (await client.get(query)).json()["content"]
    assert item["updatedDate"] == detail["updatedDate"]


async def test_search_window_as_500(client: httpx.AsyncClient) -> None:
    query = "/v1/voucherlist?voucherType=any&voucherStatus=any&page=40&size=250"
    r = await client.get(query)
    assert r.status_code == 400 and r.json()["message"] == "Maximum search window size exceeded"
    await _put_settings(client, searchWindowAs500=True)
    r = await client.get(query)
    body = r.json()
    assert r.status_code == 500
    assert body["status"] == 500 and body["error"] == "Internal Server Error"
    assert body["message"] == "Maximum search window size exceeded"


async def test_xml_e_invoice_and_its_pdf_rendering(
    client: httpx.AsyncClient, add_voucher: AddVoucher
) -> None:
    voucher = await add_voucher(
        client, MAIN_ORG_ID, type="purchaseinvoice", status="paid", files=["xml"]
    )
    (file_id,) = voucher["files"]
    xml = await client.get(f"/v1/files/{file_id}", headers={"Accept": "application/xml"})
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert b"Invoice" in xml.content
    default = await client.get(f"/v1/files/{file_id}", headers={"Accept": "*/*"})
    assert default.content == xml.content
    pdf = await client.get(f"/v1/files/{file_id}", headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


async def test_profile_created_is_the_keys_creation(client: httpx.AsyncClient) -> None:
    body = {
        "organizationId": MAIN_ORG_ID,
        "key": "old-key-0001",
        "createdAt": "2022-07-14T08:00:00+00:00",
    }
    created = await client.post("/_emulator/keys", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["expiresAt"].startswith("2024-07-14")
    profile = await client.get("/v1/profile", headers={"Authorization": "Bearer old-key-0001"})
    assert profile.json()["created"]["date"] == "2022-07-14T10:00:00.000+02:00"


async def test_stricter_bucket_with_seeded_jitter(make_emulator: AppFactory) -> None:
    app: EmulatorApp = make_emulator(burst=1, arrival_jitter_ms=40, jitter_seed=7)
    assert app.runtime.jitter.max_ms == 40
    delays = [app.runtime.jitter.delay() for _ in range(50)]
    assert all(0 <= d <= 0.04 for d in delays) and len(set(delays)) > 40
    app.runtime.jitter.configure(max_ms=40, seed=7)
    assert [app.runtime.jitter.delay() for _ in range(50)] == delays
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {MAIN_KEY}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://e", headers=headers) as c:
        assert (await c.get("/v1/profile")).status_code == 200
        settings = await _put_settings(c, arrivalJitterMs=0, jitterSeed=3)
    assert float(settings["burst"]) == 1 and settings["arrivalJitterMs"] == 0
    assert app.runtime.jitter.delay() == 0


def test_capacity_one_bucket_refuses_the_second_of_two_quick_calls() -> None:
    now = [100.0]
    limiter = RateLimiter(rate_per_second=2, burst=1, monotonic=lambda: now[0])
    assert limiter.try_acquire("k") and not limiter.try_acquire("k")
    now[0] += 0.3
    assert not limiter.try_acquire("k")
    now[0] += 0.2
    assert limiter.try_acquire("k")
