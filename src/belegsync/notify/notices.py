"""Daily notices to clients: the API key expires in 30 or 7 days, or the connection failed.

Each notice goes out once (``notices_sent``); the e-mails take the outbox's way.
"""

from __future__ import annotations

from typing import Protocol

import structlog

from belegsync.accounts.users import client_emails
from belegsync.domain.clock import Clock
from belegsync.domain.connection import ConnectionState
from belegsync.domain.dates import berlin_date
from belegsync.notify.mail import SmtpConfig, deliver_outbox, queue_mail
from belegsync.store.models import Connection, Tenant
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.sync.connection_rows import to_domain

logger = structlog.get_logger("belegsync.notify")


class Sender(Protocol):
    """Who signs the notices, where their links point, how they are sent."""

    @property
    def firm_name(self) -> str: ...

    @property
    def public_url(self) -> str: ...

    @property
    def smtp(self) -> SmtpConfig | None: ...


def _notice(row: Connection, today_warning: str | None) -> tuple[str, str] | None:
    """(kind, reference) of the notice this connection needs, if any."""
    connection = to_domain(row)
    if connection.state is ConnectionState.FAILED and connection.failure_reason:
        reference = f"{connection.failure_reason.value}:{row.key_last4}:{row.connected_at}"
        return "connection_failed", reference[:128]
    if connection.state is ConnectionState.ACTIVE and today_warning in ("30_days", "7_days"):
        days = today_warning.split("_")[0]
        return f"key_expiry_{days}", f"{row.key_expires_on}:{row.key_last4}"
    return None


def _text(kind: str, tenant: Tenant, row: Connection, config: Sender) -> tuple[str, str]:
    connection = to_domain(row)
    link = f"{config.public_url}/clients/{tenant.id}/connection" if config.public_url else ""
    if kind == "connection_failed":
        explanation = connection.explanation
        assert explanation is not None
        subject = "Lexware Office: Verbindung fehlgeschlagen"
        body = (
            f"Guten Tag,\n\ndie Verbindung von {tenant.name} zu Lexware Office ist "
            f"fehlgeschlagen.\n\n{explanation.message_de}\n{explanation.advice_de}\n"
        )
    else:
        expires = row.key_expires_on.strftime("%d.%m.%Y") if row.key_expires_on else "?"
        subject = f"Lexware Office: API-Schlüssel läuft am {expires} ab"
        body = (
            f"Guten Tag,\n\nder Lexware-API-Schlüssel von {tenant.name} (…{row.key_last4}) "
            f"ist gültig bis {expires}. Bitte erstellen Sie in der Public-API-Verwaltung von "
            "Lexware Office einen neuen Schlüssel oder verlängern Sie die Laufzeit, und tragen "
            "Sie ihn unter Profil → Buchhaltungsverbindungen ein.\n"
        )
    if link:
        body += f"\n{link}\n"
    body += f"\nIhre {config.firm_name}\n"
    return subject, body


async def send_due_notices(*, uow_factory: UnitOfWorkFactory, clock: Clock, config: Sender) -> int:
    """Queue (and with SMTP send) the notices that are due now; returns how many."""
    now = clock.now()
    today = berlin_date(now)
    queued = 0
    async with uow_factory() as uow:
        rows = await uow.connections.in_state(
            ConnectionState.ACTIVE.value, ConnectionState.FAILED.value
        )
        for row in rows:
            notice = _notice(row, to_domain(row).expiry_warning(today))
            if notice is None:
                continue
            kind, reference = notice
            if await uow.notify.notice_sent(row.tenant_id, kind, reference):
                continue
            tenant = await uow.tenants.get(row.tenant_id)
            assert tenant is not None
            subject, body = _text(kind, tenant, row, config)
            for address in await client_emails(uow, row.tenant_id):
                await queue_mail(
                    uow,
                    kind=kind,
                    recipient=address,
                    subject=subject,
                    body=body,
                    clock=clock,
                    tenant_id=row.tenant_id,
                )
            await uow.notify.record_notice(row.tenant_id, kind, reference, now=now)
            queued += 1
        await uow.commit()
    if queued:
        logger.info("notices_queued", count=queued)
    await deliver_outbox(uow_factory=uow_factory, smtp=config.smtp, clock=clock)
    return queued
