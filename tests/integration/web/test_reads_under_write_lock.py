"""Pages that only read answer while someone writes, and exports hold no lock.

Found in the demo: while one client downloaded the Umsätze of 80,000 lines as CSV
(75 s: page after page, each counted and skipped to), every other page of the app waited
for SQLite's write lock (the export read in a transaction that took it) and answered 500
after the 30 s busy timeout; the scheduler's tick failed with "database is locked".

On SQLite a statement upload or a sync holds the write lock for seconds. Here another
connection holds it for the whole walk, and the app waits at most 300 ms for it: a page
that took the lock would answer 500 (before: 500 on 30 pages). A write asked
for meanwhile is refused with 503 and a German "try again" page, never a 500.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.models import BankTransaction
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.web.app import create_app
from support.matching_helpers import line, push
from support.routes import CLIENT_ROUTES, STAFF_ROUTES, fill, ids_of
from support.store_helpers import recorded_statements, sqlite_url, write_lock_held
from support.web_stack import Browser, WebStack, connect_and_sync, text_of

# the JSON API's reads
API_READS = (
    "/api/v1/connection",
    "/api/v1/vouchers",
    "/api/v1/vouchers/{voucher}",
    "/api/v1/files/{file}",
    "/api/v1/sync-runs",
    "/api/v1/sync-runs/{run}",
    "/api/v1/matches",
)


def _lines(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        line(f"-{100 + i}.{i % 100:02d}", f"2025-0{1 + i % 9}-{1 + i % 28:02d}", f"Einkauf {i}")
        for i in range(start, start + count)
    ]


@pytest.mark.parametrize("web_template", ["sqlite"], indirect=True)
async def test_every_page_that_reads_answers_while_another_process_writes(
    stack: WebStack,
) -> None:
    h = stack.harness
    await connect_and_sync(stack, stack.tenant_a)
    await push(h.uow_factory, h.clock, stack.tenant_a, _lines(30))
    ids = await ids_of(stack, stack.tenant_a)
    impatient = create_engine(sqlite_url(h.db_path), sqlite_busy_timeout_ms=300)
    deps = replace(stack.deps, uow_factory=UnitOfWorkFactory(create_session_factory(impatient)))
    failures: list[tuple[str, int]] = []
    try:
        async with (
            AsyncTestClient(app=create_app(deps), base_url="http://testserver.local") as c1,
            AsyncTestClient(app=create_app(deps), base_url="http://testserver.local") as c2,
        ):
            client, staff = Browser(c1), Browser(c2)
            await client.login("a@alpha.test")
            await staff.login("staff@kanzlei.test")
            csrf = await client.csrf()
            bearer = {"Authorization": f"Bearer {await stack.api_token(stack.tenant_a)}"}
            with write_lock_held(h.db_path):
                for who, routes in ((client, CLIENT_ROUTES), (staff, STAFF_ROUTES)):
                    for method, template in routes:
                        if method != "GET":
                            continue
                        url = fill(template, ids)
                        r = await who.get(url, params={"from": "2025-01-01", "to": "2025-12-31"})
                        if r.status_code >= 500:
                            failures.append((url, r.status_code))
                for url in ("/", f"/clients/{stack.tenant_a}/overview"):
                    r = await client.get(url, follow_redirects=True)
                    if r.status_code >= 500:
                        failures.append((url, r.status_code))
                for url in API_READS:  # the token's last use is left for another time
                    r = await client.get(fill(url, ids), headers=bearer)
                    if r.status_code >= 500:
                        failures.append((url, r.status_code))
                exported = await client.get(f"/clients/{ids.tenant}/bank/transactions.csv")
                # a write meanwhile: refused with a clear page, nothing half done
                busy = await client.client.post(
                    f"/clients/{ids.tenant}/matching/run", data={"_csrf_token": csrf}
                )
                pushed = await client.client.post(
                    "/api/v1/bank-transactions",
                    json={
                        "account_iban": "DE89370400440532013000",
                        "transactions": [line("-12.34", "2025-03-03", "Einkauf")],
                    },
                    headers=bearer,
                )
            after = await client.client.post(
                f"/clients/{ids.tenant}/matching/run",
                data={"_csrf_token": csrf},
                follow_redirects=False,
            )
    finally:
        await impatient.dispose()
    assert not failures, "\n".join(f"{status} {url}" for url, status in failures)
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 30 + 1  # the header, the lines pushed, the external one
    assert busy.status_code == 503, busy.status_code
    assert busy.headers["retry-after"]
    assert "bitte" in text_of(busy).lower() and "einigen Sekunden" in text_of(busy)
    assert after.status_code in (302, 303)
    assert pushed.status_code == 503 and pushed.headers["retry-after"]
    assert pushed.json()["error"] == "busy"
    async with h.uow_factory.read_only() as uow:  # the refused push stored nothing
        stored = await uow.session.scalar(select(func.count()).select_from(BankTransaction))
    assert stored == 30 + 1


async def test_the_umsaetze_export_reads_its_lines_in_one_pass(stack: WebStack) -> None:
    """Before: a count, a skipping query and two more per 200 lines (80,000 lines took
    75 s). Now one query streams them all, and their linked vouchers are asked for 500 at a
    time; every line is there, in the list's order."""
    h = stack.harness
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        url = f"/clients/{stack.tenant_a}/bank/transactions.csv"
        statements: list[int] = []
        for before, total in ((0, 20), (20, 1500)):
            await push(h.uow_factory, h.clock, stack.tenant_a, _lines(total - before, before))
            with recorded_statements(stack.harness.uow_factory) as seen:
                r = await b.get(url, params={"sort": "amount", "dir": "asc"})
            statements.append(len(seen))
            assert r.status_code == 200
            assert r.headers["content-type"] == "text/csv; charset=utf-8"
            rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
            amounts = [int(a.replace(",", "").replace("-", "")) for a in (x[3] for x in rows[1:])]
            assert len(rows) - 1 == total
            assert amounts == sorted(amounts, reverse=True)  # -100,00 … -1.598,98 ascending
        page = await b.get(f"/clients/{stack.tenant_a}/bank/transactions")
        assert "1.500 Umsätze" in text_of(page)
    # 1,480 lines more: their linked vouchers asked 500 at a time (before: 28 statements)
    assert statements[1] <= statements[0] + 3, statements
