"""Logins, their server-side sessions, login attempts and API tokens.

Every method works inside the caller's session and transaction; nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.models import ApiToken, LoginAttempt, User, WebSession
from belegsync.store.models.web import Locale, UserRole


@dataclass(frozen=True, slots=True)
class SessionUser:
    id: str
    email: str
    role: UserRole
    tenant_id: str | None
    locale: Locale


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A live session's row and its user (``None``: no user, or the login is disabled)."""

    data: bytes
    created_at: datetime
    expires_at: datetime
    user: SessionUser | None


_LIVE_SESSION = (
    select(
        WebSession.data,
        WebSession.created_at,
        WebSession.expires_at,
        User.id,
        User.email,
        User.role,
        User.tenant_id,
        User.locale,
    )
    .select_from(WebSession)
    .outerjoin(User, and_(User.id == WebSession.user_id, User.disabled_at.is_(None)))
    # Bound at execution: one statement object, so its cache key is computed only once.
    .where(WebSession.id == bindparam("id_hash"), WebSession.expires_at > bindparam("now"))
)


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def user(self, user_id: str) -> User | None:
        return await self._session.get(User, user_id)

    async def user_by_email(self, email: str) -> User | None:
        return await self._session.scalar(select(User).where(User.email == email))

    async def add_user(
        self,
        *,
        email: str,
        password_hash: str,
        role: UserRole,
        tenant_id: str | None,
        locale: Locale,
        now: datetime,
    ) -> User:
        row = User(
            email=email,
            password_hash=password_hash,
            role=role,
            tenant_id=tenant_id,
            locale=locale,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def client_emails(self, tenant_id: str) -> list[str]:
        """The addresses of a tenant's active client logins."""
        query = select(User.email).where(
            User.tenant_id == tenant_id, User.role == "client", User.disabled_at.is_(None)
        )
        return list(await self._session.scalars(query.order_by(User.email)))

    async def failed_logins_since(self, since: datetime, *, email: str, ip: str) -> tuple[int, int]:
        """Failed logins since ``since``: (for the e-mail, from the address)."""
        failures = select(func.count()).where(
            LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since
        )
        by_email = await self._session.scalar(failures.where(LoginAttempt.email == email))
        by_ip = await self._session.scalar(failures.where(LoginAttempt.ip == ip))
        return int(by_email or 0), int(by_ip or 0)

    async def record_login_attempt(
        self, *, email: str, ip: str, succeeded: bool, now: datetime
    ) -> None:
        self._session.add(
            LoginAttempt(email=email, ip=ip[:64], succeeded=succeeded, created_at=now)
        )
        await self._session.flush()

    async def add_api_token(
        self,
        *,
        tenant_id: str,
        name: str,
        token_sha256: str,
        prefix: str,
        created_by: str,
        now: datetime,
    ) -> ApiToken:
        row = ApiToken(
            tenant_id=tenant_id,
            name=name,
            token_sha256=token_sha256,
            prefix=prefix,
            created_by=created_by,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def api_token(self, tenant_id: str, token_id: str) -> ApiToken | None:
        """One token of the tenant (``None`` for another tenant's)."""
        return await self._session.scalar(
            select(ApiToken).where(ApiToken.id == token_id, ApiToken.tenant_id == tenant_id)
        )

    async def live_api_token(self, token_sha256: str) -> ApiToken | None:
        return await self._session.scalar(
            select(ApiToken).where(
                ApiToken.token_sha256 == token_sha256, ApiToken.revoked_at.is_(None)
            )
        )

    async def api_tokens(self, tenant_id: str) -> list[ApiToken]:
        query = (
            select(ApiToken)
            .where(ApiToken.tenant_id == tenant_id)
            .order_by(ApiToken.created_at.desc())
        )
        return list(await self._session.scalars(query))

    async def session(self, id_hash: str, *, now: datetime) -> WebSession | None:
        """The live session stored under ``id_hash`` (``None`` if missing or expired)."""
        return await self._session.scalar(
            select(WebSession).where(WebSession.id == id_hash, WebSession.expires_at > now)
        )

    async def live_session(self, id_hash: str, *, now: datetime) -> LiveSession | None:
        """The live session stored under ``id_hash`` with its active user, in one query
        (every page asks)."""
        # Plain columns: read straight from the connection, past the ORM.
        connection = await self._session.connection()
        found = (await connection.execute(_LIVE_SESSION, {"id_hash": id_hash, "now": now})).first()
        if found is None:
            return None
        data, created_at, expires_at, user_id, email, role, tenant_id, locale = found
        user = None if user_id is None else SessionUser(user_id, email, role, tenant_id, locale)
        return LiveSession(bytes(data), created_at, expires_at, user)

    async def add_session(
        self,
        *,
        id_hash: str,
        user_id: str | None,
        data: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        self._session.add(
            WebSession(
                id=id_hash, user_id=user_id, data=data, created_at=now, expires_at=expires_at
            )
        )
        await self._session.flush()

    async def update_session(
        self, id_hash: str, *, user_id: str | None, data: bytes, expires_at: datetime
    ) -> None:
        await self._session.execute(
            update(WebSession)
            .where(WebSession.id == id_hash)
            .values(user_id=user_id, data=data, expires_at=expires_at)
        )

    async def delete_session(self, id_hash: str) -> None:
        await self._session.execute(delete(WebSession).where(WebSession.id == id_hash))

    async def delete_sessions_of(self, user_id: str) -> int:
        """End every session of the user; returns how many there were."""
        result = await self._session.execute(
            delete(WebSession).where(WebSession.user_id == user_id)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_sessions(self, *, now: datetime) -> None:
        await self._session.execute(delete(WebSession).where(WebSession.expires_at <= now))
