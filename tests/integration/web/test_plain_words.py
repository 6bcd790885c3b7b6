"""Every page speaks plain German or plain English: no raw status, payment item type,
reason or code and no ``None`` reaches a page. A crawler follows every link of demo-like
data as a client and as staff, in both languages, and reads what a person would read."""

from __future__ import annotations

import re
from collections import deque
from datetime import date
from html import unescape

import httpx
import pytest
from sqlalchemy import select, update

from belegsync.notify.support import request_support
from belegsync.store.models import SyncRun, SyncRunError, Voucher
from belegsync.web.labels import TABLES, german_label, template_label
from support.volume import generate_volume
from support.web_stack import Browser, WebStack, connect_and_sync, text_of

# Raw values that are ordinary German or product words are not a sign of a leak.
ALLOWED = {"Status", "Version"}
# In English many raw values are ordinary words ("open", "paid", "failed"): there the
# crawler looks for those that are no English word (codes, compounds, camelCase).
ENGLISH_WORDS = {
    *("paid", "open", "voided", "transferred", "draft", "unchecked", "overdue", "accepted"),
    *("rejected", "queued", "running", "succeeded", "failed", "none", "pending", "active"),
    *("schedule", "manual", "webhook", "connect", "confirmed", "expired", "contract"),
    *("deleted", "matched", "suggested", "external", "cash", "undone", "connection", "file"),
    *("sent", "invoice", "awaiting"),
}


def raw_pattern(allowed: set[str]) -> re.Pattern[str]:
    raw = sorted({value for table in TABLES.values() for value in table} - allowed, key=len)
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, raw)) + r"|None)(?![\w-])")


RAW_PATTERN = {"de": raw_pattern(ALLOWED), "en": raw_pattern(ALLOWED | ENGLISH_WORDS)}
SKIP = re.compile(r"/(files|exports)/|/logout|/language|/api/|\.csv|\.zip")


def raw_words(response: httpx.Response, lang: str = "de") -> list[str]:
    """Raw values a reader would see: in the text, and in titles or labels."""
    visible = text_of(response)
    read_aloud = re.findall(r'(?:title|aria-label|placeholder)="([^"]*)"', response.text)
    attributes = " ".join(unescape(v) for v in read_aloud)
    return RAW_PATTERN[lang].findall(visible + " " + attributes)


async def crawl(
    b: Browser, start: list[str], *, lang: str = "de", limit: int = 250
) -> dict[str, list[str]]:
    """Breadth-first over same-site GET links; returns page → raw words found."""
    queue, seen, found = deque(start), set(start), {}
    while queue and len(seen) <= limit:
        url = queue.popleft()
        r = await b.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert f'<html lang="{lang}"' in r.text, url
        if words := raw_words(r, lang):
            found[url] = words
        for href in re.findall(r'href="(/[^"#]*)', r.text):
            link = unescape(href)
            if link not in seen and not SKIP.search(link) and not link.startswith("/static"):
                seen.add(link)
                queue.append(link)
    return found


async def _demo_like(stack: WebStack) -> None:
    """Demo data plus what makes pages interesting: volume with suggestions and
    external transactions, a flagged voucher, a failed voucher, a support request."""
    await connect_and_sync(stack, stack.tenant_a)
    h = stack.harness
    await generate_volume(
        uow_factory=h.uow_factory,
        files=h.files,
        clock=h.clock,
        tenant_id=stack.tenant_a,
        count=120,
        end=date(2026, 6, 14),
    )
    async with h.uow_factory() as uow:
        first = await uow.session.scalar(
            select(Voucher.id).where(Voucher.tenant_id == stack.tenant_a).limit(1)
        )
        await uow.session.execute(
            update(Voucher).where(Voucher.id == first).values(review_reason="no_longer_paid")
        )
        run = await uow.session.scalar(select(SyncRun).where(SyncRun.tenant_id == stack.tenant_a))
        assert run is not None
        uow.session.add(
            SyncRunError(
                run_id=run.id,
                voucher_lexware_id="x-1",
                code="lexware_unavailable",
                message="Lexware ist nicht erreichbar.",
                created_at=run.queued_at,
            )
        )
        await uow.commit()
    await request_support(
        uow_factory=h.uow_factory,
        clock=h.clock,
        config=stack.deps.config,
        ctx=stack.ctx(stack.tenant_a),
        user_id=None,
        contact_email="a@alpha.test",
        message="Bitte prüfen",
    )


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_no_raw_value_reaches_a_page(stack: WebStack, lang: str) -> None:
    await _demo_like(stack)
    client_start = [
        f"/clients/{stack.tenant_a}/{path}"
        for path in ("overview", "connection", "vouchers", "matching", "bank/transactions")
    ]
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        await b.post("/language", {"lang": lang, "next": "/"})
        as_client = await crawl(b, client_start, lang=lang)
    async with stack.browser() as b:
        await b.login("staff@kanzlei.test")
        await b.post("/language", {"lang": lang, "next": "/"})
        staff_start = ["/staff", "/staff/portfolio", "/staff/support", "/staff/outbox"]
        as_staff = await crawl(b, staff_start, lang=lang)
    assert as_client == {}
    assert as_staff == {}


def test_every_value_has_a_label_in_both_languages() -> None:
    from belegsync.web.i18n import Formatter

    english = Formatter("en").gettext
    for kind, table in TABLES.items():
        for value, german in table.items():
            assert german_label(kind, value) == german
            assert english(german) != german or german in {"Status", "Portfolio", "Version"}, german
    assert german_label("payment_item", "somethingNew") == "unbekannt"
    assert german_label("run_code", "new_code") == "Unerwarteter Fehler"
    assert callable(template_label)
