"""A client added by staff gets the firm's tax years by the Berlin calendar, not UTC's."""

from __future__ import annotations

from datetime import UTC, datetime

from fakes.clock import FixedClock
from support.web_stack import WebStack


async def test_new_years_eve_after_23_utc_is_already_next_year_in_berlin(stack: WebStack) -> None:
    clock = stack.deps.clock
    assert isinstance(clock, FixedClock)
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 00:30 on 1 January 2027 in Berlin
    async with stack.browser() as b:
        await b.login("staff@kanzlei.test")
        r = await b.post(
            "/staff/clients",
            {"name": "Silvester GmbH", "email": "neu@silvester.test", "password": "geheim-1234"},
        )
        assert r.status_code == 200
    async with stack.deps.uow_factory() as uow:
        tenant = next(t for t in await uow.tenants.list_all() if t.name == "Silvester GmbH")
        years = [y.year for y in await uow.tenants.tax_years(tenant.id)]
    assert years == [2026, 2027]
