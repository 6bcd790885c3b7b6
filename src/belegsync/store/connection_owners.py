"""Which tenants have connected one Lexware organisation (one organisation, one client)."""

from __future__ import annotations

from sqlalchemy import select

from belegsync.store.models import Connection
from belegsync.store.uow import UnitOfWork


async def tenants_connected_to(
    uow: UnitOfWork, organization_id: str, *, excluding: str
) -> list[str]:
    """Tenants other than ``excluding`` whose connection holds ``organization_id``.

    A connection keeps its organisation while active, failed or pending a new key, and
    drops it when disconnected, so every row that still names it counts.
    """
    query = (
        select(Connection.tenant_id)
        .where(Connection.organization_id == organization_id, Connection.tenant_id != excluding)
        .order_by(Connection.tenant_id)
    )
    return list(await uow.session.scalars(query))
