"""Each stored bank line carries the keys of its payer name and accounts
(``domain.line_keys``), worked out once at import; matching reads them as stored."""

from __future__ import annotations

from sqlalchemy import select, update

from belegsync.banking import import_statement, push_transactions
from belegsync.domain.line_keys import KEYS_VERSION, line_keys
from belegsync.matching.columns import KeyColumns, TxnColumns
from belegsync.store.models import BankTransaction
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.store_helpers import add_tenant
from unit.banking.fixtures import fixture

IBAN = "DE17100500000123456789"


async def _stored(uow_factory: UnitOfWorkFactory, tenant_id: str) -> list[BankTransaction]:
    async with uow_factory() as uow:
        query = select(BankTransaction).where(BankTransaction.tenant_id == tenant_id)
        return list(await uow.session.scalars(query.order_by(BankTransaction.id)))


async def test_an_imported_line_carries_the_keys_matching_reads(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await import_statement(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        filename="umsatz.sta",
        data=fixture("mt940_sparkasse.sta"),
        actor="test",
    )
    await push_transactions(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        account_iban=IBAN,
        transactions=[
            {
                "booking_date": "2024-03-07",
                "amount": "-89.00",
                "remittance": "Strom",
                "counterparty_name": "Stadtwerke Köln GmbH",
                "counterparty_iban": "de02 1203 0000 0000 2020 51",
                "creditor_id": "DE98ZZZ09999999999",
                "bank_reference": "b1",
            }
        ],
        actor="api",
    )

    lines = await _stored(uow_factory, tenant_id)
    assert len(lines) == 7
    for line in lines:
        keys = line_keys(
            line.counterparty_name, line.counterparty_iban, line.creditor_id, line.amount_cents
        )
        assert (line.name_key, line.name_words, line.iban_key, line.creditor_key) == (
            keys.name,
            keys.words,
            keys.iban,
            keys.creditor,
        )
        assert line.keys_version == KEYS_VERSION
    assert any(line.creditor_key for line in lines)
    async with uow_factory() as uow:
        columns = await uow.matching.transaction_columns(tenant_id)
    read = TxnColumns.from_store(tenant_id, columns)
    worked_out = KeyColumns.of(read.names, read.ibans, read.creditors)
    for name in ("name", "words", "iban", "creditor"):
        assert getattr(read.keys, name).tolist() == getattr(worked_out, name).tolist()


async def test_a_line_stored_under_another_derivation_is_keyed_when_read(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A line whose keys an older derivation wrote (or none) is not trusted: matching
    keys it anew from its texts."""
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await import_statement(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        filename="umsatz.sta",
        data=fixture("mt940_sparkasse.sta"),
        actor="test",
    )
    async with uow_factory() as uow:
        await uow.session.execute(
            update(BankTransaction).values(
                name_key=1, name_words=1, iban_key=1, creditor_key=1, keys_version=0
            )
        )
        await uow.commit()
        columns = await uow.matching.transaction_columns(tenant_id)

    read = TxnColumns.from_store(tenant_id, columns)
    worked_out = KeyColumns.of(read.names, read.ibans, read.creditors)
    assert read.keys.name.tolist() == worked_out.name.tolist()
    assert read.keys.words.tolist() == worked_out.words.tolist()
    assert read.keys.iban.tolist() == worked_out.iban.tolist()
