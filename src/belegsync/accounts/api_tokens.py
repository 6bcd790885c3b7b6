"""JSON API tokens: created by staff (UI or CLI), shown once, stored as sha256."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.store.access import TenantContext
from belegsync.store.errors import NotFound, skipped_when_busy
from belegsync.store.models import ApiToken
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory

TOKEN_PREFIX = "bsk_"  # noqa: S105 - a marker, not a secret


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewApiToken:
    id: str
    tenant_id: str
    token: str


async def create_api_token(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, ctx: TenantContext, name: str
) -> NewApiToken:
    """A new token for the tenant; the plaintext is returned once and never stored."""
    label = name.strip() or "API"
    if len(label) > 100:
        raise InvalidInput(
            "Der Name darf höchstens 100 Zeichen haben.",
            code="token_name_too_long",
            message_en="The name may have at most 100 characters.",
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    async with uow_factory() as uow:
        await uow.reads.tenant(ctx)
        row = await uow.accounts.add_api_token(
            tenant_id=ctx.tenant_id,
            name=label,
            token_sha256=token_hash(token),
            prefix=token[:12],
            created_by=ctx.actor,
            now=now,
        )
        await uow.audit.add(
            tenant_id=ctx.tenant_id,
            actor=ctx.actor,
            action="api_token_created",
            subject_type="api_token",
            subject_id=row.id,
            now=now,
        )
        await uow.commit()
        return NewApiToken(row.id, ctx.tenant_id, token)


async def revoke_api_token(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, ctx: TenantContext, token_id: str
) -> None:
    now = clock.now()
    async with uow_factory() as uow:
        row = await uow.accounts.api_token(ctx.tenant_id, token_id)
        if row is None:
            raise NotFound("api token")
        row.revoked_at = row.revoked_at or now
        await uow.audit.add(
            tenant_id=ctx.tenant_id,
            actor=ctx.actor,
            action="api_token_revoked",
            subject_type="api_token",
            subject_id=row.id,
            now=now,
        )
        await uow.commit()


async def tenant_for_token(
    *, uow_factory: UnitOfWorkFactory, clock: Clock, token: str
) -> str | None:
    """The tenant a valid, unrevoked token belongs to; ``None`` otherwise. Read without
    the write lock; its last use is written at most once a minute, and left for the
    next call while another process writes."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    async with uow_factory.read_only() as uow:
        row = await uow.accounts.live_api_token(token_hash(token))
        if row is None:
            return None
        tenant_id, last_used = row.tenant_id, row.last_used_at
    now = clock.now()
    if last_used is None or (now - last_used).total_seconds() > 60:
        with skipped_when_busy():
            async with uow_factory() as uow:
                row = await uow.accounts.live_api_token(token_hash(token))
                if row is not None:
                    row.last_used_at = now
                    await uow.commit()
    return tenant_id


async def list_api_tokens(*, uow_factory: UnitOfWorkFactory, ctx: TenantContext) -> list[ApiToken]:
    async with uow_factory.read_only() as uow:
        return await uow.accounts.api_tokens(ctx.tenant_id)
