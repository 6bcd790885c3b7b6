from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from belegsync.banking import StatementError, list_transactions, push_transactions
from belegsync.domain.errors import InvalidInput
from belegsync.store.banking_repository import BankingRepository
from belegsync.store.errors import NotFound
from belegsync.store.models import AuditLogEntry, BankAccount, BankTransaction, StatementImport
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import upload
from support.store_helpers import add_tenant, recorded_statements
from unit.banking.fixtures import fixture

SPARKASSE_IBAN = "DE17100500000123456789"


async def _count(uow_factory: UnitOfWorkFactory, model: Any) -> int:
    async with uow_factory() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_import_mt940_then_again_adds_nothing(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")

    first = await upload(
        uow_factory, clock, tenant_id, "umsatz.sta", fixture("mt940_sparkasse.sta")
    )
    second = await upload(
        uow_factory, clock, tenant_id, "umsatz.sta", fixture("mt940_sparkasse.sta")
    )

    assert (first.added, first.duplicates, first.account) == (6, 0, SPARKASSE_IBAN)
    assert (second.added, second.duplicates) == (0, 6)
    async with uow_factory() as uow:
        views = await list_transactions(uow, tenant_id)
        [account] = await uow.banking.accounts(tenant_id)
        imports = await uow.banking.imports(tenant_id)
    assert len(views) == 6
    assert not account.connected
    assert sorted((i.added_count, i.duplicate_count) for i in imports) == [(0, 6), (6, 0)]
    assert {v.transaction.source for v in views} == {"file"}
    fees = [v for v in views if v.transaction.remittance == "Kontofuehrung 02/2024"]
    assert len(fees) == 2  # identical twins are both kept
    row = next(
        v
        for v in views
        if v.transaction.end_to_end_id == "RE-2024-0042" and not v.transaction.is_reversal
    )
    assert row.as_json()["amount"] == "-119.00"
    assert row.as_json()["linked_vouchers"] == []


def _csv_rows(first: int, last: int) -> bytes:
    lines = fixture("csv_sparkasse_camt_v2_cp1252.csv").split(b"\r\n")
    return b"\r\n".join([lines[0], *lines[first : last + 1]]) + b"\r\n"


async def test_overlapping_files_add_only_what_is_new(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")

    a = await upload(uow_factory, clock, tenant_id, "a.csv", _csv_rows(1, 4))
    b = await upload(uow_factory, clock, tenant_id, "b.csv", _csv_rows(3, 6))
    full = await upload(uow_factory, clock, tenant_id, "all.csv", _csv_rows(1, 6))

    assert (a.added, a.duplicates) == (4, 0)
    assert (b.added, b.duplicates) == (2, 2)
    assert (full.added, full.duplicates) == (0, 6)
    assert await _count(uow_factory, BankTransaction) == 6


async def test_zip_with_overlapping_members_and_two_accounts(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")

    result = await upload(
        uow_factory, clock, tenant_id, "a.zip", fixture("camt_daily_statements.zip")
    )
    again = await upload(
        uow_factory, clock, tenant_id, "a.zip", fixture("camt_daily_statements.zip")
    )

    assert result.accounts == (SPARKASSE_IBAN, "DE02120300000000202051")
    assert (result.added, result.duplicates) == (5 + 2 + 4, 0)
    assert (again.added, again.duplicates) == (0, 11)
    async with uow_factory() as uow:
        accounts = await uow.banking.accounts(tenant_id)
    assert {a.bank_name for a in accounts} == {"Berliner Sparkasse", "Deutsche Kreditbank AG"}


def _mt940_with_fifth_broken() -> bytes:
    lines = fixture("mt940_sparkasse.sta").split(b"\r\n")
    fifth = [n for n, line in enumerate(lines) if line.startswith(b":61:")][4]
    lines[fifth] = b":61:2403060306DR12,5XNMSCNONREF"
    return b"\r\n".join(lines)


async def test_broken_fifth_transaction_writes_nothing(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")

    with pytest.raises(StatementError) as caught:
        await upload(uow_factory, clock, tenant_id, "kaputt.sta", _mt940_with_fifth_broken())

    assert caught.value.location == "Zeile 23 (line 23)"
    for model in (BankTransaction, BankAccount, StatementImport):
        assert await _count(uow_factory, model) == 0
    async with uow_factory() as uow:
        actions = list(await uow.session.scalars(select(AuditLogEntry.action)))
    assert "statement_imported" not in actions


class _FailingBanking(BankingRepository):
    """Fails the second batch insert: the first one must be rolled back with it."""

    calls = 0

    async def insert_transactions(self, rows: Sequence[dict[str, Any]]) -> None:
        type(self).calls += 1
        if type(self).calls == 2:
            raise RuntimeError("disk full")
        await super().insert_transactions(rows)


class _FailingUow(UnitOfWork):
    async def __aenter__(self) -> _FailingUow:
        await super().__aenter__()
        self.banking = _FailingBanking(self.session)
        return self


async def test_failure_while_writing_rolls_back_everything(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    _FailingBanking.calls = 0  # the test runs once per database in the same process
    failing = lambda: _FailingUow(uow_factory.session_factory)  # noqa: E731

    with pytest.raises(RuntimeError, match="disk full"):
        await upload(failing, clock, tenant_id, "a.zip", fixture("camt_daily_statements.zip"))  # type: ignore[arg-type]

    for model in (BankTransaction, BankAccount, StatementImport):
        assert await _count(uow_factory, model) == 0


async def test_tenants_are_isolated(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    alpha, _ = await add_tenant(uow_factory, "Alpha")
    beta, _ = await add_tenant(uow_factory, "Beta")

    a = await upload(uow_factory, clock, alpha, "u.sta", fixture("mt940_sparkasse.sta"))
    b = await upload(uow_factory, clock, beta, "u.sta", fixture("mt940_sparkasse.sta"))
    await upload(uow_factory, clock, beta, "ing.csv", fixture("csv_ing_cp1252.csv"))

    assert (a.added, b.added) == (6, 6)  # the same IBAN is a separate account per tenant
    async with uow_factory() as uow:
        alpha_rows = await list_transactions(uow, alpha)
        beta_rows = await list_transactions(uow, beta)
        alpha_ing = await list_transactions(uow, alpha, account_iban="DE12500105170648489890")
    assert len(alpha_rows) == 6 and len(beta_rows) == 11
    assert {v.transaction.tenant_id for v in alpha_rows} == {alpha}
    assert {v.account.tenant_id for v in beta_rows} == {beta}
    assert alpha_ing == []


async def test_unknown_tenant_and_account_rules(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")

    with pytest.raises(NotFound):
        await upload(uow_factory, clock, "nope", "u.sta", fixture("mt940_sparkasse.sta"))
    with pytest.raises(InvalidInput, match="kein Konto"):
        await upload(
            uow_factory,
            clock,
            tenant_id,
            "g.csv",
            fixture("csv_generic_volksbank.csv"),
            fmt="csv:generic",
            csv_mapping=_generic(),
        )
    with pytest.raises(InvalidInput, match="keine gültige IBAN und kein bekanntes Konto"):
        await upload(
            uow_factory,
            clock,
            tenant_id,
            "u.sta",
            fixture("mt940_sparkasse.sta"),
            account_iban="DE00 1234",
        )
    assert await _count(uow_factory, BankTransaction) == 0


async def test_the_account_the_user_names_wins_over_the_file_with_a_warning(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")

    result = await upload(
        uow_factory,
        clock,
        tenant_id,
        "u.sta",
        fixture("mt940_sparkasse.sta"),
        account_iban="DE89 3704 0044 0532 0130 00",
    )

    assert result.accounts == ("DE89370400440532013000",)
    assert [w.code for w in result.warnings] == ["statement_account_mismatch"]
    assert SPARKASSE_IBAN in result.warnings[0].message
    async with uow_factory() as uow:
        assert [a.iban for a in await uow.banking.accounts(tenant_id)] == ["DE89370400440532013000"]


def _generic() -> Any:
    import json

    from belegsync.banking import mapping_from_json

    return mapping_from_json(json.loads(fixture("csv_generic_volksbank.mapping.json")))


async def test_push_marks_account_connected_and_is_idempotent(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await upload(uow_factory, clock, tenant_id, "u.sta", fixture("mt940_sparkasse.sta"))
    items = [
        {
            "booking_date": "2024-03-07",
            "amount": "-89.00",
            "remittance": "Strom",
            "bank_reference": "b1",
        },
        {
            "booking_date": "2024-03-07",
            "amount": "-89.00",
            "remittance": "Strom",
            "bank_reference": "b2",
        },
    ]

    first = await push_transactions(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        account_iban="DE17 1005 0000 0123 4567 89",
        transactions=items,
        actor="api",
    )
    second = await push_transactions(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        account_iban=SPARKASSE_IBAN,
        transactions=items,
        actor="api",
    )
    with pytest.raises(StatementError, match=r"transactions\[1\]"):
        await push_transactions(
            uow_factory=uow_factory,
            clock=clock,
            tenant_id=tenant_id,
            account_iban=SPARKASSE_IBAN,
            actor="api",
            transactions=[items[0], {"booking_date": "2024-03-08", "amount": 89.0}],
        )

    assert (first.added, second.added, second.duplicates) == (2, 0, 2)
    async with uow_factory() as uow:
        [account] = await uow.banking.accounts(tenant_id)
        views = await list_transactions(uow, tenant_id)
    assert account.connected
    assert sorted({v.transaction.source for v in views}) == ["connection", "file"]
    assert len(views) == 8


def _mixed_csv(count: int) -> bytes:
    """A Sparkasse CSV-CAMT export whose lines leave different fields empty, as real
    statements do: a card payment has no IBAN, a transfer no mandate, a fee no name."""
    header = (
        '"Auftragskonto";"Buchungstag";"Valutadatum";"Buchungstext";"Verwendungszweck";'
        '"Glaeubiger ID";"Mandatsreferenz";"Kundenreferenz (End-to-End)";"Sammlerreferenz";'
        '"Lastschrift Ursprungsbetrag";"Auslagenersatz Ruecklastschrift";'
        '"Beguenstigter/Zahlungspflichtiger";"Kontonummer/IBAN";"BIC (SWIFT-Code)";"Betrag";'
        '"Waehrung";"Info"'
    )
    lines = [header]
    for i in range(count):
        day = f"{1 + i % 28:02d}.0{1 + i % 9}.25"
        iban, bic = ("DE89370400440532013000", "COBADEFFXXX") if i % 2 else ("", "")
        creditor, mandate = ("DE98ZZZ09999999999", f"M-{i}") if i % 3 == 0 else ("", "")
        name = "" if i % 5 == 0 else f"Lieferant {i % 7}"
        e2e = f"E2E-{i}" if i % 4 else ""
        lines.append(
            f'"{SPARKASSE_IBAN}";"{day}";"{day}";"LASTSCHRIFT";"Rechnung {i}";"{creditor}";'
            f'"{mandate}";"{e2e}";"";"";"";"{name}";"{iban}";"{bic}";"-{10 + i},{i % 100:02d}";'
            '"EUR";"Umsatz gebucht"'
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


async def test_a_statement_is_stored_in_a_few_statements_whatever_fields_are_empty(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Found with a 40,000-line upload (8.4 s): the ORM left out the empty fields of each
    line, lines of different empty fields went to the database apart, and 40,000 lines
    took 12,589 INSERTs. All lines now name every column (``render_nulls``): the empty
    ones are stored as NULL as before, in one batch per thousand lines at most."""
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    with recorded_statements(uow_factory) as statements:
        result = await upload(uow_factory, clock, tenant_id, "umsatz.csv", _mixed_csv(600))
    inserts = [s for s in statements if s.startswith("INSERT INTO bank_transactions")]
    assert (result.added, result.duplicates) == (600, 0)
    assert len(inserts) <= 2, len(inserts)  # before: 600, one per line
    async with uow_factory() as uow:
        stored = {t.remittance: t for t in await uow.session.scalars(select(BankTransaction))}
    card, transfer, fee = stored["Rechnung 10"], stored["Rechnung 3"], stored["Rechnung 15"]
    assert (card.counterparty_iban, card.counterparty_bic, card.creditor_id) == (None, None, None)
    assert (transfer.counterparty_iban, transfer.mandate_reference) == (
        "DE89370400440532013000",
        "M-3",
    )
    assert fee.counterparty_name is None and fee.end_to_end_id == "E2E-15"
    assert card.identifier_issues is None and card.status == "booked" and not card.used_up
