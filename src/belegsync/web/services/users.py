"""Users, passwords (argon2) and the login throttle."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.store.errors import NotFound
from belegsync.store.models import LoginAttempt, User
from belegsync.store.models.web import Locale, UserRole
from belegsync.store.uow import UnitOfWork

logger = structlog.get_logger("belegsync.web")

_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
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
    """Wrong e-mail or password (deliberately not saying which)."""


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise InvalidInput(
            "Bitte geben Sie eine gültige E-Mail-Adresse an.",
            code="email_invalid",
            message_en="Please enter a valid e-mail address.",
        )
    return value


def _user(row: User) -> AuthenticatedUser:
    return AuthenticatedUser(row.id, row.email, row.role, row.tenant_id, row.locale)


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
    address = normalize_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.",
            code="password_too_short",
            message_en=f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
        )
    if role not in ("client", "staff"):
        raise InvalidInput("Unbekannte Rolle.", code="role_invalid", message_en="Unknown role.")
    if (role == "client") != (tenant_id is not None):
        raise InvalidInput(
            "Mandanten-Logins brauchen einen Mandanten, Kanzlei-Logins keinen.",
            code="role_tenant_mismatch",
            message_en="Client logins need a tenant; staff logins have none.",
        )
    now = clock.now()
    async with uow_factory() as uow:
        if tenant_id is not None and await uow.tenants.get(tenant_id) is None:
            raise NotFound("tenant")
        if await uow.session.scalar(select(User.id).where(User.email == address)):
            raise InvalidInput(
                f"Es gibt bereits ein Login für {address}.",
                code="user_exists",
                message_en=f"A login for {address} exists already.",
            )
        row = User(
            email=address,
            password_hash=_HASHER.hash(password),
            role=role,
            tenant_id=tenant_id,
            locale=locale,
            created_at=now,
        )
        uow.session.add(row)
        await uow.session.flush()
        await uow.audit.add(
            tenant_id=tenant_id,
            actor=actor,
            action="user_created",
            subject_type="user",
            subject_id=row.id,
            detail={"role": role},
            now=now,
        )
        await uow.commit()
        return _user(row)


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
    password, and :class:`LoginFailed` for a wrong e-mail or password.
    """
    address = email.strip().lower()[:320]
    now = clock.now()
    since = now - timedelta(minutes=window_minutes)
    async with uow_factory() as uow:
        failures = select(func.count()).where(
            LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since
        )
        by_email = await uow.session.scalar(failures.where(LoginAttempt.email == address)) or 0
        by_ip = await uow.session.scalar(failures.where(LoginAttempt.ip == ip)) or 0
        if by_email >= failures_allowed or by_ip >= 4 * failures_allowed:
            logger.warning("login_throttled", ip=ip)
            raise LoginThrottled(window_minutes)
        row = await uow.session.scalar(select(User).where(User.email == address))
        ok = _verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
        uow.session.add(LoginAttempt(email=address, ip=ip[:64], succeeded=ok, created_at=now))
        if not ok or row is None:
            await uow.commit()
            logger.info("login_failed", ip=ip)
            raise LoginFailed()
        if _HASHER.check_needs_rehash(row.password_hash):
            row.password_hash = _HASHER.hash(password)
        row.last_login_at = now
        await uow.commit()
        logger.info("login_succeeded", user_id=row.id)
        return _user(row)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def load_user(
    uow_factory: Callable[[], UnitOfWork], user_id: str
) -> AuthenticatedUser | None:
    async with uow_factory() as uow:
        row = await uow.session.get(User, user_id)
        return _user(row) if row is not None else None


async def set_locale(
    *, uow_factory: Callable[[], UnitOfWork], user_id: str, locale: Locale
) -> None:
    async with uow_factory() as uow:
        row = await uow.session.get(User, user_id)
        if row is None:
            raise NotFound("user")
        row.locale = locale
        await uow.commit()


async def client_emails(uow: UnitOfWork, tenant_id: str) -> list[str]:
    """The addresses of a tenant's client logins (for notices)."""
    query = select(User.email).where(User.tenant_id == tenant_id, User.role == "client")
    return list(await uow.session.scalars(query.order_by(User.email)))
