"""The demo's clients and logins, created once (the data dir keeps them between demos)."""

from __future__ import annotations

from collections.abc import Callable

from belegsync.accounts.users import create_user
from belegsync.domain.clock import Clock
from belegsync.store.uow import UnitOfWork
from belegsync.tenants.clients import create_tenant

__all__ = [
    "DEMO_CLIENT",
    "DEMO_CLIENT_UNCONNECTED",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "seed_demo_logins",
    "seed_demo_tenants",
]

DEMO_CLIENT = "Musterbau Schreinerei GmbH"
DEMO_CLIENT_UNCONNECTED = "Café Sonnenschein"
DEMO_PASSWORD = "demo1234"  # noqa: S105 - printed on purpose: demo logins on 127.0.0.1
DEMO_LOGINS = (
    ("mandant@demo.test", "client", DEMO_CLIENT),
    ("neu@demo.test", "client", DEMO_CLIENT_UNCONNECTED),
    ("kanzlei@demo.test", "staff", None),
)
# name, open tax years, closed tax years
_DEMO_TENANTS: tuple[tuple[str, list[int], list[int]], ...] = (
    (DEMO_CLIENT, [2024, 2025, 2026], [2023]),
    (DEMO_CLIENT_UNCONNECTED, [2025, 2026], []),
)


async def seed_demo_tenants(uow_factory: Callable[[], UnitOfWork], clock: Clock) -> dict[str, str]:
    """The two demo clients' ids by name."""
    ids: dict[str, str] = {}
    for name, open_years, closed_years in _DEMO_TENANTS:
        async with uow_factory() as uow:
            existing = await uow.tenants.get_by_name(name)
        ids[name] = (
            existing.id
            if existing
            else await create_tenant(
                uow_factory=uow_factory,
                clock=clock,
                name=name,
                open_tax_years=open_years,
                closed_tax_years=closed_years,
                actor="demo",
            )
        )
    return ids


async def seed_demo_logins(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, tenants: dict[str, str]
) -> None:
    for email, role, tenant in DEMO_LOGINS:
        async with uow_factory() as uow:
            if await uow.accounts.user_by_email(email) is not None:
                continue
        await create_user(
            uow_factory=uow_factory,
            clock=clock,
            email=email,
            password=DEMO_PASSWORD,
            role="staff" if role == "staff" else "client",
            tenant_id=tenants[tenant] if tenant else None,
            actor="demo",
        )
