"""The reads of a matching run after a push or a sync find their rows by index, not by
walking all of the tenant's rows.

Such a walk costs nothing in a small test and grows with every voucher a client ever
had (about 15 ms each at 20,000 vouchers): SQLite, without statistics, preferred a
``(tenant_id, …)`` index over the one that finds the listed ids. Each statement the
repository sends is asked for its plan with the same parameters.

PostgreSQL plans by the statistics it keeps: only SQLite's plans are read here (the
module's database is SQLite alone).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory
from fakes.clock import FixedClock
from support.databases import sqlite_copy
from support.matching_helpers import tenant_with_links


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite database (this module only)."""
    return sqlite_copy(sqlite_template, tmp_path)


# a step of the plan that reads every row of the tenant (from an index on it) or of the table
_TENANT_WALK = re.compile(r"(USING (COVERING )?INDEX \w+ \(tenant_id=\?\)$)|^SCAN ")


async def _plans(
    uow_factory: UnitOfWorkFactory, read: Callable[[UnitOfWork], Awaitable[Any]]
) -> list[tuple[str, list[str]]]:
    """(statement, plan steps) of every SELECT that ``read`` sends."""
    engine = uow_factory.session_factory.kw["bind"]
    sent: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with uow_factory() as uow:
            await read(uow)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert sent, "the read sent no SELECT"
    plans = []
    async with engine.connect() as connection:
        for statement, parameters in sent:
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans.append((statement, [str(row[-1]) for row in rows]))
    return plans


def _walks(plans: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    return [
        (statement.split("\n")[0][:80], step)
        for statement, steps in plans
        for step in steps
        if _TENANT_WALK.search(step)
    ]


async def test_stale_vouchers_and_their_items_are_read_by_their_marker(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await tenant_with_links(uow_factory, clock)

    plans = await _plans(
        uow_factory, lambda uow: uow.matching.payment_sources(tenant_id, stale_only=True)
    )

    assert len(plans) == 2 and not _walks(plans)
    assert any("ix_vouchers_tenant_id_payments_stale" in " ".join(s) for _, s in plans)


async def test_payments_of_vouchers_are_read_by_voucher(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await tenant_with_links(uow_factory, clock)
    async with uow_factory() as uow:
        voucher_ids = [v.id for _, v in await uow.matching.payments(tenant_id)]

    plans = await _plans(
        uow_factory, lambda uow: uow.matching.stored_payments(tenant_id, voucher_ids)
    )

    assert not _walks(plans)


async def test_links_of_payments_and_transactions_are_read_by_their_ids(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await tenant_with_links(uow_factory, clock)
    async with uow_factory() as uow:
        links = await uow.matching.links(tenant_id)
    payment_ids = [link.expected_payment_id for link in links]
    txn_ids = [link.bank_transaction_id for link in links]

    plans = await _plans(
        uow_factory, lambda uow: uow.matching.links_touching(tenant_id, payment_ids, txn_ids)
    )

    assert len(plans) == 2 and not _walks(plans)


async def test_how_far_the_lines_reach_is_read_from_the_recent_lines_alone(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Per account its last booking and import: from the index on tenant and booking
    date, the newest line first (backwards, one row), then the lines of the last weeks
    alone (all of a tenant's 120,000 lines took 0.13–0.18 s a run on SQLite, these
    0.014 s); the statements by the tenant's few accounts."""
    tenant_id = await tenant_with_links(uow_factory, clock)

    plans = await _plans(uow_factory, lambda uow: uow.matching.account_lines(tenant_id))

    newest, recent, statements = (steps for _, steps in plans)
    index = "ix_bank_transactions_tenant_id_booking_date"
    assert newest == [f"SEARCH bank_transactions USING INDEX {index} (tenant_id=?)"]
    assert "LIMIT" in plans[0][0] and "ORDER BY bank_transactions.booking_date DESC" in plans[0][0]
    assert (
        recent[0]
        == f"SEARCH bank_transactions USING INDEX {index} (tenant_id=? AND booking_date>?)"
    )
    assert (
        statements[0].startswith("SEARCH bank_statements USING INDEX")
        and "(account_id=?)" in (statements[0])
    )
