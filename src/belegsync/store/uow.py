"""The unit of work: one session, its repositories, and rollback unless committed."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from belegsync.store.accounts_repository import AccountRepository
from belegsync.store.banking_repository import AdviceRepository, BankingRepository
from belegsync.store.contact_numbers import ContactRepository
from belegsync.store.db import read_only
from belegsync.store.event_repository import EventRepository
from belegsync.store.matching_repository import MatchingRepository
from belegsync.store.notify_repository import NotifyRepository
from belegsync.store.overview import OverviewReads
from belegsync.store.repositories import (
    AuditRepository,
    ConnectionRepository,
    SyncRunRepository,
    TenantRepository,
    VoucherRepository,
)
from belegsync.store.staff_lists import StaffLists
from belegsync.store.tenant_reads import TenantReads
from belegsync.store.voucher_detail import Exports
from belegsync.store.voucher_failures import VoucherFailureRepository
from belegsync.store.voucher_pages import VoucherPages


class UnitOfWork:
    """An async context manager around one session.

    Work is rolled back on exit unless :meth:`commit` was called, so forgetting to
    commit (or raising) is safe. A unit of work may commit several times; each commit
    ends one short transaction and the next statement begins the next one. Use one
    unit of work per task: sessions must never be shared across ``asyncio.gather``.

    A read-only unit of work (:meth:`UnitOfWorkFactory.read_only`) begins its transaction
    without the write lock (SQLite: ``BEGIN DEFERRED``), so readers do not wait for each
    other or for a writer; it refuses :meth:`commit`.
    """

    session: AsyncSession
    tenants: TenantRepository
    connections: ConnectionRepository
    vouchers: VoucherRepository
    contacts: ContactRepository
    sync_runs: SyncRunRepository
    audit: AuditRepository
    banking: BankingRepository
    advices: AdviceRepository
    matching: MatchingRepository
    accounts: AccountRepository
    notify: NotifyRepository
    reads: TenantReads
    events: EventRepository
    voucher_failures: VoucherFailureRepository
    # Read models of the overviews, the staff lists and the exports.
    overview: OverviewReads
    staff_lists: StaffLists
    exports: Exports
    voucher_pages: VoucherPages

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        read_bind: AsyncEngine | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._read_bind = read_bind
        self.read_only = read_bind is not None
        self.committed = False

    async def __aenter__(self) -> Self:
        if self._read_bind is not None:
            self.session = self._session_factory(bind=self._read_bind)
        else:
            self.session = self._session_factory()
        self.tenants = TenantRepository(self.session)
        self.connections = ConnectionRepository(self.session)
        self.vouchers = VoucherRepository(self.session)
        self.contacts = ContactRepository(self.session)
        self.sync_runs = SyncRunRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.banking = BankingRepository(self.session)
        self.advices = AdviceRepository(self.session)
        self.matching = MatchingRepository(self.session)
        self.accounts = AccountRepository(self.session)
        self.notify = NotifyRepository(self.session)
        self.reads = TenantReads(self.session)
        self.events = EventRepository(self.session)
        self.voucher_failures = VoucherFailureRepository(self.session)
        self.overview = OverviewReads(self.session)
        self.staff_lists = StaffLists(self.session)
        self.exports = Exports(self.session)
        self.voucher_pages = VoucherPages(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and releases the connection.
        # Unlike rollback() it does not expire the loaded objects, so rows read or
        # committed in this unit of work stay readable after it ends.
        await self.session.close()

    async def commit(self) -> None:
        """Commit everything done since the last commit."""
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        await self.session.commit()
        self.committed = True
        await self.banking.renew_statistics()

    def savepoint(self) -> AbstractAsyncContextManager[object]:
        """A nested transaction: an exception inside undoes only what it did."""
        return self.session.begin_nested()

    async def rollback(self) -> None:
        await self.session.rollback()


class UnitOfWorkFactory:
    """Creates a fresh :class:`UnitOfWork` per call: ``async with uow_factory() as uow``,
    or one that only reads: ``async with uow_factory.read_only() as uow``."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        bind = session_factory.kw.get("bind")
        self._read_bind = read_only(bind) if isinstance(bind, AsyncEngine) else None

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def read_only(self) -> UnitOfWork:
        """A unit of work for reads: no write lock, no commit."""
        if self._read_bind is None:
            return UnitOfWork(self.session_factory)
        return UnitOfWork(self.session_factory, read_bind=self._read_bind)
