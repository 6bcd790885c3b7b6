"""The web app over the real stack: Litestar's test client, SQLite or PostgreSQL, the emulator
(in-process) through the sync harness, the embedded queue.

Every web test runs on both databases: ``web_backend`` is parametrised, PostgreSQL tests
carry the ``postgres`` mark and are skipped with the reason when the server is down."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from belegsync.accounts.api_tokens import create_api_token
from belegsync.accounts.users import create_user
from belegsync.cli.webapp import webhook_verifier_for
from belegsync.emulator import public_key_pem
from belegsync.jobs.embedded import EmbeddedSyncQueue
from belegsync.store.access import TenantContext
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.migrate import upgrade
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.tenants.clients import create_tenant
from belegsync.web.app import create_app
from belegsync.web.deps import WebConfig, WebDeps
from fakes.clock import FixedClock
from support.postgres import PgDatabases, name_of, open_pg_databases
from support.store_helpers import LockedAfter, sqlite_url
from support.sync_harness import EMULATOR_URL, NOW, Harness, open_harness

PASSWORD = "geheim-1234"
CSRF_COOKIE = "belegsync_csrf"


class Browser:
    """A logged-in (or not) user: the test client plus the CSRF double-submit token."""

    def __init__(self, client: AsyncTestClient[Litestar]) -> None:
        self.client = client

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(url, **kwargs)

    async def csrf(self) -> str:
        token = self.client.cookies.get(CSRF_COOKIE)
        if token is None:
            await self.client.get("/login")
            token = self.client.cookies.get(CSRF_COOKIE)
        assert token
        return token

    async def post(
        self, url: str, data: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        form = dict(data or {})
        form["_csrf_token"] = await self.csrf()
        return await self.client.post(url, data=form, **kwargs)

    async def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.post("/login", {"email": email, "password": password})

    async def logout(self) -> httpx.Response:
        return await self.post("/logout")


def text_of(response: httpx.Response) -> str:
    """The page's visible text, whitespace collapsed (for label checks)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.text, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


@dataclass
class Locking:
    """A browser on an app whose writes meet another process's write lock once
    ``lock`` is armed, and the app's sync queue (:meth:`WebStack.locking`)."""

    browser: Browser
    lock: LockedAfter
    queue: EmbeddedSyncQueue


@dataclass
class WebStack:
    harness: Harness
    queue: EmbeddedSyncQueue
    deps: WebDeps
    app: Litestar
    tenant_a: str
    tenant_b: str

    @contextlib.asynccontextmanager
    async def browser(self) -> AsyncIterator[Browser]:
        async with AsyncTestClient(app=self.app, base_url="http://testserver.local") as client:
            yield Browser(client)

    @contextlib.asynccontextmanager
    async def locking(self, *, queue: bool = False, **config: Any) -> AsyncIterator[Locking]:
        """A browser on an app whose writes wait 300 ms for SQLite's write lock and find
        another process holding it from the n-th write on once armed (``LockedAfter``);
        ``queue``: its sync queue claims runs through the same factory. ``config``:
        settings of the app changed."""
        h = self.harness
        impatient = create_engine(sqlite_url(h.db_path), sqlite_busy_timeout_ms=300)
        locking = LockedAfter(impatient, h.db_path)
        deps = replace(self.deps, uow_factory=locking, config=replace(self.deps.config, **config))
        own_queue = EmbeddedSyncQueue(replace(h.deps, uow_factory=locking), workers=1)
        if queue:
            own_queue.start()
            deps = replace(deps, queue=own_queue)
        try:
            async with AsyncTestClient(
                app=create_app(deps), base_url="http://testserver.local"
            ) as client:
                yield Locking(Browser(client), locking, own_queue)
        finally:
            locking.release()
            if queue:
                await own_queue.stop()
            await impatient.dispose()

    def ctx(self, tenant_id: str) -> TenantContext:
        return TenantContext(tenant_id=tenant_id, actor="test", is_staff=True)

    async def api_token(self, tenant_id: str, name: str = "Test") -> str:
        """A new API token of the tenant (``Authorization: Bearer …``)."""
        created = await create_api_token(
            uow_factory=self.harness.uow_factory,
            clock=self.harness.clock,
            ctx=self.ctx(tenant_id),
            name=name,
        )
        return created.token

    async def sync_a(self) -> None:
        self.harness.tenant_id = self.tenant_a
        outcome = await self.harness.sync()
        assert outcome.status == "succeeded", outcome


def build_deps(h: Harness, queue: EmbeddedSyncQueue, **config: Any) -> WebDeps:
    base = WebConfig(
        session_secret=b"test-session-secret-0123456789ab",
        firm_name="Kanzlei Test",
        firm_email="kanzlei@test.example",
        support_email="support@test.example",
        booking_url="https://termine.test.example",
        lexware_base_url=EMULATOR_URL,
        version="test",
    )
    return WebDeps(
        config=replace(base, **config),
        uow_factory=h.uow_factory,
        files=h.files,
        clock=h.clock,
        queue=queue,
        lexware=h.apis.client,
        cipher=h.keyring,
        verify_webhook=webhook_verifier_for(public_key_pem()),
    )


@dataclass(frozen=True)
class WebTemplate:
    """A migrated database with two clients and three logins: a SQLite file to copy, or a
    PostgreSQL database to clone (``CREATE DATABASE … TEMPLATE``)."""

    path: Path
    tenant_a: str
    tenant_b: str
    pg_name: str | None = None


async def _prepare_template(path: Path, url: str | None = None) -> WebTemplate:
    engine = create_engine(url or f"sqlite+aiosqlite:///{path}")
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    clock = FixedClock(NOW)
    try:
        tenant_a = await create_tenant(
            uow_factory=uow_factory, clock=clock, name="Alpha GmbH", open_tax_years=[2025, 2026]
        )
        tenant_b = await create_tenant(
            uow_factory=uow_factory, clock=clock, name="Beta UG", open_tax_years=[2025, 2026]
        )
        for email, tenant in (
            ("a@alpha.test", tenant_a),
            ("b@beta.test", tenant_b),
            ("staff@kanzlei.test", None),
        ):
            await create_user(
                uow_factory=uow_factory,
                clock=clock,
                email=email,
                password=PASSWORD,
                role="client" if tenant else "staff",
                tenant_id=tenant,
            )
    finally:
        await engine.dispose()
    return WebTemplate(path, tenant_a, tenant_b, name_of(url) if url else None)


@pytest.fixture(scope="session")
def sqlite_web_template(
    migrated_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> WebTemplate:
    """Two clients and three logins, created once per session (argon2 is slow on purpose)."""
    path = tmp_path_factory.mktemp("web-template") / "belegsync.sqlite3"
    shutil.copy(migrated_template, path)
    return asyncio.run(_prepare_template(path))


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases]:
    yield from open_pg_databases()


@pytest.fixture(scope="session")
def pg_web_template(migrated_template: Path, pg_databases: PgDatabases) -> WebTemplate:
    url = pg_databases.create()
    upgrade(url)
    return asyncio.run(_prepare_template(migrated_template, url))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def web_template(request: pytest.FixtureRequest) -> WebTemplate:
    """The template of the parametrised database."""
    name = {"sqlite": "sqlite_web_template", "postgresql": "pg_web_template"}[request.param]
    template: WebTemplate = request.getfixturevalue(name)
    return template


@pytest.fixture
async def stack(
    request: pytest.FixtureRequest, tmp_path: Path, web_template: WebTemplate
) -> AsyncIterator[WebStack]:
    database_url = None
    if web_template.pg_name is not None:
        pg_databases: PgDatabases = request.getfixturevalue("pg_databases")
        database_url = pg_databases.create(template=web_template.pg_name)
    async with open_harness(
        tmp_path / "web", web_template.path, vouchers=40, database_url=database_url
    ) as h:
        queue = EmbeddedSyncQueue(h.deps, workers=2)
        queue.start()
        deps = build_deps(h, queue)
        try:
            yield WebStack(
                h, queue, deps, create_app(deps), web_template.tenant_a, web_template.tenant_b
            )
        finally:
            await queue.stop()


async def connect_and_sync(stack: WebStack, tenant_id: str) -> None:
    """Connect the tenant to the emulator's main account and sync it. Both test tenants use
    the same Lexware organisation, which takes the staff override (one organisation, one
    client otherwise)."""
    stack.harness.tenant_id = tenant_id
    # Both test tenants use the demo organisation: one organisation, one client, unless
    # staff override it (as here).
    result = await stack.harness.connect(allow_shared_organization=True)
    assert result.state.value == "active"
    outcome = await stack.harness.sync()
    assert outcome.status == "succeeded", outcome


def build_app_for_routes() -> list[str]:
    """The path templates of every route of the app (for the route-table test)."""
    from belegsync.web.app import create_app as make

    fake = WebDeps(
        config=WebConfig(session_secret=b"x" * 32),
        uow_factory=None,  # type: ignore[arg-type]
        files=None,  # type: ignore[arg-type]
        clock=None,  # type: ignore[arg-type]
        queue=None,  # type: ignore[arg-type]
        lexware=None,  # type: ignore[arg-type]
        cipher=None,  # type: ignore[arg-type]
        verify_webhook=None,  # type: ignore[arg-type]
    )
    return [route.path for route in make(fake).routes]
