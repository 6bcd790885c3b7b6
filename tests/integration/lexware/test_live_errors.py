from __future__ import annotations

import asyncio

import pytest

from belegsync.emulator import (
    EXPIRED_KEY,
    LIMITED_KEY,
    MAIN_KEY,
    MAIN_ORG_ID,
    NO_XL_KEY,
)
from belegsync.lexware import (
    GatewayErrorBody,
    LexwareApi,
    LexwareAuthError,
    LexwareClient,
    LexwareConflictError,
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
    LexwareMalformedResponseError,
    LexwareNotFoundError,
    LexwareRateLimitedError,
    LexwareRequestRejectedError,
    LexwareSearchWindowError,
    LexwareUnavailableError,
    LexwareValidationError,
    RetryPolicy,
    VoucherListFilter,
)
from integration.lexware.lexware_live import MakeApi, RunningEmulator, StartEmulator

UNKNOWN_ID = "0a8f2a77-5a7c-4c3e-9a49-3f0000000000"
NO_WAIT = {"wait_initial": 0, "wait_max": 0, "wait_jitter": 0}


def first_voucher_id(emulator: RunningEmulator, voucher_type: str) -> str:
    vouchers = emulator.world.vouchers(MAIN_ORG_ID)
    return next(v.id for v in vouchers if v.voucher_type == voucher_type and v.status != "draft")


@pytest.mark.parametrize("key", ["lxo-unknown-key-00000000000000000000", EXPIRED_KEY])
async def test_unknown_and_expired_keys_are_rejected_with_401(api: LexwareApi, key: str) -> None:
    client = api.for_key(key)

    with pytest.raises(LexwareAuthError) as caught:
        await client.profile()

    assert caught.value.status == 401
    assert caught.value.code == "lexware_key_rejected"
    assert client.stats.retries == 0


async def test_revoked_key_works_until_revoked(emulator: RunningEmulator, api: LexwareApi) -> None:
    created = await emulator.call("POST", "/keys", {"organizationId": MAIN_ORG_ID})
    client = api.for_key(created["key"])
    profile = await client.profile()
    assert profile.organization_id == MAIN_ORG_ID

    await emulator.call("POST", f"/keys/{created['key']}/revoke")

    with pytest.raises(LexwareAuthError) as caught:
        await client.profile()
    assert caught.value.status == 401


async def test_org_without_xl_gets_402(api: LexwareApi) -> None:
    client = api.for_key(NO_XL_KEY)

    with pytest.raises(LexwareContractError) as caught:
        await client.voucherlist(VoucherListFilter())

    assert caught.value.status == 402
    assert caught.value.code == "lexware_contract_issue"


async def test_missing_permissions_name_the_permission(
    emulator: RunningEmulator, api: LexwareApi
) -> None:
    limited = api.for_key(LIMITED_KEY)
    voucher = await limited.bookkeeping_voucher(first_voucher_id(emulator, "purchaseinvoice"))
    assert voucher.files, "the demo voucher needs a file for this test"

    with pytest.raises(LexwareForbiddenError) as payments_error:
        await limited.payments(voucher.id)
    with pytest.raises(LexwareForbiddenError) as files_error:
        await limited.download_file(voucher.files[0])

    assert payments_error.value.status == 403
    assert payments_error.value.permission == "Zahlungsinformationen von Belegen abrufen"
    assert files_error.value.permission == "Dateien abrufen"
    assert files_error.value.code == "lexware_permission_missing"


async def test_malformed_authorization_is_rejected_and_the_key_redacted(
    api: LexwareApi,
) -> None:
    # "=" cannot appear in "Bearer <token>"; the gateway echoes the whole header back.
    key = "lxo=pasted-with-equals-0000000000000"
    client = api.for_key(key)

    with pytest.raises(LexwareRequestRejectedError) as caught:
        await client.profile()

    error = caught.value
    assert error.code == "lexware_request_rejected"
    assert not isinstance(error, LexwareForbiddenError)
    assert isinstance(error.body, GatewayErrorBody)
    detail = error.detail or ""
    assert "key=value" in detail
    assert key not in detail and "pasted-with-equals" not in detail
    assert detail.count("[redacted]") == 2  # the token and the header echo


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/voucher/x"), ("DELETE", "/v1/profile")])
async def test_a_wrong_route_or_method_is_our_bug_not_the_key(
    client: LexwareClient, method: str, path: str
) -> None:
    # The client's own methods only use real routes; send a wrong one the way they do.
    sender = client._sender
    with pytest.raises(LexwareRequestRejectedError) as caught:
        await sender.send(method, path)
    error = caught.value
    assert error.status == 403 and error.code == "lexware_request_rejected"
    assert not isinstance(error, LexwareForbiddenError | LexwareAuthError)
    assert "nicht in Ihrem API-Schlüssel" in error.message
    assert MAIN_KEY not in (error.detail or "") and "[redacted]" in (error.detail or "")
    assert client.stats.retries == 0
    # the key still works
    assert (await client.profile()).organization_id == MAIN_ORG_ID


async def test_unknown_ids_and_wrong_endpoints_give_404(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    purchase_id = first_voucher_id(emulator, "purchaseinvoice")

    for call in (
        client.bookkeeping_voucher(UNKNOWN_ID),
        client.payments(UNKNOWN_ID),
        client.download_file(UNKNOWN_ID),
        client.invoice(purchase_id),  # exists, but not under /v1/invoices
        client.event_subscription(UNKNOWN_ID),
    ):
        with pytest.raises(LexwareNotFoundError) as caught:
            await call
        assert caught.value.status == 404
    assert client.stats.retries == 0


async def test_invalid_voucherlist_filter_gives_400(client: LexwareClient) -> None:
    with pytest.raises(LexwareValidationError) as caught:
        await client.voucherlist(VoucherListFilter(voucher_types=["notatype"]))

    assert caught.value.status == 400
    assert not isinstance(caught.value, LexwareSearchWindowError)
    assert caught.value.detail == "parameter 'voucherType' is invalid"


async def test_406_for_bad_subscription_draft_payments_and_unknown_accept(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    draft = await emulator.add_voucher(type="invoice", status="draft")
    file_id = (await emulator.add_voucher(type="purchaseinvoice", files=["pdf"]))["files"][0]

    with pytest.raises(LexwareValidationError) as subscription:
        await client.create_event_subscription("no.such.event", "https://hooks.example/x")
    with pytest.raises(LexwareValidationError) as payments:
        await client.payments(draft["id"])
    with pytest.raises(LexwareValidationError) as media:
        await client.download_file(file_id, accept="text/plain")

    assert {subscription.value.status, payments.value.status, media.value.status} == {406}
    assert subscription.value.detail == "eventType is invalid"


async def test_duplicate_subscription_gives_409(client: LexwareClient) -> None:
    created = await client.create_event_subscription("payment.changed", "https://h.example/x")

    with pytest.raises(LexwareConflictError) as caught:
        await client.create_event_subscription("payment.changed", "https://h.example/x")

    assert caught.value.status == 409
    listed = await client.event_subscriptions()
    assert [s.subscription_id for s in listed] == [created.id]


async def test_429_surfaces_when_retries_are_exhausted(
    start_emulator: StartEmulator, make_api: MakeApi
) -> None:
    emulator = await start_emulator(rate_per_second=2.0, burst=2.0)
    # Our own pacing far above Lexware's 2/s and a single retry without waiting.
    api = make_api(
        emulator.url, rate_per_second=200.0, retry_policy=RetryPolicy(attempts=2, **NO_WAIT)
    )
    client = api.for_key(MAIN_KEY)

    results = await asyncio.gather(*(client.profile() for _ in range(8)), return_exceptions=True)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors, "an 8-request burst against a bucket of 2 must be throttled"
    assert all(isinstance(e, LexwareRateLimitedError) and e.status == 429 for e in errors)
    assert len(results) - len(errors) >= 2  # the bucket's burst went through
    counters = await emulator.counters()
    assert counters["throttled"] == client.stats.rate_limited >= 2 * len(errors)
    assert counters["requests"] == client.stats.requests_sent


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_persistent_5xx_gives_unavailable_after_all_attempts(
    emulator: RunningEmulator, make_api: MakeApi, status: int
) -> None:
    await emulator.add_fault(kind="error", status=status, pathPrefix="/v1/payments")
    client = make_api(emulator.url, retry_policy=RetryPolicy(attempts=3, **NO_WAIT)).for_key(
        MAIN_KEY
    )

    with pytest.raises(LexwareUnavailableError) as caught:
        await client.payments(first_voucher_id(emulator, "purchaseinvoice"))

    assert caught.value.status == status
    assert (client.stats.requests_sent, client.stats.retries) == (3, 2)
    assert (await emulator.counters())["byStatus"] == {str(status): 3}


async def test_malformed_json_gives_malformed_response_without_retry(
    emulator: RunningEmulator, client: LexwareClient
) -> None:
    await emulator.add_fault(kind="malformed", pathPrefix="/v1/voucherlist", count=1)

    with pytest.raises(LexwareMalformedResponseError) as caught:
        await client.voucherlist(VoucherListFilter())

    assert caught.value.status == 200
    assert client.stats.retries == 0
    page = await client.voucherlist(VoucherListFilter())  # the fault was used up
    assert len(page.content) == emulator.world.voucher_count(MAIN_ORG_ID) == 40


async def test_every_error_is_a_lexware_error_with_method_and_path(api: LexwareApi) -> None:
    with pytest.raises(LexwareError) as caught:
        await api.for_key(NO_XL_KEY).payments(UNKNOWN_ID)

    assert caught.value.method == "GET"
    assert caught.value.path == f"/v1/payments/{UNKNOWN_ID}"
    assert NO_XL_KEY not in str(caught.value) and NO_XL_KEY not in repr(caught.value)
