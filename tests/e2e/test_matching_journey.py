"""A client confirms a suggestion, rejects one, creates an external transaction from a
voucher, then an uploaded statement replaces it — in Chromium against real servers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import PASSWORD, Servers, shot
from support.matching_helpers import sparkasse_csv

pytestmark = pytest.mark.browser

TESTS = Path(__file__).resolve().parents[1]
# Vouchers and connected-bank lines, written through the store as a sync and a bank
# connection would (a separate process: the browser's event loop owns this thread).
SEED = """
import asyncio, sys
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.matching.service import run_matching
from fakes.clock import FixedClock
from support.matching_helpers import NOW, SUPPLIER_IBAN, add_voucher, item, line, push

async def main(db, tenant):
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    f = UnitOfWorkFactory(create_session_factory(engine))
    await add_voucher(f, tenant, "e2e-auto", voucher_number="RE-2024-0042")
    await add_voucher(f, tenant, "e2e-sugg", voucher_number="RE-2024-0077",
                      total_gross_cents=25000, contact_name="Moebelhaus Nord GmbH")
    await add_voucher(f, tenant, "e2e-rej", voucher_number="RE-2024-0078",
                      total_gross_cents=4000, contact_name="Toner Express GmbH")
    await add_voucher(f, tenant, "e2e-ext", [item("partPaymentFinancialTransaction", 8900)],
                      voucher_number="RE-2024-0099", contact_name="Papier Schmidt GmbH")
    await push(f, FixedClock(NOW), tenant, [
        line("-119.00", "2024-03-06", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
        line("-250.00", "2024-03-06", "Bueromaterial", counterparty_name="Moebelhaus Nord GmbH"),
        line("-40.00", "2024-03-06", "Toner", counterparty_name="Toner Express GmbH"),
    ])
    await run_matching(f, FixedClock(NOW), tenant)
    await engine.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.fixture
def client_page(browser_instance: Any, servers: Servers) -> Iterator[tuple[Any, str]]:
    servers.cli("tenant", "add", "Delta AG", "--open-tax-year", "2024")
    servers.cli("user", "add", "d@e2e.test", "--role", "client", "--tenant", "Delta AG",
                stdin=PASSWORD)  # fmt: skip
    [(tenant_id,)] = servers.query("SELECT id FROM tenants WHERE name = ?", "Delta AG")
    subprocess.run(
        [sys.executable, "-c", SEED, str(servers.data_dir / "belegsync.sqlite3"), str(tenant_id)],
        env={**servers.env, "PYTHONPATH": str(TESTS)}, check=True, capture_output=True,
    )  # fmt: skip
    context = browser_instance.new_context(base_url=servers.app_url, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page, str(tenant_id)
    context.close()


def test_client_confirms_rejects_creates_external_and_an_upload_replaces_it(
    client_page: tuple[Any, str], servers: Servers, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page, tenant_id = client_page
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill("d@e2e.test")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("link", name="Abgleich").click()

    suggestions = page.locator("#suggestions")
    expect(suggestions).to_contain_text("RE-2024-0077")
    expect(page.locator("#links")).to_contain_text("RE-2024-0042")
    expect(page.locator("#external")).to_contain_text("RE-2024-0099")
    shot(page, "20-abgleich-vorschlaege")

    suggestions.locator(".suggestion", has_text="RE-2024-0077").get_by_role(
        "button", name="Bestätigen"
    ).click()
    expect(page.get_by_text("Zuordnung bestätigt.")).to_be_visible()
    page.locator(".suggestion", has_text="RE-2024-0078").get_by_role(
        "button", name="Ablehnen"
    ).click()
    expect(page.get_by_text("Vorschlag abgelehnt")).to_be_visible()
    expect(page.locator("#suggestions")).not_to_contain_text("RE-2024-0078")
    shot(page, "21-bestaetigt-und-abgelehnt")

    external = page.locator(".external", has_text="RE-2024-0099")
    expect(external).to_contain_text("Kein verbundenes Bankkonto")
    external.get_by_role("button", name="Externe Transaktion anlegen").click()
    expect(page.get_by_text("Externe Transaktion angelegt")).to_be_visible()
    expect(page.locator("#links .link-row", has_text="RE-2024-0099")).to_contain_text(
        "Externe Transaktion"
    )
    shot(page, "22-externe-transaktion")

    statement = tmp_path / "umsaetze.csv"
    statement.write_bytes(
        sparkasse_csv(
            "DE17100500000123456789",
            [("07.03.24", "RE-2024-0099 Papier", "Papier Schmidt", "-89,00")],
        )
    )
    page.goto(f"/clients/{tenant_id}/bank/upload")
    page.get_by_label("Datei", exact=True).set_input_files(str(statement))
    page.get_by_role("button", name="Hochladen").click()
    expect(page.locator("#upload-result")).to_contain_text("1 neue Umsätze, 0 bereits vorhanden")
    shot(page, "23-kontoauszug-hochgeladen")

    page.get_by_role("link", name="Zum Abgleich").click()
    expect(page.locator("#replaced")).to_contain_text("ersetzt durch echte Transaktion")
    real = page.locator("#links .link-row", has_text="RE-2024-0099")
    expect(real).to_contain_text("automatisch")
    expect(real).not_to_contain_text("Externe Transaktion")
    shot(page, "24-externe-ersetzt")
    rows = servers.query(
        "SELECT status, status_reason FROM links WHERE tenant_id = ? ORDER BY status", tenant_id
    )
    assert sorted(str(r[0]) for r in rows) == [
        "auto_confirmed", "auto_confirmed", "confirmed", "rejected", "undone",
    ]  # fmt: skip
