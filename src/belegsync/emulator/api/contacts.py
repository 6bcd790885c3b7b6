"""GET /v1/contacts (filters, paging) and GET /v1/contacts/{id}.

Errors use the legacy ``IssueList`` body (see ``errors._LEGACY_PREFIXES``); as it has no
``message``, a refused parameter is named in the issue's ``source``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litestar import Response, get
from litestar.params import FromPath

from belegsync.emulator.api.common import (
    Answer,
    AnyRequest,
    Call,
    call_of,
    error_answer,
    json_answer,
    spring_page,
    to_response,
)
from belegsync.emulator.model import Contact
from belegsync.emulator.views import contact_view

MAX_SIZE = 500
DEFAULT_SIZE = 25
MIN_SEARCH_LENGTH = 3  # `name` and `email`
SIZE_EXCEEDED = "parameter 'size' exceeds the limit"


class ContactQueryError(ValueError):
    pass


@dataclass(frozen=True)
class ContactQuery:
    page: int
    size: int
    email: str | None
    name: str | None
    number: int | None
    customer: bool | None
    vendor: bool | None


def _lenient_int(raw: str | None, default: int, minimum: int) -> int:
    """Lexware replaces a non-numeric or out-of-range page or size by its default."""
    try:
        value = int(raw) if raw else default
    except ValueError:
        return default
    return value if value >= minimum else default


def _search(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if not raw:
        return None
    if len(raw) < MIN_SEARCH_LENGTH:
        raise ContactQueryError(f"parameter '{name}' needs at least {MIN_SEARCH_LENGTH} characters")
    return raw.casefold()


def _flag(params: Mapping[str, str], name: str) -> bool | None:
    raw = params.get(name)
    if not raw:
        return None
    if raw.lower() not in ("true", "false"):
        raise ContactQueryError(f"parameter '{name}' is invalid")
    return raw.lower() == "true"


def _number(params: Mapping[str, str]) -> int | None:
    raw = params.get("number")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ContactQueryError("parameter 'number' is invalid") from None


def parse_contact_query(params: Mapping[str, str]) -> ContactQuery:
    size = _lenient_int(params.get("size"), DEFAULT_SIZE, 1)
    if size > MAX_SIZE:
        raise ContactQueryError(SIZE_EXCEEDED)
    return ContactQuery(
        page=_lenient_int(params.get("page"), 0, 0),
        size=size,
        email=_search(params, "email"),
        name=_search(params, "name"),
        number=_number(params),
        customer=_flag(params, "customer"),
        vendor=_flag(params, "vendor"),
    )


def _email_addresses(contact: Contact) -> tuple[str, ...]:
    """The contact's e-mail addresses (seeded contacts have none)."""
    return () if contact.email is None else (contact.email,)


def contact_matches(contact: Contact, query: ContactQuery) -> bool:
    if query.name is not None and query.name not in contact.name.casefold():
        return False
    if query.email is not None and not any(
        query.email in address.casefold() for address in _email_addresses(contact)
    ):
        return False
    if query.number is not None and query.number not in (
        contact.customer_number,
        contact.vendor_number,
    ):
        return False
    if query.customer is not None and (contact.customer_number is not None) != query.customer:
        return False
    return query.vendor is None or (contact.vendor_number is not None) == query.vendor


def contacts_answer(call: Call) -> Answer:
    try:
        query = parse_contact_query(call.query or {})
    except ContactQueryError as exc:
        return error_answer(call, 400, str(exc), source=str(exc))
    found = [
        c
        for c in call.runtime.world.contacts(call.api_key.organization_id)
        if contact_matches(c, query)
    ]
    found.sort(key=lambda c: (c.name, c.id))
    start = query.page * query.size
    items = [contact_view(c) for c in found[start : start + query.size]]
    return json_answer(
        spring_page(
            items,
            len(found),
            page=query.page,
            size=query.size,
            sort_property="name",
            descending=False,
        )
    )


def contact_answer(call: Call, contact_id: str) -> Answer:
    contact = call.runtime.world.find_contact(call.api_key.organization_id, contact_id)
    if contact is None:
        return error_answer(call, 404, "Resource not found")
    return json_answer(contact_view(contact))


@get("/v1/contacts")
async def get_contacts(request: AnyRequest) -> Response[bytes]:
    return to_response(contacts_answer(call_of(request, query=True)))


@get("/v1/contacts/{contact_id:str}")
async def get_contact(request: AnyRequest, contact_id: FromPath[str]) -> Response[bytes]:
    return to_response(contact_answer(call_of(request), contact_id))


CONTACT_HANDLERS = [get_contacts, get_contact]
