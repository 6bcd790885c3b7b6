"""The sync tests run on SQLite and on PostgreSQL (skipped with the reason when no
server is reachable). Extra harnesses in a test (a clean reference sync) use SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from support.databases import (
    BACKENDS,
    clean_pg_url,
    make_pg_database,
    migrated_pg_url,
    pg_admin,
)
from support.sync_harness import Harness, harness_factory, migrated_template, open_harness

__all__ = [
    "clean_pg_url",
    "harness",
    "harness_factory",
    "make_pg_database",
    "migrated_pg_url",
    "migrated_template",
    "pg_admin",
]


@pytest.fixture(params=BACKENDS)
def harness_database_url(request: pytest.FixtureRequest) -> str | None:
    """``None``: a SQLite copy of the migrated template; else an emptied PostgreSQL."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("clean_pg_url")
    return url


@pytest.fixture
async def harness(
    harness_database_url: str | None, tmp_path: Path, migrated_template: Path
) -> AsyncIterator[Harness]:
    async with open_harness(
        tmp_path / "main", migrated_template, database_url=harness_database_url
    ) as h:
        yield h
