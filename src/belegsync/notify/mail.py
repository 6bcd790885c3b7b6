"""E-mail: every message goes to the outbox first; with SMTP configured it is sent from
there. Without SMTP the messages wait in the outbox, where staff see them."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

import structlog

from belegsync.domain.clock import Clock
from belegsync.store.errors import skipped_when_busy
from belegsync.store.models import OutboxMessage
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory

logger = structlog.get_logger("belegsync.notify")

MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = "belegsync@localhost"
    tls: str = "starttls"
    timeout: float = 10.0


async def queue_mail(
    uow: UnitOfWork,
    *,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    clock: Clock,
    tenant_id: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox inside the caller's transaction."""
    return await uow.notify.queue_mail(
        kind=kind,
        recipient=recipient,
        subject=subject,
        body=body,
        now=clock.now(),
        tenant_id=tenant_id,
    )


def _send(smtp: SmtpConfig, message: EmailMessage) -> None:
    if smtp.tls == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with client:
        if smtp.tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.user:
            client.login(smtp.user, smtp.password)
        client.send_message(message)


async def _record_outcome(
    uow_factory: UnitOfWorkFactory, clock: Clock, message_id: str, error: str | None
) -> int:
    """A send's outcome on its message (still pending); 1 where it went out."""
    async with uow_factory() as uow:
        stored = await uow.notify.mail(message_id)
        if stored is None or stored.status != "pending":
            return 0
        stored.attempts += 1
        if error is None:
            stored.status, stored.sent_at, stored.last_error = "sent", clock.now(), None
        else:
            stored.last_error = error
            if stored.attempts >= MAX_ATTEMPTS:
                stored.status = "failed"
        await uow.commit()
    return 1 if error is None else 0


def _email(smtp: SmtpConfig, row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Message-ID"] = make_msgid(idstring=row.id)
    message.set_content(row.body)
    return message


async def deliver_outbox(
    *, uow_factory: UnitOfWorkFactory, smtp: SmtpConfig | None, clock: Clock
) -> int:
    """Send the pending messages through SMTP; returns how many went out.

    Without SMTP nothing happens. A failed send stays pending (with its error) and is
    tried again later, up to ``MAX_ATTEMPTS`` times; then it is marked failed. Where the
    database is busy when a send's outcome is written, the message stays pending and
    goes out again with the next round (``mail_status_deferred``): a message may be
    sent twice, never lost.
    """
    if smtp is None or not smtp.host:
        return 0
    async with uow_factory.read_only() as uow:
        pending = await uow.notify.pending_mail()
    sent = 0
    for row in pending:
        error: str | None = None
        try:
            await asyncio.to_thread(_send, smtp, _email(smtp, row))
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            logger.warning("mail_send_failed", message_id=row.id, error=error)
        with skipped_when_busy("mail_status_deferred", message_id=row.id):
            sent += await _record_outcome(uow_factory, clock, row.id, error)
    if sent:
        logger.info("mail_sent", count=sent)
    return sent
