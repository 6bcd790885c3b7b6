"""Serving the web app with the embedded scheduler, workers and notices in one event loop,
and the ``user`` and ``api-token`` commands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import secrets
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import structlog
import uvicorn

from belegsync import __version__
from belegsync.accounts.api_tokens import create_api_token
from belegsync.accounts.users import change_password, create_user, set_user_disabled
from belegsync.cli.loops import run_loop
from belegsync.cli.wiring import Wiring, wired
from belegsync.domain.clock import Clock
from belegsync.jobs.embedded import EmbeddedSyncQueue, MorningScheduler
from belegsync.jobs.procrastinate_queue import ProcrastinateSyncQueue, build_app, ensure_schema
from belegsync.jobs.subscription_keeper import SubscriptionKeeper
from belegsync.lexware import LexwareMalformedResponseError, WebhookSignatureError, WebhookVerifier
from belegsync.notify.mail import deliver_outbox
from belegsync.notify.notices import send_due_notices
from belegsync.settings import Settings
from belegsync.store.access import TenantContext
from belegsync.store.db import checkpoint_forever, is_sqlite
from belegsync.sync.events import callback_url
from belegsync.sync.events_subscriptions import SubscriptionDeps, unsubscribe_tenant
from belegsync.sync.ports import SyncQueue
from belegsync.web.app import create_app
from belegsync.web.deps import InvalidWebhook, SmtpConfig, WebConfig, WebDeps, WebhookNotice

logger = structlog.get_logger("belegsync.cli")

NOTICE_EVERY_SECONDS = 15 * 60


def session_secret(settings: Settings) -> bytes:
    """``BELEGSYNC_SESSION_SECRET``, or ``session.key`` in the data dir (created, 0600)."""
    if settings.session_secret:
        return settings.session_secret.encode()
    path: Path = settings.session_key_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and linked into place: the file appears whole or not at all, and
        # of processes starting at once the first one's key wins (no empty or torn read).
        # The draft's name is the caller's own (process and a random part): threads of one
        # process start at once too, and one must never remove another's draft.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def web_config(settings: Settings) -> WebConfig:
    smtp = None
    if settings.smtp_host:
        smtp = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.smtp_from,
            tls=settings.smtp_tls,
        )
    return WebConfig(
        session_secret=session_secret(settings),
        firm_name=settings.firm_name,
        product_name=settings.product_name,
        firm_email=settings.firm_email,
        support_email=settings.support_email,
        booking_url=settings.booking_url,
        public_url=settings.public_url,
        lexware_base_url=settings.lexware_base_url,
        sync_time=settings.sync_time,
        sync_spread_minutes=settings.sync_spread_minutes,
        smtp=smtp,
        version=__version__,
        session_idle_minutes=settings.session_idle_minutes,
        trusted_proxies=settings.trusted_proxies,
    )


def webhook_verifier(settings: Settings) -> Callable[[bytes, str | None], WebhookNotice]:
    pem = (
        settings.webhook_public_key_path.read_bytes()
        if settings.webhook_public_key_path is not None
        else None
    )
    return webhook_verifier_for(pem)


def webhook_verifier_for(pem: bytes | None) -> Callable[[bytes, str | None], WebhookNotice]:
    """The web app's webhook port over Lexware's verifier (``None``: Lexware's key)."""
    verifier = WebhookVerifier(pem)

    def verify(body: bytes, signature: str | None) -> WebhookNotice:
        try:
            return verifier.parse(body, signature)
        except WebhookSignatureError as error:
            raise InvalidWebhook("lexware_webhook_signature_invalid") from error
        except LexwareMalformedResponseError as error:
            raise InvalidWebhook("lexware_webhook_payload_invalid") from error

    return verify


def web_deps(w: Wiring, queue: SyncQueue) -> WebDeps:
    return WebDeps(
        config=web_config(w.settings),
        uow_factory=w.uow_factory,
        files=w.files,
        clock=w.deps.clock,
        queue=queue,
        lexware=w.apis.client,
        cipher=w.keyring,
        verify_webhook=webhook_verifier(w.settings),
        before_disconnect=unsubscriber(w),
    )


def subscription_keeper(w: Wiring) -> SubscriptionKeeper | None:
    """Lexware event subscriptions are kept only where Lexware can reach the app (https)."""
    url = callback_url(w.settings.public_url)
    if url is None:
        return None
    deps = SubscriptionDeps(
        uow_factory=w.uow_factory,
        lexware=w.apis.events_client,
        cipher=w.keyring,
        clock=w.deps.clock,
        callback_url=url,
    )
    return SubscriptionKeeper(deps)


def unsubscriber(w: Wiring) -> Callable[[str], Awaitable[object]] | None:
    """Deletes a tenant's Lexware event subscriptions while its key is still there."""
    keeper = subscription_keeper(w)
    if keeper is None:
        return None
    deps = keeper.deps

    async def before_disconnect(tenant_id: str) -> int:
        return await unsubscribe_tenant(deps, tenant_id)

    return before_disconnect


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind first, so that a busy port is one clear message, not a uvicorn exit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say
    # so, and a page written as headers then body would wait for a delayed ACK (40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ValueError(
            f"Port {port} auf {host} ist nicht verfügbar ({error.strerror}). Wählen Sie einen "
            "anderen mit BELEGSYNC_PORT."
        ) from None
    return sock


async def _notices_forever(deps: WebDeps) -> None:
    while True:
        try:
            await send_due_notices(
                uow_factory=deps.uow_factory, clock=deps.clock, config=deps.config
            )
            await deliver_outbox(
                uow_factory=deps.uow_factory, smtp=deps.config.smtp, clock=deps.clock
            )
        except Exception:
            logger.exception("notices_failed")
        await asyncio.sleep(NOTICE_EVERY_SECONDS)


async def serve_everything(
    w: Wiring,
    *,
    workers: int | None = None,
    on_ready: Callable[[str, SyncQueue], Awaitable[None]] | None = None,
    sock: socket.socket | None = None,
    background: bool = True,
) -> None:
    """The web app, the morning scheduler, the daily notices and (embedded mode) the
    sync workers, in this event loop, until interrupted. With PostgreSQL the runs go to
    Procrastinate and ``belegsync worker`` processes execute them. ``background=False``:
    only the web app (the further processes of ``BELEGSYNC_WEB_WORKERS``)."""
    settings = w.settings
    sock = sock or bind_socket(settings.host, settings.port)
    async with _sync_queue(w, workers or settings.sync_workers) as queue:
        await _serve(w, sock, queue, on_ready, background=background)


def serve_with_workers(settings: Settings, clock: Clock) -> None:
    """``belegsync serve``: ``BELEGSYNC_WEB_WORKERS`` processes answer on one socket; the
    first also runs the scheduler and the notices."""
    sock = bind_socket(settings.host, settings.port)

    async def prepare() -> None:
        async with wired(settings, clock=clock):  # migrates SQLite and creates the key file once
            pass

    # Every process reads the same session key, created here before the first fork.
    session_secret(settings)

    asyncio.run(prepare())
    # Forked before any event loop runs: each process opens its own database pool.
    children = [_fork_web_worker(settings, clock, sock) for _ in range(settings.web_workers - 1)]

    async def run() -> None:
        async with wired(settings, clock=clock) as w:
            await serve_everything(w, sock=sock)

    try:
        run_loop(run(), settings)
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _fork_web_worker(settings: Settings, clock: Clock, sock: socket.socket) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 0

    async def run() -> None:
        async with wired(settings, clock=clock) as w:
            await serve_everything(w, sock=sock, background=False)

    try:
        run_loop(run(), settings)
    except KeyboardInterrupt:
        pass
    except BaseException:
        logger.exception("web_worker_failed")
        code = 1
    finally:
        os._exit(code)


@contextlib.asynccontextmanager
async def _sync_queue(w: Wiring, workers: int) -> AsyncIterator[SyncQueue]:
    if is_sqlite(w.settings.database_url):
        embedded = EmbeddedSyncQueue(w.deps, workers=workers)
        embedded.start()
        try:
            yield embedded
        finally:
            await embedded.stop()
        return
    app = build_app(w.settings.database_url, w.deps)
    async with app.open_async():
        await ensure_schema(app)
        yield ProcrastinateSyncQueue(app, w.deps)


async def _serve(
    w: Wiring,
    sock: socket.socket,
    queue: SyncQueue,
    on_ready: Callable[[str, SyncQueue], Awaitable[None]] | None,
    *,
    background: bool = True,
) -> None:
    settings = w.settings
    deps = web_deps(w, queue)
    scheduler = MorningScheduler(
        uow_factory=w.uow_factory,
        queue=queue,
        clock=w.deps.clock,
        base_time=settings.sync_time,
        spread_minutes=settings.sync_spread_minutes,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(deps),
            log_level="warning",
            lifespan="off",
            # X-Forwarded-For is read by the app, and only from BELEGSYNC_TRUSTED_PROXIES.
            proxy_headers=False,
            server_header=False,
        )
    )
    tasks = []
    if background:
        tasks = [
            asyncio.create_task(scheduler.run_forever()),
            asyncio.create_task(_notices_forever(deps)),
        ]
        keeper = subscription_keeper(w)
        if keeper is not None:
            tasks.append(asyncio.create_task(keeper.run_forever()))
        if is_sqlite(settings.database_url):
            tasks.append(asyncio.create_task(checkpoint_forever(settings.database_url)))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                serving.result()
                return
            await asyncio.sleep(0.05)
        host = settings.host if ":" not in settings.host else f"[{settings.host}]"
        url = f"http://{host}:{settings.port}"
        if on_ready is not None:
            await on_ready(url, queue)
        elif background:
            print(f"belegsync: {url} (Scheduler täglich ab {settings.sync_time:%H:%M} Uhr)")
            print("Strg+C beendet.", flush=True)
        await serving
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await serving
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sock.close()


def _read_password() -> str:
    # Never from argv (shell history, process list): stdin or a prompt.
    if sys.stdin.isatty():
        return getpass.getpass("Passwort: ")
    return sys.stdin.readline().rstrip("\n")


def cmd_user_add(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    password = _read_password()

    async def run() -> str:
        async with wired(settings, clock=clock) as w:
            tenant_id = await w.tenant_id(args.tenant) if args.tenant else None
            user = await create_user(
                uow_factory=w.uow_factory,
                clock=w.deps.clock,
                email=args.email,
                password=password,
                role=args.role,
                tenant_id=tenant_id,
                locale=args.locale,
            )
            return user.id

    print(asyncio.run(run()))
    return 0


def cmd_user_password(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    password = _read_password()

    async def run() -> int:
        async with wired(settings, clock=clock) as w:
            return await change_password(
                uow_factory=w.uow_factory, clock=w.deps.clock, email=args.email, password=password
            )

    ended = asyncio.run(run())
    print(f"Passwort geändert; {ended} Sitzung(en) beendet.")
    return 0


def _switch_user(
    args: argparse.Namespace, settings: Settings, clock: Clock, *, disabled: bool
) -> int:
    async def run() -> int:
        async with wired(settings, clock=clock) as w:
            return await set_user_disabled(
                uow_factory=w.uow_factory, clock=w.deps.clock, email=args.email, disabled=disabled
            )

    ended = asyncio.run(run())
    print(f"Login gesperrt; {ended} Sitzung(en) beendet." if disabled else "Login entsperrt.")
    return 0


def cmd_user_disable(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    return _switch_user(args, settings, clock, disabled=True)


def cmd_user_enable(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    return _switch_user(args, settings, clock, disabled=False)


def cmd_api_token(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> str:
        async with wired(settings, clock=clock) as w:
            tenant_id = await w.tenant_id(args.tenant)
            token = await create_api_token(
                uow_factory=w.uow_factory,
                clock=w.deps.clock,
                ctx=TenantContext(tenant_id=tenant_id, actor="cli", is_staff=True),
                name=args.name,
            )
            return token.token

    print(asyncio.run(run()))
    return 0
