"""The ports the sync needs; adapters are chosen by the composition root (cli/jobs).

Tests pass fakes with the same shape (``tests/fakes``) or the real client on top of the
emulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from belegsync.lexware import (
    ApiCallStats,
    BookkeepingVoucher,
    Contact,
    DownloadedFile,
    Page,
    Payments,
    Profile,
    SalesVoucher,
    VoucherListFilter,
    VoucherListItem,
)
from belegsync.lexware.voucherlist import SliceField
from belegsync.store.contact_numbers import ContactNumbers
from belegsync.store.enums import ReviewReason, SyncRunStatus, SyncTrigger
from belegsync.store.models import (
    AuditLogEntry,
    Connection,
    PaymentItem,
    SyncRun,
    SyncRunError,
    TaxYear,
    Tenant,
    VatReturn,
    Voucher,
    VoucherFile,
    VoucherSyncFailure,
)
from belegsync.store.sync_runs import RunCounts
from belegsync.store.voucher_failures import FailureNote, FailurePolicy
from belegsync.store.voucher_repository import (
    FileData,
    KnownVoucher,
    NewVoucher,
    PaymentItemData,
    VoucherData,
    VoucherUpsert,
)
from belegsync.sync.events_ports import EventsPort


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

    def iter_contacts(self, *, size: int = 250) -> AsyncIterator[Contact]: ...


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


class TenantsPort(Protocol):
    async def get(self, tenant_id: str) -> Tenant | None: ...

    async def tax_years(self, tenant_id: str) -> list[TaxYear]: ...

    async def latest_vat_return(self, tenant_id: str) -> VatReturn | None: ...


class ConnectionsPort(Protocol):
    async def get(self, connection_id: str) -> Connection | None: ...

    async def for_tenant(self, tenant_id: str) -> Connection | None: ...


class AuditPort(Protocol):
    async def add(
        self,
        *,
        tenant_id: str | None,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str | None,
        now: datetime,
        detail: dict[str, Any] | None = None,
    ) -> AuditLogEntry: ...


class SyncRunsPort(Protocol):
    async def claim(
        self,
        connection_id: str,
        *,
        trigger: SyncTrigger,
        full: bool,
        now: datetime,
        status: SyncRunStatus = "queued",
    ) -> SyncRun | None: ...

    async def get(self, run_id: str) -> SyncRun: ...

    async def latest_succeeded(self, connection_id: str) -> SyncRun | None: ...

    async def start(
        self, run_id: str, *, now: datetime, window_start: date | None, window_end: date | None
    ) -> SyncRun: ...

    async def acquire_lease(
        self, run_id: str, *, owner: str, now: datetime, expires_at: datetime
    ) -> bool: ...

    async def update_progress(
        self,
        run_id: str,
        *,
        now: datetime,
        done: int | None = None,
        total: int | None = None,
        counts: RunCounts | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> None: ...

    async def progress_with_lease(
        self,
        run_id: str,
        *,
        owner: str,
        now: datetime,
        expires_at: datetime,
        done: int | None = None,
        total: int | None = None,
    ) -> bool: ...

    async def record_error(
        self,
        run_id: str,
        *,
        code: str,
        message: str,
        now: datetime,
        voucher_lexware_id: str | None = None,
    ) -> SyncRunError: ...

    async def finish(
        self,
        run_id: str,
        *,
        status: SyncRunStatus,
        now: datetime,
        counts: RunCounts | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        report: dict[str, Any] | None = None,
    ) -> SyncRun: ...


class VouchersPort(Protocol):
    async def sync_states(self, tenant_id: str) -> dict[str, KnownVoucher]: ...

    async def by_lexware_id(self, tenant_id: str, lexware_id: str) -> Voucher | None: ...

    async def insert_new(
        self, tenant_id: str, batch: Sequence[NewVoucher], *, now: datetime
    ) -> set[str]: ...

    async def upsert(
        self, tenant_id: str, data: VoucherData, *, now: datetime, reason: str | None = None
    ) -> VoucherUpsert: ...

    async def replace_payment_items(
        self, voucher_id: str, items: Sequence[PaymentItemData]
    ) -> list[PaymentItem]: ...

    async def save_file(self, voucher_id: str, data: FileData, *, now: datetime) -> VoucherFile: ...

    async def remove_files_except(self, voucher_id: str, keep: frozenset[str]) -> int: ...

    async def record_list_change(
        self,
        voucher: Voucher,
        list_json: dict[str, Any],
        *,
        status: str,
        updated_at: datetime,
        now: datetime,
    ) -> None: ...

    async def flag_for_review(
        self, voucher: Voucher, *, reason: ReviewReason, detail: str | None, now: datetime
    ) -> None: ...


class VoucherFailuresPort(Protocol):
    async def for_tenant(self, tenant_id: str) -> dict[str, VoucherSyncFailure]: ...

    async def parked(self, tenant_id: str) -> list[VoucherSyncFailure]: ...

    async def record(
        self, tenant_id: str, note: FailureNote, *, policy: FailurePolicy, now: datetime
    ) -> VoucherSyncFailure: ...

    async def clear(self, tenant_id: str, lexware_ids: Iterable[str]) -> None: ...


class ContactsPort(Protocol):
    async def unknown(self, tenant_id: str) -> list[str]: ...

    async def store(
        self,
        tenant_id: str,
        listed: Iterable[ContactNumbers],
        *,
        unlisted: Iterable[str] = (),
        now: datetime,
    ) -> int: ...


class UnitOfWork(Protocol):
    """What the sync needs of a unit of work (``store.uow.UnitOfWork``; a fake in tests).

    Used as ``async with uow_factory() as uow``: work is rolled back unless committed.
    """

    @property
    def tenants(self) -> TenantsPort: ...

    @property
    def connections(self) -> ConnectionsPort: ...

    @property
    def audit(self) -> AuditPort: ...

    @property
    def sync_runs(self) -> SyncRunsPort: ...

    @property
    def vouchers(self) -> VouchersPort: ...

    @property
    def voucher_failures(self) -> VoucherFailuresPort: ...

    @property
    def contacts(self) -> ContactsPort: ...

    @property
    def events(self) -> EventsPort: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def savepoint(self) -> AbstractAsyncContextManager[object]: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None:
        """Undo everything since the last commit; the unit of work stays usable."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes units of work (``store.uow.UnitOfWorkFactory``): ``uow_factory()`` for work
    that writes, ``uow_factory.read_only()`` for reads (SQLite: no write lock, so a
    page never waits for an import or another sync)."""

    def __call__(self) -> UnitOfWork: ...

    def read_only(self) -> UnitOfWork: ...
