"""Tiny fakes at the HTTP edge and sample-file helpers for the Lexware client tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from belegsync.lexware import RetryPolicy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lexware"

API_KEY = "lxo_TopSecretKey_9f8e7d6c5b4a39281706QzWx"

Handler = Callable[[httpx.Request], httpx.Response]

# No waiting between attempts, so retry tests run in milliseconds.
FAST_RETRY = RetryPolicy(attempts=5, timeout=10.0, wait_initial=0, wait_max=0, wait_jitter=0)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name), parse_float=Decimal)


def json_response(status: int, name: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """A response whose body is a sample file, byte for byte."""
    return httpx.Response(
        status,
        content=fixture_bytes(name),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def body_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


class Recorder:
    """Answers with the given responses/exceptions in turn (the last one repeats)."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)
