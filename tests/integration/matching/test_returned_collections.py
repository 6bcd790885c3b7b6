"""A collection returned after the run linked it, as statements arrive day by day.

Runs happen as lines arrive: the retainer's collection is linked on the day it is
booked; days later the customer's bank returns it; two weeks after that the client
collects again. The linked collection is used up, so a run does not read it — until
2026-12 the return was never paired with it: the voucher stayed linked to money that
came back, and the collection made again was left over.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from belegsync.domain.matching import LinkStatus
from belegsync.matching.service import run_matching
from belegsync.store.models import AuditLogEntry, ExpectedPayment, PaymentLink
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import add_voucher, line, push
from support.store_helpers import add_tenant

CUSTOMER_IBAN = "DE02120300000000202051"
CUSTOMER = {"counterparty_name": "MUELLER METALLBAU GMBH", "counterparty_iban": CUSTOMER_IBAN}
PURPOSE = "Beratungspauschale 03/2024 PA-24-0013"


async def _links(
    uow_factory: UnitOfWorkFactory, tenant_id: str
) -> list[tuple[str, str, str | None]]:
    """(line's booking day, status, status reason) of every link, by day."""
    async with uow_factory() as uow:
        out = []
        for link in await uow.matching.links(tenant_id):
            found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
            assert found is not None
            out.append((found[0].booking_date.isoformat(), str(link.status), link.status_reason))
        return sorted(out)


async def _payment_open(uow_factory: UnitOfWorkFactory, tenant_id: str) -> bool:
    async with uow_factory() as uow:
        settled = await uow.session.scalar(
            select(ExpectedPayment.settled).where(ExpectedPayment.tenant_id == tenant_id)
        )
        return settled is False


async def _setup(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> str:
    tenant_id, _ = await add_tenant(uow_factory, "Beratung Vogt")
    await add_voucher(
        uow_factory,
        tenant_id,
        "pa-13",
        voucher_type="salesinvoice",
        voucher_number="PA-24-0013",
        contact_name="Müller Metallbau GmbH",
        total_gross_cents=59500,
        total_tax_cents=9500,
        voucher_date=date(2024, 3, 1),
        paid_date=date(2024, 3, 8),
    )
    await push(uow_factory, clock, tenant_id, [line("595.00", "2024-03-08", PURPOSE, **CUSTOMER)])
    counts = await run_matching(uow_factory, clock, tenant_id)
    assert counts.auto_links == 1
    return tenant_id


@pytest.mark.parametrize(
    "returned",
    [
        {"amount": "-595.00"},
        # the banks' charges in the return's amount, flagged by the importer (RtrInf)
        {"amount": "-601.50", "is_reversal": True},
    ],
)
async def test_a_linked_collection_returned_later_is_unlinked_and_the_next_one_pays(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, returned: dict[str, Any]
) -> None:
    tenant_id = await _setup(uow_factory, clock)
    back = line("0", "2024-03-12", f"RUECKLASTSCHRIFT {PURPOSE} AM04", **CUSTOMER)
    await push(uow_factory, clock, tenant_id, [{**back, **returned}])

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.returned == 1 and counts.auto_links == 0
    assert await _links(uow_factory, tenant_id) == [
        ("2024-03-08", "undone", "zurückgebucht (Rücklastschrift)")
    ]
    assert await _payment_open(uow_factory, tenant_id)
    # waiting for the collection made again: not a case for an external transaction
    assert counts.no_candidate == 0
    async with uow_factory() as uow:
        actions = list(
            await uow.session.scalars(
                select(AuditLogEntry.action).where(AuditLogEntry.tenant_id == tenant_id)
            )
        )
    assert actions.count("link_returned") == 1

    await push(uow_factory, clock, tenant_id, [line("595.00", "2024-03-26", PURPOSE, **CUSTOMER)])
    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.auto_links == 1 and counts.returned == 0
    assert [(day, status) for day, status, _ in await _links(uow_factory, tenant_id)] == [
        ("2024-03-08", "undone"),
        ("2024-03-26", "auto_confirmed"),
    ]
    assert not await _payment_open(uow_factory, tenant_id)


async def test_a_confirmed_link_is_left_as_the_person_confirmed_it(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The engine never changes a person's decision: a confirmed link on a line that
    was returned later stays."""
    tenant_id = await _setup(uow_factory, clock)
    async with uow_factory() as uow:
        link = await uow.session.scalar(
            select(PaymentLink).where(PaymentLink.tenant_id == tenant_id)
        )
        assert link is not None
        link.status = LinkStatus.CONFIRMED
        link.actor = "mandant@demo.test"
        await uow.commit()
    back = line("-595.00", "2024-03-12", f"RUECKLASTSCHRIFT {PURPOSE} AM04", **CUSTOMER)
    await push(uow_factory, clock, tenant_id, [back])

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.returned == 0
    assert [status for _, status, _ in await _links(uow_factory, tenant_id)] == ["confirmed"]


async def test_a_run_killed_after_retiring_keeps_the_link(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retiring happens in the run's transaction: a run that dies before it commits
    (here the engine fails after the links were retired) leaves the link and writes no
    audit row; the next run retires it."""
    tenant_id = await _setup(uow_factory, clock)
    back = line("-595.00", "2024-03-12", f"RUECKLASTSCHRIFT {PURPOSE} AM04", **CUSTOMER)
    await push(uow_factory, clock, tenant_id, [back])

    def dies(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("killed mid-run")

    with monkeypatch.context() as patched:
        patched.setattr("belegsync.matching.service.match", dies)
        with pytest.raises(RuntimeError):
            await run_matching(uow_factory, clock, tenant_id)

    assert [status for _, status, _ in await _links(uow_factory, tenant_id)] == ["auto_confirmed"]
    async with uow_factory() as uow:
        audit = await uow.session.scalars(
            select(AuditLogEntry.action).where(AuditLogEntry.tenant_id == tenant_id)
        )
        assert "link_returned" not in list(audit)
    counts = await run_matching(uow_factory, clock, tenant_id)
    assert counts.returned == 1
