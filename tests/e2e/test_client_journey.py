"""A client's way from no connection to synced vouchers, an expired key, staff closing a tax
year, and tenant isolation, in real Chromium against real servers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from belegsync.emulator import EXPIRED_KEY, MAIN_KEY
from e2e.conftest import Servers, login, shot

pytestmark = pytest.mark.browser

WRONG_KEY = "wrong-key-0000000000000000000000000000042"


@pytest.fixture
def page(browser_instance: Any, servers: Servers) -> Iterator[Any]:
    context = browser_instance.new_context(base_url=servers.app_url, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_client_connects_and_sees_vouchers(page: Any, servers: Servers) -> None:
    from playwright.sync_api import expect

    login(page, "a@e2e.test")
    # The start page says what to do; the profile holds the connection.
    expect(page.locator("#tile-connection")).to_contain_text("Keine Verbindung")
    page.get_by_role("navigation").get_by_role("link", name="Profil").click()
    expect(page.locator(".badge-none").first).to_have_text("Keine Verbindung")
    expect(page.get_by_text("Lexware Office in der Version XL")).to_be_visible()
    shot(page, "01-keine-verbindung")

    page.get_by_role("button", name="+ Verbinden").click()
    expect(page.get_by_placeholder("Enter API Key here")).to_be_visible()
    expect(page.get_by_role("button", name="Connect")).to_be_visible()
    shot(page, "02-schluessel-formular")

    page.get_by_role("link", name="Buchhaltungsverbindungen").click()
    expect(page.locator(".badge-pending")).to_have_text("Verbindung aktivieren")
    shot(page, "03-verbindung-aktivieren")

    page.get_by_role("button", name="Verbindung aktivieren").click()
    page.get_by_placeholder("Enter API Key here").fill(WRONG_KEY)
    page.get_by_role("button", name="Connect").click()
    banner = page.locator("#failed-banner")
    expect(banner).to_contain_text("Verbindung fehlgeschlagen")
    expect(banner).to_contain_text("Lexware hat den API-Schlüssel abgelehnt")
    expect(page.locator(".badge-failed")).to_have_text("Verbindung fehlgeschlagen")
    assert WRONG_KEY not in page.content()
    shot(page, "04-verbindung-fehlgeschlagen")

    banner.get_by_role("link", name="Support kontaktieren").click()
    expect(page.locator("#diagnosis")).to_contain_text("Verbindung fehlgeschlagen")
    page.get_by_label("Ihre Nachricht").fill("Mein Schlüssel wird abgelehnt.")
    shot(page, "05-support-kontaktieren")
    page.get_by_role("button", name="Anfrage senden").click()
    expect(page.get_by_text("Ihre Anfrage ist bei uns eingegangen")).to_be_visible()

    page.locator("#failed-banner").get_by_role("button", name="Verbindung aktivieren").click()
    page.get_by_placeholder("Enter API Key here").fill(MAIN_KEY)
    page.get_by_role("button", name="Connect").click()
    expect(page.locator(".badge-active").first).to_have_text("Aktiv")
    expect(page.locator("#success-banner")).to_be_visible()
    assert MAIN_KEY not in page.content()
    shot(page, "06-aktiv-mit-banner")

    # The progress box polls and reloads the page when the first sync has finished.
    expect(page.locator(".run-succeeded").first).to_be_visible(timeout=60_000)
    expect(page.locator("#success-banner")).to_have_count(0)
    shot(page, "07-aktiv-synchronisiert")

    page.get_by_role("navigation").get_by_role("link", name="Belege").click()
    count = int(re.findall(r"\d+", page.locator("#voucher-count").inner_text())[0])
    assert count > 20
    shot(page, "08-belege")
    page.locator("table.vouchers tbody a").first.click()
    expect(page.get_by_role("heading", name="Dateien")).to_be_visible()
    shot(page, "09-beleg")
    pdf_link = page.locator(".files a[target=_blank]").first
    href = pdf_link.get_attribute("href")
    assert href is not None
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith(
        ("application/pdf", "image/", "application/xml")
    )
    assert response.headers["content-disposition"].startswith("inline")
    with page.context.expect_page() as opened:
        pdf_link.click()
    opened.value.wait_for_load_state()
    opened.value.close()

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Profil").click()
    shot(page, "10-mobil-verbindung")


def test_client_cannot_open_another_clients_voucher(page: Any, servers: Servers) -> None:
    beta = servers.query("SELECT id FROM tenants WHERE name = ?", "Beta UG")[0][0]
    alpha = servers.query("SELECT id FROM tenants WHERE name = ?", "Alpha GmbH")[0][0]
    voucher = servers.query("SELECT id FROM vouchers WHERE tenant_id = ? LIMIT 1", str(beta))[0][0]
    login(page, "a@e2e.test")
    for url in (f"/clients/{beta}/vouchers/{voucher}", f"/clients/{alpha}/vouchers/{voucher}"):
        response = page.goto(url)
        assert response is not None and response.status == 404
        assert "Nicht gefunden" in page.content()
    shot(page, "11-fremder-beleg-404")


def test_expired_key_is_shown_as_failed_with_advice(page: Any, servers: Servers) -> None:
    from playwright.sync_api import expect

    login(page, "c@e2e.test")
    page.get_by_role("navigation").get_by_role("link", name="Profil").click()
    page.get_by_role("button", name="+ Verbinden").click()
    page.get_by_placeholder("Enter API Key here").fill(EXPIRED_KEY)
    page.get_by_role("button", name="Connect").click()
    banner = page.locator("#failed-banner")
    expect(banner).to_contain_text("Verbindung fehlgeschlagen")
    expect(banner).to_contain_text("abgelaufen")
    expect(banner).to_contain_text("Was Sie tun können")
    shot(page, "12-abgelaufener-schluessel")


def test_staff_closes_a_tax_year_and_the_next_sync_follows(page: Any, servers: Servers) -> None:
    from playwright.sync_api import expect

    login(page, "staff@e2e.test")
    expect(page.locator("#clients")).to_contain_text("Beta UG")
    shot(page, "13-kanzlei-mandanten")
    page.get_by_role("link", name="Beta UG").click()
    years = page.locator("#tax-years li")
    years.filter(has_text="2025").get_by_role("button", name="Abschließen").click()
    expect(page.get_by_text("Steuerjahr 2025 ist abgeschlossen")).to_be_visible()
    page.get_by_role("button", name="Erneut synchronisieren").click()
    expect(page.get_by_text("Die Synchronisation wurde gestartet.")).to_be_visible()
    shot(page, "14-kanzlei-mandant")
    for _ in range(100):
        page.reload()
        if page.locator("table .run-running, table .run-queued").count() == 0:
            break
        page.wait_for_timeout(300)
    page.get_by_role("link", name="Bericht").first.click()
    expect(page.locator("#run-window")).to_contain_text("01.01.2026")
    shot(page, "15-bericht-nach-abschluss")
