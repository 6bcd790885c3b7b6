"""The Abgleich work queue in Chromium against real servers.

A client confirms a suggestion, rejects one, undoes a confirmation (the suggestion comes
back), creates an external transaction from a voucher, then an uploaded statement
replaces it. At volume (hundreds of suggestions): tabs with counts, paging and filters
kept in the URL, bulk confirmation undone as a batch, keyboard use, and the same queue
at 375 px with nothing cut off. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import PASSWORD, Servers, page_width, shot
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
from support.matching_helpers import NOW, PUSHED_LATER, SUPPLIER_IBAN, add_voucher, item, line, push
from support.matching_volume import seed_queue

async def main(db, tenant, groups):
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    f = UnitOfWorkFactory(create_session_factory(engine))
    await add_voucher(f, tenant, "e2e-auto", voucher_number="RE-2024-0042")
    await add_voucher(f, tenant, "e2e-sugg", voucher_number="RE-2024-0077",
                      total_gross_cents=25000, contact_name="Moebelhaus Nord GmbH")
    await add_voucher(f, tenant, "e2e-rej", voucher_number="RE-2024-0078",
                      total_gross_cents=4000, contact_name="Toner Express GmbH")
    await add_voucher(f, tenant, "e2e-ext", [item("partPaymentFinancialTransaction", 8900)],
                      voucher_number="RE-2024-0099", contact_name="Papier Schmidt GmbH")
    await push(f, FixedClock(PUSHED_LATER), tenant, [
        line("-119.00", "2024-03-06", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
        line("-250.00", "2024-03-06", "Bueromaterial", counterparty_name="M. Lindqvist"),
        line("-40.00", "2024-03-06", "Toner", counterparty_name="Kartuschenhandel Ost"),
    ])
    if groups:
        await seed_queue(f, FixedClock(NOW), tenant, groups)
    await run_matching(f, FixedClock(NOW), tenant)
    await engine.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""
# A customer's collection the client confirmed (before its bank returned it).
SEED_CONFIRMED = """
import asyncio, sys
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.matching.links import confirm_link
from belegsync.matching.service import run_matching
from fakes.clock import FixedClock
from support.matching_helpers import NOW, add_voucher, line, push

async def main(db, tenant, _groups):
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    f, clock = UnitOfWorkFactory(create_session_factory(engine)), FixedClock(NOW)
    await add_voucher(f, tenant, "e2e-coll", voucher_type="salesinvoice",
                      voucher_number="RE-2024-0150", contact_name="Müller Metallbau GmbH",
                      total_gross_cents=59500, total_tax_cents=9500)
    await push(f, clock, tenant, [line("595.00", "2024-03-06", "Pauschale RE-2024-0150",
               counterparty_name="MUELLER METALLBAU GMBH",
               counterparty_iban="DE02120300000000202051")])
    await run_matching(f, clock, tenant)
    async with f() as uow:
        (link,) = await uow.matching.links(tenant)
    await confirm_link(f, clock, tenant, link.id, actor="client")
    await engine.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 375, "height": 812}


def _client(servers: Servers, name: str, email: str, groups: int, seed: str = SEED) -> str:
    servers.cli("tenant", "add", name, "--open-tax-year", "2024")
    servers.cli("user", "add", email, "--role", "client", "--tenant", name, stdin=PASSWORD)
    [(tenant_id,)] = servers.query("SELECT id FROM tenants WHERE name = ?", name)
    seeded = subprocess.run(
        [
            sys.executable,
            "-c",
            seed,
            str(servers.data_dir / "belegsync.sqlite3"),
            str(tenant_id),
            str(groups),
        ],
        env={
            **servers.env,
            "PYTHONPATH": os.pathsep.join(
                [str(TESTS), *filter(None, [servers.env.get("PYTHONPATH")])]
            ),
        },
        capture_output=True,
    )
    assert seeded.returncode == 0, seeded.stderr.decode()[-3000:]
    return str(tenant_id)


def _login(browser_instance: Any, servers: Servers, email: str, viewport: dict[str, int]) -> Any:
    context = browser_instance.new_context(
        base_url=servers.app_url, locale="de-DE", viewport=viewport
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    return page


@pytest.fixture
def client_page(browser_instance: Any, servers: Servers) -> Iterator[tuple[Any, str]]:
    tenant_id = _client(servers, "Delta AG", "d@e2e.test", 0)
    page = _login(browser_instance, servers, "d@e2e.test", DESKTOP)
    yield page, tenant_id
    page.context.close()


def _count(page: Any, tab: str) -> int:
    return int(page.locator(f"#tab-{tab} .count").get_attribute("data-count"))


def test_client_confirms_rejects_undoes_creates_external_and_an_upload_replaces_it(
    client_page: tuple[Any, str], servers: Servers, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page, tenant_id = client_page
    page.get_by_role("link", name="Abgleich").click()

    suggestions = page.locator("#suggestions")
    expect(suggestions).to_contain_text("RE-2024-0077")
    expect(suggestions).to_contain_text("Betrag stimmt auf den Cent")
    expect(suggestions).not_to_contain_text("Bewertung")
    assert (_count(page, "suggestions"), _count(page, "external"), _count(page, "auto")) == (
        2,
        1,
        1,
    )
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
    assert (_count(page, "confirmed"), _count(page, "rejected")) == (1, 1)
    shot(page, "21-bestaetigt-und-abgelehnt")

    # Undo the confirmation: the voucher is open again and its suggestion is back.
    page.locator("#tab-confirmed").click()
    page.locator(".link-row", has_text="RE-2024-0077").get_by_role(
        "button", name="Aufheben"
    ).click()
    expect(page.get_by_text("Zuordnung aufgehoben.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"tab=confirmed"))
    page.locator("#tab-suggestions").click()
    expect(page.locator("#suggestions")).to_contain_text("RE-2024-0077")
    expect(page.locator("#suggestions")).not_to_contain_text("RE-2024-0078")  # stays rejected
    shot(page, "21b-aufgehoben-vorschlag-zurueck")

    page.locator("#tab-external").click()
    external = page.locator(".external", has_text="RE-2024-0099")
    expect(page.locator("#external")).to_contain_text("Kein verbundenes Bankkonto")
    external.get_by_text("Vorher bearbeiten").click()
    amount = external.get_by_label("Betrag")
    expect(amount).to_have_value("-89,00")  # German, signed like the statement
    amount.fill("89,00")  # without the minus: the sign follows the voucher
    external.get_by_role("button", name="Anlegen und zuordnen").click()
    expect(page.get_by_text("Externe Transaktion angelegt")).to_be_visible()
    page.locator("#tab-confirmed").click()
    expect(page.locator("#confirmed .link-row", has_text="RE-2024-0099")).to_contain_text(
        "Externe Transaktion"
    )
    expect(page.locator("#confirmed .link-row", has_text="RE-2024-0099")).to_contain_text(
        "-89,00 €"
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
    expect(page.locator("#upload-result")).to_contain_text("1 neuer Umsatz, 0 bereits vorhanden")
    shot(page, "23-kontoauszug-hochgeladen")

    page.get_by_role("link", name="Zum Abgleich").click()
    page.locator("#tab-auto").click()
    expect(page.locator("#replaced")).to_contain_text("ersetzt durch echte Transaktion")
    real = page.locator("#auto .link-row", has_text="RE-2024-0099")
    expect(real).not_to_contain_text("Externe Transaktion")
    shot(page, "24-externe-ersetzt")
    rows = servers.query(
        "SELECT status FROM links WHERE tenant_id = ? AND status != 'undone'", tenant_id
    )
    assert sorted(str(r[0]) for r in rows) == [
        "auto_confirmed",
        "auto_confirmed",
        "rejected",
        "suggested",
    ]


def test_the_queue_at_volume_on_desktop_and_phone(browser_instance: Any, servers: Servers) -> None:
    from playwright.sync_api import expect

    tenant_id = _client(servers, "Epsilon GmbH", "e@e2e.test", 150)
    page = _login(browser_instance, servers, "e@e2e.test", DESKTOP)
    page.get_by_role("link", name="Abgleich").click()
    total = _count(page, "suggestions")
    assert total >= 150 and _count(page, "external") == 150 + 1  # and RE-2024-0099
    expect(page.locator("#queue-total")).to_contain_text(f"Einträge: {total}")
    expect(page.locator("#suggestions .q-row")).to_have_count(50)
    pages = -(-total // 50)
    expect(page.locator("#page-of")).to_have_text(f"Seite 1 von {pages}")
    shot(page, "30-warteschlange-1440")

    # Paging keeps its state in the URL; the keyboard reaches the pager.
    page.get_by_role("link", name="Weiter →").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#page-of")).to_have_text(f"Seite 2 von {pages}")
    page.reload()
    expect(page.locator("#page-of")).to_have_text(f"Seite 2 von {pages}")

    # Filters: one voucher number, then a German amount on the external tab.
    page.get_by_label("Belegnummer").fill("RE-2024-3007")
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"number=RE-2024-3007"))
    rows = page.locator("#suggestions .q-row")
    expect(rows.first).to_contain_text("RE-2024-3007")
    assert (
        rows.count() == rows.filter(has_text="RE-2024-3007").count() == _count(page, "suggestions")
    )
    assert _count(page, "external") == 0
    page.goto(f"/clients/{tenant_id}/matching?tab=external&amount=400,77")
    expect(page.locator("#external .q-row")).to_have_count(1)
    expect(page.locator("#external")).to_contain_text("RE-2024-4011")
    shot(page, "31-gefiltert")

    # Bulk: every safe suggestion at once, then all of them undone together.
    page.goto(f"/clients/{tenant_id}/matching")
    bulk = page.locator("#confirm-safe")
    safe = int(re.search(r"\((\d+)\)", bulk.inner_text()).group(1))  # type: ignore[union-attr]
    assert safe > 0
    bulk.click()
    expect(page.get_by_text(f"{safe} sichere Vorschläge bestätigt.")).to_be_visible()
    assert _count(page, "confirmed") == safe and _count(page, "suggestions") < total
    shot(page, "32-sammelbestaetigung")
    page.get_by_role("button", name="Alle wieder rückgängig machen").click()
    expect(page.get_by_text(f"{safe} Bestätigungen rückgängig gemacht")).to_be_visible()
    assert _count(page, "confirmed") == 0 and _count(page, "suggestions") == total

    # Select two suggestions with the keyboard and confirm them together.
    boxes = page.locator("#suggestions input[type=checkbox]")
    boxes.nth(0).focus()
    page.keyboard.press("Space")
    boxes.nth(1).check()
    page.get_by_role("button", name="Ausgewählte bestätigen").click()
    expect(page.get_by_text("2 Vorschläge bestätigt.")).to_be_visible()
    assert _count(page, "confirmed") == 2
    page.context.close()

    phone = _login(browser_instance, servers, "e@e2e.test", PHONE)
    phone.goto(f"/clients/{tenant_id}/matching")
    _assert_nothing_cut(phone)
    shot(phone, "33-warteschlange-375")
    phone.goto(f"/clients/{tenant_id}/matching?tab=external")
    _assert_nothing_cut(phone)
    shot(phone, "34-extern-375")
    row = phone.locator("#external .q-row").first
    row.get_by_role("link", name="Manuell zuordnen").click()
    expect(phone.locator("#search-defaults")).to_be_visible()
    expect(phone.locator("#search-results")).to_contain_text("Keine Umsätze gefunden")
    _assert_nothing_cut(phone)
    shot(phone, "35-manuell-375")
    phone.context.close()


def test_the_overview_and_a_voucher_page_lead_to_the_payment_in_the_queue(
    browser_instance: Any, servers: Servers
) -> None:
    """The overview's tiles open their tab of the queue, and a voucher page leads to its
    payment: to its row among the payments needing an external transaction, or, for a
    payment no tab lists (no suggestion: „Kein sicherer Treffer“), to the search for its
    line. Before, both led to the Vorschläge tab, where such a voucher is not."""
    from playwright.sync_api import expect

    tenant_id = _client(servers, "Eta Handel KG", "eta@e2e.test", 0)
    page = _login(browser_instance, servers, "eta@e2e.test", DESKTOP)
    expect(page).to_have_url(re.compile(r"/overview$"))
    page.locator("#tile-external a").click()
    expect(page.locator("#tab-external")).to_have_attribute("aria-current", "page")
    expect(page.locator("#external .external")).to_have_count(1)
    expect(page.locator("#external")).to_contain_text("RE-2024-0099")
    page.go_back()
    page.locator("#tile-suggestions a").click()
    expect(page.locator("#tab-suggestions")).to_have_attribute("aria-current", "page")

    # A suggestion rejected by mistake: the voucher page finds its line again.
    page.locator(".suggestion", has_text="RE-2024-0078").get_by_role(
        "button", name="Ablehnen"
    ).click()
    expect(page.get_by_text("Vorschlag abgelehnt")).to_be_visible()
    [(rejected,)] = servers.query(
        "SELECT id FROM vouchers WHERE tenant_id = ? AND voucher_number = ?",
        tenant_id,
        "RE-2024-0078",
    )
    page.goto(f"/clients/{tenant_id}/vouchers/{rejected}")
    page.get_by_role("link", name="Manuell zuordnen").click()
    expect(page.locator("#search-defaults")).to_be_visible()
    found = page.locator("#search-results .q-row", has_text="Kartuschenhandel Ost")
    expect(found).to_have_count(1)
    shot(page, "36-beleg-manuell-suchen")
    found.get_by_role("button", name="Zuordnen").click()
    expect(page.get_by_text("Beleg zugeordnet.")).to_be_visible()
    page.goto(f"/clients/{tenant_id}/vouchers/{rejected}")
    expect(page.locator(".linked")).to_contain_text("Kartuschenhandel Ost")

    # A voucher needing an external transaction: its own row, on a phone too.
    [(external,)] = servers.query(
        "SELECT id FROM vouchers WHERE tenant_id = ? AND voucher_number = ?",
        tenant_id,
        "RE-2024-0099",
    )
    page.context.close()
    phone = _login(browser_instance, servers, "eta@e2e.test", PHONE)
    phone.goto(f"/clients/{tenant_id}/vouchers/{external}")
    phone.get_by_role("link", name="Externe Transaktion anlegen").click()
    expect(phone.locator("#tab-external")).to_have_attribute("aria-current", "page")
    expect(phone.locator("#external .external")).to_have_count(1)
    expect(phone.locator("#external .external")).to_contain_text("RE-2024-0099")
    _assert_nothing_cut(phone)
    shot(phone, "37-beleg-extern-375")
    phone.context.close()


def test_a_returned_collection_is_checked_and_kept(
    browser_instance: Any, servers: Servers, tmp_path: Path
) -> None:
    """The client confirmed a customer's collection; the next statement, uploaded by
    hand, holds the customer's bank's return. The Abgleich page says so on every tab;
    the client, who got the money in cash since, keeps the link — at 375 px."""
    from playwright.sync_api import expect

    tenant_id = _client(servers, "Zeta KG", "z@e2e.test", 0, SEED_CONFIRMED)
    page = _login(browser_instance, servers, "z@e2e.test", DESKTOP)
    page.goto(f"/clients/{tenant_id}/matching?tab=confirmed")
    expect(page.locator("#confirmed .link-row", has_text="RE-2024-0150")).to_be_visible()
    expect(page.locator("#returns-to-check")).to_have_count(0)

    statement = tmp_path / "umsaetze.csv"
    back = ("11.03.24", "RUECKLASTSCHRIFT Pauschale RE-2024-0150 AM04", "MUELLER METALLBAU GMBH")
    statement.write_bytes(sparkasse_csv("DE89370400440532013000", [(*back, "-595,00")]))
    page.goto(f"/clients/{tenant_id}/bank/upload")
    page.get_by_label("Datei", exact=True).set_input_files(str(statement))
    page.get_by_role("button", name="Hochladen").click()
    expect(page.locator("#upload-result")).to_contain_text("1 neuer Umsatz")
    page.get_by_role("link", name="Zum Abgleich").click()

    banner = page.locator("#returns-to-check")
    expect(banner).to_contain_text("bitte prüfen: 1")
    shot(page, "25-zurueckgebucht-hinweis-1440")
    banner.get_by_role("link", name="Zu den bestätigten Zuordnungen").click()
    row = page.locator("#confirmed .link-row", has_text="RE-2024-0150")
    expect(row.locator(".q-returned")).to_contain_text("Am 11.03.2024 kam das Geld zurück")
    shot(page, "26-zurueckgebucht-1440")
    page.set_viewport_size(PHONE)
    _assert_nothing_cut(page)
    shot(page, "27-zurueckgebucht-375")

    row.get_by_role("button", name="Zuordnung beibehalten").click()
    expect(page.get_by_text("Zuordnung beibehalten; die Rücklastschrift")).to_be_visible()
    expect(page).to_have_url(re.compile(r"tab=confirmed"))
    kept = page.locator("#confirmed .link-row", has_text="RE-2024-0150")
    expect(kept.locator(".q-returned-checked")).to_contain_text(
        "Rücklastschrift vom 11.03.2024 (-595,00 €) geprüft"
    )
    expect(kept.get_by_role("button", name="Zuordnung beibehalten")).to_have_count(0)
    expect(page.locator("#returns-to-check")).to_have_count(0)
    _assert_nothing_cut(page)
    shot(page, "28-zurueckgebucht-geprueft-375")
    page.context.close()
    rows = servers.query(
        "SELECT status, return_checked_at FROM links WHERE tenant_id = ?", tenant_id
    )
    assert [(str(status), checked is not None) for status, checked in rows] == [("confirmed", True)]


def _assert_nothing_cut(page: Any) -> None:
    """No horizontal scrolling, and every amount on screen inside the 375 px."""
    width = page_width(page)
    assert width <= 375, width
    amounts = page.locator(".q-amount")
    for i in range(min(amounts.count(), 10)):
        box = amounts.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
