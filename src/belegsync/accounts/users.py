"""Users, passwords (argon2, hashed in a worker thread) and the login throttle."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.store.errors import NotFound
from belegsync.store.models import User
from belegsync.store.models.web import Locale, UserRole
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory

logger = structlog.get_logger("belegsync.accounts")

_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
# Verifying against this keeps unknown e-mails as slow as wrong passwords.
_DUMMY_HASH = _HASHER.hash("not a real password")


@dataclass(frozen=True, slots=True)
class AuthenticatedUser:
    id: str
    email: str
    role: UserRole
    tenant_id: str | None
    locale: Locale

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"


class LoginThrottled(Exception):
    """Too many failed logins for this e-mail or address; wait and try again."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"throttled for {minutes} minutes")
        self.minutes = minutes


class LoginFailed(Exception):
    """Wrong e-mail or password, or a disabled login (deliberately not saying which)."""


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise InvalidInput(
            "Bitte geben Sie eine gültige E-Mail-Adresse an.",
            code="email_invalid",
            message_en="Please enter a valid e-mail address.",
        )
    return value


def check_new_login(email: str, password: str) -> str:
    """The normalised e-mail, if ``email`` and ``password`` may become a login."""
    address = normalize_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.",
            code="password_too_short",
            message_en=f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Das Passwort darf höchstens {MAX_PASSWORD_LENGTH} Zeichen lang sein.",
            code="password_too_long",
            message_en=f"The password may have at most {MAX_PASSWORD_LENGTH} characters.",
        )
    return address


def authenticated(row: User) -> AuthenticatedUser:
    return AuthenticatedUser(row.id, row.email, row.role, row.tenant_id, row.locale)


async def hash_password(password: str) -> str:
    """argon2 takes tens of milliseconds of CPU: off the event loop."""
    return await asyncio.to_thread(_HASHER.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


async def add_user(
    uow: UnitOfWork,
    *,
    clock: Clock,
    email: str,
    password: str,
    role: UserRole,
    tenant_id: str | None,
    locale: Locale = "de",
    actor: str = "cli",
) -> AuthenticatedUser:
    """Add a login inside the caller's transaction (the caller commits)."""
    address = check_new_login(email, password)
    if role not in ("client", "staff"):
        raise InvalidInput("Unbekannte Rolle.", code="role_invalid", message_en="Unknown role.")
    if (role == "client") != (tenant_id is not None):
        raise InvalidInput(
            "Mandanten-Logins brauchen einen Mandanten, Kanzlei-Logins keinen.",
            code="role_tenant_mismatch",
            message_en="Client logins need a tenant; staff logins have none.",
        )
    if tenant_id is not None and await uow.tenants.get(tenant_id) is None:
        raise NotFound("tenant")
    if await uow.accounts.user_by_email(address) is not None:
        raise InvalidInput(
            f"Es gibt bereits ein Login für {address}.",
            code="user_exists",
            message_en=f"A login for {address} exists already.",
        )
    now = clock.now()
    row = await uow.accounts.add_user(
        email=address,
        password_hash=await hash_password(password),
        role=role,
        tenant_id=tenant_id,
        locale=locale,
        now=now,
    )
    await uow.audit.add(
        tenant_id=tenant_id,
        actor=actor,
        action="user_created",
        subject_type="user",
        subject_id=row.id,
        detail={"role": role},
        now=now,
    )
    return authenticated(row)


async def create_user(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    email: str,
    password: str,
    role: UserRole,
    tenant_id: str | None = None,
    locale: Locale = "de",
    actor: str = "cli",
) -> AuthenticatedUser:
    """Create a login. Clients need a tenant; staff have none."""
    check_new_login(email, password)
    async with uow_factory() as uow:
        user = await add_user(
            uow,
            clock=clock,
            email=email,
            password=password,
            role=role,
            tenant_id=tenant_id,
            locale=locale,
            actor=actor,
        )
        await uow.commit()
        return user


async def authenticate(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    email: str,
    password: str,
    ip: str,
    failures_allowed: int = 5,
    window_minutes: int = 15,
) -> AuthenticatedUser:
    """Check e-mail and password; every try is recorded.

    Raises :class:`LoginThrottled` after ``failures_allowed`` failures for the e-mail
    (or four times as many from the address) within the window, without checking the
    password, and :class:`LoginFailed` for a wrong e-mail or password or a disabled login.
    """
    address = email.strip().lower()[:320]
    now = clock.now()
    since = now - timedelta(minutes=window_minutes)
    async with uow_factory() as uow:
        by_email, by_ip = await uow.accounts.failed_logins_since(since, email=address, ip=ip)
        if by_email >= failures_allowed or by_ip >= 4 * failures_allowed:
            logger.warning("login_throttled", ip=ip)
            raise LoginThrottled(window_minutes)
        row = await uow.accounts.user_by_email(address)
        checked = password[:MAX_PASSWORD_LENGTH]
        ok = await _verify(row.password_hash if row else _DUMMY_HASH, checked)
        ok = ok and row is not None and row.disabled_at is None
        await uow.accounts.record_login_attempt(email=address, ip=ip, succeeded=ok, now=now)
        if not ok or row is None:
            await uow.commit()
            logger.info("login_failed", ip=ip)
            raise LoginFailed()
        if _HASHER.check_needs_rehash(row.password_hash):
            row.password_hash = await hash_password(checked)
        row.last_login_at = now
        await uow.commit()
        logger.info("login_succeeded", user_id=row.id)
        return authenticated(row)


async def load_user(uow_factory: UnitOfWorkFactory, user_id: str) -> AuthenticatedUser | None:
    """The active user with this id (``None`` if missing or disabled)."""
    async with uow_factory.read_only() as uow:
        row = await uow.accounts.user(user_id)
        return authenticated(row) if row is not None and row.disabled_at is None else None


async def set_locale(
    *, uow_factory: Callable[[], UnitOfWork], user_id: str, locale: Locale
) -> None:
    async with uow_factory() as uow:
        row = await uow.accounts.user(user_id)
        if row is None:
            raise NotFound("user")
        row.locale = locale
        await uow.commit()


async def client_emails(uow: UnitOfWork, tenant_id: str) -> list[str]:
    """The addresses of a tenant's active client logins (for notices)."""
    return await uow.accounts.client_emails(tenant_id)


async def change_password(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    email: str,
    password: str,
    actor: str = "cli",
) -> int:
    """Set a new password; every session of the user ends. Returns the sessions ended."""
    address = check_new_login(email, password)
    new_hash = await hash_password(password)

    def change(row: User) -> bool:
        row.password_hash = new_hash
        return True

    return await _update_login(uow_factory, clock, address, "password_changed", actor, change)


async def set_user_disabled(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    email: str,
    disabled: bool,
    actor: str = "cli",
) -> int:
    """Disable a login (its sessions end, it cannot sign in) or enable it again.
    Returns the sessions ended."""
    now = clock.now()

    def change(row: User) -> bool:
        row.disabled_at = (row.disabled_at or now) if disabled else None
        return disabled

    action = "user_disabled" if disabled else "user_enabled"
    return await _update_login(uow_factory, clock, normalize_email(email), action, actor, change)


async def _update_login(
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    address: str,
    action: str,
    actor: str,
    change: Callable[[User], bool],
) -> int:
    """Apply ``change`` to the login; when it returns True, its sessions end. Audited."""
    async with uow_factory() as uow:
        row = await uow.accounts.user_by_email(address)
        if row is None:
            raise NotFound("user")
        ended = await uow.accounts.delete_sessions_of(row.id) if change(row) else 0
        await uow.audit.add(
            tenant_id=row.tenant_id,
            actor=actor,
            action=action,
            subject_type="user",
            subject_id=row.id,
            now=clock.now(),
        )
        await uow.commit()
    logger.info(action, user_id=row.id, sessions_ended=ended)
    return ended
