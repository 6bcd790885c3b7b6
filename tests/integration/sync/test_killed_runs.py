"""A run killed at a random point, recovered as stale, then run again: the result equals a
clean sync, with no duplicates and without refetching what was already stored."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import httpx
import pytest

from support.sync_harness import Harness, HarnessFactory, clean_sync

# Small enough for many seeds; the large one has more paid vouchers than the engine
# writes in one batch, so a late kill finds some of them committed.
SMALL_WORLD = {"vouchers": 30, "voucher_seed": 5}
LARGE_WORLD = {"vouchers": 100, "voucher_seed": 5}
YEARS = (2024, 2025, 2026)


class ProcessKilled(BaseException):
    """A kill that no ``except Exception`` in the engine can swallow."""


def kill_after(harness: Harness, requests: int, *, cancel: bool) -> None:
    """From request ``requests + 1`` on, every request dies (the process is gone)."""
    harness.transport.requests = 0

    async def hook(request: httpx.Request) -> httpx.Response | None:
        if harness.transport.requests > requests:
            if cancel:
                raise asyncio.CancelledError()
            raise ProcessKilled()
        return None

    harness.transport.hook = hook


async def kill_and_resume(
    factory: HarnessFactory,
    world: dict[str, int],
    *,
    kill_at: int,
    cancel: bool,
    concurrency: int,
) -> int:
    """Kill the first run after ``kill_at`` requests, recover it, run again, compare with
    a clean sync. Returns how many vouchers the killed run had stored."""
    expected, _ = await clean_sync(factory, years=YEARS, **world)
    async with factory(**world, concurrency=concurrency) as harness:
        await harness.add_tenant(open_tax_years=list(YEARS))
        await harness.connect()
        kill_after(harness, kill_at, cancel=cancel)

        with pytest.raises((asyncio.CancelledError, ProcessKilled)):
            await harness.sync()

        stored_before = set(await harness.vouchers())
        harness.transport.hook = None
        harness.clock.advance(minutes=30)
        async with harness.uow_factory() as uow:
            recovered = await uow.sync_runs.recover_stale_runs(
                before=harness.clock.now() + timedelta(seconds=1), now=harness.clock.now()
            )
            await uow.commit()
        assert [r.status for r in recovered] == ["failed_transient"]
        await harness.reset_counters()

        outcome = await harness.sync()

        assert outcome.status == "succeeded"
        snapshot = await harness.snapshot()
        assert snapshot == expected
        assert len({r["id"] for r in snapshot}) == len(snapshot)
        for row in snapshot:
            file_ids = [f["lexware_file_id"] for f in row["files"]]
            assert len(set(file_ids)) == len(file_ids)
        # What the killed run stored completely is not fetched again.
        assert await harness.detail_calls() == len(expected) - len(stored_before)
        assert outcome.counts.new == len(expected) - len(stored_before)
        return len(stored_before)


@pytest.mark.parametrize("seed", range(15))
async def test_a_run_killed_at_a_random_point_ends_like_a_clean_sync(
    harness_factory: HarnessFactory, seed: int
) -> None:
    _, clean_requests = await clean_sync(harness_factory, years=YEARS, **SMALL_WORLD)
    rng = random.Random(seed)
    await kill_and_resume(
        harness_factory,
        SMALL_WORLD,
        kill_at=rng.randrange(1, clean_requests),
        cancel=seed % 2 == 0,
        concurrency=1 + 2 * (seed % 3 == 0),
    )


@pytest.mark.parametrize("cancel", [False, True])
async def test_a_run_killed_after_a_committed_batch_does_not_refetch_it(
    harness_factory: HarnessFactory, cancel: bool
) -> None:
    expected, clean_requests = await clean_sync(harness_factory, years=YEARS, **LARGE_WORLD)
    # One worker: the batch commit completes before the next fetch starts.
    stored = await kill_and_resume(
        harness_factory, LARGE_WORLD, kill_at=clean_requests - 4, cancel=cancel, concurrency=1
    )
    assert 0 < stored < len(expected)
