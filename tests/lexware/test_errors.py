from __future__ import annotations

import httpx
import pytest

from belegsync.lexware import (
    GatewayErrorBody,
    LegacyErrorBody,
    LexwareAuthError,
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
    RegularErrorBody,
)
from belegsync.lexware.error_bodies import parse_error_body

from .conftest import MakeApi
from .fakes import API_KEY, FAST_RETRY, Recorder, body_response, fixture_bytes, json_response

ONE_TRY = FAST_RETRY.__class__(attempts=1, timeout=1, wait_initial=0, wait_max=0, wait_jitter=0)

REGULAR_404 = {
    "timestamp": "2023-05-11T17:12:31.233+02:00",
    "status": "404",
    "error": "Not Found",
    "path": "/v1/invoices/x",
    "traceId": "abc",
    "message": "Resource not found",
    "requestId": "req-1",
}


def test_three_body_shapes() -> None:
    gateway = parse_error_body(fixture_bytes("error_500_docs2025.json"))
    assert gateway == GatewayErrorBody(message=None)
    legacy = parse_error_body(fixture_bytes("error_legacy_406.json"))
    assert isinstance(legacy, LegacyErrorBody)
    assert legacy.issues[0].i18n_key == "missing_entity"
    assert legacy.issues[0].source == "company.name"
    regular = parse_error_body(fixture_bytes("error_regular_406.json"))
    assert isinstance(regular, RegularErrorBody)
    assert regular.status == 406 and regular.trace_id == "90d78d0777be"
    assert regular.details[0].message == "darf nicht leer sein"
    assert parse_error_body(b"<html>bad gateway</html>") is None


@pytest.mark.parametrize(
    ("status", "body", "error_type", "code"),
    [
        (401, {"message": "Unauthorized"}, LexwareAuthError, "lexware_key_rejected"),
        (402, {"message": None}, LexwareContractError, "lexware_contract_issue"),
        (403, {"message": "Forbidden"}, LexwareForbiddenError, "lexware_permission_missing"),
        (404, REGULAR_404, LexwareNotFoundError, "lexware_not_found"),
        (404, {"IssueList": [], "requestId": "r"}, LexwareNotFoundError, "lexware_not_found"),
        (400, {"message": "Bad"}, LexwareValidationError, "lexware_request_invalid"),
        (409, REGULAR_404 | {"status": 409}, LexwareConflictError, "lexware_conflict"),
        (415, {"message": "x"}, LexwareError, "lexware_unexpected_status"),
        (501, {"message": None}, LexwareUnavailableError, "lexware_unavailable"),
    ],
)
async def test_status_maps_to_error(
    make_api: MakeApi, status: int, body: object, error_type: type[LexwareError], code: str
) -> None:
    client = make_api(Recorder(body_response(status, body))).for_key(API_KEY)
    with pytest.raises(error_type) as caught:
        await client.payments("v-1")
    error = caught.value
    assert type(error) is error_type
    assert error.code == code and error.status == status
    assert error.method == "GET" and error.path == "/v1/payments/v-1"
    assert error.body is not None
    assert error.message  # German text for the user


async def test_gateway_401_sample(make_api: MakeApi) -> None:
    client = make_api(Recorder(json_response(401, "error_401_unauthorized.json"))).for_key(API_KEY)
    with pytest.raises(LexwareAuthError) as caught:
        await client.profile()
    assert caught.value.body == GatewayErrorBody(message="Unauthorized")
    assert "neuen Schlüssel" in caught.value.message


async def test_gateway_403_sample_is_a_rejected_request(make_api: MakeApi) -> None:
    client = make_api(Recorder(json_response(403, "error_403_forbidden.json"))).for_key(API_KEY)
    with pytest.raises(LexwareRequestRejectedError) as caught:
        await client.profile()
    assert caught.value.code == "lexware_request_rejected"
    # a wrong route or method is our bug: never a permission problem, never "new key"
    assert not isinstance(caught.value, LexwareForbiddenError | LexwareAuthError)
    assert "nicht in Ihrem API-Schlüssel" in caught.value.message
    assert "neuen Schlüssel" not in caught.value.message


async def test_403_names_the_missing_permission(make_api: MakeApi) -> None:
    client = make_api(Recorder(body_response(403, {"message": "Forbidden"}))).for_key(API_KEY)
    with pytest.raises(LexwareForbiddenError) as caught:
        await client.payments("v-1")
    assert caught.value.permission == "Zahlungsinformationen von Belegen abrufen"
    assert "Zahlungsinformationen von Belegen abrufen" in caught.value.message


async def test_legacy_406_is_validation_and_version_406_is_conflict(make_api: MakeApi) -> None:
    client = make_api(Recorder(json_response(406, "error_legacy_406.json"))).for_key(API_KEY)
    with pytest.raises(LexwareValidationError) as caught:
        await client.bookkeeping_voucher("v-1")
    assert isinstance(caught.value.body, LegacyErrorBody)

    stale = {"IssueList": [{"i18nKey": "invalid_value", "source": "version", "type": "x"}]}
    client = make_api(Recorder(body_response(406, stale))).for_key(API_KEY)
    with pytest.raises(LexwareConflictError):
        await client.bookkeeping_voucher("v-1")


async def test_regular_406_sample(make_api: MakeApi) -> None:
    client = make_api(Recorder(json_response(406, "error_regular_406.json"))).for_key(API_KEY)
    with pytest.raises(LexwareValidationError) as caught:
        await client.invoice("i-1")
    assert isinstance(caught.value.body, RegularErrorBody)
    assert caught.value.detail == caught.value.body.message


@pytest.mark.parametrize("status", [400, 500])
async def test_search_window_400_or_500(make_api: MakeApi, status: int) -> None:
    body = REGULAR_404 | {"status": status, "message": "Maximum search window size exceeded"}
    recorder = Recorder(body_response(status, body))
    client = make_api(recorder).for_key(API_KEY)
    with pytest.raises(LexwareSearchWindowError) as caught:
        await client.profile()
    assert isinstance(caught.value, LexwareValidationError)
    assert caught.value.status == status
    assert client.stats.requests_sent == 1  # an answer, not an outage: no retries


async def test_429_and_504_after_retries(make_api: MakeApi) -> None:
    api = make_api(
        Recorder(body_response(429, {"message": "Rate limit exceeded"})), retry_policy=ONE_TRY
    )
    with pytest.raises(LexwareRateLimitedError):
        await api.for_key(API_KEY).profile()
    api = make_api(Recorder(json_response(504, "error_504_gateway_timeout.json")))
    with pytest.raises(LexwareUnavailableError) as caught:
        await api.for_key(API_KEY).profile()
    assert caught.value.detail == "Endpoint request timed out"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b"{not json"),
        httpx.Response(200, content=b"[1, 2]"),
        httpx.Response(200, content=b'{"companyName": "no organization id"}'),
    ],
)
async def test_malformed_responses(make_api: MakeApi, answer: httpx.Response) -> None:
    client = make_api(Recorder(answer)).for_key(API_KEY)
    with pytest.raises(LexwareMalformedResponseError) as caught:
        await client.profile()
    assert caught.value.code == "lexware_malformed_response"
    assert caught.value.path == "/v1/profile"
