"""Connecting a tenant's Lexware Office account with an API key, and disconnecting it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import structlog

from belegsync.domain.clock import Clock
from belegsync.domain.connection import (
    Connection,
    ConnectionState,
    Explanation,
    explain_failure,
    resolve_key_expiry,
)
from belegsync.domain.dates import berlin_date
from belegsync.domain.errors import InvalidInput
from belegsync.store.connection_owners import tenants_connected_to
from belegsync.store.errors import skipped_when_busy
from belegsync.store.models import Connection as ConnectionRow
from belegsync.store.uow import UnitOfWork
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.key_check import (
    PROBE_ID,
    KeyCheck,
    LexwareUnreachable,
    check_key,
    default_expiry,
    expiry_notice,
    explain_organization_taken,
)
from belegsync.sync.ports import KeyCipher, LexwareFactory, SyncQueue

__all__ = [
    "PROBE_ID",
    "ConnectResult",
    "LexwareUnreachable",
    "check_key_shape",
    "connect_lexware",
    "disconnect_lexware",
    "start_connection",
]

logger = structlog.get_logger("belegsync.sync")

_KEY_SHAPE = re.compile(r"^[A-Za-z0-9_\-\.~+/=]{16,200}$")


@dataclass(frozen=True, slots=True)
class ConnectResult:
    """What the client sees after „Connect“: the state and, if failed, why and what to do.

    ``kept``: the connection was left exactly as it was and ``explanation`` says why (a
    refused replacement key, an organisation connected elsewhere, a failed check).
    ``expiry_notice``: the new key expires soon (it was made long before connecting).
    """

    state: ConnectionState
    explanation: Explanation | None = None
    run_id: str | None = None
    company_name: str | None = None
    kept: bool = False
    # connected, but the first sync could not be started (the database was busy)
    sync_deferred: bool = False
    expiry_notice: Explanation | None = None


def check_key_shape(api_key: str) -> str:
    """Refuse what cannot be a Lexware key before sending it anywhere."""
    key = api_key.strip()
    if not key:
        raise InvalidInput(
            "Bitte geben Sie den API-Schlüssel ein.",
            code="api_key_missing",
            message_en="Please enter the API key.",
        )
    if not _KEY_SHAPE.match(key):
        raise InvalidInput(
            "Das sieht nicht wie ein Lexware-API-Schlüssel aus. Kopieren Sie den Schlüssel "
            "vollständig und ohne Leerzeichen aus Lexware Office.",
            code="api_key_malformed",
            message_en="This does not look like a Lexware API key. Copy the whole key "
            "from Lexware Office, without spaces.",
        )
    return key


async def connect_lexware(
    *,
    uow_factory: Callable[[], UnitOfWork],
    lexware: LexwareFactory,
    cipher: KeyCipher,
    clock: Clock,
    queue: SyncQueue | None,
    tenant_id: str,
    api_key: str,
    base_url: str,
    key_expires_on: date | None = None,
    actor: str = "client",
    allow_shared_organization: bool = False,
) -> ConnectResult:
    """Validate ``api_key`` and (re)connect the tenant; start the first sync on success.

    Raises :class:`InvalidInput` for a malformed key or expiry date (nothing changes).
    Every answer of Lexware, and its silence, ends in a result with a reason and advice.
    A key refused for a new connection moves it to failed. ``kept`` results change
    nothing: Lexware unreachable, a check that failed through no fault of the key, a
    refused replacement key on an active connection, and a Lexware organisation that
    another tenant has connected already (unless staff pass ``allow_shared_organization``;
    the audit log records it).
    """
    key = check_key_shape(api_key)
    now = clock.now()
    today = berlin_date(now)
    entered_expiry = None if key_expires_on is None else resolve_key_expiry(key_expires_on, today)
    try:
        check = await check_key(lexware(key, base_url))
    except LexwareUnreachable as unreachable:
        logger.warning("connect_lexware_unreachable", tenant_id=tenant_id)
        check = KeyCheck(problem=unreachable.explanation)
    async with uow_factory() as uow:
        row = await uow.connections.get_or_create(tenant_id, now=now)
        current = _pending(to_domain(row))
        refusal = await _refusal(uow, tenant_id, row, current, check, allow_shared_organization)
        if refusal is not None:
            result, action, reason = refusal
            await _audit(uow, tenant_id, row.id, actor, action, reason, now)
            await uow.commit()
            logger.info("connect_lexware_refused", tenant_id=tenant_id, reason=reason)
            return result
        if check.failure is not None:
            updated = current.fail(check.failure, missing_permission=check.missing_permission)
            apply_domain(row, updated, now=now)
            await _audit(uow, tenant_id, row.id, actor, "connect_failed", check.failure, now)
            await uow.commit()
            logger.info("connect_lexware_failed", tenant_id=tenant_id, reason=check.failure)
            explanation = explain_failure(check.failure, check.missing_permission)
            return ConnectResult(updated.state, explanation)
        profile = check.profile
        assert profile is not None  # a KeyCheck without failure or problem has one
        expires_on = entered_expiry or default_expiry(profile, today)
        if current.state is ConnectionState.ACTIVE:
            updated = current.replace_key(
                organization_id=profile.organization_id,
                key_last4=key[-4:],
                key_expires_on=expires_on,
            )
        else:
            updated = current.activate(
                organization_id=profile.organization_id,
                company_name=profile.company_name or "",
                connection_id=profile.connection_id or "",
                key_last4=key[-4:],
                key_expires_on=expires_on,
                connected_at=now,
            )
        apply_domain(row, updated, now=now)
        row.encrypted_api_key = cipher.encrypt(key)
        row.base_url = base_url
        row.expiry_warned_30 = row.expiry_warned_7 = False
        shared = await _tenants_sharing(uow, profile.organization_id, tenant_id)
        # only staff get here with a shared organisation (allow_shared_organization)
        detail: dict[str, object] = (
            {"shared_organization_with": shared, "override": True} if shared else {}
        )
        await _audit(uow, tenant_id, row.id, actor, "connected", None, now, detail)
        await uow.commit()
        connection_id = row.id
    logger.info("connect_lexware_succeeded", tenant_id=tenant_id)
    run_id: str | None = None
    # the connection stands when the first sync cannot be started now (the database is
    # busy with another process's write): the morning's run or „Jetzt synchronisieren“
    # starts it
    deferred = queue is not None
    with skipped_when_busy("first_sync_deferred", tenant_id=tenant_id):
        if queue is not None:
            run_id = await queue.enqueue(connection_id, trigger="connect")
        deferred = False
    return ConnectResult(
        updated.state,
        None,
        run_id,
        updated.company_name,
        expiry_notice=expiry_notice(expires_on, today),
        sync_deferred=deferred,
    )


async def _tenants_sharing(uow: UnitOfWork, organization_id: str, tenant_id: str) -> list[str]:
    return await tenants_connected_to(uow, organization_id, excluding=tenant_id)


async def _refusal(
    uow: UnitOfWork,
    tenant_id: str,
    row: ConnectionRow,
    current: Connection,
    check: KeyCheck,
    allow_shared_organization: bool,
) -> tuple[ConnectResult, str, str] | None:
    """A result that leaves the connection as it is, with its audit action and reason."""
    state = ConnectionState(row.state)
    if check.problem is not None:
        return (
            ConnectResult(state, check.problem, kept=True),
            "connect_check_failed",
            (check.problem.code),
        )
    if check.failure is not None:
        if current.state is not ConnectionState.ACTIVE:
            return None
        # A replacement key that does not work must not break a working connection.
        explanation = explain_failure(check.failure, check.missing_permission)
        return (
            ConnectResult(state, explanation, kept=True),
            "key_replacement_refused",
            check.failure.value,
        )
    profile = check.profile
    assert profile is not None
    if allow_shared_organization or current.organization_id == profile.organization_id:
        return None  # staff decided, or this tenant holds the organisation already
    if await _tenants_sharing(uow, profile.organization_id, tenant_id):
        return (
            ConnectResult(state, explain_organization_taken(profile.company_name), kept=True),
            "connect_refused_organization_taken",
            "organization_connected_elsewhere",
        )
    return None


def _pending(connection: Connection) -> Connection:
    """Entering a key always goes through pending, except for a key swap while active."""
    if connection.state is ConnectionState.NONE:
        return connection.start()
    if connection.state is ConnectionState.FAILED:
        return connection.reactivate()
    return connection


async def start_connection(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, tenant_id: str, actor: str = "client"
) -> ConnectionState:
    """„+ Verbinden“ / „Verbindung aktivieren“: none or failed → pending (key form next)."""
    now = clock.now()
    async with uow_factory() as uow:
        row = await uow.connections.get_or_create(tenant_id, now=now)
        current = to_domain(row)
        if current.state is ConnectionState.ACTIVE:
            return current.state
        updated = _pending(current)
        apply_domain(row, updated, now=now)
        await _audit(uow, tenant_id, row.id, actor, "connection_started", None, now)
        await uow.commit()
        return updated.state


async def disconnect_lexware(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, tenant_id: str, actor: str = "client"
) -> None:
    """Any state → none: the key is deleted; synced vouchers and files stay."""
    now = clock.now()
    async with uow_factory() as uow:
        row = await uow.connections.get_or_create(tenant_id, now=now)
        apply_domain(row, to_domain(row).disconnect(), now=now)
        await _audit(uow, tenant_id, row.id, actor, "disconnected", None, now)
        await uow.commit()


async def _audit(
    uow: UnitOfWork,
    tenant_id: str,
    connection_id: str,
    actor: str,
    action: str,
    reason: str | None,
    now: datetime,
    extra: dict[str, object] | None = None,
) -> None:
    detail: dict[str, object] = {"reason": reason} if reason else {}
    await uow.audit.add(
        tenant_id=tenant_id,
        actor=actor,
        action=action,
        subject_type="connection",
        subject_id=connection_id,
        detail=detail | (extra or {}),
        now=now,
    )
