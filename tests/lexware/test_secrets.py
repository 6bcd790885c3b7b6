from __future__ import annotations

import httpx
import pytest
from structlog.testing import capture_logs

from belegsync.lexware import LexwareError, mask_key

from .conftest import MakeApi
from .fakes import API_KEY, Recorder, body_response


def gateway_403_echoing_the_key(request: httpx.Request) -> httpx.Response:
    # The real gateway's 403 text quotes the Authorization header it received.
    token = request.headers["Authorization"].removeprefix("Bearer ")
    message = f"'{token}' not a valid key=value pair (missing equal-sign) in Authorization header"
    return body_response(403, {"message": message})


@pytest.mark.parametrize(
    "handler",
    [
        Recorder(body_response(401, {"message": "Unauthorized"})),
        Recorder(gateway_403_echoing_the_key),
        Recorder(body_response(503, {"message": None})),
        Recorder(httpx.ConnectError("refused")),
    ],
)
async def test_key_never_leaks(make_api: MakeApi, handler: Recorder) -> None:
    api = make_api(handler)
    client = api.for_key(API_KEY)
    with capture_logs() as logs, pytest.raises(LexwareError) as caught:
        await client.profile()
    error = caught.value
    rendered = [repr(api), repr(client), str(error), repr(error), error.message, str(error.body)]
    rendered.append(str(error.detail))
    rendered.append(repr(logs))
    assert all(API_KEY not in text for text in rendered)
    assert handler.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"
    assert logs, "the failure is logged"


def test_repr_shows_only_the_last_four(make_api: MakeApi) -> None:
    client = make_api(Recorder(httpx.Response(200))).for_key(API_KEY)
    assert repr(client) == f"LexwareClient(key=…{API_KEY[-4:]})"
    assert mask_key("short") == "…"
