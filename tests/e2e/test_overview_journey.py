"""Overviews, paging, exports and phone width at realistic volume, in real Chromium
against real servers: a client with 3,000 vouchers (written through the real store,
matched by the real engine), a client whose key expires in days, one whose key failed.
Every step at 1440 px and at 375 px; screenshots in test-output/screenshots/."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import subprocess
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from belegsync.cli.wiring import wired
from belegsync.emulator import EXPIRED_KEY, MAIN_KEY
from belegsync.settings import Settings
from e2e.conftest import (
    BELEGSYNC,
    PASSWORD,
    Servers,
    login,
    page_width,
    running_servers,
    shot,
)
from support.volume import generate_volume

pytestmark = pytest.mark.browser

VOUCHERS = 3000
WIDTHS = {"desktop": (1440, 900), "phone": (375, 740)}


async def _fill(env: dict[str, str], tenant_id: str) -> None:
    settings = replace(Settings.from_env(env), log_level="error")
    async with wired(settings) as w:
        await generate_volume(
            uow_factory=w.uow_factory,
            files=w.files,
            clock=w.deps.clock,
            tenant_id=tenant_id,
            count=VOUCHERS,
            end=w.deps.clock.now().date(),
            months=14,
        )


def _volume_clients(s: Servers) -> None:
    """A client with thousands of vouchers, one whose key expires in days, one failed."""
    ids = {
        name: s.cli("tenant", "add", name, "--open-tax-year", "2025", "--open-tax-year", "2026")
        for name in ("Volumen GmbH", "Bald Ablauf KG", "Kaputt AG")
    }
    s.cli(
        "user", "add", "v@e2e.test", "--role", "client", "--tenant", "Volumen GmbH", stdin=PASSWORD
    )
    s.cli("user", "add", "staff@e2e.test", "--role", "staff", stdin=PASSWORD)
    soon = (date.today() + timedelta(days=5)).isoformat()
    for tenant, key, extra in (
        ("Volumen GmbH", MAIN_KEY, []),
        ("Bald Ablauf KG", MAIN_KEY, ["--key-expires", soon]),
        ("Kaputt AG", EXPIRED_KEY, []),
    ):
        # The expired key fails, as intended: the client shows as failed.
        subprocess.run(
            [*BELEGSYNC, "connect", tenant, "--no-sync", *extra],
            env={**s.env, "BELEGSYNC_API_KEY": key},
            capture_output=True,
            check=False,
        )
    tenant_id = ids["Volumen GmbH"].split()[-1]
    # Playwright's sync API may hold an event loop in this thread: fill in another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _fill(s.env, tenant_id)).result()
    s.env["tenant"] = tenant_id


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    data_dir = tmp_path_factory.mktemp("e2e-volume")
    with running_servers(data_dir, _volume_clients, seed="empty", firm="Kanzlei Volumen") as s:
        yield s


@pytest.fixture(params=sorted(WIDTHS))
def page(request: Any, browser_instance: Any, volume: Servers) -> Iterator[Any]:
    width, height = WIDTHS[request.param]
    context = browser_instance.new_context(
        base_url=volume.app_url,
        locale="de-DE",
        viewport={"width": width, "height": height},
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.size_name = request.param
    yield page
    context.close()


def fits(page: Any) -> None:
    """Nothing wider than the screen: no sideways scrolling of the page."""
    width = page_width(page)
    assert width <= page.viewport_size["width"], (page.url, width)


def amounts_in_view(page: Any) -> None:
    """Every amount of the first rows is inside the screen."""
    for cell in page.locator("td.amount").all()[:8]:
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0
        assert box["x"] + box["width"] <= page.viewport_size["width"] + 1


def test_client_overview_paging_and_exports(page: Any, volume: Servers, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    name = page.size_name
    login(page, "v@e2e.test")
    expect(page).to_have_url(re.compile(r"/overview$"))
    expect(page.locator("svg.chart")).to_be_visible()
    suggestions = int(page.locator("#tile-suggestions .big").inner_text().replace(".", ""))
    assert suggestions > 0
    expect(page.locator("#tile-external")).to_be_visible()
    expect(page.locator(".year-light").first).to_be_visible()
    fits(page)
    shot(page, f"ov-01-uebersicht-{name}")

    page.locator("#tile-suggestions a").click()
    expect(page).to_have_url(re.compile(r"/matching"))

    page.get_by_role("link", name="Belege", exact=True).first.click()
    expect(page.locator("#voucher-count")).to_have_text("3.000 Belege")
    expect(page.locator(".pager-count")).to_have_text("1–50 von 3.000")
    amounts_in_view(page)
    fits(page)
    shot(page, f"ov-02-belege-{name}")

    page.get_by_role("link", name="Weiter").first.click()
    expect(page.locator(".pager-count")).to_have_text("51–100 von 3.000")
    expect(page).to_have_url(re.compile(r"page=2"))

    page.get_by_label("Suche (Nummer oder Kontakt)").fill("Meier")
    page.get_by_role("button", name="Filtern").click()
    count = int(page.locator("#voucher-count").inner_text().split()[0].replace(".", ""))
    assert 0 < count < VOUCHERS
    if name == "desktop":
        page.get_by_role("link", name="Betrag").click()
    else:
        # Phones have no column headers to click: the form sorts as well.
        page.get_by_label("Sortieren nach").select_option("amount")
        page.get_by_label("Reihenfolge").select_option("asc")
        page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"q=Meier.*sort=amount&dir=asc"))
    expect(page.locator("#voucher-count")).to_have_text(f"{count:,} Belege".replace(",", "."))
    amounts_in_view(page)
    fits(page)
    shot(page, f"ov-03-belege-gesucht-sortiert-{name}")

    with page.expect_download() as csv_download:
        page.locator("#export-csv").click()
    data = Path(csv_download.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == count + 1 and all("Meier" in r[3] for r in rows[1:])

    page.locator("td.key a").first.click()
    expect(page.get_by_text("Zahlung über ein Bankkonto").first).to_be_visible()
    expect(page.locator("a.filename").first).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d_.+\.pdf$"))
    expect(page.locator("#bank")).to_be_visible()
    fits(page)
    shot(page, f"ov-04-beleg-{name}")

    page.goto(f"/clients/{volume.env['tenant']}/exports")
    # The volume's vouchers reach up to today (about 7 a day): the last ten days have some on
    # any date, also in the first days of January.
    page.get_by_label("Belegdatum von").first.fill((date.today() - timedelta(days=10)).isoformat())
    with page.expect_download() as zip_download:
        page.get_by_role("button", name="ZIP herunterladen").click()
    archive = zipfile.ZipFile(zip_download.value.path())
    assert archive.namelist() and all(re.match(r"\d{4}-\d\d-\d\d_", n) for n in archive.namelist())
    fits(page)
    shot(page, f"ov-05-exporte-{name}")

    for path in ("connection", "bank/upload", "support"):
        page.goto(f"/clients/{volume.env['tenant']}/{path}")
        fits(page)
    shot(page, f"ov-06-support-{name}")


def test_staff_portfolio_and_client_overview(page: Any, volume: Servers) -> None:
    from playwright.sync_api import expect

    name = page.size_name
    login(page, "staff@e2e.test")
    rows = page.locator("#clients tbody tr")
    expect(rows.first).to_contain_text("Kaputt AG")
    expect(rows.nth(1)).to_contain_text("Bald Ablauf KG")
    expect(page.locator("#clients")).not_to_contain_text("expired")
    fits(page)
    shot(page, f"ov-10-mandanten-{name}")

    page.get_by_role("link", name="Portfolio", exact=True).first.click()
    portfolio = page.locator("#portfolio")
    expect(portfolio).to_contain_text("Volumen GmbH")
    volumen = portfolio.locator("tr", has_text="Volumen GmbH")
    expect(volumen.locator(".rate")).to_have_text(re.compile(r"\d+\s?%"))
    expect(volumen.locator(".year-chip").first).to_be_visible()
    fits(page)
    shot(page, f"ov-11-portfolio-{name}")
    # a tablet: the table scrolls in its box, its screen-reader texts with it (they
    # widened the page to 950 px at 700)
    size = page.viewport_size
    page.set_viewport_size({"width": 700, "height": size["height"]})
    fits(page)
    page.set_viewport_size(size)

    volumen.get_by_role("link", name="Volumen GmbH").click()
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("#years .year-light").first).to_be_visible()
    fits(page)
    shot(page, f"ov-12-mandant-{name}")

    page.get_by_role("link", name="Supportanfragen").first.click()
    fits(page)
    page.get_by_role("link", name="Postausgang").first.click()
    fits(page)
    shot(page, f"ov-13-postausgang-{name}")
