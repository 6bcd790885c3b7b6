"""The sync through the real stack: emulator (in-process ASGI), client, database, file store.

Used by the sync and scheduler tests (fixtures in their conftest.py); the sync tests run
it on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from belegsync.cli.wiring import LexwareApis
from belegsync.emulator import (
    MAIN_KEY,
    MAIN_ORG_ID,
    Clock,
    EmulatorConfig,
    build_world,
    create_app,
    generate_vouchers,
)
from belegsync.emulator.app import EmulatorApp
from belegsync.jobs.embedded import claim_run
from belegsync.lexware import RetryPolicy
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.files import LocalFileStore
from belegsync.store.migrate import upgrade
from belegsync.store.secrets import KeyRing
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.sync.connect import ConnectResult, connect_lexware
from belegsync.sync.engine import RunOutcome, SyncDeps, execute_run
from belegsync.sync.ports import SyncQueue
from belegsync.sync.status import voucher_rows
from belegsync.tenants.clients import create_tenant
from fakes.clock import FixedClock

NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
EMULATOR_URL = "http://lexware.test"
# Zero waits keep retries instant; the generous budget keeps a loaded CI machine from
# turning slow answers into "unavailable".
FAST_RETRIES = RetryPolicy(
    attempts=4, timeout=30.0, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0
)
DETAIL_RESOURCES = ("vouchers", "invoices", "credit-notes", "down-payment-invoices")

Hook = Callable[[httpx.Request], Awaitable[httpx.Response | None]]
KEY_RECHECK_DELAYS = (30.0, 120.0, 300.0)


class RecordedPauses:
    """The engine's pauses (re-checking a refused key), recorded instead of waited."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def pause(self, seconds: float) -> None:
        self.seconds.append(seconds)


class HookTransport(httpx.AsyncBaseTransport):
    """The client's way to the emulator, with a test hook in front of every /v1 request.

    The hook may raise (a killed process), act (revoke the key) or answer itself
    (``httpx.Response``); ``None`` lets the request through.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.hook: Hook | None = None
        self.requests = 0
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v1"):
            self.requests += 1
            self.paths.append(request.url.path)
            if self.hook is not None:
                answer = await self.hook(request)
                if answer is not None:
                    return answer
        return await self.inner.handle_async_request(request)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "belegsync.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@dataclass
class Harness:
    clock: FixedClock
    app: EmulatorApp
    control: httpx.AsyncClient
    apis: LexwareApis
    deps: SyncDeps
    uow_factory: UnitOfWorkFactory
    files: LocalFileStore
    keyring: KeyRing
    data_dir: Path
    transport: HookTransport
    db_path: Path
    pauses: RecordedPauses = field(default_factory=RecordedPauses)
    tenant_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    async def add_tenant(self, name: str = "Test GmbH", **kwargs: Any) -> str:
        self.tenant_id = await create_tenant(
            uow_factory=self.uow_factory, clock=self.clock, name=name, **kwargs
        )
        return self.tenant_id

    async def connect(
        self,
        key: str = MAIN_KEY,
        *,
        uow_factory: UnitOfWorkFactory | None = None,
        queue: SyncQueue | None = None,
        **kwargs: Any,
    ) -> ConnectResult:
        """Connect the tenant to the emulator; ``uow_factory`` and ``queue`` (none: no
        first sync) where a test wants its own."""
        return await connect_lexware(
            uow_factory=uow_factory or self.uow_factory,
            lexware=self.apis.client,
            cipher=self.keyring,
            clock=self.clock,
            queue=queue,
            tenant_id=self.tenant_id,
            api_key=key,
            base_url=EMULATOR_URL,
            **kwargs,
        )

    async def connection_id(self) -> str:
        async with self.uow_factory() as uow:
            row = await uow.connections.for_tenant(self.tenant_id)
            assert row is not None
            return row.id

    async def sync(self, *, full: bool = False) -> RunOutcome:
        run_id = await claim_run(
            self.uow_factory, self.clock, await self.connection_id(), trigger="cli", full=full
        )
        assert run_id is not None
        return await execute_run(self.deps, run_id)

    async def vouchers(self) -> dict[str, dict[str, Any]]:
        rows = await voucher_rows(uow_factory=self.uow_factory, tenant_id=self.tenant_id)
        return {row["id"]: row for row in rows}

    async def emulator(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.control.request(method, f"/_emulator{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def counters(self) -> dict[str, Any]:
        counters: dict[str, Any] = await self.emulator("GET", "/counters")
        return counters

    async def reset_counters(self) -> None:
        await self.emulator("DELETE", "/counters")
        self.transport.paths.clear()

    async def detail_calls(self) -> int:
        """Voucher detail requests (any type, files excluded) since the last reset.

        The emulator's counters group a sales voucher's file under its resource, so the
        paths are taken from the client's transport; the total is checked against them.
        """
        by_resource = (await self.counters())["byResource"]
        sent = [p.split("/")[2:] for p in self.transport.paths]
        assert sum(int(by_resource.get(n, 0)) for n in DETAIL_RESOURCES) == sum(
            1 for parts in sent if parts[0] in DETAIL_RESOURCES
        )
        return sum(1 for parts in sent if parts[0] in DETAIL_RESOURCES and len(parts) == 2)

    async def add_voucher(self, **body: Any) -> dict[str, Any]:
        """A voucher in the main organisation (control API); returns its summary."""
        created: dict[str, Any] = await self.emulator(
            "POST", f"/organizations/{MAIN_ORG_ID}/vouchers", body
        )
        return created

    async def add_paid_voucher(
        self, voucher_date: date, *, amount: str = "119.00", **body: Any
    ) -> str:
        """A purchase invoice paid in full today (bank transfer); returns its id."""
        created = await self.add_voucher(
            type=body.pop("type", "purchaseinvoice"),
            status="open",
            voucherDate=voucher_date.isoformat(),
            totalGrossAmount=amount,
            **body,
        )
        voucher_id = str(created["id"])
        await self.emulator("POST", f"/vouchers/{voucher_id}/pay", {})
        return voucher_id

    async def snapshot(self) -> list[dict[str, Any]]:
        """Every stored voucher with payment items and files; files must be readable."""
        rows = await voucher_rows(uow_factory=self.uow_factory, tenant_id=self.tenant_id)
        for row in rows:
            for stored in row["files"]:
                assert len(await self.files.read(stored["sha256"])) == stored["size"]
        return sorted(rows, key=lambda r: str(r["id"]))

    async def connection_row(self) -> Any:
        async with self.uow_factory() as uow:
            return await uow.connections.for_tenant(self.tenant_id)

    def paid_ids(self, since: date) -> set[str]:
        """What a clean sync must hold: the world's paid vouchers dated from ``since``."""
        world = self.app.world
        return {
            v.id
            for v in world.vouchers(MAIN_ORG_ID)
            if v.status in ("paid", "paidoff") and v.voucher_date >= since
        }


def paid_purchase_invoice(harness: Harness) -> str:
    """The first (by id) paid purchase invoice of the main organisation from 2025 on."""
    return min(
        v.id
        for v in harness.app.world.vouchers(MAIN_ORG_ID)
        if v.status == "paid"
        and v.voucher_type == "purchaseinvoice"
        and v.voucher_date >= date(2025, 1, 1)
    )


HarnessFactory = Callable[..., contextlib.AbstractAsyncContextManager[Harness]]
_CLEAN: dict[tuple[Any, ...], tuple[list[dict[str, Any]], int]] = {}


async def clean_sync(
    factory: HarnessFactory, *, years: tuple[int, ...] = (2025, 2026), **world: Any
) -> tuple[list[dict[str, Any]], int]:
    """What a clean first sync of the same world stores, and how many requests it takes.

    Computed once per process for each world and window: the reference that fault and
    kill tests must end up with.
    """
    key = (years, tuple(sorted(world.items())))
    if key not in _CLEAN:
        async with factory(**world) as reference:
            await reference.add_tenant(open_tax_years=list(years))
            await reference.connect()
            reference.transport.requests = 0
            outcome = await reference.sync()
            assert outcome.status == "succeeded", outcome
            assert outcome.counts.failed == 0
            _CLEAN[key] = (await reference.snapshot(), reference.transport.requests)
    return _CLEAN[key]


@contextlib.asynccontextmanager
async def open_harness(
    directory: Path,
    template: Path,
    *,
    vouchers: int = 60,
    voucher_seed: int = 11,
    concurrency: int = 3,
    database_url: str | None = None,
) -> AsyncIterator[Harness]:
    """A harness in ``directory``: the world is the same for the same arguments.

    The database is a copy of the migrated SQLite ``template``, or ``database_url`` (an
    empty, migrated PostgreSQL database).
    """
    os.makedirs(directory, exist_ok=True)
    clock = FixedClock(NOW)
    pauses = RecordedPauses()
    world = build_world(seed="empty", clock=Clock(now=clock.now))
    generate_vouchers(
        world,
        MAIN_ORG_ID,
        vouchers,
        seed=voucher_seed,
        start=date(2024, 6, 1),
        end=date(2026, 6, 10),
    )
    app = create_app(world, config=EmulatorConfig(rate_per_second=10_000, burst=10_000))
    inner = httpx.ASGITransport(app=app)
    transport = HookTransport(inner)
    db_path = directory / "belegsync.sqlite3"
    if database_url is None:
        shutil.copy(template, db_path)
        database_url = f"sqlite+aiosqlite:///{db_path}"
    engine = create_engine(database_url)
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    apis = LexwareApis(10_000.0, transport, retry_policy=FAST_RETRIES)
    keyring = KeyRing.load_or_create(directory / "secrets.key", allow_create=True)
    files = LocalFileStore(directory / "files")
    deps = SyncDeps(
        uow_factory=uow_factory,
        files=files,
        lexware=apis.client,
        cipher=keyring,
        clock=clock,
        concurrency=concurrency,
        # Batches are written when full or at the end: no wall-clock timer in the tests.
        monotonic=lambda: 0.0,
        key_recheck_delays=KEY_RECHECK_DELAYS,
        pause=pauses.pause,
    )
    try:
        async with httpx.AsyncClient(transport=inner, base_url=EMULATOR_URL) as control:
            yield Harness(
                clock,
                app,
                control,
                apis,
                deps,
                uow_factory,
                files,
                keyring,
                directory,
                transport,
                db_path,
                pauses,
            )
    finally:
        await apis.aclose()
        await engine.dispose()


@pytest.fixture
async def harness(tmp_path: Path, migrated_template: Path) -> AsyncIterator[Harness]:
    async with open_harness(tmp_path / "main", migrated_template) as h:
        yield h


@pytest.fixture
def harness_factory(tmp_path: Path, migrated_template: Path) -> HarnessFactory:
    """Further harnesses in the same test (e.g. a clean reference sync)."""
    counter = iter(range(1_000))

    def make(**kwargs: Any) -> contextlib.AbstractAsyncContextManager[Harness]:
        return open_harness(tmp_path / f"extra{next(counter)}", migrated_template, **kwargs)

    return make
