"""Configuration from environment variables.

Every setting has one line in the README's settings table; ``tests/unit/test_settings_doc.py``
compares that table with :data:`SETTINGS`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path


@dataclass(frozen=True)
class SettingSpec:
    env: str
    default: str
    help: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "BELEGSYNC_DATA_DIR", "./data", "Data directory: database, voucher files, key file"
    ),
    SettingSpec(
        "BELEGSYNC_DATABASE_URL",
        "sqlite+aiosqlite:///<data dir>/belegsync.sqlite3",
        "SQLAlchemy URL; postgresql+psycopg://… for scale-out",
    ),
    SettingSpec(
        "BELEGSYNC_LEXWARE_BASE_URL", "https://api.lexware.io", "Lexware Office Public API base URL"
    ),
    SettingSpec(
        "BELEGSYNC_LEXWARE_RATE", "2.0", "Requests per second allowed per API key (Lexware: 2)"
    ),
    SettingSpec(
        "BELEGSYNC_WEBHOOK_PUBLIC_KEY",
        "(Lexware's published key)",
        "PEM file with the key that verifies X-Lxo-Signature",
    ),
    SettingSpec("BELEGSYNC_SYNC_TIME", "06:00", "Daily sync start time, Europe/Berlin"),
    SettingSpec(
        "BELEGSYNC_SYNC_SPREAD_MINUTES", "120", "Daily syncs are spread over this many minutes"
    ),
    SettingSpec(
        "BELEGSYNC_SYNC_WORKERS",
        "16",
        "Syncs running at once in one process (each keeps to its own key's rate)",
    ),
    SettingSpec(
        "BELEGSYNC_DB_POOL_SIZE",
        "10",
        "PostgreSQL connections one process holds at most; a `belegsync worker` takes "
        "min(this, concurrency + 3) and one more for job notices",
    ),
    SettingSpec(
        "BELEGSYNC_SQLITE_BUSY_SECONDS",
        "30",
        "SQLite: how long a write waits for another process's write lock before it gives "
        "up (the web answers 503, a command exits 75); 1 to 600",
    ),
    SettingSpec(
        "BELEGSYNC_WEB_WORKERS",
        "1",
        "Web server processes of `belegsync serve` (about one per core); they share the port",
    ),
    SettingSpec("BELEGSYNC_HOST", "127.0.0.1", "Address the web app listens on"),
    SettingSpec("BELEGSYNC_PORT", "8000", "Port the web app listens on"),
    SettingSpec(
        "BELEGSYNC_PUBLIC_URL",
        "",
        "The app's public address, e.g. https://belege.example.de; https makes cookies secure",
    ),
    SettingSpec(
        "BELEGSYNC_SESSION_SECRET",
        "(generated: session.key in the data dir)",
        "Secret for session and CSRF cookies; the same on every web server",
    ),
    SettingSpec(
        "BELEGSYNC_SESSION_IDLE_MINUTES",
        "60",
        "A web session ends after this many minutes without a request (and after 12 hours)",
    ),
    SettingSpec(
        "BELEGSYNC_TRUSTED_PROXIES",
        "",
        "Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For "
        "names the client",
    ),
    SettingSpec(
        "BELEGSYNC_PRODUCT_NAME",
        "belegsync",
        "The name clients see for this app (pages, e-mails, API docs)",
    ),
    SettingSpec("BELEGSYNC_FIRM_NAME", "Kanzlei", "The tax advisory firm's name shown in the app"),
    SettingSpec(
        "BELEGSYNC_FIRM_EMAIL",
        "kanzlei@example.com",
        "The firm's address clients invite as tax advisor in Lexware Office",
    ),
    SettingSpec(
        "BELEGSYNC_SUPPORT_EMAIL",
        "support@example.com",
        "Where support requests go; shown to clients",
    ),
    SettingSpec("BELEGSYNC_BOOKING_URL", "", "Link to book a consultation (empty: not shown)"),
    SettingSpec("BELEGSYNC_SMTP_HOST", "", "SMTP server; empty: e-mails wait in the outbox"),
    SettingSpec("BELEGSYNC_SMTP_PORT", "587", "SMTP port"),
    SettingSpec("BELEGSYNC_SMTP_USER", "", "SMTP user name (empty: no login)"),
    SettingSpec("BELEGSYNC_SMTP_PASSWORD", "", "SMTP password"),
    SettingSpec("BELEGSYNC_SMTP_FROM", "belegsync@localhost", "Sender address of e-mails"),
    SettingSpec("BELEGSYNC_SMTP_TLS", "starttls", "starttls, ssl or none"),
    SettingSpec("BELEGSYNC_LOG_LEVEL", "info", "Log level: debug, info, warning, error"),
    SettingSpec("BELEGSYNC_LOG_JSON", "0", "1: log JSON lines instead of readable text"),
    SettingSpec(
        "BELEGSYNC_EVENT_LOOP",
        "uvloop",
        "Event loop of `belegsync worker` and `serve`: uvloop (less CPU) or asyncio",
    ),
)


# Of a process's BELEGSYNC_DB_POOL_SIZE connections, Procrastinate's pool (defer, fetch
# and finish jobs, worker heartbeats) gets this many; SQLAlchemy gets the rest.
QUEUE_POOL_SIZE = 2


@dataclass(frozen=True)
class PoolSizes:
    """How one process shares its PostgreSQL connections (see docs/operations.md)."""

    database: int  # SQLAlchemy: the app's own queries
    queue: int  # Procrastinate: defer, fetch and finish jobs, heartbeats

    @classmethod
    def within(cls, total: int) -> PoolSizes:
        queue = QUEUE_POOL_SIZE if total >= 2 * QUEUE_POOL_SIZE else 1
        return cls(database=max(1, total - queue), queue=queue)


def worker_pool_total(total: int, concurrency: int) -> int:
    """A worker running ``concurrency`` syncs needs no more than one SQLAlchemy connection
    per sync plus one spare; fewer than that makes syncs wait for a connection."""
    return max(2, min(total, concurrency + 1 + QUEUE_POOL_SIZE))


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    lexware_base_url: str
    lexware_rate: float
    webhook_public_key_path: Path | None
    sync_time: time
    sync_spread_minutes: int
    sync_workers: int
    host: str
    port: int
    log_level: str
    log_json: bool
    public_url: str = ""
    web_workers: int = 1
    db_pool_size: int = 10
    sqlite_busy_seconds: int = 30
    session_secret: str = ""
    session_idle_minutes: int = 60
    trusted_proxies: tuple[str, ...] = ()
    firm_name: str = "Kanzlei"
    product_name: str = "belegsync"
    firm_email: str = "kanzlei@example.com"
    support_email: str = "support@example.com"
    booking_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "belegsync@localhost"
    smtp_tls: str = "starttls"
    event_loop: str = "uvloop"

    @property
    def pools(self) -> PoolSizes:
        """This process's PostgreSQL pools (SQLite ignores them)."""
        return PoolSizes.within(self.db_pool_size)

    @property
    def session_key_path(self) -> Path:
        return self.data_dir / "session.key"

    @property
    def keyfile_path(self) -> Path:
        return self.data_dir / "secrets.key"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str:
            spec = next(s for s in SETTINGS if s.env == name)
            return env.get(name, "").strip() or spec.default

        data_dir = Path(get("BELEGSYNC_DATA_DIR")).expanduser().resolve()
        database_url = env.get("BELEGSYNC_DATABASE_URL", "").strip() or (
            f"sqlite+aiosqlite:///{data_dir / 'belegsync.sqlite3'}"
        )
        key_path = env.get("BELEGSYNC_WEBHOOK_PUBLIC_KEY", "").strip()
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            lexware_base_url=get("BELEGSYNC_LEXWARE_BASE_URL").rstrip("/"),
            lexware_rate=_positive_float("BELEGSYNC_LEXWARE_RATE", get("BELEGSYNC_LEXWARE_RATE")),
            webhook_public_key_path=Path(key_path) if key_path else None,
            sync_time=_clock_time("BELEGSYNC_SYNC_TIME", get("BELEGSYNC_SYNC_TIME")),
            sync_spread_minutes=_int_in(
                "BELEGSYNC_SYNC_SPREAD_MINUTES", get("BELEGSYNC_SYNC_SPREAD_MINUTES"), 0, 720
            ),
            sync_workers=_int_in("BELEGSYNC_SYNC_WORKERS", get("BELEGSYNC_SYNC_WORKERS"), 1, 1000),
            web_workers=_int_in("BELEGSYNC_WEB_WORKERS", get("BELEGSYNC_WEB_WORKERS"), 1, 64),
            db_pool_size=_int_in("BELEGSYNC_DB_POOL_SIZE", get("BELEGSYNC_DB_POOL_SIZE"), 2, 500),
            sqlite_busy_seconds=_int_in(
                "BELEGSYNC_SQLITE_BUSY_SECONDS", get("BELEGSYNC_SQLITE_BUSY_SECONDS"), 1, 600
            ),
            host=get("BELEGSYNC_HOST"),
            port=_int_in("BELEGSYNC_PORT", get("BELEGSYNC_PORT"), 1, 65535),
            log_level=_choice(
                "BELEGSYNC_LOG_LEVEL",
                get("BELEGSYNC_LOG_LEVEL"),
                ("debug", "info", "warning", "error"),
            ),
            log_json=_choice("BELEGSYNC_LOG_JSON", get("BELEGSYNC_LOG_JSON"), ("0", "1")) == "1",
            event_loop=_choice(
                "BELEGSYNC_EVENT_LOOP", get("BELEGSYNC_EVENT_LOOP"), ("uvloop", "asyncio")
            ),
            public_url=get("BELEGSYNC_PUBLIC_URL").rstrip("/"),
            session_secret=env.get("BELEGSYNC_SESSION_SECRET", "").strip(),
            session_idle_minutes=_int_in(
                "BELEGSYNC_SESSION_IDLE_MINUTES", get("BELEGSYNC_SESSION_IDLE_MINUTES"), 1, 1440
            ),
            trusted_proxies=_networks(
                "BELEGSYNC_TRUSTED_PROXIES", get("BELEGSYNC_TRUSTED_PROXIES")
            ),
            firm_name=get("BELEGSYNC_FIRM_NAME"),
            product_name=get("BELEGSYNC_PRODUCT_NAME")[:60],
            firm_email=get("BELEGSYNC_FIRM_EMAIL"),
            support_email=get("BELEGSYNC_SUPPORT_EMAIL"),
            booking_url=get("BELEGSYNC_BOOKING_URL"),
            smtp_host=get("BELEGSYNC_SMTP_HOST"),
            smtp_port=_int_in("BELEGSYNC_SMTP_PORT", get("BELEGSYNC_SMTP_PORT"), 1, 65535),
            smtp_user=get("BELEGSYNC_SMTP_USER"),
            smtp_password=env.get("BELEGSYNC_SMTP_PASSWORD", ""),
            smtp_from=get("BELEGSYNC_SMTP_FROM"),
            smtp_tls=_choice(
                "BELEGSYNC_SMTP_TLS", get("BELEGSYNC_SMTP_TLS"), ("starttls", "ssl", "none")
            ),
        )


def _networks(name: str, raw: str) -> tuple[str, ...]:
    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(f"{name}: {item!r} is no address or network") from None
    return items


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a number such as 2.0") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r}: must be greater than 0")
    return value


def _int_in(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r}: must be between {low} and {high}")
    return value


def _clock_time(name: str, raw: str) -> time:
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a time such as 06:00") from None


def _choice(name: str, raw: str, allowed: tuple[str, ...]) -> str:
    value = raw.lower()
    if value not in allowed:
        raise SettingsError(f"{name}={raw!r}: expected one of {', '.join(allowed)}")
    return value
