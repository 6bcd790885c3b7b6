"""The ports the sync needs; adapters are chosen by the composition root (cli/jobs).

Tests pass fakes with the same shape (``tests/fakes``) or the real client on top of the
emulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Protocol

from belegsync.lexware import (
    ApiCallStats,
    BookkeepingVoucher,
    DownloadedFile,
    Page,
    Payments,
    Profile,
    SalesVoucher,
    VoucherListFilter,
    VoucherListItem,
)
from belegsync.lexware.voucherlist import SliceField
from belegsync.store.enums import SyncTrigger


class LexwarePort(Protocol):
    """What the sync asks of Lexware, for one API key."""

    @property
    def stats(self) -> ApiCallStats: ...

    async def profile(self) -> Profile: ...

    def iter_voucherlist_sliced(
        self,
        query: VoucherListFilter,
        *,
        start: date,
        end: date,
        field: SliceField = "voucherDate",
        slice_days: int | None = None,
        size: int = 250,
    ) -> AsyncIterator[VoucherListItem]: ...

    async def voucher_detail(
        self, voucher_type: str, voucher_id: str
    ) -> BookkeepingVoucher | SalesVoucher: ...

    async def payments(self, voucher_id: str) -> Payments: ...

    async def download_file(self, file_id: str, *, accept: str = "*/*") -> DownloadedFile: ...

    async def download_sales_voucher_file(
        self, voucher_type: str, voucher_id: str, *, accept: str = "*/*"
    ) -> DownloadedFile: ...

    async def voucherlist(
        self, query: VoucherListFilter, *, page: int = 0, size: int = 250
    ) -> Page[VoucherListItem]: ...


LexwareFactory = Callable[[str, str], LexwarePort]
"""``factory(api_key, base_url)`` → a client for that key (sharing its rate limiter)."""


class KeyCipher(Protocol):
    def encrypt(self, plaintext: str) -> bytes: ...

    def decrypt(self, token: bytes) -> str: ...


class SyncQueue(Protocol):
    """Where sync requests go: the embedded asyncio runner or Procrastinate."""

    async def enqueue(
        self, connection_id: str, *, trigger: SyncTrigger, full: bool = False
    ) -> str | None:
        """Claim a run and schedule it; ``None`` if one is already queued or running."""
        ...
