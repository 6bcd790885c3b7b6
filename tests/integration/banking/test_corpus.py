"""The corpus: one sample file per bank layout (tests/fixtures/banking/corpus/, written
from each bank's documented layout) and its expected count and sum in expected.csv.

Each file imports to exactly that, a second import adds nothing, and a copy cut in the
middle is refused with nothing written.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from belegsync.banking import import_statement, parse_statement_file
from belegsync.domain.errors import InvalidInput
from belegsync.store.models import BankAccount, BankTransaction, StatementImport
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.store_helpers import add_tenant

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "banking" / "corpus"


@dataclass(frozen=True)
class Expected:
    file: str
    format: str
    account: str
    transactions: int
    sum_cents: int
    account_given: str | None


def _expected() -> list[Expected]:
    with (CORPUS / "expected.csv").open(encoding="utf-8") as handle:
        return [
            Expected(
                row["file"],
                row["format"],
                row["account"],
                int(row["transactions"]),
                int(row["sum_cents"]),
                row["account_given"] or None,
            )
            for row in csv.DictReader(handle, delimiter=";")
        ]


EXPECTED = _expected()


def test_every_corpus_file_has_a_line_in_the_table() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name != "expected.csv"}
    assert files == {e.file for e in EXPECTED}
    assert len(files) >= 28


@pytest.mark.parametrize("case", EXPECTED, ids=lambda e: e.file)
def test_parses_to_the_expected_count_sum_and_format(case: Expected) -> None:
    statements = parse_statement_file((CORPUS / case.file).read_bytes(), case.file)

    transactions = [t for s in statements for t in s.transactions]
    assert len(transactions) == case.transactions
    assert sum(t.amount_cents for t in transactions) == case.sum_cents
    assert "+".join(dict.fromkeys(s.format for s in statements)) == case.format
    named = {s.account_iban for s in statements}
    assert named == ({None} if case.account_given else {case.account})


async def _counts(uow_factory: UnitOfWorkFactory) -> tuple[int, int, int]:
    async with uow_factory() as uow:
        counts = [
            int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (BankTransaction, BankAccount, StatementImport)
        ]
    return counts[0], counts[1], counts[2]


@pytest.mark.parametrize("case", EXPECTED, ids=lambda e: e.file)
async def test_imports_once_and_refuses_a_cut_copy(
    case: Expected, uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id, _ = await add_tenant(uow_factory, "Korpus GmbH")
    data = (CORPUS / case.file).read_bytes()

    async def run(content: bytes) -> tuple[int, int]:
        result = await import_statement(
            uow_factory=uow_factory,
            clock=clock,
            tenant_id=tenant_id,
            filename=case.file,
            data=content,
            account_iban=case.account_given,
            actor="test",
        )
        assert result.accounts == (case.account,)
        return result.added, result.duplicates

    with pytest.raises(InvalidInput):  # StatementError is an InvalidInput
        await run(data[: len(data) // 2])
    assert await _counts(uow_factory) == (0, 0, 0)

    assert await run(data) == (case.transactions, 0)
    assert await run(data) == (0, case.transactions)
    async with uow_factory() as uow:
        stored = await uow.session.scalar(select(func.sum(BankTransaction.amount_cents)))
        [account] = await uow.banking.accounts(tenant_id)
    assert stored == case.sum_cents
    assert account.iban == case.account
