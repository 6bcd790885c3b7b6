"""The mail outbox, the notices already sent, and support requests.

Every method works inside the caller's session and transaction; nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.models import NoticeSent, OutboxMessage, SupportRequest


class NotifyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def queue_mail(
        self,
        *,
        kind: str,
        recipient: str,
        subject: str,
        body: str,
        now: datetime,
        tenant_id: str | None = None,
    ) -> OutboxMessage:
        message = OutboxMessage(
            tenant_id=tenant_id,
            kind=kind,
            recipient=recipient,
            subject=subject[:255],
            body=body,
            status="pending",
            attempts=0,
            created_at=now,
        )
        self._session.add(message)
        await self._session.flush()
        return message

    async def pending_mail(self, limit: int = 100) -> list[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        )
        return list(await self._session.scalars(query))

    async def mail(self, message_id: str) -> OutboxMessage | None:
        return await self._session.get(OutboxMessage, message_id)

    async def notice_sent(self, tenant_id: str, kind: str, reference: str) -> bool:
        found = await self._session.scalar(
            select(NoticeSent.id).where(
                NoticeSent.tenant_id == tenant_id,
                NoticeSent.kind == kind,
                NoticeSent.reference == reference,
            )
        )
        return found is not None

    async def record_notice(
        self, tenant_id: str, kind: str, reference: str, *, now: datetime
    ) -> None:
        self._session.add(
            NoticeSent(tenant_id=tenant_id, kind=kind, reference=reference, created_at=now)
        )
        await self._session.flush()

    async def add_support_request(
        self,
        *,
        tenant_id: str,
        user_id: str | None,
        contact_email: str,
        message: str,
        diagnosis: dict[str, Any],
        now: datetime,
    ) -> SupportRequest:
        row = SupportRequest(
            tenant_id=tenant_id,
            user_id=user_id,
            contact_email=contact_email,
            message=message,
            diagnosis=diagnosis,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def same_support_request(
        self, *, tenant_id: str, user_id: str | None, message: str, since: datetime
    ) -> SupportRequest | None:
        """The tenant's latest request by this user with this message from ``since`` on."""
        by = (
            SupportRequest.user_id.is_(None)
            if user_id is None
            else SupportRequest.user_id == user_id
        )
        return await self._session.scalar(
            select(SupportRequest)
            .where(
                SupportRequest.tenant_id == tenant_id,
                by,
                SupportRequest.message == message,
                SupportRequest.created_at >= since,
            )
            .order_by(SupportRequest.created_at.desc())
            .limit(1)
        )

    async def support_request(self, tenant_id: str, request_id: str) -> SupportRequest | None:
        """One support request of the tenant (``None`` for another tenant's)."""
        return await self._session.scalar(
            select(SupportRequest).where(
                SupportRequest.id == request_id, SupportRequest.tenant_id == tenant_id
            )
        )

    async def support_requests(self, tenant_id: str, limit: int) -> list[SupportRequest]:
        query = (
            select(SupportRequest)
            .where(SupportRequest.tenant_id == tenant_id)
            .order_by(SupportRequest.created_at.desc())
            .limit(limit)
        )
        return list(await self._session.scalars(query))
