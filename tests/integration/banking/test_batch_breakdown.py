"""A batch booked once in the daily statement and broken down in the bank's camt.054
(„Sammelbuchungsdatei“), imported in either order: the money is there once, and the
breakdown names the invoices the batch line pays."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from belegsync.banking import import_statement
from belegsync.matching.service import run_matching
from belegsync.store.models import BankTransaction, PaymentAdvice
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.advice_files import (
    add_batch_invoices,
    notification_of_batch,
    statement_with_batch,
)
from support.store_helpers import add_tenant


async def _import(uow_factory: UnitOfWorkFactory, clock: FixedClock, tenant: str, data: bytes):  # type: ignore[no-untyped-def]
    return await import_statement(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant,
        filename="file.xml",
        data=data,
        account_iban=None,
        fmt=None,
        actor="test",
    )


async def _lines(uow_factory: UnitOfWorkFactory, tenant: str) -> list[int]:
    async with uow_factory() as uow:
        query = select(BankTransaction.amount_cents).where(BankTransaction.tenant_id == tenant)
        return sorted(await uow.session.scalars(query))


async def _advices(uow_factory: UnitOfWorkFactory, tenant: str) -> int:
    async with uow_factory() as uow:
        query = select(func.count(PaymentAdvice.id)).where(PaymentAdvice.tenant_id == tenant)
        return int(await uow.session.scalar(query) or 0)


async def _tenant(uow_factory: UnitOfWorkFactory) -> str:
    tenant, _ = await add_tenant(uow_factory, "Werkzeug Weber GmbH")
    await add_batch_invoices(uow_factory, tenant)
    return tenant


async def test_the_breakdown_after_the_statement_becomes_the_lines_advice(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant = await _tenant(uow_factory)
    first = await _import(uow_factory, clock, tenant, statement_with_batch())
    breakdown = await _import(uow_factory, clock, tenant, notification_of_batch())
    assert (first.added, breakdown.added, breakdown.duplicates) == (1, 0, 3)
    assert await _lines(uow_factory, tenant) == [202300]  # the money once
    assert await _advices(uow_factory, tenant) == 1
    counts = await run_matching(uow_factory, clock, tenant)
    assert counts.auto_links == 3
    again = await _import(uow_factory, clock, tenant, notification_of_batch())
    assert again.added == 0 and await _advices(uow_factory, tenant) == 1


async def test_the_statements_batch_line_after_its_breakdown_is_not_stored_again(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant = await _tenant(uow_factory)
    breakdown = await _import(uow_factory, clock, tenant, notification_of_batch())
    statement = await _import(uow_factory, clock, tenant, statement_with_batch())
    assert (breakdown.added, statement.added, statement.duplicates) == (3, 0, 1)
    assert await _lines(uow_factory, tenant) == [23800, 59500, 119000]
    assert (await run_matching(uow_factory, clock, tenant)).auto_links == 3


@pytest.mark.parametrize("day", ["2024-04-04"])
async def test_a_batch_of_another_day_stays_money_of_its_own(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, day: str
) -> None:
    tenant = await _tenant(uow_factory)
    await _import(uow_factory, clock, tenant, statement_with_batch())
    other = notification_of_batch().replace(b"2024-04-03", day.encode())
    result = await _import(uow_factory, clock, tenant, other)
    assert result.added == 3 and await _advices(uow_factory, tenant) == 0
