"""p50/p95 latency of the voucher list page and the connection page for a tenant with
20,000 vouchers (inserted directly through the store), through the real app stack.

Prints ``name=value`` lines; the target is p95 <= 150 ms.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from litestar.testing import AsyncTestClient

from belegsync.accounts.users import create_user
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.files import LocalFileStore
from belegsync.store.migrate import upgrade
from belegsync.store.repositories import NewVoucher, VoucherData
from belegsync.store.secrets import KeyRing
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.tenants.clients import create_tenant
from belegsync.web.app import create_app
from belegsync.web.deps import WebConfig, WebDeps

VOUCHERS = 20_000
ROUNDS = 60
NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
LOGIN = ("bench@bench.test", "bench-password")


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


class _NoQueue:
    async def enqueue(self, connection_id: str, *, trigger: str, full: bool = False) -> None:
        return None


def _voucher(i: int) -> NewVoucher:
    day = date(2024, 1, 1) + timedelta(days=i % 900)
    return NewVoucher(
        data=VoucherData(
            lexware_id=f"bench-{i:06d}",
            voucher_type=("purchaseinvoice", "salesinvoice", "invoice")[i % 3],
            voucher_status="paid",
            voucher_number=f"RE-{i:06d}",
            voucher_date=day,
            due_date=day,
            contact_name=f"Lieferant {i % 97}",
            contact_id=None,
            total_gross_cents=1000 + i,
            total_tax_cents=190,
            open_amount_cents=0,
            currency="EUR",
            paid_date=day,
            lexware_updated_at=NOW,
            lexware_version=1,
            raw_json={"id": f"bench-{i:06d}"},
            raw_list_json=None,
            raw_payments_json=None,
        ),
        payment_items=[],
        files=[],
    )


async def seed_tenant(uow_factory: UnitOfWorkFactory, clock: FixedClock, vouchers: int) -> str:
    """A client "Bench GmbH" with ``vouchers`` vouchers and the login bench@bench.test."""
    tenant = await create_tenant(
        uow_factory=uow_factory, clock=clock, name="Bench GmbH", open_tax_years=[2024, 2025]
    )
    await create_user(
        uow_factory=uow_factory,
        clock=clock,
        email=LOGIN[0],
        password=LOGIN[1],
        role="client",
        tenant_id=tenant,
    )
    for start in range(0, vouchers, 1000):
        async with uow_factory() as uow:
            batch = [_voucher(i) for i in range(start, min(vouchers, start + 1000))]
            await uow.vouchers.insert_new(tenant, batch, now=NOW)
            await uow.commit()
    return tenant


async def _measure(client: AsyncTestClient, url: str) -> list[float]:  # type: ignore[type-arg]
    for _ in range(3):
        (await client.get(url)).raise_for_status()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = await client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


async def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        uow_factory = UnitOfWorkFactory(create_session_factory(engine))
        clock = FixedClock(NOW)
        tenant = await seed_tenant(uow_factory, clock, VOUCHERS)
        deps = WebDeps(
            config=WebConfig(session_secret=b"bench-secret-0123456789abcdefghij"),
            uow_factory=uow_factory,
            files=LocalFileStore(Path(tmp) / "files"),
            clock=clock,
            queue=_NoQueue(),
            lexware=lambda key, base: None,  # type: ignore[arg-type,return-value]
            cipher=KeyRing.load_or_create(Path(tmp) / "secrets.key", allow_create=True),
            verify_webhook=lambda body, sig: None,  # type: ignore[arg-type,return-value]
        )
        async with AsyncTestClient(create_app(deps)) as client:
            await client.get("/login")
            token = client.cookies.get("belegsync_csrf")
            await client.post(
                "/login",
                data={
                    "email": LOGIN[0],
                    "password": LOGIN[1],
                    "_csrf_token": token,
                },
            )
            pages = {
                "voucher_list": f"/clients/{tenant}/vouchers",
                "voucher_list_page_100": f"/clients/{tenant}/vouchers?page=100&year=2025",
                "connection_page": f"/clients/{tenant}/connection",
            }
            print(f"vouchers={VOUCHERS}")
            for name, path in pages.items():
                times = sorted(await _measure(client, path))
                p50 = statistics.median(times)
                p95 = times[int(0.95 * (len(times) - 1))]
                print(f"{name}_p50_ms={p50:.1f}")
                print(f"{name}_p95_ms={p95:.1f}")
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
