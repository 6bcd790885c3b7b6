from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, select

from belegsync.banking import import_statement
from belegsync.domain.line_keys import KEYS_VERSION, line_keys
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.migrate import current_revisions, downgrade, head_revisions, upgrade
from belegsync.store.models import ONE_ACTIVE_RUN_INDEX, BankTransaction, Base
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.store_helpers import add_tenant, run_in_thread
from unit.banking.fixtures import fixture


def _schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _sync_run_indexes(connection: Connection) -> dict[str, bool]:
    return {
        index["name"]: bool(index["unique"])
        for index in inspect(connection).get_indexes("sync_runs")
        if index["name"]
    }


async def _inspect(url: str, function: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(function)
    finally:
        await engine.dispose()


async def test_upgrade_matches_models_and_downgrade_removes_everything(
    empty_database_url: str,
) -> None:
    await run_in_thread(upgrade, empty_database_url)

    # Every head: parallel lines of work meet before they are merged.
    assert await current_revisions(empty_database_url) == head_revisions()
    tables = await _inspect(empty_database_url, _table_names)
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert await _inspect(empty_database_url, _schema_diff) == []
    indexes = await _inspect(empty_database_url, _sync_run_indexes)
    assert indexes[ONE_ACTIVE_RUN_INDEX] is True

    await run_in_thread(downgrade, empty_database_url, "base")

    assert await current_revisions(empty_database_url) == frozenset()
    assert await _inspect(empty_database_url, _table_names) <= {"alembic_version"}

    # And up again: downgrade left nothing behind that would collide.
    await run_in_thread(upgrade, empty_database_url)
    assert await _inspect(empty_database_url, _schema_diff) == []


async def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    await run_in_thread(upgrade, database_url)

    assert await current_revisions(database_url) == head_revisions()


async def test_the_line_keys_migration_keys_the_lines_stored_before(
    empty_database_url: str,
) -> None:
    """Lines imported before their keys were stored get them from the migration (as the
    import works them out), so matching reads integers for them too."""
    await run_in_thread(upgrade, empty_database_url)
    engine = create_engine(empty_database_url)
    try:
        uow_factory = UnitOfWorkFactory(create_session_factory(engine))
        tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
        clock = FixedClock(datetime(2024, 3, 8, 9, 0, tzinfo=UTC))
        await import_statement(
            uow_factory=uow_factory,
            clock=clock,
            tenant_id=tenant_id,
            filename="umsatz.sta",
            data=fixture("mt940_sparkasse.sta"),
            actor="test",
        )
    finally:
        await engine.dispose()
    await run_in_thread(downgrade, empty_database_url, "0023_lexware_contacts")
    await run_in_thread(upgrade, empty_database_url)

    engine = create_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            lines = (await connection.execute(select(BankTransaction.__table__))).mappings().all()
    finally:
        await engine.dispose()
    assert len(lines) == 6
    for line in lines:
        keys = line_keys(
            line["counterparty_name"],
            line["counterparty_iban"],
            line["creditor_id"],
            line["amount_cents"],
        )
        assert (line["name_key"], line["name_words"], line["iban_key"]) == (
            keys.name,
            keys.words,
            keys.iban,
        )
        assert (line["creditor_key"], line["keys_version"]) == (keys.creditor, KEYS_VERSION)
    assert any(line["name_key"] for line in lines)
