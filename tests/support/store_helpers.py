"""Helpers shared by the store integration tests."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from belegsync.store.db import create_session_factory
from belegsync.store.repositories import VoucherData
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another process's write transaction on the SQLite file (as a long import's),
    held for the block."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


class LockedAfter(UnitOfWorkFactory):
    """A unit-of-work factory whose writes find another process holding SQLite's write
    lock (as a long import's) from the ``after``-th write on once armed: a request
    whose first write committed meets the lock in its next one, as when an import
    finished and a sync took the lock before the matching that follows."""

    def __init__(self, engine: Any, path: Any) -> None:
        super().__init__(create_session_factory(engine))
        self._path = path
        self._left: int | None = None
        self._other: sqlite3.Connection | None = None

    def arm(self, after: int) -> None:
        self._left = after

    @property
    def holding(self) -> bool:
        """Whether the other process holds the lock now."""
        return self._other is not None

    def release(self) -> None:
        if self._other is not None:
            self._other.execute("ROLLBACK")
            self._other.close()
        self._other, self._left = None, None

    def __call__(self) -> UnitOfWork:
        if self._left is not None:
            if self._left == 0 and self._other is None:
                self._other = sqlite3.connect(
                    self._path, isolation_level=None, check_same_thread=False
                )
                self._other.execute("BEGIN IMMEDIATE")
            self._left -= 1
        return super().__call__()


async def add_tenant(uow_factory: UnitOfWorkFactory, name: str) -> tuple[str, str]:
    """Creates a tenant with a connection; returns (tenant_id, connection_id)."""
    async with uow_factory() as uow:
        tenant = await uow.tenants.add(name=name, now=NOW)
        connection = await uow.connections.get_or_create(tenant.id, now=NOW)
        await uow.commit()
        return tenant.id, connection.id


def voucher_data(lexware_id: str, **changes: Any) -> VoucherData:
    raw = {"id": lexware_id, "voucherStatus": "paid", "totalGrossAmount": "119.00"}
    fields: dict[str, Any] = {
        "lexware_id": lexware_id,
        "voucher_type": "purchaseinvoice",
        "voucher_status": "paid",
        "voucher_number": f"RE-{lexware_id[:4]}",
        "voucher_date": date(2024, 3, 1),
        "due_date": None,
        "contact_name": "Bürobedarf GmbH",
        "contact_id": None,
        "total_gross_cents": 11900,
        "total_tax_cents": 1900,
        "open_amount_cents": 0,
        "currency": "EUR",
        "paid_date": date(2024, 3, 5),
        "lexware_updated_at": datetime(2024, 3, 5, 10, 0, tzinfo=UTC),
        "lexware_version": 1,
        "raw_json": raw,
        "raw_list_json": {"id": lexware_id},
        "raw_payments_json": {"paymentItems": []},
    }
    fields.update(changes)
    return VoucherData(**fields)


def run_in_thread(function: Callable[..., None], *args: Any) -> Any:
    """Alembic commands run their own event loop, so async tests call them in a thread."""
    return asyncio.to_thread(function, *args)


def line_key_updates(statements: list[str]) -> int:
    """How many of the ``statements`` stored lines' keys afterwards (an UPDATE of
    ``line_keys``: the lines were stored without them)."""
    return sum("line_keys" in s and s.lstrip().upper().startswith("UPDATE") for s in statements)


@contextmanager
def recorded_statements(uow_factory: UnitOfWorkFactory) -> Iterator[list[str]]:
    """The SQL statements the factory's engine runs inside the block, in order."""
    statements: list[str] = []
    engine = uow_factory.session_factory.kw["bind"].sync_engine

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
