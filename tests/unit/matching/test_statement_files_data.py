"""The statement-file data set (bench/matching_data/statement_files.py): reproducible, every
file read by the product's parser without a line lost, a truth that refers to what exists,
every scenario kind present. No assertion on the engine's figures."""

from __future__ import annotations

import hashlib
from functools import lru_cache

import pytest

from belegsync.banking.detect import parse_statement_file
from matching_data.statement_files import (
    BUSINESSES,
    NO_BANK_ITEM,
    SCENARIOS,
    UNMATCHABLE,
    StatementFileSet,
    generate,
)

SEED = 7


@lru_cache(maxsize=1)
def _data() -> StatementFileSet:
    return generate(SEED)


def _fingerprint(data: StatementFileSet) -> str:
    digest = hashlib.sha256()
    for payment in data.expected:
        digest.update(repr(payment).encode())
    for txn in data.txns:
        digest.update(repr(txn).encode())
    for key in sorted(data.truth):
        digest.update(f"{key}={sorted(data.truth[key])}".encode())
    for key in sorted(data.scenario):
        digest.update(f"{key}={data.scenario[key]}".encode())
    for name in sorted(data.files):
        digest.update(name.encode() + hashlib.sha256(data.files[name]).digest())
    return digest.hexdigest()


def test_the_same_seed_gives_the_same_data() -> None:
    assert _fingerprint(generate(SEED)) == _fingerprint(_data())


def test_another_seed_gives_other_data() -> None:
    assert _fingerprint(generate(SEED + 1)) != _fingerprint(_data())


@pytest.mark.parametrize("business", BUSINESSES)
def test_every_file_is_read_by_the_product_without_a_line_lost(business: str) -> None:
    part = _data().only(business)
    assert part.files
    formats = set()
    for name, content in part.files.items():
        statements = parse_statement_file(content, name)
        read = sum(len(s.transactions) for s in statements)
        assert read == part.generated_lines[name], name
        formats |= {s.format for s in statements}
    assert len(part.txns) == sum(part.generated_lines.values())
    assert not [f for f in part.parse_findings if "written" in f or "dropped" in f]
    assert len(formats) == 1
    assert sum(1 for t in part.txns if t.tenant_id != part.tenant_of[business]) == 0


def test_the_businesses_use_the_three_file_formats() -> None:
    data = _data()
    kinds = {name.rsplit(".", 2)[-2] for name in data.files}
    assert kinds == {"camt053", "mt940", "sparkasse"}


def test_the_truth_refers_only_to_existing_payments_and_transactions() -> None:
    data = _data()
    payments = {p.id for p in data.expected}
    txns = {t.id for t in data.txns}
    assert len(payments) == len(data.expected)
    assert len(txns) == len(data.txns)
    assert data.truth
    for payment_id, paid_by in data.truth.items():
        assert payment_id in payments
        assert paid_by
        assert paid_by <= txns
    tenants = {t.id: t.tenant_id for t in data.txns}
    by_id = {p.id: p for p in data.expected}
    for payment_id, paid_by in data.truth.items():
        assert {tenants[t] for t in paid_by} == {by_id[payment_id].tenant_id}


def test_payments_are_lexware_items_of_known_vouchers() -> None:
    data = _data()
    for payment in data.expected:
        assert payment.id.startswith(f"{payment.voucher_id}#")
        assert payment.amount_cents > 0
        assert data.business_of[payment.voucher_id] in BUSINESSES
        assert data.tenant_of[data.business_of[payment.voucher_id]] == payment.tenant_id


@pytest.mark.parametrize("business", BUSINESSES)
def test_every_scenario_kind_appears(business: str) -> None:
    part = _data().only(business)
    kinds = set(part.scenario.values())
    assert kinds == set(SCENARIOS[business])
    matchable = {part.scenario[key.split("#")[0]] for key in part.truth}
    expected_matchable = set(SCENARIOS[business]) - UNMATCHABLE - NO_BANK_ITEM
    assert matchable == expected_matchable


@pytest.mark.parametrize("business", BUSINESSES)
def test_there_are_unmatchable_vouchers(business: str) -> None:
    part = _data().only(business)
    with_truth = {key.split("#")[0] for key in part.truth}
    unmatchable = {p.voucher_id for p in part.expected} - with_truth
    assert unmatchable
    assert {part.scenario[v] for v in unmatchable} <= UNMATCHABLE
    assert {part.scenario[v] for v in unmatchable} >= {"private_card", "open_unpaid"}
