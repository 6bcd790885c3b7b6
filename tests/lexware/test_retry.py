from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
import stamina.instrumentation
from stamina.instrumentation import RetryDetails
from structlog.testing import capture_logs

from belegsync.lexware import (
    LexwareRateLimitedError,
    LexwareUnavailableError,
    RetryPolicy,
)
from belegsync.lexware.retry import parse_retry_after

from .conftest import MakeApi
from .fakes import API_KEY, Recorder, body_response, json_response

OK_PAYMENTS = "payments_sample_open_invoice.json"


@pytest.fixture
def scheduled_waits() -> Iterator[list[RetryDetails]]:
    """Every retry the client schedules, with the wait before it, as the retry library
    reports it: the tests read the waits instead of timing them."""
    seen: list[RetryDetails] = []

    def record(details: RetryDetails) -> AbstractContextManager[None] | None:
        seen.append(details)
        return None

    hooks = stamina.instrumentation.get_on_retry_hooks()
    stamina.instrumentation.set_on_retry_hooks([*hooks, record])
    yield seen
    stamina.instrumentation.set_on_retry_hooks(hooks)


@pytest.mark.parametrize(
    "failure",
    [
        body_response(429, {"message": "Rate limit exceeded"}),
        body_response(500, {"message": None}),
        body_response(502, {"message": "Bad Gateway"}),
        body_response(503, {"message": None}),
        body_response(504, {"message": "Endpoint request timed out"}),
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
async def test_get_is_retried_until_success(
    make_api: MakeApi, failure: httpx.Response | Exception
) -> None:
    handler = Recorder(failure, failure, json_response(200, OK_PAYMENTS))
    client = make_api(handler).for_key(API_KEY)
    payments = await client.payments("v-1")
    assert payments.voucher_status == "open"
    assert len(handler.requests) == 3
    assert client.stats.requests_sent == 3
    assert client.stats.retries == 2
    expected_429s = 2 if isinstance(failure, httpx.Response) and failure.status_code == 429 else 0
    assert client.stats.rate_limited == expected_429s


async def test_retry_is_logged_without_the_key(make_api: MakeApi) -> None:
    handler = Recorder(body_response(503, {"message": None}), json_response(200, OK_PAYMENTS))
    client = make_api(handler).for_key(API_KEY)
    with capture_logs() as logs:
        await client.payments("v-1")
    retries = [e for e in logs if e["event"] == "lexware_request_retry"]
    assert retries == [
        {
            "event": "lexware_request_retry",
            "log_level": "warning",
            "method": "GET",
            "path": "/v1/payments/v-1",
            "status": 503,
            "attempt": 2,
        }
    ]
    assert API_KEY not in repr(logs)


async def test_gives_up_after_the_deadline(
    make_api: MakeApi, scheduled_waits: list[RetryDetails]
) -> None:
    policy = RetryPolicy(attempts=1000, timeout=1.0, wait_initial=0.1, wait_max=0.1, wait_jitter=0)
    handler = Recorder(body_response(503, {"message": None}))
    client = make_api(handler, retry_policy=policy).for_key(API_KEY)
    with pytest.raises(LexwareUnavailableError) as caught:
        await client.payments("v-1")
    assert caught.value.status == 503
    # The budget, not the 1,000 attempts, ends the retrying: 0.1 s waits fit into 1 s at most
    # ten times (a slow machine only fits fewer), one more for a sleep that ends a tick early.
    assert [w.wait_for for w in scheduled_waits] == [pytest.approx(0.1)] * len(scheduled_waits)
    assert 1 <= len(scheduled_waits) <= 11
    assert len(handler.requests) == len(scheduled_waits) + 1


async def test_gives_up_after_the_attempts(make_api: MakeApi) -> None:
    policy = RetryPolicy(attempts=3, timeout=10, wait_initial=0, wait_max=0, wait_jitter=0)
    handler = Recorder(body_response(429, {"message": "Rate limit exceeded"}))
    client = make_api(handler, retry_policy=policy).for_key(API_KEY)
    with pytest.raises(LexwareRateLimitedError):
        await client.payments("v-1")
    assert (client.stats.requests_sent, client.stats.retries, client.stats.rate_limited) == (
        3,
        2,
        3,
    )


async def test_connection_errors_become_unavailable(make_api: MakeApi) -> None:
    policy = RetryPolicy(attempts=2, timeout=10, wait_initial=0, wait_max=0, wait_jitter=0)
    client = make_api(Recorder(httpx.ConnectError("refused")), retry_policy=policy).for_key(API_KEY)
    with pytest.raises(LexwareUnavailableError) as caught:
        await client.profile()
    assert caught.value.status is None
    assert caught.value.path == "/v1/profile"


@pytest.mark.parametrize(
    "failure",
    [
        body_response(500, {"message": None}),
        body_response(504, {"message": "Endpoint request timed out"}),
        httpx.ReadTimeout("read timed out"),
    ],
)
async def test_post_is_not_repeated_when_it_may_have_been_applied(
    make_api: MakeApi, failure: httpx.Response | Exception
) -> None:
    handler = Recorder(failure, json_response(201, "event_subscription_create_response.json"))
    client = make_api(handler).for_key(API_KEY)
    with pytest.raises(LexwareUnavailableError):
        await client.create_event_subscription("invoice.status.changed", "https://x.example/h")
    assert len(handler.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [body_response(429, {"message": "Rate limit exceeded"}), httpx.ConnectError("refused")],
)
async def test_post_is_retried_when_it_was_not_executed(
    make_api: MakeApi, failure: httpx.Response | Exception
) -> None:
    handler = Recorder(failure, json_response(201, "event_subscription_create_response.json"))
    client = make_api(handler).for_key(API_KEY)
    result = await client.create_event_subscription("invoice.status.changed", "https://x.example/h")
    assert result.id == "49aa2f76-c51a-4df3-ae83-3a103d781494"
    assert len(handler.requests) == 2
    assert handler.requests[0].content == handler.requests[1].content


async def test_delete_is_retried(make_api: MakeApi) -> None:
    handler = Recorder(body_response(503, {"message": None}), httpx.Response(204))
    client = make_api(handler).for_key(API_KEY)
    await client.delete_event_subscription("s-1")
    assert [r.method for r in handler.requests] == ["DELETE", "DELETE"]


async def test_retry_after_is_honoured(
    make_api: MakeApi, scheduled_waits: list[RetryDetails]
) -> None:
    throttled = body_response(429, {"message": "Rate limit exceeded"}, {"Retry-After": "0.3"})
    handler = Recorder(throttled, json_response(200, OK_PAYMENTS))
    client = make_api(handler).for_key(API_KEY)
    await client.payments("v-1")
    # The fast test policy waits 0 s; the server's 0.3 s wins.
    assert [w.wait_for for w in scheduled_waits] == [pytest.approx(0.3)]


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
