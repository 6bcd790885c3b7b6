"""Every answer carries the security headers; an unhandled exception is logged with the
request id that the error page shows; X-Forwarded-For counts only from trusted proxies."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

from belegsync.store.enums import SyncTrigger
from belegsync.web.app import create_app
from support.web_stack import WebStack, connect_and_sync, text_of


class BrokenQueue:
    """A queue whose backend is down: every enqueue fails unexpectedly."""

    async def enqueue(
        self, connection_id: str, *, trigger: SyncTrigger, full: bool = False
    ) -> str | None:
        raise RuntimeError("queue backend unreachable")


async def test_security_headers_on_pages_errors_redirects_and_static(stack: WebStack) -> None:
    async with stack.browser() as b:
        answers = {
            "page": await b.get("/login"),
            "redirect": await b.get("/", follow_redirects=False),
            "404": await b.get("/does-not-exist"),
            "405": await b.client.put("/login"),
            "401": await b.get("/api/v1/vouchers"),
            "403": await b.client.post("/logout"),  # no CSRF token
            "static": await b.get("/static/app.css"),
        }
        for name, r in answers.items():
            assert r.headers.get("X-Content-Type-Options") == "nosniff", name
            assert r.headers.get("X-Frame-Options") == "DENY", name
            assert "frame-ancestors 'none'" in r.headers.get("Content-Security-Policy", ""), name
            assert len(r.headers.get("X-Request-ID", "")) >= 6, name
            assert "Strict-Transport-Security" not in r.headers, name
        assert answers["redirect"].status_code in (302, 303)
        assert answers["404"].status_code == 404 and answers["405"].status_code == 405
        assert answers["401"].status_code == 401 and answers["403"].status_code == 403
        assert answers["401"].json()["error"] == "unauthorized"
    secure = replace(stack.deps.config, public_url="https://b.example")
    https = create_app(replace(stack.deps, config=secure))
    async with AsyncTestClient(app=https, base_url="https://b.example") as client:
        for r in (await client.get("/login"), await client.get("/nope")):
            assert r.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_an_unhandled_exception_is_logged_with_the_id_the_page_shows(
    stack: WebStack,
) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    app = create_app(replace(stack.deps, queue=BrokenQueue()))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await client.get("/login")
        csrf = client.cookies["belegsync_csrf"]
        await client.post(
            "/login", data={"email": "a@alpha.test", "password": "geheim-1234", "_csrf_token": csrf}
        )
        with capture_logs() as logs:
            r = await client.post(
                f"/clients/{stack.tenant_a}/connection/sync", data={"_csrf_token": csrf}
            )
        assert r.status_code == 500
        request_id = r.headers["X-Request-ID"]
        assert request_id in text_of(r) and "interner Fehler" in text_of(r)
        failed = [e for e in logs if e["event"] == "request_failed"]
        assert len(failed) == 1 and failed[0]["request_id"] == request_id
        assert "queue backend unreachable" in repr(failed[0]["exc_info"])
        api = await client.get("/api/v1/connection", headers={"X-Request-ID": "trace-12345"})
        assert api.headers["X-Request-ID"] == "trace-12345"


class BehindProxy:
    """The app as a reverse proxy on 127.0.0.1 reaches it (the test client's peer is a name)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": ("127.0.0.1", 40000)}
        await self.app(scope, receive, send)


async def test_login_throttle_sees_the_client_behind_a_trusted_proxy(stack: WebStack) -> None:
    config = replace(stack.deps.config, trusted_proxies=("127.0.0.1",))
    app = create_app(replace(stack.deps, config=config))
    async with AsyncTestClient(app=BehindProxy(app), base_url="http://testserver.local") as client:
        await client.get("/login")
        csrf = client.cookies["belegsync_csrf"]
        for attempt in range(3):
            await client.post(
                "/login",
                data={"email": f"x{attempt}@alpha.test", "password": "x", "_csrf_token": csrf},
                headers={"X-Forwarded-For": f"203.0.113.66, 198.51.100.{attempt}"},
            )
    since = stack.deps.clock.now() - timedelta(minutes=1)
    async with stack.deps.uow_factory() as uow:
        _, from_proxy = await uow.accounts.failed_logins_since(since, email="-", ip="127.0.0.1")
        _, from_one = await uow.accounts.failed_logins_since(since, email="-", ip="198.51.100.1")
        _, spoofed = await uow.accounts.failed_logins_since(since, email="-", ip="203.0.113.66")
    assert (from_proxy, from_one, spoofed) == (0, 1, 0)
