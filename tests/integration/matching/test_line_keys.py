"""What matching reads of a line's texts is worked out by the first run that reads the
line and kept with it (``matching.line_keys``); later runs read it as stored."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select, update

from belegsync.banking.imports import push_transactions
from belegsync.matching.columns import TxnColumns, line_keys_of
from belegsync.matching.line_keys import KEYS_VERSION, KeyColumns
from belegsync.matching.service import run_matching
from belegsync.store.models import BankTransaction
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import (
    BANK_IBAN,
    line,
    run_killed_in_the_engine,
    voucher_and_suggestion,
)
from support.store_helpers import add_tenant, line_key_updates, recorded_statements


async def _setup(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> str:
    """Two vouchers and their lines, and a line marked as a return and a collective."""
    return await voucher_and_suggestion(
        uow_factory,
        clock,
        line("-80.00", "2024-03-14", "RUECKLASTSCHRIFT SAMMEL 4711", counterparty_name="X"),
    )


async def _versions(uow_factory: UnitOfWorkFactory, tenant_id: str) -> list[int | None]:
    """Per line, the version its stored keys were worked out by (None: not keyed)."""
    async with uow_factory() as uow:
        query = select(BankTransaction.line_keys).where(BankTransaction.tenant_id == tenant_id)
        return [
            None if keys is None else int(np.frombuffer(keys[:8], "<i8")[0])
            for keys in await uow.session.scalars(query)
        ]


async def _key_updates(uow_factory: UnitOfWorkFactory, clock: FixedClock, tenant_id: str) -> int:
    """A run of matching, and how many statements of it stored line keys."""
    with recorded_statements(uow_factory) as statements:
        await run_matching(uow_factory, clock, tenant_id)
    return line_key_updates(statements)


async def _read_as_worked_out(uow_factory: UnitOfWorkFactory, tenant_id: str) -> TxnColumns:
    """The open lines read as stored, checked to hold the keys a run would work out
    from their texts (every key, the numbers and the periods) and nothing to store."""
    async with uow_factory() as uow:
        columns = await uow.matching.transaction_columns(tenant_id)
    read = TxnColumns.from_store(tenant_id, columns)
    assert not read.keys.to_store.any()
    fresh = KeyColumns.of(read.names, read.ibans, read.creditors, read.remittances)
    for stored, worked_out in zip(read.keys.integers(), fresh.integers(), strict=True):
        assert stored.tolist() == worked_out.tolist()
    for stored_stream, fresh_stream in zip(
        read.keys.token_streams(), fresh.token_streams(), strict=True
    ):
        assert [a.tolist() for a in stored_stream] == [a.tolist() for a in fresh_stream]
    return read


async def test_the_first_run_keys_the_lines_and_the_next_reads_them(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _setup(uow_factory, clock)
    assert await _versions(uow_factory, tenant_id) == [None, None, None]

    assert await _key_updates(uow_factory, clock, tenant_id) == 1
    assert await _versions(uow_factory, tenant_id) == [KEYS_VERSION] * 3
    read = await _read_as_worked_out(uow_factory, tenant_id)
    assert any(read.keys.purpose_marks)  # the return and the collective are marked

    assert await _key_updates(uow_factory, clock, tenant_id) == 0


async def test_lines_keyed_under_another_derivation_are_keyed_again(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Keys an older derivation wrote are not trusted: the run works them out from the
    texts (the link is made as before) and stores them anew."""
    tenant_id = await _setup(uow_factory, clock)
    await run_matching(uow_factory, clock, tenant_id)
    async with uow_factory() as uow:
        links_before = sorted(
            (link.expected_payment_id, link.bank_transaction_id, link.status)
            for link in await uow.matching.links(tenant_id)
        )
        # the lines the next run reads (the linked one is used up)
        await uow.session.execute(
            update(BankTransaction)
            .where(BankTransaction.used_up.is_(False))
            .values(line_keys=np.array([0, 1, 1, 1, 1, 1, 1], "<i8").tobytes())
        )
        await uow.commit()

    assert sorted(await _versions(uow_factory, tenant_id), key=str) == [0, 0, KEYS_VERSION]

    assert await _key_updates(uow_factory, clock, tenant_id) == 1

    assert await _versions(uow_factory, tenant_id) == [KEYS_VERSION] * 3
    async with uow_factory() as uow:
        links_after = sorted(
            (link.expected_payment_id, link.bank_transaction_id, link.status)
            for link in await uow.matching.links(tenant_id)
        )
        columns = await uow.matching.transaction_columns(tenant_id)
    assert links_after == links_before
    read = TxnColumns.from_store(tenant_id, columns)
    assert (
        read.keys.name.tolist()
        == KeyColumns.of(read.names, read.ibans, read.creditors, read.remittances).name.tolist()
    )


async def test_a_run_killed_after_keying_stores_nothing_and_the_next_run_keys_again(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys are written in the run's transaction: a run that dies after working
    them out (here the engine fails) leaves the lines unkeyed and no link; the next run
    keys them and links as a run that never failed."""
    tenant_id = await _setup(uow_factory, clock)

    await run_killed_in_the_engine(uow_factory, clock, tenant_id, monkeypatch)

    assert await _versions(uow_factory, tenant_id) == [None, None, None]
    async with uow_factory() as uow:
        assert await uow.matching.links(tenant_id) == []
    assert await _key_updates(uow_factory, clock, tenant_id) == 1
    assert await _versions(uow_factory, tenant_id) == [KEYS_VERSION] * 3
    async with uow_factory() as uow:
        statuses = sorted(link.status for link in await uow.matching.links(tenant_id))
    assert statuses == ["auto_confirmed", "suggested"]


async def test_lines_stored_with_their_keys_are_read_as_stored(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """An import or push that is handed ``line_keys_of`` stores the keys with the new
    lines, as a run would work them out from the stored texts (a purpose cut across
    statement lines, a creditor id on a debit and on a credit, umlauts, a period, no
    payer); the first run reads them and stores nothing."""
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await push_transactions(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        account_iban=BANK_IBAN,
        transactions=[
            line(
                "-119.00",
                "2024-03-06",
                "",
                remittance_lines=["Rechnung RE-2024-", "0042 Kd 4711"],
                counterparty_name="Müller Bau GmbH",
                creditor_id="DE98ZZZ09999999999",
            ),
            line(
                "250.00",
                "2024-03-07",
                "Miete 02/2024 Lindenhof",
                counterparty_name="GbR Lindenhof, H. Albrecht",
                creditor_id="DE98ZZZ09999999999",
            ),
            line("-12.50", "2024-03-08", "SUMUP PAYOUT 3 Rechnungen"),
        ],
        actor="test",
        line_keys=line_keys_of,
    )

    assert await _versions(uow_factory, tenant_id) == [KEYS_VERSION] * 3
    read = await _read_as_worked_out(uow_factory, tenant_id)
    assert read.keys.creditor.tolist()[0] != 0 and read.keys.creditor.tolist()[1] == 0
    assert read.keys.periods.size and read.keys.numbers.size
    assert await _key_updates(uow_factory, clock, tenant_id) == 0
