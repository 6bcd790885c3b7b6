"""Shared helpers of the /_emulator control API."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from litestar import Response

from belegsync.emulator.api.common import AnyRequest, runtime_of
from belegsync.emulator.jsonenc import dumps
from belegsync.emulator.state import WorldError


async def body_of(request: AnyRequest) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise WorldError("body is not JSON") from None
    if not isinstance(body, dict):
        raise WorldError("body must be a JSON object")
    return body


def ok(body: Any, status: int = 200) -> Response[bytes]:
    return Response(content=dumps(body), status_code=status, media_type="application/json")


def control_error(request: AnyRequest, exc: Exception) -> Response[bytes]:
    return ok({"error": str(exc) or type(exc).__name__}, status=400)


def parse_datetime(value: Any, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise WorldError(f"{name} must be an ISO datetime with offset") from None
    if parsed.tzinfo is None:
        raise WorldError(f"{name} needs a UTC offset")
    return parsed


def parse_date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise WorldError(f"{name} must be yyyy-MM-dd") from None


def money(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise WorldError(f"{name} must be a decimal amount") from None


def world_of(request: AnyRequest) -> Any:
    return runtime_of(request).world
