"""An in-memory unit of work with the shape of ``belegsync.sync.ports.UnitOfWork``.

Rows are the store's model classes used as plain objects (never attached to a session).
Work is kept only if committed: entering takes a snapshot, leaving without a commit
(and an exception inside ``savepoint()``) puts it back. Like the real one, use a unit
of work from one task at a time.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from belegsync.store.contact_numbers import ContactNumbers
from belegsync.store.enums import ACTIVE_SYNC_RUN_STATUSES, SyncRunStatus, SyncTrigger
from belegsync.store.models import (
    AuditLogEntry,
    Connection,
    EventSubscription,
    LexwareEvent,
    PaymentItem,
    SyncRun,
    SyncRunError,
    TaxYear,
    Tenant,
    VatReturn,
    Voucher,
    VoucherFile,
    VoucherSyncFailure,
    new_id,
)
from belegsync.store.sync_runs import RunCounts, RunNotActive
from belegsync.store.voucher_failures import FailureNote, FailurePolicy, note_attempt
from belegsync.store.voucher_repository import (
    FileData,
    KnownFile,
    KnownVoucher,
    NewVoucher,
    PaymentItemData,
    UpsertOutcome,
    VoucherData,
    VoucherUpsert,
    voucher_content_hash,
)
from fakes.events import FakeEvents


@dataclass
class FakeData:
    """Everything the fake store holds; tests read and arrange it directly."""

    tenants: dict[str, Tenant] = field(default_factory=dict)
    tax_years: list[TaxYear] = field(default_factory=list)
    vat_returns: list[VatReturn] = field(default_factory=list)
    connections: dict[str, Connection] = field(default_factory=dict)
    runs: dict[str, SyncRun] = field(default_factory=dict)
    run_errors: list[SyncRunError] = field(default_factory=list)
    vouchers: dict[tuple[str, str], Voucher] = field(default_factory=dict)
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    payment_items: dict[str, list[PaymentItemData]] = field(default_factory=dict)
    files: dict[str, dict[str, VoucherFile]] = field(default_factory=dict)
    failures: dict[tuple[str, str], VoucherSyncFailure] = field(default_factory=dict)
    audit: list[AuditLogEntry] = field(default_factory=list)
    events: list[LexwareEvent] = field(default_factory=list)
    subscriptions: list[EventSubscription] = field(default_factory=list)
    # (tenant, Lexware contact id) → its numbers (``store.contact_numbers``)
    contacts: dict[tuple[str, str], ContactNumbers] = field(default_factory=dict)


class FakeStore:
    """The shared state behind every ``FakeUnitOfWork``; call it for a new one."""

    def __init__(self) -> None:
        self.data = FakeData()
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def read_only(self) -> FakeUnitOfWork:
        """A unit of work for reads: the fake has no locks, so the same one."""
        return FakeUnitOfWork(self)


class _Tenants:
    def __init__(self, data: FakeData) -> None:
        self.data = data

    async def get(self, tenant_id: str) -> Tenant | None:
        return self.data.tenants.get(tenant_id)

    async def tax_years(self, tenant_id: str) -> list[TaxYear]:
        return sorted((y for y in self.data.tax_years if y.tenant_id == tenant_id), key=_year)

    async def latest_vat_return(self, tenant_id: str) -> VatReturn | None:
        mine = [v for v in self.data.vat_returns if v.tenant_id == tenant_id]
        return max(mine, key=lambda v: v.last_day, default=None)


def _year(tax_year: TaxYear) -> int:
    return tax_year.year


class _Connections:
    def __init__(self, data: FakeData) -> None:
        self.data = data

    async def get(self, connection_id: str) -> Connection | None:
        return self.data.connections.get(connection_id)

    async def for_tenant(self, tenant_id: str) -> Connection | None:
        return next((c for c in self.data.connections.values() if c.tenant_id == tenant_id), None)


class _Audit:
    def __init__(self, data: FakeData) -> None:
        self.data = data

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
    ) -> AuditLogEntry:
        entry = AuditLogEntry(
            tenant_id=tenant_id,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=detail,
            created_at=now,
        )
        self.data.audit.append(entry)
        return entry


class _SyncRuns:
    def __init__(self, data: FakeData) -> None:
        self.data = data

    async def claim(
        self,
        connection_id: str,
        *,
        trigger: SyncTrigger,
        full: bool,
        now: datetime,
        status: SyncRunStatus = "queued",
    ) -> SyncRun | None:
        connection = self.data.connections[connection_id]
        if any(
            r.connection_id == connection_id and r.status in ACTIVE_SYNC_RUN_STATUSES
            for r in self.data.runs.values()
        ):
            return None
        run = SyncRun(
            id=new_id(),
            tenant_id=connection.tenant_id,
            connection_id=connection_id,
            trigger=trigger,
            status=status,
            full=full,
            queued_at=now,
            updated_at=now,
            done=0,
        )
        self.data.runs[run.id] = run
        return run

    async def get(self, run_id: str) -> SyncRun:
        return self.data.runs[run_id]

    async def latest_succeeded(self, connection_id: str) -> SyncRun | None:
        done = [
            r
            for r in self.data.runs.values()
            if r.connection_id == connection_id and r.status == "succeeded"
        ]
        return max(done, key=lambda r: r.finished_at or r.queued_at, default=None)

    async def start(
        self, run_id: str, *, now: datetime, window_start: date | None, window_end: date | None
    ) -> SyncRun:
        run = self.data.runs[run_id]
        if run.status not in ACTIVE_SYNC_RUN_STATUSES:
            raise RunNotActive(run_id)
        run.status, run.started_at, run.updated_at = "running", now, now
        run.window_start, run.window_end = window_start, window_end
        return run

    async def acquire_lease(
        self, run_id: str, *, owner: str, now: datetime, expires_at: datetime
    ) -> bool:
        run = self.data.runs[run_id]
        if run.status != "running" or run.lease_owner not in (None, owner):
            return False
        run.lease_owner, run.lease_expires_at, run.updated_at = owner, expires_at, now
        return True

    async def update_progress(
        self,
        run_id: str,
        *,
        now: datetime,
        done: int | None = None,
        total: int | None = None,
        counts: RunCounts | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> None:
        run = self.data.runs[run_id]
        run.done = run.done if done is None else done
        run.total = run.total if total is None else total
        run.updated_at = now

    async def progress_with_lease(
        self,
        run_id: str,
        *,
        owner: str,
        now: datetime,
        expires_at: datetime,
        done: int | None = None,
        total: int | None = None,
    ) -> bool:
        run = self.data.runs[run_id]
        if run.status != "running" or run.lease_owner != owner:
            return False
        await self.update_progress(run_id, now=now, done=done, total=total)
        run.lease_expires_at = expires_at
        return True

    async def record_error(
        self,
        run_id: str,
        *,
        code: str,
        message: str,
        now: datetime,
        voucher_lexware_id: str | None = None,
    ) -> SyncRunError:
        error = SyncRunError(
            run_id=run_id,
            voucher_lexware_id=voucher_lexware_id,
            code=code,
            message=message,
            created_at=now,
        )
        self.data.run_errors.append(error)
        return error

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
    ) -> SyncRun:
        run = self.data.runs[run_id]
        run.status, run.finished_at, run.updated_at = status, now, now
        run.error_code, run.error_message, run.report = error_code, error_message, report
        run.lease_expires_at = None
        if counts is not None:
            run.new_count, run.changed_count = counts.new, counts.changed
            run.unchanged_count, run.flagged_count = counts.unchanged, counts.flagged
            run.failed_count, run.api_calls = counts.failed, counts.api_calls
        return run


_VOUCHER_FIELDS = tuple(VoucherData.__dataclass_fields__)


class _Vouchers:
    def __init__(self, data: FakeData) -> None:
        self.data = data

    def _of(self, tenant_id: str) -> list[Voucher]:
        return [v for (t, _), v in self.data.vouchers.items() if t == tenant_id]

    async def sync_states(self, tenant_id: str) -> dict[str, KnownVoucher]:
        return {
            v.lexware_id: KnownVoucher(
                lexware_id=v.lexware_id,
                voucher_type=v.voucher_type,
                voucher_status=v.voucher_status,
                voucher_date=v.voucher_date,
                lexware_updated_at=v.lexware_updated_at,
                review_reason=v.review_reason,
                files=tuple(
                    KnownFile(f.lexware_file_id, f.sha256, f.media_type, f.size_bytes)
                    for f in self.data.files.get(v.id, {}).values()
                ),
            )
            for v in self._of(tenant_id)
        }

    async def by_lexware_id(self, tenant_id: str, lexware_id: str) -> Voucher | None:
        return self.data.vouchers.get((tenant_id, lexware_id))

    async def insert_new(
        self, tenant_id: str, batch: Sequence[NewVoucher], *, now: datetime
    ) -> set[str]:
        inserted: set[str] = set()
        for entry in batch:
            if (tenant_id, entry.data.lexware_id) in self.data.vouchers:
                continue  # ON CONFLICT DO NOTHING: a stored voucher is left alone
            result = await self.upsert(tenant_id, entry.data, now=now)
            await self.replace_payment_items(result.voucher.id, entry.payment_items)
            for row in entry.files:
                await self.save_file(result.voucher.id, row, now=now)
            inserted.add(entry.data.lexware_id)
        return inserted

    async def upsert(
        self, tenant_id: str, data: VoucherData, *, now: datetime, reason: str | None = None
    ) -> VoucherUpsert:
        if len(data.currency) > 3:
            # as the database refuses it: the column is VARCHAR(3)
            raise ValueError(f"value too long for currency: {data.currency!r}")
        digest = voucher_content_hash(data.raw_json, data.raw_payments_json)
        voucher = self.data.vouchers.get((tenant_id, data.lexware_id))
        if voucher is None:
            voucher = Voucher(
                id=new_id(),
                tenant_id=tenant_id,
                first_synced_at=now,
                content_hash=digest,
                **{f: getattr(data, f) for f in _VOUCHER_FIELDS},
            )
            voucher.last_synced_at = now
            self.data.vouchers[(tenant_id, data.lexware_id)] = voucher
            self._version(voucher, reason or "created", now)
            return VoucherUpsert(voucher, UpsertOutcome.NEW)
        voucher.last_synced_at = now
        if voucher.content_hash == digest:
            return VoucherUpsert(voucher, UpsertOutcome.UNCHANGED)
        for name in _VOUCHER_FIELDS:
            setattr(voucher, name, getattr(data, name))
        voucher.content_hash = digest
        self._version(voucher, reason or "changed", now)
        return VoucherUpsert(voucher, UpsertOutcome.CHANGED)

    def _version(self, voucher: Voucher, reason: str, now: datetime) -> None:
        self.data.versions.setdefault(voucher.id, []).append(
            {"reason": reason, "status": voucher.voucher_status, "captured_at": now}
        )

    async def replace_payment_items(
        self, voucher_id: str, items: Sequence[PaymentItemData]
    ) -> list[PaymentItem]:
        self.data.payment_items[voucher_id] = list(items)
        return []

    async def save_file(self, voucher_id: str, data: FileData, *, now: datetime) -> VoucherFile:
        row = VoucherFile(
            id=new_id(),
            voucher_id=voucher_id,
            lexware_file_id=data.lexware_file_id,
            sha256=data.sha256,
            media_type=data.media_type,
            filename=data.filename,
            size_bytes=data.size_bytes,
            created_at=now,
        )
        self.data.files.setdefault(voucher_id, {})[data.lexware_file_id] = row
        return row

    async def remove_files_except(self, voucher_id: str, keep: frozenset[str]) -> int:
        files = self.data.files.get(voucher_id, {})
        gone = [f for f in files if f not in keep]
        for file_id in gone:
            del files[file_id]
        return len(gone)

    async def record_list_change(
        self,
        voucher: Voucher,
        list_json: dict[str, Any],
        *,
        status: str,
        updated_at: datetime,
        now: datetime,
    ) -> None:
        voucher.voucher_status, voucher.lexware_updated_at = status, updated_at
        voucher.raw_list_json, voucher.last_synced_at = list_json, now
        self._version(voucher, f"status:{status}", now)

    async def flag_for_review(
        self, voucher: Voucher, *, reason: Any, detail: str | None, now: datetime
    ) -> None:
        if voucher.review_reason is None:
            voucher.review_flagged_at = now
        voucher.review_reason, voucher.review_detail = reason, detail


class _Failures:
    def __init__(self, data: FakeData) -> None:
        self.data = data

    async def for_tenant(self, tenant_id: str) -> dict[str, VoucherSyncFailure]:
        return {i: f for (t, i), f in self.data.failures.items() if t == tenant_id}

    async def parked(self, tenant_id: str) -> list[VoucherSyncFailure]:
        mine = (await self.for_tenant(tenant_id)).values()
        return sorted((f for f in mine if f.parked_at is not None), key=lambda f: f.lexware_id)

    async def record(
        self, tenant_id: str, note: FailureNote, *, policy: FailurePolicy, now: datetime
    ) -> VoucherSyncFailure:
        row = self.data.failures.get((tenant_id, note.lexware_id))
        if row is None:
            row = VoucherSyncFailure(
                tenant_id=tenant_id, lexware_id=note.lexware_id, attempts=0, first_failed_at=now
            )
            self.data.failures[(tenant_id, note.lexware_id)] = row
        note_attempt(row, note, policy=policy, now=now)
        return row

    async def clear(self, tenant_id: str, lexware_ids: Iterable[str]) -> None:
        for lexware_id in lexware_ids:
            self.data.failures.pop((tenant_id, lexware_id), None)


class _Contacts:
    def __init__(self, data: FakeData) -> None:
        self.data = data

    async def unknown(self, tenant_id: str) -> list[str]:
        named = {
            v.contact_id
            for (t, _), v in self.data.vouchers.items()
            if t == tenant_id and v.contact_id
        }
        return sorted(c for c in named if (tenant_id, c) not in self.data.contacts)

    async def store(
        self,
        tenant_id: str,
        listed: Iterable[ContactNumbers],
        *,
        unlisted: Iterable[str] = (),
        now: datetime,
    ) -> int:
        written = 0
        for entry in [*listed, *(ContactNumbers(c, None, None) for c in unlisted)]:
            if self.data.contacts.get((tenant_id, entry.lexware_id)) != entry:
                self.data.contacts[(tenant_id, entry.lexware_id)] = entry
                written += 1
        return written


class FakeUnitOfWork:
    _ids = itertools.count(1)

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._snapshot: FakeData | None = None

    @property
    def tenants(self) -> _Tenants:
        return _Tenants(self._store.data)

    @property
    def connections(self) -> _Connections:
        return _Connections(self._store.data)

    @property
    def audit(self) -> _Audit:
        return _Audit(self._store.data)

    @property
    def sync_runs(self) -> _SyncRuns:
        return _SyncRuns(self._store.data)

    @property
    def vouchers(self) -> _Vouchers:
        return _Vouchers(self._store.data)

    @property
    def voucher_failures(self) -> _Failures:
        return _Failures(self._store.data)

    @property
    def contacts(self) -> _Contacts:
        return _Contacts(self._store.data)

    @property
    def events(self) -> FakeEvents:
        return FakeEvents(self._store.data)

    async def __aenter__(self) -> Self:
        self._snapshot = copy.deepcopy(self._store.data)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:
            self._store.data = self._snapshot  # not committed: back to where we began
        self._snapshot = None

    @contextlib.asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[object]:
        before = copy.deepcopy(self._store.data)
        try:
            yield self
        except BaseException:
            self._store.data = before
            raise

    def savepoint(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._savepoint()

    async def commit(self) -> None:
        self._store.commits += 1
        self._snapshot = copy.deepcopy(self._store.data)

    async def rollback(self) -> None:
        if self._snapshot is not None:
            self._store.data = copy.deepcopy(self._snapshot)
