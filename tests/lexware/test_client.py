from __future__ import annotations

import json

import httpx
import pytest

from belegsync.lexware import BookkeepingVoucher, LexwareApi, SalesVoucher, detail_path

from .conftest import MakeApi
from .fakes import API_KEY, Recorder, json_response


@pytest.mark.parametrize(
    ("voucher_type", "path", "sample", "model"),
    [
        ("salesinvoice", "/v1/vouchers/v-1", "voucher_response.json", BookkeepingVoucher),
        ("purchasecreditnote", "/v1/vouchers/v-1", "voucher_response.json", BookkeepingVoucher),
        ("invoice", "/v1/invoices/v-1", "invoice_response.json", SalesVoucher),
        ("creditnote", "/v1/credit-notes/v-1", "credit_note_response.json", SalesVoucher),
        (
            "downpaymentinvoice",
            "/v1/down-payment-invoices/v-1",
            "down_payment_invoice_response.json",
            SalesVoucher,
        ),
    ],
)
async def test_voucher_detail_uses_the_type_endpoint(
    make_api: MakeApi, voucher_type: str, path: str, sample: str, model: type
) -> None:
    handler = Recorder(json_response(200, sample))
    client = make_api(handler).for_key(API_KEY)
    detail = await client.voucher_detail(voucher_type, "v-1")
    assert isinstance(detail, model)
    assert handler.requests[0].url.path == path
    assert handler.requests[0].headers["Accept"] == "application/json"


def test_unknown_voucher_type_is_refused() -> None:
    with pytest.raises(ValueError, match="quotation"):
        detail_path("quotation", "x")


def test_ids_cannot_escape_their_path_segment() -> None:
    assert detail_path("invoice", "../files/x?y=1") == "/v1/invoices/..%2Ffiles%2Fx%3Fy%3D1"


async def test_event_subscription_crud(make_api: MakeApi) -> None:
    handler = Recorder(
        json_response(201, "event_subscription_create_response.json"),
        json_response(200, "event_subscription_response.json"),
        json_response(200, "event_subscriptions_list_response.json"),
        httpx.Response(204),
    )
    client = make_api(handler).for_key(API_KEY)
    created = await client.create_event_subscription(
        "contact.changed", "https://example.org/webhook"
    )
    fetched = await client.event_subscription(created.id)
    listed = await client.event_subscriptions()
    await client.delete_event_subscription(created.id)
    assert fetched.subscription_id == created.id == listed[0].subscription_id
    post, get, get_all, delete = handler.requests
    assert json.loads(post.content) == {
        "eventType": "contact.changed",
        "callbackUrl": "https://example.org/webhook",
    }
    assert post.headers["Content-Type"] == "application/json"
    assert (get.url.path, get_all.url.path, delete.method) == (
        f"/v1/event-subscriptions/{created.id}",
        "/v1/event-subscriptions",
        "DELETE",
    )
    assert client.stats.requests_sent == 4


async def test_base_url_with_path_prefix() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return json_response(200, "profile_response.json")

    async with LexwareApi(
        base_url="http://127.0.0.1:9999/emulator", transport=httpx.MockTransport(handler)
    ) as api:
        profile = await api.for_key(API_KEY).profile()
    assert profile.company_name == "Testfirma GmbH"
    assert seen == ["http://127.0.0.1:9999/emulator/v1/profile"]


async def test_stats_can_be_shared_with_the_caller(make_api: MakeApi) -> None:
    from belegsync.lexware import ApiCallStats

    stats = ApiCallStats()
    api = make_api(Recorder(json_response(200, "payments_sample_open_invoice.json")))
    await api.for_key(API_KEY, stats=stats).payments("a")
    await api.for_key(API_KEY, stats=stats).payments("b")
    assert stats.snapshot() == ApiCallStats(requests_sent=2, retries=0, rate_limited=0)


async def test_requests_carry_the_client_defaults_and_timeout(make_api: MakeApi) -> None:
    handler = Recorder(json_response(200, "voucher_response.json"))
    api = make_api(handler, base_url="http://lexware.test/prefix/")
    await api.for_key(API_KEY).bookkeeping_voucher("v-1")

    request = handler.requests[0]
    assert str(request.url) == "http://lexware.test/prefix/v1/vouchers/v-1"
    assert request.headers["User-Agent"] == "belegsync"
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers.get_list("Accept") == ["application/json"]
    assert "gzip" in request.headers["Accept-Encoding"]
    assert request.extensions["timeout"]["read"] == 35.0
