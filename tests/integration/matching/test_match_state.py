"""A voucher's match state („Abgleich“) follows all of its bank payments' links."""

from __future__ import annotations

from datetime import date

from belegsync.matching.external import create_external_transaction
from belegsync.matching.links import link_manually, undo_link
from belegsync.matching.service import run_matching
from belegsync.store.access import TenantContext, list_vouchers, match_states
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import PUSHED_LATER, add_voucher, item, line, push
from support.store_helpers import add_tenant


async def _state(uow_factory: UnitOfWorkFactory, ctx: TenantContext, voucher_id: str) -> str | None:
    async with uow_factory() as uow:
        states = await match_states(uow.session, ctx, [voucher_id])
        listed = {
            state: [v.id for v in (await list_vouchers(uow.session, ctx, match_state=state)).items]
            for state in ("matched", "suggested", "external", "open", "cash")
        }
    # The column and the filter agree.
    assert [s for s, ids in listed.items() if voucher_id in ids] == (
        [states[voucher_id]] if states[voucher_id] else []
    )
    return states[voucher_id]


async def test_matched_only_when_every_bank_payment_is_linked(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    ctx = TenantContext(tenant_id=tenant_id, actor="test")
    voucher_id = await add_voucher(
        uow_factory,
        tenant_id,
        "v-two",
        [
            item("partPaymentFinancialTransaction", 5000, date(2024, 3, 1)),
            item("partPaymentFinancialTransaction", 6900, date(2024, 3, 5)),
        ],
        voucher_number="RE-2024-0500",
    )
    assert await _state(uow_factory, ctx, voucher_id) is None  # matching has not run yet
    clock.set(PUSHED_LATER)  # past both paid dates' windows
    await push(uow_factory, clock, tenant_id, [line("-7.50", "2024-01-02", "Kontogebuehr")])
    await run_matching(uow_factory, clock, tenant_id)
    assert await _state(uow_factory, ctx, voucher_id) == "external"

    async with uow_factory() as uow:
        first, second = [p.id for p, _ in await uow.matching.payments(tenant_id)]
        [txn] = await uow.matching.transactions(tenant_id)
    link = (await link_manually(uow_factory, clock, tenant_id, first, txn.id, actor="test")).link
    # One of two payments linked: still not „zugeordnet“.
    assert await _state(uow_factory, ctx, voucher_id) == "external"

    await create_external_transaction(uow_factory, clock, tenant_id, second, actor="test")
    assert await _state(uow_factory, ctx, voucher_id) == "matched"

    await undo_link(uow_factory, clock, tenant_id, link.id, actor="test")
    assert await _state(uow_factory, ctx, voucher_id) == "external"


async def test_cash_only_and_other_tenants(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    other_id, _ = await add_tenant(uow_factory, "Andere GmbH")
    cash = await add_voucher(uow_factory, tenant_id, "v-cash", [item("partPaymentCashBox", 5000)])
    await add_voucher(uow_factory, other_id, "v-cash", [item("partPaymentCashBox", 5000)])
    await run_matching(uow_factory, clock, tenant_id)
    await run_matching(uow_factory, clock, other_id)
    ctx = TenantContext(tenant_id=tenant_id, actor="test")

    assert await _state(uow_factory, ctx, cash) == "cash"
    async with uow_factory() as uow:
        page = await list_vouchers(uow.session, ctx, match_state="cash")
    assert [v.id for v in page.items] == [cash]
