"""Overviews: the client's start page (what needs action now, 12 months as an SVG
chart, completeness per tax year), the same per client for staff, the portfolio."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from sqlalchemy import select, update

from belegsync.store.models import (
    Connection,
    ExpectedPayment,
    PaymentLink,
    SyncRun,
    SyncRunError,
    Voucher,
)
from support.volume import generate_volume
from support.web_stack import PASSWORD, WebStack, connect_and_sync, text_of


async def _volume(stack: WebStack, tenant_id: str, count: int = 150) -> None:
    h = stack.harness
    await generate_volume(
        uow_factory=h.uow_factory,
        files=h.files,
        clock=h.clock,
        tenant_id=tenant_id,
        count=count,
        end=date(2026, 6, 14),
    )


def _tile(page: str, name: str) -> int:
    found = re.search(rf'id="tile-{name}">.*?<strong class="big">([\d.]+)</strong>', page, re.S)
    assert found, name
    return int(found.group(1).replace(".", ""))


async def test_client_start_page_shows_what_needs_action(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    await _volume(stack, stack.tenant_a)
    async with stack.browser() as b:
        login = await b.post(
            "/login", {"email": "a@alpha.test", "password": PASSWORD}, follow_redirects=False
        )
        assert login.headers["location"].endswith(f"/clients/{stack.tenant_a}/overview")
        r = await b.get(f"/clients/{stack.tenant_a}/overview")
        assert r.status_code == 200
        page = r.text
        suggestions, external = _tile(page, "suggestions"), _tile(page, "external")
        vouchers = text_of(await b.get(f"/clients/{stack.tenant_a}/vouchers?match=suggested"))
        assert f"{suggestions} Belege" in vouchers
        vouchers = text_of(await b.get(f"/clients/{stack.tenant_a}/vouchers?match=external"))
        assert f"{external} Belege" in vouchers
        # The chart: inline SVG drawn by the server, 12 months, with a table to read.
        svg = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S)
        assert svg and svg.group(0).count("<g>") == 12
        assert "<script" not in svg.group(0)
        labels = re.findall(r">(\w+)<tspan class=\"suffix\"> (\d\d)</tspan>", svg.group(0))
        assert labels[0] == ("Jul", "25") and labels[-1] == ("Jun", "26")
        assert page.count('<tr><th scope="row">') == 12
        # Completeness per tax year: waiting vouchers make the year yellow, with reasons.
        assert 'data-year="2026"' in page and "light-yellow" in page
        assert "Vorschlag prüfen" in text_of(r)


async def test_failed_connection_and_expiring_key_need_action(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.harness.uow_factory() as uow:
        await uow.session.execute(
            update(Connection)
            .where(Connection.tenant_id == stack.tenant_a)
            .values(state="failed", failure_reason="invalid_key")
        )
        run = await uow.session.scalar(select(SyncRun).where(SyncRun.tenant_id == stack.tenant_a))
        assert run is not None
        uow.session.add(
            SyncRunError(
                run_id=run.id,
                voucher_lexware_id="lost-1",
                code="lexware_malformed_response",
                message="kaputt",
                created_at=run.queued_at,
            )
        )
        await uow.commit()
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        page = await b.get(f"/clients/{stack.tenant_a}/overview")
        text = text_of(page)
        assert 'id="tile-connection"' in page.text and "API-Schlüssel abgelehnt" in text
        assert _tile(page.text, "failed") == 1
        assert "light-red" in page.text and "Lexware hat eine unlesbare Antwort geschickt." in text
        connection = await b.get(f"/clients/{stack.tenant_a}/connection")
        assert 'id="disconnect-failed"' in connection.text
    async with stack.browser() as b:
        await b.login("staff@kanzlei.test")
        staff = text_of(await b.get("/staff"))
        assert "invalid_key" not in staff and "API-Schlüssel abgelehnt" in staff
        failed_only = text_of(await b.get("/staff?state=failed"))
        assert "Alpha GmbH" in failed_only and "Beta UG" not in failed_only


async def test_staff_see_the_overview_per_client_and_the_portfolio(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_b)
    await _volume(stack, stack.tenant_a, count=80)
    async with stack.harness.uow_factory() as uow:
        await uow.session.execute(
            update(Connection)
            .where(Connection.tenant_id == stack.tenant_b)
            .values(key_expires_on=date(2026, 6, 20))
        )
        await uow.commit()
    async with stack.browser() as b:
        await b.login("staff@kanzlei.test")
        client = await b.get(f"/staff/clients/{stack.tenant_a}")
        assert client.status_code == 200
        assert '<svg class="chart"' in client.text and 'id="years"' in client.text
        portfolio = await b.get("/staff/portfolio")
        text = text_of(portfolio)
        assert portfolio.status_code == 200
        rows = re.findall(r'<tr class="urgency-(\d)">(.*?)</tr>', portfolio.text, re.S)
        names = re.findall(r'class="key"><a [^>]+>([^<]+)<', portfolio.text)
        # Expiring key first; every client with its matching rate and tax-year lights.
        assert names[0] == "Beta UG" and set(names) == {"Alpha GmbH", "Beta UG"}
        assert "läuft in weniger als 7 Tagen ab" in text
        alpha = next(r[1] for r in rows if "Alpha GmbH" in r[1])
        assert re.search(r"\d+\s?%", text_of_fragment(alpha))
        assert 'class="year-chip light-' in alpha and "2026" in alpha


def text_of_fragment(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


async def test_voucher_page_shows_its_bank_transaction_and_actions(stack: WebStack) -> None:
    await _volume(stack, stack.tenant_a, count=60)
    async with stack.harness.uow_factory() as uow:
        linked = (
            await uow.session.execute(
                select(Voucher.id, PaymentLink.id, PaymentLink.status)
                .join(ExpectedPayment, ExpectedPayment.voucher_id == Voucher.id)
                .join(PaymentLink, PaymentLink.expected_payment_id == ExpectedPayment.id)
                .where(Voucher.tenant_id == stack.tenant_a)
                .where(PaymentLink.status.in_(("auto_confirmed", "suggested")))
            )
        ).all()
    auto = next(row for row in linked if row[2] == "auto_confirmed")
    suggested = next(row for row in linked if row[2] == "suggested")
    base = f"/clients/{stack.tenant_a}"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        page = await b.get(f"{base}/vouchers/{auto[0]}")
        text = text_of(page)
        assert "automatisch zugeordnet" in text and "Zahlung über ein Bankkonto" in text
        assert f'action="{base}/matching/links/{auto[1]}/undo"' in page.text
        assert "partPaymentFinancialTransaction" not in text and "None" not in text
        # nothing left open is neither money in nor money out (not green on an expense)
        assert 'class="zero">0,00' in page.text
        # The file is named after the voucher, not after Lexware's id.
        assert re.search(r'class="filename"[^>]*>\d{4}-\d\d-\d\d_[^<]+\.pdf<', page.text)
        offered = await b.get(f"{base}/vouchers/{suggested[0]}")
        assert f'action="{base}/matching/links/{suggested[1]}/confirm"' in offered.text
        assert f'action="{base}/matching/links/{suggested[1]}/reject"' in offered.text
        # Amounts: money out negative on the voucher and its payments alike.
        amounts = re.findall(r'class="(in|out)">(-?[\d.]+,\d\d)', offered.text)
        assert len({sign for sign, _ in amounts}) == 1


def _amounts(html: str, pattern: str) -> dict[str, str]:
    return {m.group(1): unescape(m.group(2)).strip() for m in re.finditer(pattern, html, re.S)}


async def test_a_voucher_amount_has_one_sign_on_every_page(stack: WebStack) -> None:
    """Abgleich, Belege and the voucher page show the same amount with the same sign:
    money out negative (purchase invoices), money in positive (sales invoices)."""
    await _volume(stack, stack.tenant_a, count=80)
    base = f"/clients/{stack.tenant_a}"
    head = r'href="[^"]*/vouchers/([0-9a-f-]{36})"><strong>[^<]*</strong></a>.*?'
    queue = head + r'class="q-amount">([^<]+)<'
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        shown: dict[str, str] = {}
        for tab in ("suggestions", "external", "auto"):
            shown |= _amounts((await b.get(f"{base}/matching?tab={tab}")).text, queue)
        assert len(shown) >= 10
        listed: dict[str, str] = {}
        for page in (1, 2):
            html = (await b.get(f"{base}/vouchers?page={page}")).text
            row = r'href="[^"]*/vouchers/([0-9a-f-]{36})".*?class="num amount"><span[^>]*>([^<]+)<'
            listed |= _amounts(html, row)
        signs = set()
        for voucher_id, amount in shown.items():
            detail = (await b.get(f"{base}/vouchers/{voucher_id}")).text
            gross = re.search(r'id="gross"><span class="(in|out)">([^<]+)<', detail)
            assert gross, voucher_id
            assert unescape(gross.group(2)).strip() == amount, voucher_id
            assert gross.group(1) == ("out" if amount.startswith("-") else "in")
            assert listed.get(voucher_id, amount) == amount, voucher_id
            signs.add(amount.startswith("-"))
        assert signs == {True, False}
        assert set(shown) & set(listed)
