from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from belegsync.emulator import MAIN_ORG_ID

AddVoucher = Callable[..., Awaitable[dict[str, Any]]]
PAID = [
    {
        "type": "partPaymentFinancialTransaction",
        "amount": "116.62",
        "postingDate": "2024-05-02T00:00:00+02:00",
    },
    {"type": "cashDiscount", "amount": "2.38", "postingDate": "2024-05-02T00:00:00+02:00"},
]


async def test_detail_endpoints_per_type(
    client: httpx.AsyncClient, add_voucher: AddVoucher
) -> None:
    paths = {
        "purchaseinvoice": "vouchers",
        "invoice": "invoices",
        "creditnote": "credit-notes",
        "downpaymentinvoice": "down-payment-invoices",
    }
    for voucher_type, resource in paths.items():
        v = await add_voucher(
            client, MAIN_ORG_ID, type=voucher_type, status="open", voucherDate="2024-05-01"
        )
        r = await client.get(f"/v1/{resource}/{v['id']}")
        assert r.status_code == 200, r.text
        assert r.json()["voucherDate"] == "2024-05-01T00:00:00.000+02:00"
        wrong = "invoices" if resource != "invoices" else "vouchers"
        assert (await client.get(f"/v1/{wrong}/{v['id']}")).status_code == 404
    draft = await add_voucher(client, MAIN_ORG_ID, type="invoice", status="draft")
    body = (await client.get(f"/v1/invoices/{draft['id']}")).json()
    assert "dueDate" not in body and "files" not in body


async def test_payments_rules(client: httpx.AsyncClient, add_voucher: AddVoucher) -> None:
    v = await add_voucher(
        client, MAIN_ORG_ID, type="purchaseinvoice", status="open", totalGrossAmount="119.00"
    )
    p = (await client.get(f"/v1/payments/{v['id']}")).json()
    assert p["paymentStatus"] == "openExpense" and "paidDate" not in p and p["openAmount"] == 119.0
    await client.post(f"/_emulator/vouchers/{v['id']}/pay", json={"items": PAID})
    p = (await client.get(f"/v1/payments/{v['id']}")).json()
    assert (
        p["voucherStatus"] == "paid" and p["paymentStatus"] == "balanced" and p["openAmount"] == 0
    )
    assert p["paidDate"] == "2024-05-02T00:00:00.000+02:00"
    assert [i["paymentItemType"] for i in p["paymentItems"]] == [
        "partPaymentFinancialTransaction",
        "cashDiscount",
    ]
    await client.post(f"/_emulator/vouchers/{v['id']}/void")
    p = (await client.get(f"/v1/payments/{v['id']}")).json()
    assert p["paymentStatus"] == "balanced" and p["openAmount"] == 0 and "paidDate" not in p
    draft = await add_voucher(client, MAIN_ORG_ID, type="invoice", status="draft")
    assert (await client.get(f"/v1/payments/{draft['id']}")).status_code == 406
    sales = await add_voucher(client, MAIN_ORG_ID, type="invoice", status="open")
    assert (await client.get(f"/v1/payments/{sales['id']}")).json()[
        "paymentStatus"
    ] == "openRevenue"


async def test_open_amount_string_mode(client: httpx.AsyncClient, add_voucher: AddVoucher) -> None:
    v = await add_voucher(
        client, MAIN_ORG_ID, type="invoice", status="open", totalGrossAmount="1337.00"
    )
    await client.put("/_emulator/settings", json={"openAmountAsString": True})
    assert (await client.get(f"/v1/payments/{v['id']}")).json()["openAmount"] == "1337.00"


async def test_bookkeeping_file_accept_matrix(
    client: httpx.AsyncClient, add_voucher: AddVoucher
) -> None:
    v = await add_voucher(
        client,
        MAIN_ORG_ID,
        type="purchaseinvoice",
        voucherNumber="PDF-4711",
        files=["pdf", "xml", "png"],
    )
    pdf_id, xml_id, png_id = v["files"]
    r = await client.get(f"/v1/files/{pdf_id}", headers={"Accept": "*/*"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF-") and b"PDF-4711" in r.content
    assert r.headers["content-disposition"] == f"inline; filename={pdf_id}.pdf;"
    assert (
        await client.get(f"/v1/files/{pdf_id}", headers={"Accept": "application/xml"})
    ).status_code == 404
    assert (await client.get(f"/v1/files/{pdf_id}", headers={"Accept": "image/png"})).headers[
        "content-type"
    ] == "application/pdf"
    assert (await client.get(f"/v1/files/{xml_id}", headers={"Accept": "*/*"})).headers[
        "content-type"
    ] == "application/xml"
    assert (
        await client.get(f"/v1/files/{xml_id}", headers={"Accept": "image/jpeg"})
    ).content.startswith(b"%PDF-")
    png = await client.get(f"/v1/files/{png_id}", headers={"Accept": "application/pdf"})
    assert png.content.startswith(b"\x89PNG")
    bad = await client.get(f"/v1/files/{pdf_id}", headers={"Accept": "text/html"})
    assert bad.status_code == 406 and "IssueList" in bad.json()


async def test_sales_file_accept_matrix(client: httpx.AsyncClient, add_voucher: AddVoucher) -> None:
    inv = await add_voucher(
        client, MAIN_ORG_ID, type="invoice", status="open", voucherNumber="RE0001"
    )
    r = await client.get(f"/v1/invoices/{inv['id']}/file", headers={"Accept": "*/*"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF-") and b"RE0001" in r.content
    assert "Rechnung_RE0001.pdf" in r.headers["content-disposition"]
    assert (
        await client.get(f"/v1/invoices/{inv['id']}/file", headers={"Accept": "application/xml"})
    ).status_code == 404
    assert (
        await client.get(f"/v1/invoices/{inv['id']}/file", headers={"Accept": "image/png"})
    ).status_code == 406
    xr = await add_voucher(
        client, MAIN_ORG_ID, type="invoice", status="open", documentProfile="XRechnung"
    )
    assert (await client.get(f"/v1/invoices/{xr['id']}/file", headers={"Accept": "*/*"})).headers[
        "content-type"
    ] == "application/xml"
    assert (
        await client.get(f"/v1/invoices/{xr['id']}/file", headers={"Accept": "application/pdf"})
    ).content.startswith(b"%PDF-")
    draft = await add_voucher(client, MAIN_ORG_ID, type="invoice", status="draft")
    assert (await client.get(f"/v1/invoices/{draft['id']}/file")).status_code == 409
    assert (
        await client.get("/v1/invoices/00000000-0000-4000-8000-000000000000/file")
    ).status_code == 404


async def test_upload_limits(client: httpx.AsyncClient) -> None:
    pdf = b"%PDF-1.4\n" + b"0" * 100
    r = await client.post(
        "/v1/files", files={"file": ("a.pdf", pdf, "application/pdf")}, data={"type": "voucher"}
    )
    assert r.status_code == 202 and set(r.json()) == {"id", "voucherId"}
    again = await client.post(
        "/v1/files", files={"file": ("b.pdf", pdf, "application/pdf")}, data={"type": "voucher"}
    )
    assert again.json() == r.json()
    assert (
        await client.post("/v1/files", files={"file": ("a.pdf", pdf)}, data={"type": "x"})
    ).status_code == 400
    exact = b"%PDF-" + b"1" * (5_242_880 - 5)
    assert (
        await client.post("/v1/files", files={"file": ("c.pdf", exact)}, data={"type": "voucher"})
    ).status_code == 202
    big = await client.post(
        "/v1/files", files={"file": ("d.pdf", exact + b"1")}, data={"type": "voucher"}
    )
    assert (
        big.status_code == 406 and big.json()["IssueList"][0]["i18nKey"] == "max_file_size_exceeded"
    )
    gif = await client.post(
        "/v1/files", files={"file": ("e.gif", b"GIF89a")}, data={"type": "voucher"}
    )
    assert gif.json()["IssueList"][0]["i18nKey"] == "inacceptable_file_extension"


async def test_voucher_post_and_put(client: httpx.AsyncClient) -> None:
    body = {
        "type": "purchaseinvoice",
        "voucherNumber": "N-1",
        "voucherDate": "2024-05-01",
        "totalGrossAmount": 119.00,
        "totalTaxAmount": 19.00,
        "taxType": "gross",
        "useCollectiveContact": True,
        "voucherItems": [
            {
                "amount": 119.00,
                "taxAmount": 19.00,
                "taxRatePercent": 19,
                "categoryId": "8f8664a8-fd86-11e1-a21f-0800200c9a66",
            }
        ],
    }
    r = await client.post("/v1/vouchers", json={**body, "totalGrossAmount": 120})
    assert r.status_code == 406 and r.json()["IssueList"][0]["i18nKey"] == "invalid_total_amount"
    r = await client.post("/v1/vouchers", json=body)
    assert r.json()["version"] == 1 and r.headers["location"].endswith(r.json()["id"])
    vid = r.json()["id"]
    assert (await client.put(f"/v1/vouchers/{vid}", json={**body, "version": 0})).status_code == 409
    r = await client.put(f"/v1/vouchers/{vid}", json={**body, "version": 1, "voucherNumber": "N-2"})
    assert r.json()["version"] == 2
    assert (await client.get(f"/v1/vouchers/{vid}")).json()["voucherNumber"] == "N-2"
