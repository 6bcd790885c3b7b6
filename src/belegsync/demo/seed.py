"""The demo's clients and logins, created once (the data dir keeps them between demos)."""

from __future__ import annotations

from collections.abc import Callable

from belegsync.accounts.users import create_user
from belegsync.domain.clock import Clock
from belegsync.domain.dates import berlin_date
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
# The demo account's vouchers start in 2023: that year is closed, every later one is open.
DEMO_CLOSED_YEAR = 2023


def _demo_tenants(this_year: int) -> tuple[tuple[str, list[int], list[int]], ...]:
    """Name, open tax years and closed tax years of each demo client."""
    return (
        (DEMO_CLIENT, list(range(DEMO_CLOSED_YEAR + 1, this_year + 1)), [DEMO_CLOSED_YEAR]),
        (DEMO_CLIENT_UNCONNECTED, [this_year - 1, this_year], []),
    )


async def seed_demo_tenants(uow_factory: Callable[[], UnitOfWork], clock: Clock) -> dict[str, str]:
    """The two demo clients' ids by name."""
    ids: dict[str, str] = {}
    for name, open_years, closed_years in _demo_tenants(berlin_date(clock.now()).year):
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
