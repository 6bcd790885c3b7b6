"""Migration 0008_links gives ``difference_cents`` one meaning in existing rows."""

from __future__ import annotations

from sqlalchemy import text

from belegsync.matching.links import link_manually
from belegsync.matching.service import run_matching
from belegsync.store.db import create_engine
from belegsync.store.migrate import downgrade, upgrade
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import SUPPLIER_IBAN, add_voucher, line, push
from support.store_helpers import add_tenant, run_in_thread


async def _differences(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, difference_cents FROM links"))
            return {str(row[0]): int(row[1]) for row in rows}
    finally:
        await engine.dispose()


async def test_person_made_links_are_rewritten_and_engine_links_kept(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, database_url: str
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await add_voucher(uow_factory, tenant_id, "v-auto", voucher_number="RE-2024-0042")
    await add_voucher(
        uow_factory,
        tenant_id,
        "v-hand",
        voucher_number="RE-2024-0050",
        total_gross_cents=12500,
        contact_name="Hausverwaltung Ost",
    )
    await push(
        uow_factory,
        clock,
        tenant_id,
        [
            line("-119.00", "2024-03-06", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
            line("-60.00", "2024-02-01", "Sonstiges", counterparty_name="Unbekannt"),
        ],
    )
    await run_matching(uow_factory, clock, tenant_id)
    async with uow_factory() as uow:
        payment = {v.lexware_id: p.id for p, v in await uow.matching.payments(tenant_id)}
        txns = {t.remittance: t.id for t in await uow.matching.transactions(tenant_id)}
        [auto] = await uow.matching.links(tenant_id)  # the engine's (auto or suggested)
    manual = (
        await link_manually(
            uow_factory, clock, tenant_id, payment["v-hand"], txns["Sonstiges"], actor="client"
        )
    ).link
    # 60,00 € paid for an expected 125,00 €: 65,00 € stay open.
    assert (manual.allocated_cents, manual.difference_cents) == (6000, 6500)
    assert await _differences(database_url) == {auto.id: 0, manual.id: 6500}

    await run_in_thread(downgrade, database_url, "0004_matching")
    # Before 0008 person-made links stored |bank| − expected.
    assert await _differences(database_url) == {auto.id: 0, manual.id: -6500}
    await run_in_thread(upgrade, database_url)
    assert await _differences(database_url) == {auto.id: 0, manual.id: 6500}
