"""A large statement imported after another finds its lines already stored by their
import hash on PostgreSQL, not by reading every line of the account.

PostgreSQL plans by the statistics ANALYZE keeps, and autovacuum renews them a minute
or more after a large insert. A second statement of 40,000 lines uploaded right after
the first was looked up 500 hashes at a time through the account's amount index, as
if the table were empty: every line of the account read per lookup, 61 s instead of
7 s. A large insert now renews the statistics at once (its effect on the plan shows at
volume only: at a test's few thousand lines either plan is quick).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from structlog.testing import capture_logs

from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.migrate import upgrade
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import push
from support.store_helpers import add_tenant

pytestmark = pytest.mark.postgres


def _lines(first: int, count: int) -> list[dict[str, Any]]:
    start = date(2024, 1, 1)
    return [
        {
            "booking_date": (start + timedelta(days=k % 700)).isoformat(),
            "amount": f"-{k % 900 + 1}.{k % 100:02d}",
            "counterparty_name": f"Lieferant {k % 50}",
            "remittance": f"Rechnung {k:06d}",
        }
        for k in range(first, first + count)
    ]


@pytest.fixture
def fresh_pg_url(make_pg_database: Callable[[], str]) -> str:
    """A new migrated database: its tables were never analysed."""
    url = make_pg_database()
    upgrade(url)
    return url


async def test_a_large_statement_leaves_statistics_of_its_lines(
    fresh_pg_url: str,
) -> None:
    engine = create_engine(fresh_pg_url)
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    clock = FixedClock(datetime(2024, 3, 8, 9, 0, tzinfo=UTC))
    try:
        tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")

        assert (await push(uow_factory, clock, tenant_id, _lines(0, 3000))).added == 3000
        # what the planner expects of the account's lines: with the statistics of the
        # insert, about what it holds; before, next to nothing (1)
        async with engine.connect() as connection:
            account_id = (
                await connection.exec_driver_sql("SELECT id FROM bank_accounts")
            ).scalar_one()
            plan = (
                await connection.exec_driver_sql(
                    "EXPLAIN (FORMAT JSON) SELECT import_hash FROM bank_transactions "
                    "WHERE account_id = %(account)s",
                    {"account": account_id},
                )
            ).scalar_one()
        expected_rows = plan[0]["Plan"]["Plan Rows"]
        assert 2400 <= expected_rows <= 3600, plan
        # and the next push finds the half it holds already
        assert (await push(uow_factory, clock, tenant_id, _lines(1500, 3000))).added == 1500
    finally:
        await engine.dispose()


async def test_statistics_that_cannot_be_renewed_leave_the_import_standing(
    fresh_pg_url: str,
) -> None:
    """The ANALYZE after a large import is best effort: killed while it waits for
    another transaction's lock on the table, the import it follows stays committed, the
    push answers as usual, and a warning is logged."""
    engine = create_engine(fresh_pg_url)
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    clock = FixedClock(datetime(2024, 3, 8, 9, 0, tzinfo=UTC))
    try:
        tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
        async with engine.connect() as holder:
            # a lock inserts pass and ANALYZE waits for
            await holder.exec_driver_sql(
                "LOCK TABLE bank_transactions IN SHARE UPDATE EXCLUSIVE MODE"
            )
            with capture_logs() as logs:
                pushed = asyncio.create_task(push(uow_factory, clock, tenant_id, _lines(0, 3000)))
                waiting = None
                for _ in range(200):
                    # the holder's transaction keeps one view of the activity unless cleared
                    await holder.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
                    waiting = (
                        await holder.exec_driver_sql(
                            "SELECT pid FROM pg_stat_activity WHERE query LIKE 'ANALYZE%%' "
                            "AND wait_event_type = 'Lock'"
                        )
                    ).scalar()
                    if waiting is not None:
                        break
                    await asyncio.sleep(0.05)
                assert waiting is not None, "the ANALYZE never waited"
                await holder.exec_driver_sql(f"SELECT pg_terminate_backend({int(waiting)})")
                result = await pushed
            await holder.rollback()
        async with uow_factory.read_only() as uow:
            stored = len((await uow.matching.transaction_columns(tenant_id))["id"])
    finally:
        await engine.dispose()

    assert result.added == 3000 and stored == 3000
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == ["statistics_not_renewed"]
