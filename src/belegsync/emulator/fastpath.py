"""The read endpoints a sync calls most, served without Litestar.

A fleet of syncs asks the emulator for hundreds of voucher lists, vouchers, payments
and files per second; Litestar's request and response objects cost more than these
answers themselves. The gateway (auth, token bucket, faults) has run already; this
module only parses the path and calls the same answer functions the Litestar handlers
call, so both ways answer alike. Anything unusual (other methods, odd ids, a mounted
root path) returns ``None`` and goes to Litestar.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from belegsync.emulator.api.common import Answer, Call
from belegsync.emulator.api.files import file_answer
from belegsync.emulator.api.payments import payments_answer
from belegsync.emulator.api.profile import profile_answer
from belegsync.emulator.api.sales import SALES_RESOURCES, sales_answer, sales_file_answer
from belegsync.emulator.api.voucherlist import voucherlist_answer
from belegsync.emulator.api.vouchers import voucher_answer
from belegsync.emulator.model import ApiKey
from belegsync.emulator.runtime import Runtime

Scope = MutableMapping[str, Any]
ReadAnswer = Callable[[Scope, ApiKey], "Answer | None"]

_BY_ID: dict[str, Callable[[Call, str], Answer]] = {
    "vouchers": voucher_answer,
    "payments": payments_answer,
    "files": file_answer,
}


def _plain_id(segment: str) -> bool:
    return 0 < len(segment) <= 100 and segment.isascii() and segment.replace("-", "").isalnum()


def _accept(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"accept":
            return bytes(value).decode("latin-1")
    return None


def _query(scope: Scope) -> dict[str, str]:
    """Like Litestar's ``query_params`` (latin-1, blank values kept, the last one wins)."""
    raw: bytes = scope.get("query_string", b"")
    return dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True, separator="&"))


def read_endpoints(runtime: Runtime) -> ReadAnswer:
    """The fast path for ``runtime``: ``(scope, api_key) -> Answer`` or ``None``."""

    def answer(scope: Scope, api_key: ApiKey) -> Answer | None:
        if scope.get("method") != "GET" or scope.get("root_path"):
            return None
        path: str = scope["path"]
        parts = path.split("/")
        if len(parts) == 3:
            if parts[2] == "voucherlist":
                return voucherlist_answer(Call(runtime, api_key, path, query=_query(scope)))
            if parts[2] == "profile":
                return profile_answer(Call(runtime, api_key, path))
            return None
        if len(parts) not in (4, 5) or not _plain_id(parts[3]):
            return None
        resource, voucher_id = parts[2], parts[3]
        call = Call(runtime, api_key, path, accept=_accept(scope))
        if len(parts) == 5:
            if parts[4] == "file" and resource in SALES_RESOURCES:
                return sales_file_answer(call, resource, voucher_id)
            return None
        by_id = _BY_ID.get(resource)
        if by_id is not None:
            return by_id(call, voucher_id)
        if resource in SALES_RESOURCES:
            return sales_answer(call, resource, voucher_id)
        return None

    return answer
