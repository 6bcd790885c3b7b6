"""What Lexware's API gateway does before a request reaches a resource.

Order: unknown route or method (403 "… not a valid key=value pair …") → Authorization
header form (403) → key lookup, expiry, revocation (401) → network jitter (optional) →
token bucket (429, the call is not executed) → contract (402) → key permission (403) →
injected faults (also transient 401s) → the resource.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from belegsync.emulator.answer import Answer
from belegsync.emulator.config import EmulatorConfig
from belegsync.emulator.counters import Counters
from belegsync.emulator.errors import endpoint_body, gateway_body
from belegsync.emulator.faults import FaultPlan, FaultRule, error_message
from belegsync.emulator.model import ApiKey
from belegsync.emulator.ratelimit import ArrivalJitter, RateLimiter
from belegsync.emulator.routes import RouteTable
from belegsync.emulator.state import World

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# Serves a request past the gateway without the app, or returns None (see fastpath.py).
FastPath = Callable[[Scope, ApiKey], Answer | None]

_BEARER = re.compile(r"^Bearer ([^\s=]+)$")
# /v1/<first segment> → the key permission (named like the Lexware UI's permission list)
_PERMISSION_BY_RESOURCE = {
    "profile": "profile",
    "voucherlist": "voucherlist",
    "vouchers": "vouchers",
    "invoices": "invoices",
    "credit-notes": "credit-notes",
    "down-payment-invoices": "down-payment-invoices",
    "payments": "payments",
    "files": "files",
    "event-subscriptions": "event-subscriptions",
}


async def send_json(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class Gateway:
    def __init__(
        self,
        app: ASGIApp,
        *,
        world: World,
        config: EmulatorConfig,
        limiter: RateLimiter,
        faults: FaultPlan,
        counters: Counters,
        routes: RouteTable | None = None,
        jitter: ArrivalJitter | None = None,
        fast_path: FastPath | None = None,
    ) -> None:
        self.app = app
        self.fast_path = fast_path
        self.routes = routes
        self.jitter = jitter or ArrivalJitter()
        self.world = world
        self.config = config
        self.limiter = limiter
        self.faults = faults
        self.counters = counters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/v1" or path.startswith("/v1/")):
            await self.app(scope, receive, send)
            return
        resource = path.split("/")[2] if path.count("/") >= 2 else ""
        self.counters.by_resource[resource] += 1

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.counters.by_status[int(message["status"])] += 1
            await send(message)

        await self._handle(scope, receive, counting_send, path, resource)

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, path: str, resource: str
    ) -> None:
        header = _header(scope, b"authorization")
        method = str(scope.get("method", "GET"))
        if (
            self.config.gateway_403_for_unknown_routes
            and self.routes is not None
            and not self.routes.allows(method, path)
        ):
            # "Resource not available. Possibly wrong Url or method."
            await send_json(send, 403, gateway_body(_wrong_route_message(header)))
            return
        if header is None or not header.strip():
            await send_json(send, 401, gateway_body("Unauthorized"))
            return
        match = _BEARER.match(header.strip())
        if match is None:
            await send_json(send, 403, gateway_body(_wrong_route_message(header)))
            return
        api_key = self.world.keys.get(match.group(1))
        if api_key is None or not self.world.key_is_valid(api_key):
            await send_json(send, 401, gateway_body("Unauthorized"))
            return
        self.counters.requests_by_key[api_key.key] += 1
        delay = self.jitter.delay()
        if delay > 0:
            # the network between client and gateway: arrival spread, order may change
            await asyncio.sleep(delay)
        if not self.limiter.try_acquire(api_key.key):
            self.counters.throttled_by_key[api_key.key] += 1
            await self._throttled(send)
            return
        now = self.world.now()
        if not self.world.organizations[api_key.organization_id].xl:
            await send_json(send, 402, endpoint_body(402, path, "Payment Required", now))
            return
        needed = _PERMISSION_BY_RESOURCE.get(resource)
        if needed is not None and needed not in api_key.permissions:
            await send_json(send, 403, endpoint_body(403, path, "Insufficient access rights", now))
            return
        scope.setdefault("state", {})["api_key"] = api_key
        if self.faults.rules:
            for rule in self.faults.pick(method, path):
                self.counters.faults_injected += 1
                if await self._inject(rule, scope, receive, send):
                    return
        await self._resource(scope, receive, send, api_key)

    async def _resource(self, scope: Scope, receive: Receive, send: Send, api_key: ApiKey) -> None:
        """The endpoint itself: the fast path for the common reads, else the app."""
        if self.fast_path is not None:
            try:
                answer = self.fast_path(scope, api_key)
            except Exception:
                answer = None  # the app answers (and reports) the same failure
            if answer is not None:
                start = {"status": answer.status, "headers": answer.raw_headers()}
                await send({"type": "http.response.start", **start})
                await send({"type": "http.response.body", "body": answer.body})
                return
        await self.app(scope, receive, send)

    async def _throttled(self, send: Send) -> None:
        if self.config.throttle_as_500:
            await send_json(send, 500, gateway_body("Internal server error or rate limit exceeded"))
        else:
            await send_json(send, 429, gateway_body("Rate limit exceeded"))

    async def _inject(self, rule: FaultRule, scope: Scope, receive: Receive, send: Send) -> bool:
        """Apply one fault; True when it answered the request itself."""
        if rule.kind == "latency":
            await asyncio.sleep(rule.latency_ms / 1000)
            return False
        if rule.kind == "throttle":
            await self._throttled(send)
            return True
        if rule.kind == "timeout":
            await asyncio.sleep(rule.timeout_seconds)
            await send_json(send, 504, gateway_body("Endpoint request timed out"))
            return True
        if rule.kind == "gateway403":
            # the gateway's answer for a route it does not know (e.g. one Lexware moved)
            message = _wrong_route_message(_header(scope, b"authorization"))
            await send_json(send, 403, gateway_body(message))
            return True
        if rule.kind == "malformed":
            await send_json(send, 200, b'{"content":[{"id":"')
            return True
        api_key: ApiKey = scope["state"]["api_key"]
        if rule.kind == "truncated":
            await self._resource(scope, receive, _truncating(send), api_key)
            return True
        if rule.apply_first:
            await self._resource(scope, receive, _discard, api_key)
        await send_json(send, rule.status, gateway_body(error_message(rule.status)))
        return True


def _wrong_route_message(header: str | None) -> str:
    """The AWS gateway's wording, which echoes the Authorization header."""
    if header is None or not header.strip():
        return "Missing Authentication Token"
    token = header.strip().split(" ")[-1]
    return (
        f"'{token}' not a valid key=value pair (missing equal-sign) "
        f"in Authorization header: '{header.strip()}'."
    )


async def _discard(message: Message) -> None:
    return None


def _truncating(send: Send) -> Send:
    """Passes the answer on with its body cut to half (and a matching Content-Length)."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        cut = body[: len(body) // 2]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": cut})

    return wrapped
