"""Connecting a tenant's Lexware Office account with an API key, and disconnecting it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime

import structlog

from belegsync.domain.clock import Clock
from belegsync.domain.connection import (
    Connection,
    ConnectionState,
    Explanation,
    FailureReason,
    explain_failure,
    explain_unreachable,
    resolve_key_expiry,
)
from belegsync.domain.dates import berlin_date
from belegsync.domain.errors import InvalidInput
from belegsync.lexware import (
    LexwareAuthError,
    LexwareContractError,
    LexwareError,
    LexwareForbiddenError,
    LexwareNotFoundError,
    LexwareRateLimitedError,
    LexwareUnavailableError,
    Profile,
    VoucherListFilter,
)
from belegsync.store.uow import UnitOfWork
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.ports import KeyCipher, LexwareFactory, LexwarePort, SyncQueue

logger = structlog.get_logger("belegsync.sync")

# A voucher id that cannot exist: probing with it answers 404 when the key may read
# the endpoint, and 403 when it lacks the permission.
PROBE_ID = "00000000-0000-0000-0000-000000000000"
_KEY_SHAPE = re.compile(r"^[A-Za-z0-9_\-\.~+/=]{16,200}$")


@dataclass(frozen=True, slots=True)
class ConnectResult:
    """What the client sees after „Connect“: the state and, if failed, why and what to do."""

    state: ConnectionState
    explanation: Explanation | None = None
    run_id: str | None = None
    company_name: str | None = None


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


async def _probe(call: Callable[[], Awaitable[object]]) -> None:
    try:
        await call()
    except LexwareNotFoundError:
        return


async def validate_key(client: LexwarePort) -> Profile:
    """The profile, then one cheap call per permission the sync needs.

    Raises the client's errors: auth (401), contract (402), forbidden (403, naming the
    permission), unavailable. Each probe reads an id that does not exist, so it costs
    one request and returns nothing.
    """
    profile = await client.profile()
    probe_list = VoucherListFilter(voucher_types=["purchaseinvoice"], voucher_statuses=["paid"])
    await client.voucherlist(probe_list, page=0, size=1)
    for voucher_type in ("purchaseinvoice", "invoice", "creditnote", "downpaymentinvoice"):
        await _probe(lambda t=voucher_type: client.voucher_detail(t, PROBE_ID))  # type: ignore[misc]
    await _probe(lambda: client.payments(PROBE_ID))
    await _probe(lambda: client.download_file(PROBE_ID))
    return profile


def _failure(error: LexwareError) -> tuple[FailureReason, str | None]:
    if isinstance(error, LexwareContractError):
        return FailureReason.CONTRACT, None
    if isinstance(error, LexwareForbiddenError) and error.code != "lexware_request_rejected":
        return FailureReason.MISSING_PERMISSION, error.permission or "unbekannt"
    return FailureReason.INVALID_KEY, None


class LexwareUnreachable(Exception):
    """Lexware did not answer; the connection keeps its state. Try again later."""

    def __init__(self) -> None:
        self.explanation = explain_unreachable()
        super().__init__(self.explanation.message_de)


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
) -> ConnectResult:
    """Validate ``api_key`` and (re)connect the tenant; start the first sync on success.

    Raises :class:`InvalidInput` for a malformed key or expiry date (nothing changes) and
    :class:`LexwareUnreachable` when Lexware cannot be reached (the state stays as it was).
    A rejected key moves the connection to failed with the reason and its advice.
    """
    key = check_key_shape(api_key)
    now = clock.now()
    expires_on = resolve_key_expiry(key_expires_on, berlin_date(now))
    client = lexware(key, base_url)
    try:
        profile = await validate_key(client)
        failure: tuple[FailureReason, str | None] | None = None
    except (LexwareUnavailableError, LexwareRateLimitedError):
        logger.warning("connect_lexware_unreachable", tenant_id=tenant_id)
        raise LexwareUnreachable() from None
    except (LexwareAuthError, LexwareContractError, LexwareForbiddenError) as error:
        failure = _failure(error)
    async with uow_factory() as uow:
        row = await uow.connections.get_or_create(tenant_id, now=now)
        current = _pending(to_domain(row))
        if failure is not None:
            reason, permission = failure
            updated = current.fail(reason, missing_permission=permission)
            apply_domain(row, updated, now=now)
            await _audit(uow, tenant_id, row.id, actor, "connect_failed", reason.value, now)
            await uow.commit()
            logger.info("connect_lexware_failed", tenant_id=tenant_id, reason=reason.value)
            return ConnectResult(updated.state, explain_failure(reason, permission))
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
        await _audit(uow, tenant_id, row.id, actor, "connected", None, now)
        await uow.commit()
        connection_id = row.id
    logger.info("connect_lexware_succeeded", tenant_id=tenant_id)
    run_id = await queue.enqueue(connection_id, trigger="connect") if queue is not None else None
    return ConnectResult(updated.state, None, run_id, updated.company_name)


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
) -> None:
    await uow.audit.add(
        tenant_id=tenant_id,
        actor=actor,
        action=action,
        subject_type="connection",
        subject_id=connection_id,
        detail={"reason": reason} if reason else {},
        now=now,
    )
