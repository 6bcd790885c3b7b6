"""Support requests with a diagnosis, the outbox, SMTP against a real local server, notices."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from structlog.testing import capture_logs

from belegsync.emulator import MAIN_KEY
from belegsync.notify.mail import deliver_outbox
from belegsync.notify.notices import send_due_notices
from belegsync.store.models import OutboxMessage, SupportRequest
from belegsync.web.deps import SmtpConfig
from support.web_stack import WebStack, connect_and_sync, text_of


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def test_support_request_without_smtp_waits_in_the_outbox(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        form = await b.get(f"/clients/{stack.tenant_a}/support")
        text = text_of(form)
        assert "Diagnose Verbindung Aktiv" in text and "Letzter Lauf" in text
        # neither the key nor its end as the app shows it elsewhere (a random token on
        # the page may hold the four digits: the CSRF token once did)
        assert MAIN_KEY not in form.text and f"…{MAIN_KEY[-4:]}" not in form.text
        done = await b.post(
            f"/clients/{stack.tenant_a}/support", {"message": "Belege von März fehlen."}
        )
        assert "Ihre Anfrage ist bei uns eingegangen" in text_of(done)
    async with stack.harness.uow_factory() as uow:
        request = await uow.session.scalar(select(SupportRequest))
        mail = await uow.session.scalar(select(OutboxMessage))
    assert request is not None and request.tenant_id == stack.tenant_a
    assert request.diagnosis["state"] == "active" and request.diagnosis["last_run"]
    assert MAIN_KEY not in str(request.diagnosis)
    assert mail is not None and mail.status == "pending"
    assert mail.recipient == "support@test.example" and "Belege von März fehlen." in mail.body
    assert "Status: Aktiv\n" in mail.body and "[active]" not in mail.body
    async with stack.browser() as staff:
        await staff.login("staff@kanzlei.test")
        outbox = text_of(await staff.get("/staff/outbox"))
        assert "wartet" in outbox and "Supportanfrage: Alpha GmbH" in outbox
        requests = text_of(await staff.get("/staff/support"))
        assert "Belege von März fehlen." in requests
        detail = await staff.get(f"/staff/clients/{stack.tenant_a}")
        assert "Belege von März fehlen." in text_of(detail)


async def test_support_request_is_mailed_through_smtp(
    stack: WebStack, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    smtp = SmtpConfig(host="127.0.0.1", port=port, sender="app@test.example", tls="none")
    stack.deps = replace(stack.deps, config=replace(stack.deps.config, smtp=smtp))
    from belegsync.web.app import create_app

    stack.app = create_app(stack.deps)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        await b.post(f"/clients/{stack.tenant_a}/support", {"message": "Hilfe"})
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "support@test.example" and mail["From"] == "app@test.example"
    assert "Keine Verbindung" in mail["Subject"]
    assert "Hilfe" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    async with stack.harness.uow_factory() as uow:
        row = await uow.session.scalar(select(OutboxMessage))
    assert row is not None and row.status == "sent" and row.sent_at is not None


async def test_unreachable_smtp_keeps_the_mail_pending(stack: WebStack) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    smtp = SmtpConfig(host="127.0.0.1", port=dead_port, tls="none", timeout=2)
    async with stack.harness.uow_factory() as uow:
        from belegsync.notify.mail import queue_mail

        await queue_mail(
            uow, kind="t", recipient="x@test", subject="s", body="b", clock=stack.harness.clock
        )
        await uow.commit()
    sent = await deliver_outbox(
        uow_factory=stack.harness.uow_factory, smtp=smtp, clock=stack.harness.clock
    )
    assert sent == 0
    async with stack.harness.uow_factory() as uow:
        row = await uow.session.scalar(select(OutboxMessage))
    assert row is not None and row.status == "pending" and row.attempts == 1 and row.last_error


async def test_expiry_and_failure_notices_go_out_once(
    stack: WebStack, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    config = replace(stack.deps.config, smtp=SmtpConfig(host="127.0.0.1", port=port, tls="none"))
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.harness.uow_factory() as uow:
        row = await uow.connections.for_tenant(stack.tenant_a)
        assert row is not None
        row.key_expires_on = date(2026, 6, 15) + timedelta(days=25)
        await uow.commit()
    args: dict[str, Any] = {
        "uow_factory": stack.harness.uow_factory,
        "clock": stack.harness.clock,
        "config": config,
    }
    assert await send_due_notices(**args) == 1
    assert await send_due_notices(**args) == 0
    stack.harness.clock.advance(days=20)
    assert await send_due_notices(**args) == 1
    subjects = [m["Subject"] for m in inbox.messages]
    assert len(subjects) == 2 and all("läuft am 10.07.2026 ab" in s for s in subjects)
    assert all(m["To"] == "a@alpha.test" for m in inbox.messages)
    # Failed connection (tenant B with a rejected key): one notice with reason and advice.
    stack.harness.tenant_id = stack.tenant_b
    await stack.harness.connect("wrong-key-00000000000000000000000000001")
    assert await send_due_notices(**args) == 1
    assert await send_due_notices(**args) == 0
    last = inbox.messages[-1]
    assert last["To"] == "b@beta.test" and "fehlgeschlagen" in last["Subject"]
    await asyncio.sleep(0)


@pytest.mark.parametrize("web_template", ["sqlite"], indirect=True)
async def test_a_support_request_stands_when_its_mail_finds_the_database_busy(
    stack: WebStack, smtp_server: tuple[Inbox, int]
) -> None:
    """The request is committed, its mail sent at once; another process took the write
    lock before the mail's outcome was written. The form answered 503 („nothing was
    kept“) for a request that was stored and mailed, and a client sent it again. Now
    the answer is the receipt; the mail stays pending and the next round sends it again
    (at least once, never lost)."""
    inbox, port = smtp_server
    h = stack.harness
    smtp = SmtpConfig(host="127.0.0.1", port=port, sender="app@test.example", tls="none")
    async with stack.locking(smtp=smtp) as locked:
        b, locking = locked.browser, locked.lock
        await b.login("a@alpha.test")
        with capture_logs() as logs:
            locking.arm(after=1)  # the request commits; the mail's outcome waits
            done = await b.post(f"/clients/{stack.tenant_a}/support", {"message": "Hilfe"})
    assert done.status_code == 200 and "Ihre Anfrage ist bei uns eingegangen" in text_of(done)
    warned = [e["event"] for e in logs if e["log_level"] == "warning"]
    assert "mail_status_deferred" in warned, warned
    async with h.uow_factory.read_only() as uow:
        requests = list(await uow.session.scalars(select(SupportRequest)))
        row = await uow.session.scalar(select(OutboxMessage))
    assert len(requests) == 1 and len(inbox.messages) == 1
    assert row is not None and row.status == "pending" and row.attempts == 0
    sent = await deliver_outbox(uow_factory=h.uow_factory, smtp=smtp, clock=h.clock)
    assert sent == 1 and len(inbox.messages) == 2


async def test_the_same_request_sent_twice_is_stored_and_mailed_once(stack: WebStack) -> None:
    """A double click or a reload of the answer sends the form twice: the second was a
    second request and a second mail to the firm. Now it answers with the first; the
    same words later, or other words, are a new request."""
    base = f"/clients/{stack.tenant_a}/support"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        first = await b.post(base, {"message": "Belege von März fehlen."})
        again = await b.post(base, {"message": "Belege von März fehlen."})
        other = await b.post(base, {"message": "Und die vom April."})
        stack.harness.clock.advance(minutes=6)
        later = await b.post(base, {"message": "Belege von März fehlen."})
    for answer in (first, again, other, later):
        assert "Ihre Anfrage ist bei uns eingegangen" in text_of(answer)
    async with stack.harness.uow_factory.read_only() as uow:
        requests = list(await uow.session.scalars(select(SupportRequest)))
        mails = list(await uow.session.scalars(select(OutboxMessage)))
    assert sorted(r.message for r in requests) == [
        "Belege von März fehlen.",
        "Belege von März fehlen.",
        "Und die vom April.",
    ]
    assert len(mails) == 3
