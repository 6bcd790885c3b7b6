"""``belegsync match`` and the linked vouchers of ``belegsync transactions``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import NOW, SUPPLIER_IBAN, add_voucher, line, push

BELEGSYNC = str(Path(sys.executable).with_name("belegsync"))


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "BELEGSYNC_DATA_DIR": str(tmp_path / "data"),
        "BELEGSYNC_LOG_LEVEL": "error",
    }
    return subprocess.run([BELEGSYNC, *args], env=env, capture_output=True, text=True, timeout=60)


async def test_match_prints_links_and_suggestions_with_reasons(tmp_path: Path) -> None:
    added = _run(tmp_path, "tenant", "add", "Musterfirma")
    assert added.returncode == 0, added.stderr
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'belegsync.sqlite3'}")
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    try:
        async with uow_factory() as uow:
            tenant = await uow.tenants.get_by_id_or_name("Musterfirma")
            tenant_id = tenant.id
        await add_voucher(uow_factory, tenant_id, "v-auto", voucher_number="RE-2024-0042")
        await add_voucher(
            uow_factory, tenant_id, "v-sugg", voucher_number="RE-2024-0077", total_gross_cents=25000
        )
        lines = [
            line("-119.00", "2024-03-06", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
            line("-250.00", "2024-03-06", "Bueromaterial"),
        ]
        await push(uow_factory, FixedClock(NOW), tenant_id, lines)
    finally:
        await engine.dispose()

    as_json = _run(tmp_path, "match", "Musterfirma", "--json")
    as_text = _run(tmp_path, "match", "Musterfirma")
    listing = _run(tmp_path, "transactions", "Musterfirma", "--json")

    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["counts"]["auto_links"] == 1
    [link] = document["links"]
    assert link["status"] == "auto_confirmed"
    assert link["voucher"]["voucher_number"] == "RE-2024-0042"
    assert "reference:RE-2024-0042" in link["reasons"]
    [suggestion] = document["suggestions"]
    assert suggestion["voucher"]["voucher_number"] == "RE-2024-0077"
    assert any(r.startswith("amount:exact") for r in suggestion["reasons"])
    assert as_text.returncode == 0 and "Vorschläge:" in as_text.stdout
    assert "RE-2024-0077" in as_text.stdout
    linked = {row["remittance"]: row["linked_vouchers"] for row in json.loads(listing.stdout)}
    assert linked == {"Rechnung RE-2024-0042": ["RE-2024-0042"], "Bueromaterial": []}
