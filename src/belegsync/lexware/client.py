"""The Lexware Office API client.

:class:`LexwareApi` owns the process-wide HTTP connection pools and the per-key pacers;
:meth:`LexwareApi.for_key` gives a :class:`LexwareClient` bound to one API key.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import msgspec
from pydantic import ValidationError

from belegsync.lexware.endpoints import DETAIL_PATHS, detail_path, is_bookkeeping_type, segment
from belegsync.lexware.errors import LexwareMalformedResponseError
from belegsync.lexware.files import DEFAULT_ACCEPT, DownloadedFile, downloaded_file
from belegsync.lexware.http import KeyedSender
from belegsync.lexware.models import (
    ActionResult,
    Contact,
    EventSubscription,
    EventSubscriptionList,
    LexwareModel,
    Page,
    Payments,
    Profile,
    VoucherListItem,
)
from belegsync.lexware.ratelimit import PacerRegistry, key_fingerprint
from belegsync.lexware.retry import RetryPolicy
from belegsync.lexware.stats import ApiCallStats
from belegsync.lexware.transport import AiohttpWire, Answer, HttpxWire, Wire
from belegsync.lexware.voucher_models import BookkeepingVoucher, SalesVoucher
from belegsync.lexware.voucherlist import (
    MAX_PAGE_SIZE,
    SliceField,
    VoucherListFilter,
    iter_pages,
    iter_sliced,
)

LEXWARE_BASE_URL = "https://api.lexware.io"
# Lexware's gateway gives up after 30 s (504); wait a little longer than that.
DEFAULT_TIMEOUT = httpx.Timeout(35.0, connect=10.0)
# One pool for every key of the process: at most this many connections to Lexware (the
# process's connections at 2 requests/s with ~0.1 s latency need a few hundred), idle ones
# kept this many seconds for the key's next request (every 0.5 s at full rate).
MAX_CONNECTIONS = 2048
KEEPALIVE_SECONDS = 5.0
USER_AGENT = "belegsync"

ModelT = TypeVar("ModelT", bound=LexwareModel)


class LexwareApi:
    """One per process: the HTTP connection pool and one pacer per API key.

    Use as ``async with LexwareApi() as api: client = api.for_key(key)``. Production
    sends through aiohttp with TLS verified against certifi's CAs (``tls`` replaces that
    context, e.g. one that trusts a test certificate). Tests may pass an httpx
    ``transport`` instead (``httpx.MockTransport``, ``httpx.ASGITransport`` around the
    emulator).
    """

    def __init__(
        self,
        *,
        base_url: str = LEXWARE_BASE_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_per_second: float = 2.0,
        retry_policy: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        pacers: PacerRegistry | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.base_url = base_url
        self.retry_policy = retry_policy or RetryPolicy()
        self.pacers = pacers if pacers is not None else PacerRegistry(rate_per_second)
        headers = {"User-Agent": USER_AGENT}
        self._wire: Wire
        if transport is not None:
            self._wire = HttpxWire(transport, base_url, headers=headers, timeout=timeout)
        else:
            self._wire = AiohttpWire(
                base_url,
                headers=headers,
                timeout=timeout,
                max_connections=MAX_CONNECTIONS,
                keepalive=KEEPALIVE_SECONDS,
                tls=tls,
            )

    def for_key(self, api_key: str, *, stats: ApiCallStats | None = None) -> LexwareClient:
        """A client for ``api_key``; all clients of one key share one pacer."""
        fingerprint = key_fingerprint(api_key)
        pacer = self.pacers.for_fingerprint(fingerprint)
        sender = KeyedSender(
            http=self._wire,
            api_key=api_key,
            pacer=pacer,
            policy=self.retry_policy,
            stats=stats or ApiCallStats(),
        )
        return LexwareClient(sender)

    async def aclose(self) -> None:
        """Close the HTTP connection pool (or the given transport)."""
        await self._wire.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"LexwareApi(base_url={self.base_url!r}, keys={len(self.pacers)})"


# Fractional numbers become Decimal, as with ``json.loads(..., parse_float=Decimal)``.
_decode_json = msgspec.json.Decoder(float_hook=Decimal).decode


def parse_json(content: bytes) -> Any:
    """Lexware JSON with exact decimals. The C decoder first; what it refuses (e.g. a
    ``NaN``, which Python's parser takes) goes through ``json.loads`` as before."""
    try:
        return _decode_json(content)
    except msgspec.DecodeError:
        return json.loads(content, parse_float=Decimal)


def _parse(model: type[ModelT], response: Answer, method: str, path: str) -> ModelT:
    try:
        data = parse_json(response.content)
        return model.from_json(data)
    except (ValueError, ValidationError) as error:
        raise LexwareMalformedResponseError(
            status=response.status_code, method=method, path=path
        ) from error


class LexwareClient:
    """The Lexware Office Public API for one API key. Get one from :meth:`LexwareApi.for_key`."""

    def __init__(self, sender: KeyedSender) -> None:
        self._sender = sender

    def __repr__(self) -> str:
        return f"LexwareClient(key={self._sender.key_hint})"

    @property
    def stats(self) -> ApiCallStats:
        """Requests sent, retries and 429s seen by this client."""
        return self._sender.stats

    async def _get(self, model: type[ModelT], path: str, query: str = "") -> ModelT:
        response = await self._sender.send("GET", path, query=query)
        return _parse(model, response, "GET", path)

    async def profile(self) -> Profile:
        """``GET /v1/profile``; the cheapest way to validate a key."""
        return await self._get(Profile, "/v1/profile")

    async def voucherlist(
        self, query: VoucherListFilter, *, page: int = 0, size: int = MAX_PAGE_SIZE
    ) -> Page[VoucherListItem]:
        """One page of ``GET /v1/voucherlist``."""
        return await self._get(
            Page[VoucherListItem], "/v1/voucherlist", query.query_string(page=page, size=size)
        )

    async def _fetch_page(
        self, query: VoucherListFilter, page: int, size: int
    ) -> Page[VoucherListItem]:
        return await self.voucherlist(query, page=page, size=size)

    async def iter_voucherlist(
        self, query: VoucherListFilter, *, size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[VoucherListItem]:
        """Every item of ``query``, page by page until ``last == true``."""
        async for page in iter_pages(self._fetch_page, query, size=size):
            for item in page.content:
                yield item

    def iter_voucherlist_sliced(
        self,
        query: VoucherListFilter,
        *,
        start: date,
        end: date,
        field: SliceField = "voucherDate",
        slice_days: int | None = None,
        size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[VoucherListItem]:
        """Every item with ``field`` in ``start..end``, in slices below the 10,000 window.

        Use ``field="updatedDate"`` for incremental runs. Ids are de-duplicated.
        """
        return iter_sliced(
            self._fetch_page,
            query,
            field=field,
            start=start,
            end=end,
            slice_days=slice_days,
            size=size,
        )

    async def contacts(self, *, page: int = 0, size: int = MAX_PAGE_SIZE) -> Page[Contact]:
        """One page of ``GET /v1/contacts`` (all contacts, archived ones too)."""
        return await self._get(Page[Contact], "/v1/contacts", f"page={page}&size={size}")

    async def _contacts_page(self, _: None, page: int, size: int) -> Page[Contact]:
        return await self.contacts(page=page, size=size)

    async def iter_contacts(self, *, size: int = MAX_PAGE_SIZE) -> AsyncIterator[Contact]:
        """Every contact, page by page until ``last == true``."""
        async for page in iter_pages(self._contacts_page, None, size=size):
            for contact in page.content:
                yield contact

    async def bookkeeping_voucher(self, voucher_id: str) -> BookkeepingVoucher:
        """``GET /v1/vouchers/{id}``."""
        return await self._get(BookkeepingVoucher, f"/v1/vouchers/{segment(voucher_id)}")

    async def invoice(self, voucher_id: str) -> SalesVoucher:
        """``GET /v1/invoices/{id}``."""
        return await self._get(SalesVoucher, f"/v1/invoices/{segment(voucher_id)}")

    async def credit_note(self, voucher_id: str) -> SalesVoucher:
        """``GET /v1/credit-notes/{id}``."""
        return await self._get(SalesVoucher, f"/v1/credit-notes/{segment(voucher_id)}")

    async def down_payment_invoice(self, voucher_id: str) -> SalesVoucher:
        """``GET /v1/down-payment-invoices/{id}``."""
        return await self._get(SalesVoucher, f"/v1/down-payment-invoices/{segment(voucher_id)}")

    async def voucher_detail(
        self, voucher_type: str, voucher_id: str
    ) -> BookkeepingVoucher | SalesVoucher:
        """The detail of a voucherlist item, from the endpoint its ``voucherType`` needs."""
        path = detail_path(voucher_type, voucher_id)
        if is_bookkeeping_type(voucher_type):
            return await self._get(BookkeepingVoucher, path)
        return await self._get(SalesVoucher, path)

    async def payments(self, voucher_id: str) -> Payments:
        """``GET /v1/payments/{voucherId}``."""
        return await self._get(Payments, f"/v1/payments/{segment(voucher_id)}")

    async def _download(self, file_id: str, path: str, accept: str) -> DownloadedFile:
        response = await self._sender.send("GET", path, accept=accept)
        return downloaded_file(
            file_id=file_id,
            content=response.content,
            content_type=response.headers.get("Content-Type"),
            content_disposition=response.headers.get("Content-Disposition"),
        )

    async def download_file(self, file_id: str, *, accept: str = DEFAULT_ACCEPT) -> DownloadedFile:
        """``GET /v1/files/{id}``: a bookkeeping voucher's file.

        ``accept="application/xml"`` fetches the e-invoice XML where one exists.
        """
        return await self._download(file_id, f"/v1/files/{segment(file_id)}", accept)

    async def download_sales_voucher_file(
        self, voucher_type: str, voucher_id: str, *, accept: str = DEFAULT_ACCEPT
    ) -> DownloadedFile:
        """``GET /v1/{invoices|credit-notes|down-payment-invoices}/{id}/file``."""
        if is_bookkeeping_type(voucher_type) or voucher_type not in DETAIL_PATHS:
            raise ValueError(f"voucherType {voucher_type!r} has no sales document file")
        path = f"{detail_path(voucher_type, voucher_id)}/file"
        return await self._download(voucher_id, path, accept)

    async def create_event_subscription(self, event_type: str, callback_url: str) -> ActionResult:
        """``POST /v1/event-subscriptions``; 409 if the same one exists already."""
        path = "/v1/event-subscriptions"
        body = json.dumps({"eventType": event_type, "callbackUrl": callback_url}).encode()
        response = await self._sender.send("POST", path, content=body)
        return _parse(ActionResult, response, "POST", path)

    async def event_subscription(self, subscription_id: str) -> EventSubscription:
        """``GET /v1/event-subscriptions/{id}``."""
        path = f"/v1/event-subscriptions/{segment(subscription_id)}"
        return await self._get(EventSubscription, path)

    async def event_subscriptions(self) -> list[EventSubscription]:
        """``GET /v1/event-subscriptions`` (unpaged)."""
        listing = await self._get(EventSubscriptionList, "/v1/event-subscriptions")
        return listing.content

    async def delete_event_subscription(self, subscription_id: str) -> None:
        """``DELETE /v1/event-subscriptions/{id}``."""
        path = f"/v1/event-subscriptions/{segment(subscription_id)}"
        await self._sender.send("DELETE", path)
