"""Bad input answers a clear 4xx and changes nothing; no answer is a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from support.web_stack import WebStack, text_of

PUSH = "/api/v1/bank-transactions"
TRUNCATED = b'{"account_iban": "DE89370400440532013000", "transactions": [{"amount": '
NESTED = b'{"a": ' * 200 + b"1" + b"}" * 200

J = "application/json"
FORM = "application/x-www-form-urlencoded"
BAD_BODIES = [
    ("malformed", b"{nope}", J, 400, "json_malformed"),
    ("truncated", TRUNCATED, J, 400, "json_malformed"),
    ("nan", b'{"transactions": [], "x": NaN}', J, 400, "json_number_invalid"),
    ("huge", b'{"transactions": [], "x": 1e400}', J, 400, "json_number_out_of_range"),
    ("bom", b'\xef\xbb\xbf{"transactions": []}', J, 400, "json_bom"),
    ("nested", NESTED, J, 400, "json_too_deep"),
    ("surrogate", b'{"transactions": [], "x": "\\ud800"}', J, 400, "json_text_invalid"),
    ("nul", b'{"transactions": [], "x": "a\\u0000b"}', J, 400, "nul_character"),
    ("digits", b'{"x": ' + b"9" * 5000 + b"}", J, 400, "json_malformed"),
    ("latin1", b'{"x": "\xe4"}', J, 400, "json_encoding"),
    ("form", b"account_iban=DE89&transactions=1", FORM, 415, "json_content_type_required"),
]


async def test_bad_json_bodies_answer_4xx_with_a_code_and_store_nothing(stack: WebStack) -> None:
    headers = {"Authorization": f"Bearer {await stack.api_token(stack.tenant_a)}"}
    async with stack.browser() as b:
        for name, body, content_type, status, code in BAD_BODIES:
            r = await b.client.post(
                PUSH, content=body, headers={**headers, "Content-Type": content_type}
            )
            assert r.status_code == status, (name, r.text[:300])
            assert r.json()["error"] == code, name
            assert r.json()["message"], name
            assert r.headers["X-Content-Type-Options"] == "nosniff"
        huge_page = await b.client.get("/api/v1/vouchers?page=9223372036854775808", headers=headers)
        assert huge_page.status_code == 400 and huge_page.json()["error"] == "invalid_request"
        runs_page = await b.client.get("/api/v1/sync-runs?page=99999999999", headers=headers)
        assert runs_page.status_code == 400
    async with stack.deps.uow_factory() as uow:
        assert await uow.banking.accounts(stack.tenant_a) == []


async def test_nul_in_a_form_or_query_is_refused(stack: WebStack) -> None:
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        r = await b.post(f"/clients/{stack.tenant_a}/support", {"message": "a\x00b"})
        assert r.status_code == 400
        r = await b.get(f"/clients/{stack.tenant_a}/vouchers?q=%00")
        assert r.status_code == 400
        # an id in the path: before, a 500 on PostgreSQL (its text holds no NUL)
        base = f"/clients/{stack.tenant_a}"
        paths = [f"{base}/vouchers/a%00b", f"{base}/matching/payments/a%00b"]
        for path in paths:
            assert (await b.get(path)).status_code == 400, path
        for action in ("confirm", "undo", "keep"):
            r = await b.post(f"{base}/matching/links/a%00b/{action}")
            assert r.status_code == 400, action
    async with stack.deps.uow_factory() as uow:
        assert await uow.notify.support_requests(stack.tenant_a, limit=10) == []


@pytest.mark.parametrize(
    "amount", ["1" * 40, "NaN", "Infinity", "1e999999", "-" + "9" * 40 + ",00"]
)
async def test_absurd_amounts_in_the_matching_search_are_a_message(
    stack: WebStack, amount: str
) -> None:
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        r = await b.get(f"/clients/{stack.tenant_a}/matching", params={"amount": amount})
        assert r.status_code in (200, 400), r.text[:300]
        assert "kein Betrag" in text_of(r)


HUGE_PAGES = ["99999999999999999999999", "9223372036854775808", "-5", "0", "abc", "1e3", " 7 "]


async def _failing(stack: WebStack, login: str, urls: list[str]) -> dict[str, int]:
    """The ``urls`` that answer neither a page nor a 400, with their status."""
    async with stack.browser() as b:
        await b.login(login)
        answers = {url: (await b.get(url)).status_code for url in urls}
    return {url: status for url, status in answers.items() if status not in (200, 400)}


async def test_absurd_page_numbers_on_every_list_are_no_500(stack: WebStack) -> None:
    """A page number beyond what the database takes (before, the matching inbox's
    ``OFFSET`` overflowed SQLite's integer: a 500) shows a page or a 4xx."""
    client = f"/clients/{stack.tenant_a}"
    lists = [
        *(f"{client}/matching?tab={tab}" for tab in ("suggestions", "external", "auto")),
        f"{client}/matching?tab=confirmed&amount=abc",
        f"{client}/vouchers?",
        f"{client}/bank/transactions?",
    ]
    staff_lists = ["/staff?", "/staff/portfolio?", "/staff/support?", "/staff/outbox?"]
    pages = [f"&page={quote(page)}" for page in HUGE_PAGES]
    assert await _failing(stack, "a@alpha.test", [u + p for u in lists for p in pages]) == {}
    assert (
        await _failing(stack, "staff@kanzlei.test", [u + p for u in staff_lists for p in pages])
        == {}
    )


@pytest.mark.parametrize("amount", ["9223372036854775808", "92.233.720.368.547.758,08", "1e308"])
async def test_absurd_amounts_in_every_list_filter_are_no_500(stack: WebStack, amount: str) -> None:
    """An amount beyond a 64-bit column in a filter (before, the vouchers, Umsätze and
    the exports answered a 500, the CSV downloads broke off) lists nothing or says it
    is no amount."""
    client = f"/clients/{stack.tenant_a}"
    lists = [
        "vouchers",
        "exports/vouchers.csv",
        "bank/transactions",
        "bank/transactions.csv",
        "matching",
    ]
    urls = [f"{client}/{path}?amount={quote(amount)}" for path in lists]
    assert await _failing(stack, "a@alpha.test", urls) == {}


async def test_staff_forms_refuse_huge_years_future_vat_periods_and_bad_logins(
    stack: WebStack,
) -> None:
    client = f"/staff/clients/{stack.tenant_a}"
    async with stack.browser() as b:
        await b.login("staff@kanzlei.test")
        r = await b.post(f"{client}/tax-years", {"year": "9" * 5000, "action": "close"})
        assert r.status_code == 200 and "vier Ziffern" in text_of(r)
        today = stack.deps.clock.now().date()
        this_month = f"{today.year}-{today.month:02d}"
        for period in ("2999-01", "1900-01", this_month):
            r = await b.post(f"{client}/vat-returns", {"period": period})
            assert "kann nicht erfasst werden" in text_of(r), period
        last_year = f"{today.year - 1}-12"
        r = await b.post(f"{client}/vat-returns", {"period": last_year})
        assert f"Umsatzsteuervoranmeldung {last_year} erfasst" in text_of(r)
        for email, password in (
            ("kein-at-zeichen", "geheim-1234"),
            ("neu@client.test", "kurz"),
            ("a@alpha.test", "geheim-1234"),  # taken
        ):
            r = await b.post(
                "/staff/clients", {"name": f"Neu {email}", "email": email, "password": password}
            )
            assert str(r.url).endswith("/staff"), email
    async with stack.deps.uow_factory() as uow:
        names = [t.name for t in await uow.tenants.list_all()]
        returns = [v.period for v in await uow.tenants.vat_returns(stack.tenant_a)]
    assert not any(name.startswith("Neu ") for name in names)
    assert returns == [last_year]


async def test_key_form_takes_german_and_iso_dates(stack: WebStack) -> None:
    base = f"/clients/{stack.tenant_a}/connection"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        await b.post(f"{base}/start")
        bad = await b.post(f"{base}/key", {"api_key": "x", "key_expires_on": "31.02.2027"})
        assert bad.status_code == 400 and "TT.MM.JJJJ" in text_of(bad)
    async with stack.deps.uow_factory() as uow:
        row = await uow.connections.for_tenant(stack.tenant_a)
        assert row is not None and row.key_expires_on is None
