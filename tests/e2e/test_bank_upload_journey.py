"""A client uploads a CSV export no preset knows: the second step shows the first rows,
they pick the account and map the columns, then find the lines under Umsätze and the
account under Bankkonten — in Chromium at phone (375 px) and desktop (1440 px) width."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import PASSWORD, Servers, page_width, shot

pytestmark = pytest.mark.browser

EXPORT = (
    "Kontoumsätze Geschäftskonto\r\n"
    "\r\n"
    "Datum;Text;Wert;Partner;Partner-IBAN\r\n"
    "01.03.2024;Miete März Werkstatt;-850,00;Hausverwaltung Krause;DE52701500001000123456\r\n"
    "02.03.2024;RE-2024-0042 Einbauschrank;2.380,00;Müller Immobilien KG;DE11600501017400123456\r\n"
    "05.03.2024;Festnetz März;-19,99;Telekom Deutschland GmbH;DE00123\r\n"
)
IBAN = "DE89 3704 0044 0532 0130 00"


@pytest.fixture(params=[375, 1440], ids=["phone", "desktop"])
def bank_page(
    request: pytest.FixtureRequest, browser_instance: Any, servers: Servers
) -> Iterator[tuple[Any, str, int]]:
    width = int(request.param)
    test = zlib.crc32(request.node.originalname.encode())  # a client of its own per test
    name, email = f"Bank {width} {test} GmbH", f"bank{width}-{test}@e2e.test"
    servers.cli("tenant", "add", name, "--open-tax-year", "2024")
    servers.cli("user", "add", email, "--role", "client", "--tenant", name, stdin=PASSWORD)
    [(tenant_id,)] = servers.query("SELECT id FROM tenants WHERE name = ?", name)
    context = browser_instance.new_context(
        base_url=servers.app_url, locale="de-DE", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    yield page, str(tenant_id), width
    context.close()


def _fits(page: Any, width: int) -> None:
    """Nothing wider than the screen: the page never scrolls sideways."""
    assert page_width(page) <= width


def test_upload_with_mapping_then_transactions_and_accounts(
    bank_page: tuple[Any, str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page, tenant_id, width = bank_page
    export = tmp_path / "umsaetze.csv"
    export.write_bytes(EXPORT.encode("cp1252"))
    page.goto(f"/clients/{tenant_id}/bank/upload")
    _fits(page, width)
    shot(page, f"30-bank-{width}-hochladen")
    page.get_by_label("Datei", exact=True).set_input_files(str(export))
    page.get_by_role("button", name="Hochladen").click()

    # The second step: first rows, account, columns.
    expect(page.locator("#upload-error")).to_contain_text("ist keiner Bank bekannt")
    expect(page.locator("#preview")).to_contain_text("Hausverwaltung Krause")
    expect(page.get_by_label("Buchungsdatum")).to_have_value("Datum")
    _fits(page, width)
    shot(page, f"31-bank-{width}-spalten-zuordnen")
    page.get_by_label("Konto", exact=True).select_option("new")
    page.get_by_label("IBAN des neuen Kontos").fill(IBAN)
    page.get_by_label("Betrag", exact=True).select_option("Wert")
    page.get_by_label("Verwendungszweck").select_option("Text")
    page.get_by_label("Gegenpartei", exact=True).select_option("Partner")
    page.get_by_label("IBAN der Gegenpartei").select_option("Partner-IBAN")
    shot(page, f"32-bank-{width}-zugeordnet")
    page.get_by_role("button", name="Importieren").click()
    expect(page.locator("#upload-result")).to_contain_text("3 neue Umsätze, 0 bereits vorhanden")
    shot(page, f"33-bank-{width}-importiert")

    page.get_by_role("link", name="Umsätze").last.click()
    rows = page.locator("#transactions tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#count")).to_contain_text("3 Umsätze")
    amount = rows.first.locator("td.amount")
    expect(amount).to_contain_text("-19,99")
    box = amount.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    expect(page.locator("#transactions")).to_contain_text("IBAN/BIC ungültig")
    _fits(page, width)
    shot(page, f"34-bank-{width}-umsaetze")
    page.get_by_label("Suche").fill("Miete")
    page.get_by_role("button", name="Filtern").click()
    expect(page.locator("#count")).to_contain_text("1 Umsatz, Seite 1 von 1")
    assert "q=Miete" in page.url
    # the days in date fields, as on the other lists (the browser's picker and format)
    page.get_by_label("Suche").fill("")
    page.get_by_label("von", exact=True).fill("2024-03-02")
    page.get_by_label("bis", exact=True).fill("2024-03-31")
    page.get_by_role("button", name="Filtern").click()
    expect(page.locator("#count")).to_contain_text("2 Umsätze, Seite 1 von 1")
    expect(page.get_by_label("von", exact=True)).to_have_value("2024-03-02")
    _fits(page, width)
    # „Filtern“ and „Zurücksetzen“ side by side, not one above the other
    boxes = [button.bounding_box() for button in page.locator("#filters .btn").all()]
    tops = [box["y"] for box in boxes if box]
    assert len(tops) == 2 and abs(tops[0] - tops[1]) < 2, tops

    page.get_by_role("link", name="Bankkonten").last.click()
    expect(page.locator(".account")).to_contain_text("DE89370400440532013000")
    expect(page.locator(".account")).to_contain_text("Commerzbank")
    expect(page.locator(".account")).to_contain_text("Kontoauszug (Upload)")
    _fits(page, width)
    if width < 640:
        # on a phone the bank's name and the sources take a row each: in half a row
        # „GLS Gemeinschaftsbank“ and „Bankverbindung (API)“ broke inside the word
        facts = page.locator(".account .facts").first.bounding_box()
        named_facts = page.locator(".account .facts .named").all()
        assert len(named_facts) == 2  # the bank, the sources
        for named in named_facts:
            box = named.bounding_box()
            assert facts and box and box["width"] > 0.9 * facts["width"], (box, facts)
    shot(page, f"35-bank-{width}-bankkonten")

    # Next month: the same layout for this account is read with the saved mapping.
    export.write_bytes(
        (EXPORT + "06.03.2024;Toner;-40,00;Toner Express;DE11600501017400123456\r\n").encode(
            "cp1252"
        )
    )
    page.goto(f"/clients/{tenant_id}/bank/upload")
    page.get_by_label("Datei", exact=True).set_input_files(str(export))
    page.get_by_label("Konto", exact=True).select_option("DE89370400440532013000")
    page.get_by_role("button", name="Hochladen").click()
    expect(page.locator("#upload-result")).to_contain_text("1 neuer Umsatz, 3 bereits vorhanden")


def test_a_sepa_batch_file_breaks_its_batch_line_down_and_can_be_removed(
    bank_page: tuple[Any, str, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from support.advice_files import pain008_batch, statement_with_batch

    page, tenant_id, width = bank_page
    statement, batch = tmp_path / "auszug.xml", tmp_path / "sammler.xml"
    statement.write_bytes(statement_with_batch())
    batch.write_bytes(pain008_batch())
    for upload in (statement, batch):
        page.goto(f"/clients/{tenant_id}/bank/upload")
        page.get_by_label("Datei", exact=True).set_input_files(str(upload))
        page.get_by_role("button", name="Hochladen").click()
    result = page.locator("#advice-result")
    expect(result).to_contain_text("1 von 1 Sammelbuchung aufgeschlüsselt")
    expect(result).to_contain_text(
        "B2B-20240403-001 · 3 Posten · 2.023,00 € · Buchung vom 03.04.2024"
    )
    expect(page.locator(".advices-stored")).to_contain_text("sammler.xml")
    _fits(page, width)
    shot(page, f"37-bank-{width}-sammeldatei")

    page.get_by_role("link", name="Umsätze").last.click()
    expect(page.locator("#transactions")).to_contain_text("Avis: 3 Posten")
    _fits(page, width)

    page.goto(f"/clients/{tenant_id}/bank/upload")
    page.locator(".advices-stored").get_by_role("button", name="Entfernen").click()
    expect(page.locator("body")).to_contain_text("Zahlungsavis entfernt")
    expect(page.locator(".advices-stored")).to_have_count(0)
    shot(page, f"38-bank-{width}-avis-entfernt")
