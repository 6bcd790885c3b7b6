from __future__ import annotations

import pytest

from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import NOW


async def _tenant_names(uow_factory: UnitOfWorkFactory) -> list[str]:
    async with uow_factory() as uow:
        return [tenant.name for tenant in await uow.tenants.list_all()]


async def test_work_is_rolled_back_without_commit(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.tenants.add(name="Vergessen GmbH", now=NOW)

    assert uow.committed is False
    assert await _tenant_names(uow_factory) == []


async def test_work_is_rolled_back_on_error(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.tenants.add(name="Fehler GmbH", now=NOW)
            raise RuntimeError("boom")

    assert await _tenant_names(uow_factory) == []


async def test_committed_work_stays_and_later_work_is_rolled_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        kept = await uow.tenants.add(name="Bleibt GmbH", now=NOW)
        await uow.commit()
        await uow.tenants.add(name="Geht GmbH", now=NOW)

    assert uow.committed is True
    assert await _tenant_names(uow_factory) == ["Bleibt GmbH"]
    # Objects stay readable after the unit of work (expire_on_commit=False).
    assert kept.name == "Bleibt GmbH"
    assert kept.created_at == NOW


async def test_a_read_only_unit_reads_and_refuses_to_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.tenants.add(name="Lesbar GmbH", now=NOW)
        await uow.commit()
    async with uow_factory.read_only() as uow:
        assert uow.read_only
        assert [t.name for t in await uow.tenants.list_all()] == ["Lesbar GmbH"]
        with pytest.raises(RuntimeError, match="read-only"):
            await uow.commit()
