"""Helpers every /v1 handler uses: the caller's key, JSON answers, endpoint-shaped errors.

The read endpoints are written as functions of a :class:`Call` that return an
:class:`Answer`, so that the gateway can serve them without Litestar (the fast path a
fleet benchmark needs) while the Litestar routes stay the one definition of the API:
their handlers call the same functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response

from belegsync.emulator.answer import Answer
from belegsync.emulator.errors import endpoint_body
from belegsync.emulator.jsonenc import dumps
from belegsync.emulator.model import ApiKey
from belegsync.emulator.runtime import Runtime

AnyRequest = Request[Any, Any, Any]
__all__ = ["Answer", "AnyRequest", "Call"]


@dataclass(frozen=True, slots=True)
class Call:
    """What a read endpoint needs of a request."""

    runtime: Runtime
    api_key: ApiKey
    path: str
    accept: str | None = None
    query: Mapping[str, str] | None = None


def spring_page(
    items: list[dict[str, Any]],
    total: int,
    *,
    page: int,
    size: int,
    sort_property: str,
    descending: bool,
) -> dict[str, Any]:
    """The Spring page envelope of Lexware's lists (voucherlist, contacts)."""
    total_pages = math.ceil(total / size)
    return {
        "content": items,
        "first": page == 0,
        "last": page >= total_pages - 1,
        "totalPages": total_pages,
        "totalElements": total,
        "numberOfElements": len(items),
        "size": size,
        "number": page,
        "sort": [
            {
                "property": sort_property,
                "direction": "DESC" if descending else "ASC",
                "ignoreCase": False,
                "nullHandling": "NATIVE",
                "ascending": not descending,
            }
        ],
    }


def runtime_of(request: AnyRequest) -> Runtime:
    runtime: Runtime = request.app.state["runtime"]
    return runtime


def api_key_of(request: AnyRequest) -> ApiKey:
    """The key the gateway authenticated; every lookup is scoped to its organisation."""
    api_key: ApiKey = request.scope["state"]["api_key"]
    return api_key


def call_of(request: AnyRequest, *, query: bool = False) -> Call:
    params = {k: v for k, v in request.query_params.items()} if query else None
    return Call(
        runtime=runtime_of(request),
        api_key=api_key_of(request),
        path=request.url.path,
        accept=request.headers.get("accept"),
        query=params,
    )


def to_response(answer: Answer) -> Response[bytes]:
    return Response(
        content=answer.body,
        status_code=answer.status,
        media_type=answer.media_type,
        headers=dict(answer.headers) or None,
    )


def json_answer(body: Any, *, status: int = 200) -> Answer:
    return Answer(status, dumps(body))


def error_answer(
    call: Call,
    status: int,
    message: str,
    *,
    i18n_key: str | None = None,
    source: str | None = None,
) -> Answer:
    now = call.runtime.world.now()
    body = endpoint_body(status, call.path, message, now, i18n_key=i18n_key, source=source)
    return Answer(status, body)


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response[bytes]:
    return Response(
        content=dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def error_response(
    request: AnyRequest,
    status: int,
    message: str,
    *,
    i18n_key: str | None = None,
    source: str | None = None,
) -> Response[bytes]:
    now = runtime_of(request).world.now()
    body = endpoint_body(status, request.url.path, message, now, i18n_key=i18n_key, source=source)
    return Response(content=body, status_code=status, media_type="application/json")


def resource_url(request: AnyRequest, path: str) -> str:
    base = str(request.base_url).rstrip("/")
    return f"{base}{path}"
