"""The composition root: settings in, real adapters wired together out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx

from belegsync.domain.clock import Clock, SystemClock
from belegsync.lexware import LexwareApi, LexwareClient, RetryPolicy
from belegsync.matching.service import matching_after_sync
from belegsync.settings import Settings
from belegsync.store.db import create_engine, create_session_factory, is_sqlite
from belegsync.store.files import LocalFileStore
from belegsync.store.migrate import current_revisions, head_revisions, upgrade
from belegsync.store.secrets import KeyRing, MissingKeyfileError
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory
from belegsync.sync.engine import SyncDeps
from belegsync.sync.ports import LexwarePort


class SchemaOutdated(RuntimeError):
    """The PostgreSQL schema is older than this version; migrations are run explicitly there."""


@dataclass
class LexwareApis:
    """One ``LexwareApi`` (shared HTTP client, per-key limiters) per base URL."""

    rate_per_second: float
    transport: httpx.AsyncBaseTransport | None = None
    retry_policy: RetryPolicy | None = None
    _apis: dict[str, LexwareApi] = field(default_factory=dict)

    def client(self, api_key: str, base_url: str) -> LexwarePort:
        return self.events_client(api_key, base_url)

    def events_client(self, api_key: str, base_url: str) -> LexwareClient:
        """The same client, typed with its event-subscription endpoints."""
        api = self._apis.get(base_url)
        if api is None:
            api = LexwareApi(
                base_url=base_url,
                transport=self.transport,
                rate_per_second=self.rate_per_second,
                retry_policy=self.retry_policy,
            )
            self._apis[base_url] = api
        return api.for_key(api_key)

    async def aclose(self) -> None:
        for api in self._apis.values():
            await api.aclose()
        self._apis.clear()


@dataclass
class Wiring:
    settings: Settings
    uow_factory: UnitOfWorkFactory
    files: LocalFileStore
    keyring: KeyRing
    apis: LexwareApis
    deps: SyncDeps

    def uow(self) -> UnitOfWork:
        return self.uow_factory()

    async def tenant_id(self, reference: str) -> str:
        """The id of the tenant with this id or name; :class:`NotFound` otherwise."""
        async with self.uow_factory.read_only() as uow:
            return (await uow.tenants.get_by_id_or_name(reference)).id


async def migrate_database(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(upgrade, settings.database_url)


async def _ensure_schema(settings: Settings) -> None:
    if await current_revisions(settings.database_url) == head_revisions():
        return
    if is_sqlite(settings.database_url):
        # The embedded default keeps itself up to date; nobody else shares the file.
        await migrate_database(settings)
        return
    raise SchemaOutdated(
        "Das Datenbankschema ist nicht aktuell. Bitte zuerst `belegsync migrate` ausführen. "
        "(The database schema is out of date; run `belegsync migrate` first.)"
    )


async def _load_keyring(settings: Settings, uow_factory: UnitOfWorkFactory) -> KeyRing:
    if not settings.keyfile_path.exists():
        async with uow_factory.read_only() as uow:
            if await uow.connections.with_encrypted_keys():
                # Creating a new key file would make every stored key unreadable.
                raise MissingKeyfileError(settings.keyfile_path)
    return KeyRing.load_or_create(settings.keyfile_path, allow_create=True)


@contextlib.asynccontextmanager
async def wired(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Wiring]:
    """Open the database (migrating SQLite), the key ring, the file store and the client.

    ``clock`` is the one "now" every use case gets (default: the system clock).
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await _ensure_schema(settings)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.pools.database,
        sqlite_busy_timeout_ms=settings.sqlite_busy_seconds * 1000,
    )
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    apis = LexwareApis(settings.lexware_rate, transport)
    try:
        keyring = await _load_keyring(settings, uow_factory)
        files = LocalFileStore(settings.files_dir)
        source: Clock = clock or SystemClock()

        deps = SyncDeps(
            uow_factory=uow_factory,
            files=files,
            lexware=apis.client,
            cipher=keyring,
            clock=source,
            after_sync=matching_after_sync(uow_factory, source),
        )
        yield Wiring(settings, uow_factory, files, keyring, apis, deps)
    finally:
        await apis.aclose()
        await engine.dispose()
