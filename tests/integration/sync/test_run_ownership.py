"""A run's owner is provably alive: a dead one is taken over at once, an unexpected error
or an unreadable key never leaves a run "running"."""

from __future__ import annotations

import dataclasses
import socket
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from belegsync.jobs.embedded import claim_run
from belegsync.store.secrets import KeyRing
from belegsync.sync.engine import execute_run, renew_lease
from support.sync_harness import Harness


class ProcessKilled(BaseException):
    """A kill that no ``except Exception`` in the engine can swallow."""


async def _killed_run(harness: Harness) -> str:
    """Start a first sync and kill it after a few requests; return its run id."""
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    harness.transport.requests = 0

    async def kill(request: httpx.Request) -> httpx.Response | None:
        if harness.transport.requests > 5:
            raise ProcessKilled()
        return None

    harness.transport.hook = kill
    run_id = await claim_run(
        harness.uow_factory, harness.clock, await harness.connection_id(), trigger="cli"
    )
    assert run_id is not None
    with pytest.raises(ProcessKilled):
        await execute_run(harness.deps, run_id)
    harness.transport.hook = None
    async with harness.uow_factory() as uow:
        run = await uow.sync_runs.get(run_id)
        assert run.status == "running"
        assert run.lease_owner == harness.deps.owner
    return run_id


async def _set_owner(harness: Harness, run_id: str, owner: str) -> None:
    async with harness.uow_factory() as uow:
        run = await uow.sync_runs.get(run_id)
        run.lease_owner = owner
        await uow.commit()


async def test_a_run_whose_owner_lives_and_holds_its_lease_blocks_the_next_claim(
    harness: Harness,
) -> None:
    await _killed_run(harness)
    harness.clock.advance(seconds=harness.deps.lease_seconds / 2)

    assert (
        await claim_run(
            harness.uow_factory, harness.clock, await harness.connection_id(), trigger="cli"
        )
        is None
    )


async def test_a_run_whose_lease_ran_out_is_taken_over_by_the_next_claim(
    harness: Harness,
) -> None:
    killed = await _killed_run(harness)
    harness.clock.advance(seconds=harness.deps.lease_seconds + 1)

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    async with harness.uow_factory() as uow:
        old = await uow.sync_runs.get(killed)
    assert (old.status, old.error_code) == ("failed_transient", "sync_interrupted")
    assert old.lease_expires_at is None


async def test_a_run_whose_owner_process_is_gone_is_taken_over_at_once(
    harness: Harness, tmp_path: Path
) -> None:
    killed = await _killed_run(harness)
    # A process on this host that no longer runs (pid beyond pid_max, or long gone).
    await _set_owner(harness, killed, f"{socket.gethostname()}:{2**22 + 17}:123")

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    async with harness.uow_factory() as uow:
        assert (await uow.sync_runs.get(killed)).status == "failed_transient"


async def test_a_run_owned_on_another_host_waits_for_its_lease(harness: Harness) -> None:
    killed = await _killed_run(harness)
    await _set_owner(harness, killed, "other-host.example:4242:99")
    connection_id = await harness.connection_id()

    assert await claim_run(harness.uow_factory, harness.clock, connection_id, trigger="cli") is None
    harness.clock.advance(seconds=harness.deps.lease_seconds + 1)
    assert await claim_run(harness.uow_factory, harness.clock, connection_id, trigger="cli")


async def test_an_unexpected_error_ends_the_run_and_keeps_the_connection(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()

    async def bug(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.startswith("/v1/payments"):
            raise RuntimeError("a bug, not a Lexware error")
        return None

    harness.transport.hook = bug
    outcome = await harness.sync()

    assert (outcome.status, outcome.error_code) == ("failed", "sync_internal_error")
    async with harness.uow_factory() as uow:
        assert await uow.sync_runs.active_run(await harness.connection_id()) is None
    assert (await harness.connection_row()).state == "active"
    harness.transport.hook = None
    harness.clock.advance(minutes=1)
    assert (await harness.sync()).status == "succeeded"


async def test_a_wrong_key_file_ends_the_run_with_a_clear_message(
    harness: Harness, tmp_path: Path
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    other = KeyRing.load_or_create(tmp_path / "other.key", allow_create=True)
    harness.deps = dataclasses.replace(harness.deps, cipher=other)
    harness.transport.requests = 0

    outcome = await harness.sync()

    assert (outcome.status, outcome.error_code) == ("failed", "key_unreadable")
    assert outcome.error_message is not None and "secrets.key" in outcome.error_message
    async with harness.uow_factory() as uow:
        assert await uow.sync_runs.active_run(await harness.connection_id()) is None
    assert harness.transport.requests == 0


async def test_a_live_owner_renews_its_lease(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    run_id = await claim_run(
        harness.uow_factory, harness.clock, await harness.connection_id(), trigger="cli"
    )
    assert run_id is not None
    async with harness.uow_factory() as uow:
        await uow.sync_runs.start(
            run_id, now=harness.clock.now(), window_start=None, window_end=None
        )
        await uow.commit()
    assert await renew_lease(harness.deps, run_id)
    harness.clock.advance(seconds=30)
    assert await renew_lease(harness.deps, run_id)
    async with harness.uow_factory() as uow:
        run = await uow.sync_runs.get(run_id)
    assert run.lease_expires_at == harness.clock.now() + timedelta(
        seconds=harness.deps.lease_seconds
    )
    # Another process cannot renew it while the lease holds.
    stranger = dataclasses.replace(harness.deps, owner="other-host.example:1:1")
    assert not await renew_lease(stranger, run_id)
