"""Login, logout, throttling, sessions and CSRF through the real stack."""

from __future__ import annotations

from dataclasses import replace

from litestar.testing import AsyncTestClient

from belegsync.web.app import create_app
from support.web_stack import PASSWORD, WebStack, text_of


async def test_login_lands_on_own_overview_and_logout_ends_the_session(
    stack: WebStack,
) -> None:
    async with stack.browser() as b:
        r = await b.login("A@Alpha.test ")
        assert r.status_code == 200
        assert str(r.url).endswith(f"/clients/{stack.tenant_a}/overview")
        assert "Keine Verbindung" in text_of(r)
        await b.logout()
        r = await b.get(f"/clients/{stack.tenant_a}/connection", follow_redirects=False)
        assert r.status_code in (302, 303)
        assert r.headers["location"].startswith("/login?next=/clients/")


async def test_staff_lands_on_the_client_list(stack: WebStack) -> None:
    async with stack.browser() as b:
        r = await b.login("staff@kanzlei.test")
        assert str(r.url).endswith("/staff")
        assert "Alpha GmbH" in r.text and "Beta UG" in r.text


async def test_wrong_password_is_refused_without_saying_which_part(stack: WebStack) -> None:
    async with stack.browser() as b:
        wrong = await b.login("a@alpha.test", "falsch-falsch")
        unknown = await b.login("nobody@alpha.test", PASSWORD)
        for r in (wrong, unknown):
            assert r.status_code == 400
            assert "E-Mail-Adresse oder Passwort ist falsch." in text_of(r)
        assert "belegsync_session" not in b.client.cookies


async def test_five_failures_throttle_even_the_right_password(stack: WebStack) -> None:
    async with stack.browser() as b:
        for _ in range(5):
            assert (await b.login("a@alpha.test", "falsch-falsch")).status_code == 400
        r = await b.login("a@alpha.test")
        assert r.status_code == 429
        assert "Zu viele fehlgeschlagene Anmeldeversuche" in text_of(r)
        assert "15 Minuten" in text_of(r)
        # Another user is not locked out by someone else's failures.
        assert (await b.login("b@beta.test")).status_code == 200
        # After the window the right password works again.
        stack.harness.clock.advance(minutes=16)
        assert (await b.login("a@alpha.test")).status_code == 200


async def test_post_without_csrf_token_is_refused(stack: WebStack) -> None:
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        r = await b.client.post(f"/clients/{stack.tenant_a}/connection/start", data={})
        assert r.status_code == 403
        assert "Formular abgelaufen" in text_of(r)
        forged = await b.client.post(
            f"/clients/{stack.tenant_a}/connection/start", data={"_csrf_token": "forged"}
        )
        assert forged.status_code == 403
        page = await b.get(f"/clients/{stack.tenant_a}/connection")
        assert "Keine Verbindung" in text_of(page)


async def test_login_form_itself_needs_csrf(stack: WebStack) -> None:
    async with stack.browser() as b:
        r = await b.client.post("/login", data={"email": "a@alpha.test", "password": PASSWORD})
        assert r.status_code == 403


async def test_cookies_are_httponly_lax_and_secure_behind_https(stack: WebStack) -> None:
    async with stack.browser() as b:
        r = await b.login("a@alpha.test")
        cookies = " | ".join(
            h for resp in [*r.history, r] for h in resp.headers.get_list("set-cookie")
        ).lower()
        assert "belegsync_session=" in cookies and "httponly" in cookies
        assert "samesite=lax" in cookies and "secure" not in cookies
    https = replace(stack.deps, config=replace(stack.deps.config, public_url="https://x.test"))
    async with AsyncTestClient(create_app(https), base_url="https://x.test") as client:
        r = await client.get("/login")
        assert "secure" in r.headers["set-cookie"].lower()


async def test_next_parameter_only_allows_local_paths(stack: WebStack) -> None:
    async with stack.browser() as b:
        await b.csrf()
        r = await b.post(
            "/login",
            {"email": "a@alpha.test", "password": PASSWORD, "next": "//evil.example/x"},
            follow_redirects=False,
        )
        assert r.headers["location"] == f"/clients/{stack.tenant_a}/overview"


async def test_english_on_request(stack: WebStack) -> None:
    async with stack.browser() as b:
        r = await b.get("/login", headers={"accept-language": "en-GB,en;q=0.8"})
        assert "Log in" in r.text
        await b.login("a@alpha.test")
        r = await b.post(
            "/language", {"lang": "en", "next": f"/clients/{stack.tenant_a}/connection"}
        )
        text = text_of(r)
        assert "Accounting connections" in text and "Not connected" in text
        assert "+ Connect" in text
