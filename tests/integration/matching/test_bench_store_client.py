"""The benchmark's runs through the store, at a tiny scale: they must run at all.

``bench/matching.py --only incremental`` broke with ``LinksNotLocked`` when every link
writer had to take the client's links lock: its set-up wrote links without it, and no
test ran it, so the figures of the incremental target could not be printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from matching_data.store_client import migrated_database, time_incremental, time_volume


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A new SQLite database at the newest schema (migrated outside the test's loop)."""
    return migrated_database(tmp_path)


async def test_the_incremental_bench_runs(url: str) -> None:
    found = await time_incremental(url, vouchers=300, new=20, changed=5)

    for key in ("incremental", "after_sync", "with_rebuild"):
        assert found[f"{key}_seconds"] > 0
        assert found[f"{key}_auto_links"] >= 0
    assert found["confirmation_seconds"] > 0


async def test_the_volume_bench_runs(url: str) -> None:
    found = await time_volume(url, vouchers=50, lines=400, new=100)

    assert found and all(value >= 0 for value in found.values())
