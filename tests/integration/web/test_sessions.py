"""Sessions live on the server: a copied cookie is worthless after logout, a password change,
disabling the login, or an idle hour; the cookie carries an id only."""

from __future__ import annotations

from belegsync.accounts.users import change_password, set_user_disabled
from belegsync.store.models import SupportRequest
from support.web_stack import PASSWORD, Browser, WebStack, text_of

COOKIE = "belegsync_session"


async def _support_requests(stack: WebStack) -> int:
    async with stack.deps.uow_factory() as uow:
        rows = await uow.notify.support_requests(stack.tenant_a, limit=100)
    assert all(isinstance(r, SupportRequest) for r in rows)
    return len(rows)


async def _is_logged_in(b: Browser, stack: WebStack) -> bool:
    r = await b.get(f"/clients/{stack.tenant_a}/connection", follow_redirects=False)
    return r.status_code == 200


async def test_a_cookie_copied_before_logout_opens_nothing_afterwards(stack: WebStack) -> None:
    async with stack.browser() as b, stack.browser() as thief:
        await b.login("a@alpha.test")
        cookie = b.client.cookies[COOKIE]
        thief.client.cookies.set(COOKIE, cookie)
        thief.client.cookies.set("belegsync_csrf", await b.csrf())
        assert await _is_logged_in(thief, stack)
        await b.logout()
        assert not await _is_logged_in(thief, stack)
        r = await thief.client.post(
            f"/clients/{stack.tenant_a}/support",
            data={"message": "nach dem Abmelden", "_csrf_token": await b.csrf()},
            follow_redirects=False,
        )
        assert r.status_code in (302, 303) and r.headers["location"] == "/login"
    assert await _support_requests(stack) == 0


async def test_the_cookie_holds_a_new_random_id_after_login_and_no_data(stack: WebStack) -> None:
    async with stack.browser() as b:
        await b.post("/language", {"lang": "en", "next": "/login"})
        before = b.client.cookies[COOKIE]
        await b.login("a@alpha.test")
        after = b.client.cookies[COOKIE]
        assert after != before
        assert 40 <= len(after) <= 50 and "a@alpha" not in after
        # The language chosen before the login survives the new id.
        assert "Log out" in text_of(await b.get(f"/clients/{stack.tenant_a}/connection"))
    async with stack.browser() as planted:
        planted.client.cookies.set(COOKIE, before)
        assert not await _is_logged_in(planted, stack)


async def test_password_change_and_disabling_end_every_session(stack: WebStack) -> None:
    clock, uow_factory = stack.deps.clock, stack.deps.uow_factory
    async with stack.browser() as one, stack.browser() as two:
        await one.login("a@alpha.test")
        await two.login("a@alpha.test")
        ended = await change_password(
            uow_factory=uow_factory, clock=clock, email="a@alpha.test", password="neu-geheim-99"
        )
        assert ended == 2
        assert not await _is_logged_in(one, stack) and not await _is_logged_in(two, stack)
        assert (await one.login("a@alpha.test", PASSWORD)).status_code == 400
        await one.login("a@alpha.test", "neu-geheim-99")
        assert await _is_logged_in(one, stack)
        await set_user_disabled(
            uow_factory=uow_factory, clock=clock, email="a@alpha.test", disabled=True
        )
        assert not await _is_logged_in(one, stack)
        r = await two.login("a@alpha.test", "neu-geheim-99")
        assert r.status_code == 400 and "Passwort ist falsch" in text_of(r)


async def test_an_idle_session_ends_and_an_active_one_lives_on(stack: WebStack) -> None:
    clock = stack.harness.clock
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        for _ in range(3):
            clock.advance(minutes=50)
            assert await _is_logged_in(b, stack)
        clock.advance(minutes=61)
        assert not await _is_logged_in(b, stack)


async def test_a_huge_value_echoed_into_a_flash_keeps_the_session(stack: WebStack) -> None:
    async with stack.browser() as b:
        await b.login("staff@kanzlei.test")
        r = await b.post(f"/staff/clients/{stack.tenant_a}/vat-returns", {"period": "x" * 60_000})
        assert r.status_code == 200 and str(r.url).endswith(f"/staff/clients/{stack.tenant_a}")
        assert "Das Format stimmt nicht" in text_of(r)
        assert len(b.client.cookies[COOKIE]) < 100
        assert str((await b.get("/staff")).url).endswith("/staff")


async def test_flash_messages_travel_in_a_signed_cookie_and_a_forged_one_is_dropped(
    stack: WebStack,
) -> None:
    """A form's receipt reaches the next page without a session write; a flash cookie
    no one signed (any bytes: the client writes it) shows nothing and is cleared, and
    the page answers (a non-ASCII one made every page a 500 while it was compared as
    text)."""
    base = f"/clients/{stack.tenant_a}/connection"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        sent = await b.post(f"/clients/{stack.tenant_a}/support", {"message": "Hilfe"})
        assert "Ihre Anfrage ist bei uns eingegangen" in text_of(sent)
        assert "Ihre Anfrage ist bei uns eingegangen" not in text_of(await b.get(base))
        for forged in ("W1siaW5mbyIsIkJpdHRlIGFubWVsZGVuIl1d.x", "ü.ä", "x" * 5000):
            session = b.client.cookies["belegsync_session"]
            cookie = f"belegsync_session={session}; belegsync_flash={forged}".encode()
            page = await b.client.get(base, headers={b"cookie": cookie})
            assert page.status_code == 200, forged
            assert "Bitte anmelden" not in text_of(page)
            assert 'belegsync_flash=""' in page.headers.get("set-cookie", "")
