"""JSON API for the firm's bank connections: push transactions, read matches."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency

from belegsync.banking import push_transactions
from belegsync.banking.advice_import import import_advices
from belegsync.domain.errors import InvalidInput
from belegsync.matching.columns import line_keys_of
from belegsync.matching.inbox import matching_overview
from belegsync.matching.service import matching_after_change
from belegsync.store.access import TenantContext
from belegsync.web.deps import WebDeps
from belegsync.web.request_guard import parse_json_body
from belegsync.web.types import WebRequest


def _body_error(de: str, en: str) -> InvalidInput:
    return InvalidInput(
        f"Der Inhalt ist kein gültiges JSON-Objekt: {de} Erwartet wird "
        '{"account_iban": …, "transactions": […]} mit Content-Type application/json.',
        code="push_body_invalid",
        message_en=f"The body is not a valid JSON object: {en} Expected "
        '{"account_iban": …, "transactions": […]} with Content-Type application/json.',
    )


def parse_push_body(content_type: str, raw: bytes) -> dict[str, Any]:
    """The pushed JSON document. The API's body guard refuses unreadable JSON (size, BOM,
    NaN, depth, surrogates, NUL); here only the document's shape is checked."""
    body = parse_json_body(raw, content_type)
    if not isinstance(body, dict) or not isinstance(body.get("transactions"), list):
        raise _body_error(
            "das Objekt oder seine Liste transactions fehlt.",
            "the object or its list transactions is missing.",
        )
    return body


class BankApiController(Controller):
    path = "/api/v1"
    tags = ["belegsync"]  # noqa: RUF012
    security = [{"BearerToken": []}]  # noqa: RUF012

    @post("/bank-transactions", summary="Push bank transactions of one account", status_code=200)
    async def push(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        api_ctx: NamedDependency[TenantContext],
    ) -> dict[str, Any]:
        """Body: ``{"account_iban": …, "account_name"?: …, "currency"?: "EUR",
        "transactions": [{"booking_date", "amount": "-12.34", …}]}``. Idempotent;
        matching runs afterwards."""
        body = parse_push_body(request.headers.get("content-type", ""), await request.body())
        for key in ("account_iban", "account_name", "currency"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise _body_error(f"{key} muss Text sein.", f"{key} must be a string.")
        result = await push_transactions(
            uow_factory=deps.uow_factory,
            clock=deps.clock,
            tenant_id=api_ctx.tenant_id,
            account_iban=body.get("account_iban") or "",
            transactions=body["transactions"],
            account_name=(body.get("account_name") or "")[:200] or None,
            currency=body.get("currency") or "EUR",
            actor="api",
            line_keys=line_keys_of,
        )
        counts = await matching_after_change(deps.uow_factory, deps.clock, api_ctx.tenant_id)
        return {
            "added": result.added,
            "duplicates": result.duplicates,
            "account": result.account,
            # deferred: the lines are stored; the database was busy, the next run
            # matches them
            "matching": {
                "auto_links": counts.auto_links if counts else 0,
                "suggestions": counts.suggestions if counts else 0,
                "deferred": counts is None,
            },
        }

    @get("/matches", summary="Links and open suggestions with their reasons")
    async def matches(
        self, deps: NamedDependency[WebDeps], api_ctx: NamedDependency[TenantContext]
    ) -> Response[dict[str, Any]]:
        async with deps.uow_factory.read_only() as uow:
            o = await matching_overview(uow, api_ctx.tenant_id)
        return Response(
            {
                "links": [v.as_json() for v in o.auto_links + o.confirmed],
                "suggestions": [v.as_json() for v in o.suggestions],
                "external_needed": [
                    {
                        "payment_id": e.payment.id,
                        "voucher_id": e.voucher.id,
                        "voucher_number": e.voucher.voucher_number,
                        "amount_cents": e.draft.amount_cents,
                        "date": e.draft.booking_date.isoformat(),
                        "why": e.why,
                    }
                    for e in o.external_needed
                ],
            }
        )

    @post(
        "/payment-advices",
        summary="Attach a payment advice or SEPA batch file to the batch line it breaks down",
        status_code=200,
    )
    async def advices(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        api_ctx: NamedDependency[TenantContext],
    ) -> dict[str, Any]:
        """Body: ``{"file_name": "avis.csv", "content": "<the file, base64>"}`` — a
        payer's CSV advice or the client's pain.008/pain.001. Each advice is attached
        to the one line it describes or waits for it; the same advice again is stored
        once. Matching runs afterwards."""
        body = parse_json_body(await request.body(), request.headers.get("content-type", ""))
        name, data = _advice_file(body)
        result = await import_advices(
            uow_factory=deps.uow_factory,
            clock=deps.clock,
            tenant_id=api_ctx.tenant_id,
            filename=name,
            data=data,
            actor="api",
        )
        matched = None
        if result.attached:
            matched = await matching_after_change(deps.uow_factory, deps.clock, api_ctx.tenant_id)
        return {**result.as_json(), "matching_deferred": bool(result.attached) and matched is None}


def _advice_file(body: Any) -> tuple[str, bytes]:
    """(file name, bytes) of an advice upload's JSON body."""
    content = body.get("content") if isinstance(body, dict) else None
    name = body.get("file_name", "advice") if isinstance(body, dict) else None
    if not isinstance(content, str) or not isinstance(name, str):
        raise InvalidInput(
            'Erwartet wird {"file_name": …, "content": "<Datei, base64>"}.',
            code="advice_body_invalid",
            message_en='Expected {"file_name": …, "content": "<the file, base64>"}.',
        )
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "content ist kein gültiges Base64.",
            code="advice_body_invalid",
            message_en="content is not valid base64.",
        ) from None
    return name[:255] or "advice", data
