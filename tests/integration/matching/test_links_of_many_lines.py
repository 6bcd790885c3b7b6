"""A run asks for the links of every open line: on a busy account 100,000 and more.

Each asked id was looked up among the links, 500 to a statement: 0.4 s of a run at
120,000 open lines. From 5,000 lines on, the tenant's linked lines are read from the
links' index first (at most as many as asked) and only those are asked for; a tenant
with more links than that is still asked line by line. Both ways find the same links.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from belegsync.matching.service import run_matching
from belegsync.store.models import PaymentLink
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import add_voucher, line, tenant_with_links
from support.store_helpers import add_tenant, recorded_statements
from support.volume import push_in_chunks

NOW = datetime(2024, 3, 8, 9, 0, tzinfo=UTC)


async def _links_on(uow_factory: UnitOfWorkFactory, tenant_id: str) -> dict[str, str]:
    """Link id → its line, of all the tenant's links."""
    async with uow_factory.read_only() as uow:
        return {link.id: link.bank_transaction_id for link in await uow.matching.links(tenant_id)}


async def test_the_links_of_many_open_lines_come_in_a_few_statements(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await tenant_with_links(uow_factory, clock)
    links = await _links_on(uow_factory, tenant_id)
    assert links  # suggestions of the three vouchers on the three lines
    # the linked lines among as many ids as a busy account's open lines
    asked = [f"line-{k:06d}" for k in range(6000)] + sorted(links.values())

    async with uow_factory.read_only() as uow:
        with recorded_statements(uow_factory) as statements:
            found = await uow.matching.links_touching(tenant_id, [], asked)

    assert {link.id for link in found} == set(links)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2  # before: one per 500 ids asked, 13
    async with uow_factory.read_only() as uow:
        few = await uow.matching.links_touching(tenant_id, [], sorted(links.values()))
    assert [link.id for link in few] == [link.id for link in found]


async def test_a_tenant_with_more_links_than_lines_asked_is_asked_line_by_line(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await add_voucher(uow_factory, tenant_id, "v-1", voucher_number="RE-2024-0001")
    await push_in_chunks(
        uow_factory,
        clock,
        tenant_id,
        [line("-5.00", "2024-03-06", f"Kartenzahlung {k}") for k in range(6000)],
        actor="test",
    )
    await run_matching(uow_factory, clock, tenant_id)
    async with uow_factory() as uow:
        payment_id = (await uow.matching.payments(tenant_id))[0][0].id
        columns = await uow.matching.transaction_columns(tenant_id)
        # a person rejected the voucher on each line: 6,000 links
        await uow.session.execute(
            insert(PaymentLink),
            [
                {
                    "tenant_id": tenant_id,
                    "expected_payment_id": payment_id,
                    "bank_transaction_id": txn_id,
                    "allocated_cents": 0,
                    "difference_cents": 0,
                    "status": "rejected",
                    "reasons": [],
                    "actor": "test",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for txn_id in columns["id"]
            ],
        )
        await uow.commit()
    links = await _links_on(uow_factory, tenant_id)
    # the lines last in the links' index: a read of the first 5,001 misses most of them
    asked = sorted(links.values())[-5000:]

    async with uow_factory.read_only() as uow:
        found = await uow.matching.links_touching(tenant_id, [], asked)

    assert sorted(link.bank_transaction_id for link in found) == asked
