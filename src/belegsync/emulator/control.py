"""/_emulator control API: organisations, keys, clock, faults, settings, counters."""

from __future__ import annotations

from datetime import timedelta

from litestar import Response, Router, delete, get, post, put
from litestar.params import FromPath

from belegsync.emulator.api.common import AnyRequest, runtime_of
from belegsync.emulator.clock import format_datetime
from belegsync.emulator.control_common import body_of, control_error, ok, parse_date, parse_datetime
from belegsync.emulator.control_vouchers import VOUCHER_CONTROL_HANDLERS
from belegsync.emulator.demo import describe_keys
from belegsync.emulator.faults import TRANSIENT_401, FaultRule
from belegsync.emulator.seed import generate_vouchers
from belegsync.emulator.state import WorldError
from belegsync.emulator.webhooks import public_key_pem


@get("/keys")
async def list_keys(request: AnyRequest) -> Response[bytes]:
    return ok({"keys": describe_keys(runtime_of(request).world)})


@post("/organizations")
async def create_organization(request: AnyRequest) -> Response[bytes]:
    body = await body_of(request)
    world = runtime_of(request).world
    org = world.add_organization(
        str(body.get("name", "Neue Firma GmbH")),
        xl=bool(body.get("xl", True)),
        org_id=body.get("id"),
    )
    org.e_invoice_enabled = bool(body.get("eInvoice", True))
    return ok({"id": org.id, "name": org.name, "xl": org.xl}, 201)


@post("/organizations/{organization_id:str}/generate")
async def generate(request: AnyRequest, organization_id: FromPath[str]) -> Response[bytes]:
    body = await body_of(request)
    world = runtime_of(request).world
    world.organization(organization_id)
    created = generate_vouchers(
        world,
        organization_id,
        int(body.get("count", 100)),
        seed=int(body.get("seed", 0)),
        start=parse_date(body.get("start", "2023-01-01"), "start"),
        end=parse_date(body["end"], "end") if body.get("end") else None,
    )
    return ok({"created": len(created), "total": world.voucher_count(organization_id)}, 201)


@post("/keys")
async def create_key(request: AnyRequest) -> Response[bytes]:
    body = await body_of(request)
    world = runtime_of(request).world
    expires = parse_datetime(body["expiresAt"], "expiresAt") if body.get("expiresAt") else None
    created = parse_datetime(body["createdAt"], "createdAt") if body.get("createdAt") else None
    api_key = world.add_key(
        str(body.get("organizationId")),
        key=body.get("key"),
        expires_at=expires,
        permissions=body.get("permissions"),
        label=str(body.get("label", "")),
        created=created,
    )
    return ok(next(k for k in describe_keys(world) if k["key"] == api_key.key), 201)


@post("/keys/{key:str}/revoke")
async def revoke_key(request: AnyRequest, key: FromPath[str]) -> Response[bytes]:
    runtime_of(request).world.revoke_key(key)
    return ok({"revoked": True})


@get("/clock")
async def get_clock(request: AnyRequest) -> Response[bytes]:
    return ok({"now": format_datetime(runtime_of(request).world.now())})


@post("/clock")
async def set_clock(request: AnyRequest) -> Response[bytes]:
    """{"now": iso datetime, "frozen": bool} sets; {"advanceSeconds": n} moves forward."""
    body = await body_of(request)
    clock = runtime_of(request).world.clock
    if body.get("now"):
        clock.set(parse_datetime(body["now"], "now"), frozen=bool(body.get("frozen", True)))
    if body.get("advanceSeconds"):
        clock.advance(timedelta(seconds=float(body["advanceSeconds"])))
    return ok({"now": format_datetime(clock.now())})


@get("/faults")
async def list_faults(request: AnyRequest) -> Response[bytes]:
    return ok({"faults": [r.describe() for r in runtime_of(request).faults.rules]})


@post("/faults")
async def add_fault(request: AnyRequest) -> Response[bytes]:
    body = await body_of(request)
    try:
        rule = FaultRule(
            kind=str(body.get("kind", "error")),
            status=int(body.get("status", 500)),
            rate=float(body.get("rate", 1.0)),
            path_prefix=str(body.get("pathPrefix", "/v1")),
            method=body.get("method"),
            remaining=None if body.get("count") is None else int(body["count"]),
            latency_ms=int(body.get("latencyMs", 0)),
            timeout_seconds=float(body.get("timeoutSeconds", 35.0)),
            apply_first=bool(body.get("applyFirst", False)),
            seed=None if body.get("seed") is None else int(body["seed"]),
        )
    except ValueError as exc:
        raise WorldError(str(exc)) from None
    runtime_of(request).faults.add(rule)
    return ok(rule.describe(), 201)


@delete("/faults", status_code=200)
async def clear_faults(request: AnyRequest) -> Response[bytes]:
    runtime_of(request).faults.clear()
    return ok({"faults": []})


@get("/settings")
async def get_settings(request: AnyRequest) -> Response[bytes]:
    runtime = runtime_of(request)
    config = runtime.config
    return ok(
        {
            "ratePerSecond": str(runtime.limiter.rate_per_second),
            "burst": str(runtime.limiter.burst),
            "throttleAs500": config.throttle_as_500,
            "openAmountAsString": config.open_amount_as_string,
            "allowHttpCallbacks": config.allow_http_callbacks,
            "profileDocsSample": config.profile_docs_sample,
            "gateway403ForUnknownRoutes": config.gateway_403_for_unknown_routes,
            "listDatesToSeconds": config.list_dates_to_seconds,
            "searchWindowAs500": config.search_window_as_500,
            "linkedCreditNotePaymentsStatus": config.linked_credit_note_payments_status,
            "arrivalJitterMs": runtime.jitter.max_ms,
            "jitterSeed": runtime.jitter.seed,
            "transientUnauthorized": runtime.faults.remaining_of(TRANSIENT_401),
        }
    )


@put("/settings")
async def put_settings(request: AnyRequest) -> Response[bytes]:
    body = await body_of(request)
    runtime = runtime_of(request)
    config = runtime.config
    for field, attr in (
        ("throttleAs500", "throttle_as_500"),
        ("openAmountAsString", "open_amount_as_string"),
        ("allowHttpCallbacks", "allow_http_callbacks"),
        ("profileDocsSample", "profile_docs_sample"),
        ("gateway403ForUnknownRoutes", "gateway_403_for_unknown_routes"),
        ("listDatesToSeconds", "list_dates_to_seconds"),
        ("searchWindowAs500", "search_window_as_500"),
    ):
        if field in body:
            setattr(config, attr, bool(body[field]))
    if "linkedCreditNotePaymentsStatus" in body:
        raw = body["linkedCreditNotePaymentsStatus"]
        config.linked_credit_note_payments_status = None if raw is None else int(raw)
    if "arrivalJitterMs" in body or "jitterSeed" in body:
        runtime.jitter.configure(
            max_ms=int(body.get("arrivalJitterMs", runtime.jitter.max_ms)),
            seed=int(body.get("jitterSeed", runtime.jitter.seed)),
        )
    if "transientUnauthorized" in body:
        # the next N /v1 requests answer 401 {"message":"Unauthorized"} with a valid key
        count = int(body["transientUnauthorized"])
        runtime.faults.replace(TRANSIENT_401, FaultRule(kind="error", status=401, remaining=count))
    if "ratePerSecond" in body or "burst" in body:
        rate = float(body["ratePerSecond"]) if "ratePerSecond" in body else None
        burst = float(body["burst"]) if "burst" in body else None
        runtime.limiter.configure(rate_per_second=rate, burst=burst)
    return await get_settings.fn(request)  # type: ignore[no-any-return]


@get("/counters")
async def get_counters(request: AnyRequest) -> Response[bytes]:
    return ok(runtime_of(request).counters.snapshot())


@delete("/counters", status_code=200)
async def reset_counters(request: AnyRequest) -> Response[bytes]:
    runtime_of(request).counters.reset()
    return ok(runtime_of(request).counters.snapshot())


@get("/webhook-public-key", media_type="application/x-pem-file")
async def webhook_public_key() -> Response[bytes]:
    return Response(content=public_key_pem(), media_type="application/x-pem-file")


@get("/webhook-deliveries")
async def webhook_deliveries(request: AnyRequest) -> Response[bytes]:
    return ok({"deliveries": [d.describe() for d in runtime_of(request).webhooks.deliveries]})


control_router = Router(
    path="/_emulator",
    route_handlers=[
        list_keys,
        create_organization,
        generate,
        create_key,
        revoke_key,
        get_clock,
        set_clock,
        list_faults,
        add_fault,
        clear_faults,
        get_settings,
        put_settings,
        get_counters,
        reset_counters,
        webhook_public_key,
        webhook_deliveries,
        *VOUCHER_CONTROL_HANDLERS,
    ],
    exception_handlers={
        WorldError: control_error,
        KeyError: control_error,
        ValueError: control_error,
    },
)
