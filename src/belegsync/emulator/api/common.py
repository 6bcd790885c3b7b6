"""Helpers every /v1 handler uses: the caller's key, JSON answers, endpoint-shaped errors."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from belegsync.emulator.errors import endpoint_body
from belegsync.emulator.jsonenc import dumps
from belegsync.emulator.model import ApiKey
from belegsync.emulator.runtime import Runtime

AnyRequest = Request[Any, Any, Any]


def runtime_of(request: AnyRequest) -> Runtime:
    runtime: Runtime = request.app.state["runtime"]
    return runtime


def api_key_of(request: AnyRequest) -> ApiKey:
    """The key the gateway authenticated; every lookup is scoped to its organisation."""
    api_key: ApiKey = request.scope["state"]["api_key"]
    return api_key


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
