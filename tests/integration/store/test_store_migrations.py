from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from belegsync.store.db import create_engine
from belegsync.store.migrate import current_revisions, downgrade, head_revisions, upgrade
from belegsync.store.models import ONE_ACTIVE_RUN_INDEX, Base
from support.store_helpers import run_in_thread


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
