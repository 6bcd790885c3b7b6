"""Belege at volume: paged in the database with the total shown, searched by number,
contact, amount and date range, sorted by every column, the state kept in the URL."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from belegsync.store.models import Voucher
from belegsync.store.uow import UnitOfWork
from belegsync.web.voucher_query import account_cents
from support.store_helpers import NOW, voucher_data
from support.volume import generate_volume
from support.web_stack import WebStack, text_of

COUNT = 260


async def _volume(stack: WebStack) -> str:
    h = stack.harness
    await generate_volume(
        uow_factory=h.uow_factory,
        files=h.files,
        clock=h.clock,
        tenant_id=stack.tenant_a,
        count=COUNT,
        end=date(2026, 6, 14),
    )
    return f"/clients/{stack.tenant_a}/vouchers"


def _numbers(page: str) -> list[str]:
    return re.findall(r'class="key"><a href="[^"]+">([^<]+)</a>', page)


def _amounts(page: str) -> list[int]:
    cells = re.findall(r'class="num amount"><span class="(?:in|out)">([^<]+)</span>', page)
    return [int(re.sub(r"[^\d-]", "", unescape(c).replace("\xa0", ""))) for c in cells]


async def test_pages_show_the_total_and_reach_every_voucher(stack: WebStack) -> None:
    base = await _volume(stack)
    seen: list[str] = []
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        first = await b.get(base)
        text = text_of(first)
        assert f"{COUNT} Belege" in text and f"1–50 von {COUNT}" in text
        assert "Seite 1 von 6" in text
        for page in range(1, 7):
            r = await b.get(f"{base}?page={page}")
            seen += _numbers(r.text)
        assert "251–260 von 260" in text_of(r)
    # Nothing cut, nothing twice: the pages together are exactly the vouchers.
    assert len(seen) == COUNT == len(set(seen))


async def test_sorting_by_each_column_keeps_the_filters(stack: WebStack) -> None:
    base = await _volume(stack)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        up = await b.get(f"{base}?sort=amount&dir=asc&q=Meier")
        assert _amounts(up.text), "the amounts are shown"
        async with stack.harness.uow_factory() as uow:
            meier = (
                await uow.session.execute(
                    select(Voucher.voucher_number, Voucher.voucher_type, Voucher.total_gross_cents)
                    .where(Voucher.tenant_id == stack.tenant_a)
                    .where(Voucher.contact_name.ilike("%meier%"))
                )
            ).all()
        # Sorted as shown: money out negative, so the largest expenses come first.
        signed = sorted(account_cents(t, c) or 0 for _, t, c in meier)
        shown = signed[:50]
        assert _amounts(up.text) == shown
        expected = {n for n, t, c in meier if (account_cents(t, c) or 0) <= shown[-1]}
        assert set(_numbers(up.text)) <= expected
        # The header links keep the search and turn the direction on a second click.
        assert 'href="' + base + "?q=Meier&amp;sort=amount&amp;dir=desc" in up.text
        assert 'aria-sort="ascending"' in up.text
        for key in ("date", "number", "contact", "type", "paid"):
            r = await b.get(f"{base}?sort={key}&dir=desc&q=Meier")
            assert r.status_code == 200 and "Holzhandel Meier GmbH" in r.text


async def test_search_by_number_contact_amount_and_dates(stack: WebStack) -> None:
    base = await _volume(stack)
    async with stack.harness.uow_factory() as uow:
        one = await uow.session.scalar(
            select(Voucher).where(Voucher.tenant_id == stack.tenant_a).limit(1)
        )
        assert one is not None
        in_june = await uow.session.scalar(
            select(func.count())
            .select_from(Voucher)
            .where(
                Voucher.tenant_id == stack.tenant_a,
                Voucher.voucher_date.between(date(2026, 6, 1), date(2026, 6, 10)),
            )
        )
    euros, cents = divmod(one.total_gross_cents, 100)
    german = f"{euros:,}".replace(",", ".") + f",{cents:02d}"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        by_number = await b.get(f"{base}?q={one.voucher_number}")
        assert _numbers(by_number.text) == [one.voucher_number]
        by_amount = await b.get(f"{base}?amount={german}")
        assert one.voucher_number in _numbers(by_amount.text)
        by_dates = await b.get(f"{base}?from=2026-06-01&to=10.06.2026")
        assert f"{in_june} Belege" in text_of(by_dates)
        # Nonsense is ignored, never an error page.
        for query in ("amount=abc", "from=31.02.2026", "sort=evil&dir=x", "page=-3", "q=%25_"):
            r = await b.get(f"{base}?{query}")
            assert r.status_code == 200, query
        assert "0 Belege" in text_of(await b.get(f"{base}?q=%25_"))
        # … and an amount or a date not read says so (before, the whole list showed as
        # if it were the answer)
        unread = text_of(await b.get(f"{base}?amount=12,5O&from=31.02.2026&to=2026-06-10"))
        absurd = text_of(await b.get(f"{base}?amount=9223372036854775808"))
        read = text_of(await b.get(f"{base}?amount={german}&to=10.06.2026"))
        await b.post("/language", {"lang": "en", "next": base})
        english = text_of(await b.get(f"{base}?amount=abc"))
    assert "„12,5O“ ist kein Betrag; der Betrag filtert nicht." in unread
    assert "„31.02.2026“ ist kein Datum; der Zeitraum filtert nicht." in unread
    assert "2026-06-10" not in unread  # an ISO date is read
    assert "„9223372036854775808“ ist kein Betrag" in absurd
    assert "kein Betrag" not in read and "kein Datum" not in read
    assert "'abc' is not an amount; the amount does not filter." in english


async def test_a_changed_voucher_shows_at_once_and_a_page_past_the_end_keeps_the_total(
    stack: WebStack,
) -> None:
    # Rows are rendered once and reused: a change must reach the page all the same.
    base = await _volume(stack)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        first = await b.get(base)
        number = _numbers(first.text)[0]
        async with stack.harness.uow_factory() as uow:
            voucher = await uow.session.scalar(
                select(Voucher).where(
                    Voucher.tenant_id == stack.tenant_a, Voucher.voucher_number == number
                )
            )
            assert voucher is not None
            voucher.contact_name = "Umbenannt & Söhne"
            await uow.commit()
        again = await b.get(base)
        assert "Umbenannt &amp; Söhne" in again.text
        assert _numbers(again.text)[0] == number
        assert first.text != again.text
        past = await b.get(f"{base}?page=99")
        assert past.status_code == 200 and f"{COUNT} Belege" in text_of(past)
        assert _numbers(past.text) == []


async def test_the_list_reads_in_the_sessions_unit_of_work_and_shows_new_vouchers_at_once(
    stack: WebStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = await _volume(stack)
    factory = stack.deps.uow_factory
    opened: list[UnitOfWork] = []
    read_only = factory.read_only

    def counted() -> UnitOfWork:
        opened.append(read_only())
        return opened[-1]

    async with stack.browser() as b:
        await b.login("a@alpha.test")
        first = await b.get(base)
        monkeypatch.setattr(factory, "read_only", counted)
        listed = await b.get(f"{base}?page=2")
        assert len(opened) == 1  # the session and the page: one connection, one snapshot
        detail = await b.get(f"{base}/{_ids(first.text)[0]}")
        assert len(opened) == 3  # other pages read the session apart
        monkeypatch.undo()
        assert listed.status_code == detail.status_code == 200
        assert f"{COUNT} Belege" in text_of(listed)
        # The total is never stale: a synced voucher counts at once, in every process.
        async with factory() as uow:
            await uow.vouchers.upsert(stack.tenant_a, voucher_data("neu-1"), now=NOW)
            await uow.commit()
        again = await b.get(f"{base}?page=2")
        assert f"{COUNT + 1} Belege" in text_of(again)
        await b.logout()
        # Logging out ends the session for the list too.
        gone = await b.get(base, follow_redirects=False)
        assert gone.status_code in (302, 303) and "/login" in gone.headers["location"]


def _ids(page: str) -> list[str]:
    return re.findall(r'class="key"><a href="/clients/[^/]+/vouchers/([^"]+)">', page)
