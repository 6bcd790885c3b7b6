from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from belegsync.store.errors import NotFound
from belegsync.store.models import SyncRun
from belegsync.store.sync_runs import RunCounts
from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import NOW, add_tenant

CLAIMS = 8


async def _claim(
    uow_factory: UnitOfWorkFactory, connection_id: str, barrier: asyncio.Barrier
) -> str | None:
    # Every claimant gets its own unit of work (and connection); the barrier makes them
    # start together so the database, not the event loop, decides the winner.
    async with uow_factory() as uow:
        await barrier.wait()
        run = await uow.sync_runs.claim(connection_id, trigger="schedule", full=False, now=NOW)
        await uow.commit()
        return None if run is None else run.id


async def _active_runs(uow_factory: UnitOfWorkFactory, connection_id: str) -> int:
    async with uow_factory() as uow:
        count = await uow.session.scalar(
            select(func.count())
            .select_from(SyncRun)
            .where(SyncRun.connection_id == connection_id)
            .where(SyncRun.status.in_(["queued", "running"]))
        )
        return count or 0


async def test_concurrent_claims_let_exactly_one_win(uow_factory: UnitOfWorkFactory) -> None:
    _, connection_id = await add_tenant(uow_factory, "Parallel GmbH")
    barrier = asyncio.Barrier(CLAIMS)

    results = await asyncio.gather(
        *(_claim(uow_factory, connection_id, barrier) for _ in range(CLAIMS))
    )

    winners = [run_id for run_id in results if run_id is not None]
    assert len(winners) == 1
    assert await _active_runs(uow_factory, connection_id) == 1


async def test_claims_for_different_connections_do_not_block_each_other(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _, first = await add_tenant(uow_factory, "Erste GmbH")
    _, second = await add_tenant(uow_factory, "Zweite GmbH")
    async with uow_factory() as uow:
        run_a = await uow.sync_runs.claim(first, trigger="manual", full=False, now=NOW)
        run_b = await uow.sync_runs.claim(second, trigger="manual", full=True, now=NOW)
        await uow.commit()

    assert run_a is not None
    assert run_b is not None
    assert run_b.tenant_id != run_a.tenant_id


async def test_losing_claim_leaves_the_transaction_usable(uow_factory: UnitOfWorkFactory) -> None:
    tenant_id, connection_id = await add_tenant(uow_factory, "Savepoint KG")
    async with uow_factory() as uow:
        first = await uow.sync_runs.claim(connection_id, trigger="cli", full=False, now=NOW)
        second = await uow.sync_runs.claim(connection_id, trigger="manual", full=False, now=NOW)
        await uow.audit.add(
            tenant_id=tenant_id,
            actor="staff:anna",
            action="sync_requested",
            subject_type="connection",
            subject_id=connection_id,
            now=NOW,
        )
        await uow.commit()

    assert first is not None
    assert second is None
    async with uow_factory() as uow:
        assert (await uow.sync_runs.get(first.id)).status == "queued"
        assert await uow.sync_runs.active_run(connection_id) is not None


async def test_finished_run_frees_the_connection(uow_factory: UnitOfWorkFactory) -> None:
    _, connection_id = await add_tenant(uow_factory, "Fertig GmbH")
    async with uow_factory() as uow:
        run = await uow.sync_runs.claim(connection_id, trigger="manual", full=False, now=NOW)
        assert run is not None
        await uow.sync_runs.start(
            run.id, now=NOW, window_start=NOW.date().replace(month=1, day=1), window_end=NOW.date()
        )
        await uow.sync_runs.update_progress(
            run.id, now=NOW, done=3, total=10, checkpoint={"stored": ["a", "b", "c"]}
        )
        await uow.sync_runs.record_error(
            run.id, code="file_missing", message="404", voucher_lexware_id="b", now=NOW
        )
        await uow.sync_runs.finish(
            run.id,
            status="succeeded",
            now=NOW + timedelta(minutes=2),
            counts=RunCounts(new=2, changed=1, failed=1, api_calls=9),
            report={"duration_seconds": 120},
        )
        await uow.commit()

    async with uow_factory() as uow:
        finished = await uow.sync_runs.get(run.id)
        errors = await uow.sync_runs.errors(run.id)
        again = await uow.sync_runs.claim(connection_id, trigger="schedule", full=False, now=NOW)
        await uow.commit()

    assert (finished.status, finished.new_count, finished.failed_count) == ("succeeded", 2, 1)
    assert finished.checkpoint == {"stored": ["a", "b", "c"]}
    assert finished.finished_at == NOW + timedelta(minutes=2)
    assert [(error.voucher_lexware_id, error.code) for error in errors] == [("b", "file_missing")]
    assert again is not None


async def test_claim_for_unknown_connection_raises_not_found(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.sync_runs.claim("no-such-connection", trigger="cli", full=False, now=NOW)


async def test_stale_runs_are_recovered_as_failed_transient(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _, stale_connection = await add_tenant(uow_factory, "Absturz GmbH")
    _, live_connection = await add_tenant(uow_factory, "Lebendig GmbH")
    async with uow_factory() as uow:
        stale = await uow.sync_runs.claim(
            stale_connection, trigger="schedule", full=False, now=NOW, status="running"
        )
        live = await uow.sync_runs.claim(
            live_connection, trigger="schedule", full=False, now=NOW, status="running"
        )
        assert stale is not None
        assert live is not None
        await uow.sync_runs.update_progress(live.id, now=NOW + timedelta(minutes=20), done=1)
        await uow.commit()

    later = NOW + timedelta(minutes=30)
    async with uow_factory() as uow:
        recovered = await uow.sync_runs.recover_stale_runs(
            before=later - timedelta(minutes=15), now=later
        )
        await uow.commit()

    assert [run.id for run in recovered] == [stale.id]
    async with uow_factory() as uow:
        assert (await uow.sync_runs.get(stale.id)).status == "failed_transient"
        assert (await uow.sync_runs.get(live.id)).status == "running"
        # The crashed run no longer blocks its connection.
        assert await uow.sync_runs.claim(stale_connection, trigger="cli", full=False, now=later)


async def test_database_rejects_a_second_active_run_inserted_directly(
    uow_factory: UnitOfWorkFactory,
) -> None:
    tenant_id, connection_id = await add_tenant(uow_factory, "Direkt GmbH")

    def run(status: str) -> SyncRun:
        return SyncRun(
            tenant_id=tenant_id,
            connection_id=connection_id,
            trigger="cli",
            status=status,
            full=False,
            queued_at=NOW,
            updated_at=NOW,
        )

    async with uow_factory() as uow:
        uow.session.add_all([run("succeeded"), run("failed"), run("queued")])
        await uow.session.flush()  # finished runs do not count
        uow.session.add(run("running"))
        with pytest.raises(IntegrityError):
            await uow.session.flush()


async def test_progress_renews_the_lease_only_for_the_runs_owner(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _, connection_id = await add_tenant(uow_factory, "Eigner GmbH")
    owner, later = "host:1:1", NOW + timedelta(minutes=1)
    async with uow_factory() as uow:
        run = await uow.sync_runs.claim(
            connection_id, trigger="schedule", full=False, now=NOW, status="running"
        )
        assert run is not None
        assert await uow.sync_runs.acquire_lease(
            run.id, owner=owner, now=NOW, expires_at=NOW + timedelta(seconds=90)
        )
        await uow.commit()

    async with uow_factory() as uow:
        held = await uow.sync_runs.progress_with_lease(
            run.id, owner=owner, now=later, expires_at=later + timedelta(seconds=90), done=7
        )
        stranger = await uow.sync_runs.progress_with_lease(
            run.id, owner="host:2:2", now=later, expires_at=later + timedelta(hours=1), done=99
        )
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.sync_runs.get(run.id)
        assert (held, stranger) == (True, False)
        assert (stored.done, stored.lease_owner) == (7, owner)
        assert stored.lease_expires_at == later + timedelta(seconds=90)
        assert stored.updated_at == later
        await uow.sync_runs.finish(run.id, status="succeeded", now=later)
        await uow.commit()

    async with uow_factory() as uow:
        after_the_end = await uow.sync_runs.progress_with_lease(
            run.id, owner=owner, now=later, expires_at=later + timedelta(hours=1), done=8
        )
        await uow.commit()
    async with uow_factory() as uow:
        finished = await uow.sync_runs.get(run.id)
    assert after_the_end is False
    assert (finished.done, finished.lease_expires_at) == (7, None)
