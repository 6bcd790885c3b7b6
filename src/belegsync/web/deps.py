"""What the web app is built from; the CLI's composition root fills it in.

The web layer never imports ``belegsync.lexware`` or ``belegsync.jobs``: it gets a
``SyncQueue``, a client factory for connecting, and a webhook verifier as callables.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Protocol

from belegsync.domain.clock import Clock
from belegsync.notify.mail import SmtpConfig
from belegsync.store.files import FileStore
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.sync.ports import KeyCipher, LexwareFactory, SyncQueue

__all__ = ["InvalidWebhook", "SmtpConfig", "WebConfig", "WebDeps", "WebhookNotice"]


class WebhookNotice(Protocol):
    """A verified Lexware event: which organisation, what happened, to which resource."""

    @property
    def organization_id(self) -> str: ...

    @property
    def event_type(self) -> str: ...

    @property
    def resource_id(self) -> str: ...

    @property
    def event_date(self) -> datetime | None: ...


class InvalidWebhook(Exception):
    """The callback's signature is missing or wrong, or its body is unreadable."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


WebhookVerifier = Callable[[bytes, "str | None"], WebhookNotice]
"""``verify(body, signature_header)`` → the event, or raises :class:`InvalidWebhook`."""


@dataclass(frozen=True, slots=True)
class WebConfig:
    session_secret: bytes = field(repr=False)
    firm_name: str = "Kanzlei"
    # What clients call this app (the firm's own product name).
    product_name: str = "belegsync"
    firm_email: str = "kanzlei@example.com"
    support_email: str = "support@example.com"
    booking_url: str = ""
    public_url: str = ""
    lexware_base_url: str = "https://api.lexware.io"
    sync_time: time = time(6, 0)
    sync_spread_minutes: int = 120
    smtp: SmtpConfig | None = None
    version: str = "0"
    # Login throttle: this many failures per e-mail (or 4x per address) in the window.
    login_failures_allowed: int = 5
    login_window_minutes: int = 15
    # A session ends after this long without a request, and after the lifetime at the latest.
    session_idle_minutes: int = 60
    session_lifetime_hours: int = 12
    # Reverse proxies (addresses or networks) whose X-Forwarded-For names the client.
    trusted_proxies: tuple[str, ...] = ()

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


@dataclass(frozen=True, slots=True)
class WebDeps:
    config: WebConfig
    uow_factory: UnitOfWorkFactory
    files: FileStore
    clock: Clock
    queue: SyncQueue
    lexware: LexwareFactory
    cipher: KeyCipher
    verify_webhook: WebhookVerifier
    # Called with the connection's tenant id before a disconnect drops the key (the
    # composition root deletes the Lexware event subscriptions there).
    before_disconnect: Callable[[str], Awaitable[object]] | None = None
