"""The Abgleich work queue at volume: counts per tab, paging and filters in the
database, safe suggestions confirmed in bulk and undone as a batch."""

from __future__ import annotations

import pytest

from belegsync.domain.matching import LinkStatus
from belegsync.matching.inbox import matching_overview, matching_queue
from belegsync.matching.links import confirm_safe_suggestions, undo_batch
from belegsync.matching.service import run_matching
from belegsync.store.access import TenantContext
from belegsync.store.errors import NotFound
from belegsync.store.matching_queries import QueueFilters
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_volume import Seeded, seed_queue
from support.store_helpers import add_tenant

GROUPS = 150  # 600 vouchers, a quarter of them without any bank line


@pytest.fixture
async def seeded(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> tuple[TenantContext, Seeded]:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    seeded = await seed_queue(uow_factory, clock, tenant_id, GROUPS)
    await run_matching(uow_factory, clock, tenant_id)
    return TenantContext(tenant_id=tenant_id, actor="client@example.test"), seeded


async def _queue(uow_factory: UnitOfWorkFactory, ctx: TenantContext, tab: str, **kw: object):  # type: ignore[no-untyped-def]
    filters = kw.pop("filters", QueueFilters())
    async with uow_factory() as uow:
        return await matching_queue(uow, ctx, tab, filters, **kw)  # type: ignore[arg-type]


async def test_tabs_count_and_page_in_the_database(
    uow_factory: UnitOfWorkFactory, seeded: tuple[TenantContext, Seeded]
) -> None:
    ctx, s = seeded
    async with uow_factory() as uow:
        everything = await matching_overview(uow, ctx.tenant_id)
    first = await _queue(uow_factory, ctx, "suggestions")
    assert first.counts == {
        "suggestions": len(everything.suggestions),
        "external": GROUPS,
        "auto": len(everything.auto_links),
        "confirmed": 0,
        "rejected": 0,
    }
    suggested = {v.voucher.voucher_number for v in everything.suggestions}
    assert {s.number("plain", i) for i in range(GROUPS)} <= suggested
    assert first.counts["suggestions"] >= GROUPS  # hundreds of rows to work through
    total = first.counts["suggestions"]
    assert first.links is not None and first.total == total
    assert len(first.links.items) == 50 and first.links.pages == -(-total // 50)
    seen: list[str] = []
    for number in range(1, first.links.pages + 1):
        page = await _queue(uow_factory, ctx, "suggestions", page=number)
        assert page.links is not None
        seen += [v.link.id for v in page.links.items]
    assert len(seen) == len(set(seen)) == total  # no row twice, none left out
    beyond = await _queue(uow_factory, ctx, "suggestions", page=first.links.pages + 1)
    assert beyond.links is not None and beyond.links.items == [] and beyond.total == total
    external = await _queue(uow_factory, ctx, "external", per_page=200)
    assert external.external is not None and external.total == GROUPS
    assert {e.voucher.voucher_number for e in external.external.items} == {
        s.number("external", i) for i in range(GROUPS)
    }
    assert all(e.draft.amount_cents < 0 for e in external.external.items)  # money out


async def _numbers(
    uow_factory: UnitOfWorkFactory, ctx: TenantContext, tab: str, filters: QueueFilters
) -> set[str]:
    view = await _queue(uow_factory, ctx, tab, filters=filters, per_page=200)
    page = view.links or view.external
    assert page is not None and page.total == len(page.items) == view.counts[tab]
    return {row.voucher.voucher_number for row in page.items}


async def test_filters_narrow_every_tab_and_the_counts(
    uow_factory: UnitOfWorkFactory, seeded: tuple[TenantContext, Seeded]
) -> None:
    ctx, s = seeded
    number = QueueFilters(number=s.number("plain", 7))
    assert await _numbers(uow_factory, ctx, "suggestions", number) == {s.number("plain", 7)}
    assert (await _queue(uow_factory, ctx, "auto", filters=number)).counts["auto"] == 0

    cents = s.cents("external", 11)
    assert await _numbers(uow_factory, ctx, "external", QueueFilters(amount_cents=-cents)) == {
        s.number("external", 11)
    }
    # Case-insensitive substring: "Lieferant plain 1", "… 10" to "… 19", "… 100" to "… 149".
    contact = await _numbers(
        uow_factory, ctx, "suggestions", QueueFilters(contact="LIEFERANT plain 1")
    )
    assert contact == {s.number("plain", i) for i in range(GROUPS) if str(i).startswith("1")}
    text = await _numbers(uow_factory, ctx, "suggestions", QueueFilters(text="Laden 42"))
    assert text == {s.number("plain", 42)}
    day = s.paid(5)
    in_range = await _numbers(
        uow_factory, ctx, "external", QueueFilters(date_from=day, date_to=day)
    )
    assert in_range == {s.number("external", i) for i in range(GROUPS) if s.paid(i) == day}
    # Wildcards are searched for literally.
    nothing = await _queue(uow_factory, ctx, "suggestions", filters=QueueFilters(text="%_"))
    assert nothing.total == 0 and sum(nothing.counts.values()) == 0


async def test_safe_suggestions_confirmed_in_bulk_and_undone_as_a_batch(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, seeded: tuple[TenantContext, Seeded]
) -> None:
    ctx, s = seeded
    before = await _queue(uow_factory, ctx, "suggestions")
    safe = before.safe_suggestions
    # Only suggestions whose number is in the purpose are safe, never amount-only ones.
    assert 0 < safe <= GROUPS

    result = await confirm_safe_suggestions(uow_factory, clock, ctx.tenant_id, actor=ctx.actor)
    assert result.confirmed == safe
    after = await _queue(uow_factory, ctx, "confirmed", per_page=200)
    assert after.counts["confirmed"] == safe
    # Other suggestions for the same vouchers leave the queue with them.
    assert after.counts["suggestions"] <= before.counts["suggestions"] - safe
    assert after.links is not None
    assert (await _queue(uow_factory, ctx, "suggestions")).safe_suggestions == 0
    confirmed = {v.voucher.voucher_number for v in after.links.items}
    assert not confirmed & {s.number("plain", i) for i in range(GROUPS)}  # amount only
    assert {v.link.batch_id for v in after.links.items} == {result.batch_id}

    undone = await undo_batch(uow_factory, clock, ctx.tenant_id, result.batch_id, actor=ctx.actor)
    assert len(undone.links) == safe and undone.matched
    back = await _queue(uow_factory, ctx, "suggestions")
    # The vouchers are open again and their suggestions are back (never automatic).
    assert back.counts == before.counts and back.safe_suggestions == safe
    async with uow_factory() as uow:
        statuses = [k.status for k in await uow.matching.links(ctx.tenant_id)]
    assert statuses.count(LinkStatus.UNDONE) == safe
    with pytest.raises(NotFound):
        await undo_batch(uow_factory, clock, ctx.tenant_id, "no-such-batch", actor=ctx.actor)
    other_id, _ = await add_tenant(uow_factory, "Andere GmbH")
    with pytest.raises(NotFound):
        await undo_batch(uow_factory, clock, other_id, result.batch_id, actor="intruder")
