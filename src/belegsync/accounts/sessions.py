"""Browser sessions kept in the database.

The cookie carries only a random id; the row is stored under the id's sha256. A session
ends at logout, after ``idle`` without a request, after ``lifetime`` at the latest, and
when its user changes the password or is disabled (:func:`end_sessions_of`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from belegsync.accounts.users import AuthenticatedUser
from belegsync.domain.clock import Clock
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory

SESSION_USER = "uid"
# Moving the idle expiry forward costs a write; once a minute is precise enough.
RENEW_AFTER = timedelta(minutes=1)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _encoded(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _user_of(data: dict[str, Any]) -> str | None:
    user_id = data.get(SESSION_USER)
    return str(user_id) if user_id else None


@dataclass(frozen=True, slots=True)
class LoadedSession:
    id: str
    data: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    # The session's active user, read in the same transaction (one database trip).
    user: AuthenticatedUser | None = None


class SessionStore:
    """Loads and saves session data (a JSON object) under random ids."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        idle: timedelta,
        lifetime: timedelta,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self.idle = idle
        self.lifetime = lifetime

    def reader(self) -> UnitOfWork:
        """A read-only unit of work, for :meth:`load` and whatever else a request reads."""
        return self._uow_factory.read_only()

    async def load(self, session_id: str, uow: UnitOfWork | None = None) -> LoadedSession | None:
        """The live session with this id; ``None`` if unknown, idle too long or too old.
        Read in ``uow`` when given (the request's read-only unit), else in one of its own."""
        if not 20 <= len(session_id) <= 128:
            return None
        now = self._clock.now()
        if uow is None:
            async with self.reader() as own:
                row = await own.accounts.live_session(_hash(session_id), now=now)
        else:
            row = await uow.accounts.live_session(_hash(session_id), now=now)
        if row is None or row.created_at + self.lifetime <= now:
            return None
        try:
            data = json.loads(row.data)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        found = row.user
        active = None
        if found is not None and found.id == _user_of(data):
            active = AuthenticatedUser(
                found.id, found.email, found.role, found.tenant_id, found.locale
            )
        return LoadedSession(session_id, data, row.created_at, row.expires_at, active)

    async def save(self, data: dict[str, Any], loaded: LoadedSession | None) -> str | None:
        """Store ``data``; returns the id of a newly created session, else ``None``.

        An unchanged session is written only to move its idle expiry forward, at most
        once per :data:`RENEW_AFTER`."""
        now = self._clock.now()
        expires_at = now + self.idle
        encoded = _encoded(data)
        if loaded is not None:
            renewed_at = loaded.expires_at - self.idle
            if data == loaded.data and now - renewed_at < RENEW_AFTER:
                return None
            async with self._uow_factory() as uow:
                await uow.accounts.update_session(
                    _hash(loaded.id), user_id=_user_of(data), data=encoded, expires_at=expires_at
                )
                await uow.commit()
            return None
        return await self.start(data)

    async def start(self, data: dict[str, Any], *, replacing: str | None = None) -> str:
        """Store ``data`` under a new id and return it; the session ``replacing`` (an id)
        ends in the same transaction (a login: an id planted before it is worthless)."""
        now = self._clock.now()
        encoded = _encoded(data)
        session_id = secrets.token_urlsafe(32)
        async with self._uow_factory() as uow:
            if replacing is not None:
                await uow.accounts.delete_session(_hash(replacing))
            await uow.accounts.purge_sessions(now=now)
            await uow.accounts.add_session(
                id_hash=_hash(session_id),
                user_id=_user_of(data),
                data=encoded,
                now=now,
                expires_at=now + self.idle,
            )
            await uow.commit()
        return session_id

    async def end(self, session_id: str) -> None:
        async with self._uow_factory() as uow:
            await uow.accounts.delete_session(_hash(session_id))
            await uow.commit()


async def end_sessions_of(uow: UnitOfWork, user_id: str) -> int:
    """End every session of the user inside the caller's transaction."""
    return await uow.accounts.delete_sessions_of(user_id)
