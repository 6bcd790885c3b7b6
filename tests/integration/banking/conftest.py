"""A migrated SQLite store per test (copied from one migrated template)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.migrate import upgrade
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.store_helpers import sqlite_url


@pytest.fixture(scope="session")
def banking_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("banking") / "template.sqlite3"
    upgrade(sqlite_url(path))
    return path


@pytest.fixture
async def uow_factory(banking_template: Path, tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    path = tmp_path / "belegsync.sqlite3"
    shutil.copyfile(banking_template, path)
    engine = create_engine(sqlite_url(path))
    yield UnitOfWorkFactory(create_session_factory(engine))
    await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 3, 8, 9, 0, tzinfo=UTC))


# The web stack (app, users of two tenants) for the bank pages.
from support.sync_harness import migrated_template  # noqa: E402
from support.web_stack import stack, web_template  # noqa: E402

__all__ = ["migrated_template", "stack", "web_template"]
