"""„Support kontaktieren“: a support request with a diagnosis, and an e-mail to the firm."""

from __future__ import annotations

import platform
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

import structlog

from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.notify.mail import SmtpConfig, deliver_outbox, queue_mail
from belegsync.store.access import TenantContext
from belegsync.store.errors import NotFound, skipped_when_busy
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory
from belegsync.sync.connection_rows import to_domain

logger = structlog.get_logger("belegsync.notify")

MAX_MESSAGE = 5000
# the same message sent again within this is the form sent twice (``request_support``)
RESENT_WITHIN = timedelta(minutes=5)


class SupportDesk(Protocol):
    """Where support requests go, and the version they report."""

    @property
    def support_email(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def smtp(self) -> SmtpConfig | None: ...


async def build_diagnosis(uow: UnitOfWork, ctx: TenantContext, *, version: str) -> dict[str, Any]:
    """What support needs to look into a connection: state, reason, the last run,
    versions. Never the key, not even its last characters."""
    tenant = await uow.reads.tenant(ctx)
    row = await uow.reads.connection(ctx)
    connection = to_domain(row)
    explanation = connection.explanation
    last = await uow.reads.last_run(ctx.tenant_id)
    return {
        "tenant": tenant.name,
        "tenant_id": tenant.id,
        "state": connection.state.value,
        "label": connection.state.label_de,
        "reason": connection.failure_reason.value if connection.failure_reason else None,
        "message": explanation.message_de if explanation else None,
        "organization_id": connection.organization_id,
        "company_name": connection.company_name,
        "key_expires_on": connection.key_expires_on.isoformat()
        if connection.key_expires_on
        else None,
        "last_run": None
        if last is None
        else {
            "id": last.id,
            "trigger": last.trigger,
            "status": last.status,
            "queued_at": last.queued_at.isoformat(),
            "finished_at": last.finished_at.isoformat() if last.finished_at else None,
            "window": [
                last.window_start.isoformat() if last.window_start else None,
                last.window_end.isoformat() if last.window_end else None,
            ],
            "counts": {
                "new": last.new_count,
                "changed": last.changed_count,
                "unchanged": last.unchanged_count,
                "flagged": last.flagged_count,
                "failed": last.failed_count,
            },
            "error_code": last.error_code,
            "error_message": last.error_message,
        },
        "versions": {"belegsync": version, "python": platform.python_version()},
    }


# The e-mail is read by people: words, not stored values.
_RUN_WORDS = {
    "queued": "in Warteschlange",
    "running": "läuft",
    "succeeded": "erfolgreich",
    "failed": "fehlgeschlagen",
    "failed_transient": "unterbrochen, wird wiederholt",
}
_COUNT_WORDS = {
    "new": "neu",
    "changed": "geändert",
    "unchanged": "unverändert",
    "flagged": "markiert",
    "failed": "fehlgeschlagen",
}


def diagnosis_text(diagnosis: dict[str, Any]) -> str:
    """The diagnosis as readable lines (form preview and e-mail)."""
    lines = [
        f"Mandant: {diagnosis['tenant']} ({diagnosis['tenant_id']})",
        f"Status: {diagnosis['label']}",
    ]
    if diagnosis.get("reason"):
        lines.append(f"Grund: {diagnosis['message']}")
    if diagnosis.get("organization_id"):
        lines.append(f"Lexware-Organisation: {diagnosis['organization_id']}")
    if diagnosis.get("key_expires_on"):
        lines.append(f"Schlüssel gültig bis: {diagnosis['key_expires_on']}")
    run = diagnosis.get("last_run")
    if run:
        counts = ", ".join(f"{_COUNT_WORDS.get(k, k)} {v}" for k, v in run["counts"].items())
        status = _RUN_WORDS.get(run["status"], "unbekannt")
        lines.append(f"Letzter Lauf: {status} ({counts}), Lauf-ID {run['id']}")
        if run.get("error_message"):
            lines.append(f"  Fehler: {run['error_message']}")
    versions = diagnosis["versions"]
    lines.append(f"Versionen: belegsync {versions['belegsync']}, Python {versions['python']}")
    return "\n".join(lines)


async def support_diagnosis(
    *, uow_factory: UnitOfWorkFactory, ctx: TenantContext, version: str
) -> dict[str, Any]:
    async with uow_factory.read_only() as uow:
        return await build_diagnosis(uow, ctx, version=version)


async def request_support(
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    config: SupportDesk,
    ctx: TenantContext,
    user_id: str | None,
    contact_email: str,
    message: str,
) -> str:
    """Store a support request with a fresh diagnosis and e-mail it to the firm's support
    address (sent now with SMTP, otherwise waiting in the outbox); returns its id. The
    same message from the same user within :data:`RESENT_WITHIN` is the form sent twice
    (a double click, a reload): the first request's id, nothing stored or mailed."""
    text = message.strip()
    if len(text) > MAX_MESSAGE:
        raise InvalidInput(
            f"Die Nachricht ist zu lang (höchstens {MAX_MESSAGE} Zeichen).",
            code="message_too_long",
            message_en=f"The message is too long (at most {MAX_MESSAGE} characters).",
        )
    now = clock.now()
    async with uow_factory() as uow:
        same = await uow.notify.same_support_request(
            tenant_id=ctx.tenant_id, user_id=user_id, message=text, since=now - RESENT_WITHIN
        )
        if same is not None:
            logger.info("support_request_resent", tenant_id=ctx.tenant_id, request_id=same.id)
            return same.id
        diagnosis = await build_diagnosis(uow, ctx, version=config.version)
        row = await uow.notify.add_support_request(
            tenant_id=ctx.tenant_id,
            user_id=user_id,
            contact_email=contact_email,
            message=text,
            diagnosis=diagnosis,
            now=now,
        )
        body = (
            f"Supportanfrage {row.id} von {contact_email}\n\n"
            f"{text or '(keine Nachricht)'}\n\n--- Diagnose ---\n{diagnosis_text(diagnosis)}\n"
        )
        await queue_mail(
            uow,
            kind="support_request",
            recipient=config.support_email,
            subject=f"Supportanfrage: {diagnosis['tenant']} – {diagnosis['label']}",
            body=body,
            clock=clock,
            tenant_id=ctx.tenant_id,
        )
        await uow.audit.add(
            tenant_id=ctx.tenant_id,
            actor=ctx.actor,
            action="support_requested",
            subject_type="support_request",
            subject_id=row.id,
            now=now,
        )
        await uow.commit()
        request_id = row.id
    logger.info("support_requested", tenant_id=ctx.tenant_id, request_id=request_id)
    # the request stands; where the database is busy, its mail waits in the outbox for
    # the next round of notices
    with skipped_when_busy("support_mail_deferred", tenant_id=ctx.tenant_id):
        await deliver_outbox(uow_factory=uow_factory, smtp=config.smtp, clock=clock)
    return request_id


async def resolve_support_request(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, ctx: TenantContext, request_id: str
) -> None:
    async with uow_factory() as uow:
        row = await uow.notify.support_request(ctx.tenant_id, request_id)
        if row is None:
            raise NotFound("support request")
        row.resolved_at = row.resolved_at or clock.now()
        await uow.commit()
