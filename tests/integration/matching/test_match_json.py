"""``belegsync match --json`` names every voucher that needs an external transaction
and every voucher paid in cash, with its voucher id, so that scripts can act on them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from belegsync.cli import run
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import NOW, PUSHED_LATER, SUPPLIER_IBAN, add_voucher, item, line, push


async def _seed(database: Path) -> dict[str, str]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    try:
        async with uow_factory() as uow:
            tenant_id = (await uow.tenants.get_by_id_or_name("Musterfirma")).id
        ids = {
            "auto": await add_voucher(
                uow_factory, tenant_id, "v-auto", voucher_number="RE-2024-0042"
            ),
            "external": await add_voucher(
                uow_factory,
                tenant_id,
                "v-ext",
                voucher_number="RE-2024-0099",
                total_gross_cents=8900,
                contact_name="Papier Schmidt",
            ),
            "sales": await add_voucher(
                uow_factory,
                tenant_id,
                "v-sales",
                voucher_type="salesinvoice",
                voucher_number="AR-7",
                total_gross_cents=45000,
            ),
            "cash": await add_voucher(
                uow_factory,
                tenant_id,
                "v-cash",
                [item("partPaymentCashBox", 2380)],
                voucher_number="KB-1",
                total_gross_cents=2380,
            ),
        }
        lines = [line("-119.00", "2024-03-06", "RE-2024-0042", counterparty_iban=SUPPLIER_IBAN)]
        await push(uow_factory, FixedClock(PUSHED_LATER), tenant_id, lines)
    finally:
        await engine.dispose()
    return ids


def test_json_lists_external_needed_and_cash_with_voucher_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BELEGSYNC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BELEGSYNC_LOG_LEVEL", "error")
    monkeypatch.delenv("BELEGSYNC_DATABASE_URL", raising=False)
    clock = FixedClock(NOW)

    def belegsync(*args: str) -> int:
        with capture_logs():  # log events, not output
            return run(list(args), clock=clock)

    assert belegsync("migrate") == 0
    assert belegsync("tenant", "add", "Musterfirma") == 0
    ids = asyncio.run(_seed(tmp_path / "data" / "belegsync.sqlite3"))
    capsys.readouterr()

    assert belegsync("match", "Musterfirma", "--json") == 0
    document = json.loads(capsys.readouterr().out)

    external = {e["voucher_number"]: e for e in document["external_needed"]}
    assert set(external) == {"RE-2024-0099", "AR-7"}
    assert external["RE-2024-0099"]["voucher_id"] == ids["external"]
    assert external["RE-2024-0099"]["amount"] == "-89.00"  # money out, as the bank shows it
    assert external["AR-7"]["voucher_id"] == ids["sales"]
    assert external["AR-7"]["amount"] == "450.00"  # money in
    assert external["AR-7"]["lexware_id"] == "v-sales" and external["AR-7"]["why"]
    [cash] = document["cash"]
    assert (cash["voucher_id"], cash["voucher_number"], cash["amount"]) == (
        ids["cash"],
        "KB-1",
        "-23.80",
    )
    assert document["counts"]["external_needed"] == 2 and document["counts"]["cash"] == 1
    assert document["counts"]["awaiting_lines"] == 0
    [link] = document["links"]
    assert link["voucher"]["id"] == ids["auto"]
    assert {"de": "Betrag stimmt auf den Cent", "en": "Amount matches to the cent"} in link[
        "reason_texts"
    ]

    assert belegsync("match", "Musterfirma") == 0
    text = capsys.readouterr().out
    assert f"(Beleg-ID {ids['cash']})" in text and f"(Beleg-ID {ids['external']})" in text
