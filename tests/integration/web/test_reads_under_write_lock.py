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
import re
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from structlog.testing import capture_logs

from belegsync.emulator import MAIN_KEY
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.models import BankTransaction
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.web.app import create_app
from support.matching_helpers import line, push
from support.routes import CLIENT_ROUTES, STAFF_ROUTES, fill, ids_of
from support.store_helpers import LockedAfter, recorded_statements, sqlite_url, write_lock_held
from support.web_stack import Browser, WebStack, connect_and_sync, text_of
from unit.banking.fixtures import fixture

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


async def _push_one(client: Browser, bearer: dict[str, str]) -> Any:
    """One line pushed through the JSON API."""
    return await client.client.post(
        "/api/v1/bank-transactions",
        json={
            "account_iban": "DE89370400440532013000",
            "transactions": [line("-12.34", "2025-03-03", "Einkauf")],
        },
        headers=bearer,
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
                pushed = await _push_one(client, bearer)
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


@pytest.mark.parametrize("web_template", ["sqlite"], indirect=True)
async def test_an_import_stands_when_its_matching_finds_the_database_busy(
    stack: WebStack,
) -> None:
    """An upload or a push whose lines were committed answered 503 „Gerade beschäftigt“
    when the matching after it found the database busy: the client thought the file
    lost and sent it again. Now the import answers with its result and says the
    matching waits for the next run; a form refused as busy leads back to itself."""
    h = stack.harness
    tenant = stack.tenant_a
    impatient = create_engine(sqlite_url(h.db_path), sqlite_busy_timeout_ms=300)
    locking = LockedAfter(impatient, h.db_path)
    deps = replace(stack.deps, uow_factory=locking)
    statement = fixture("corpus/mt940_sparkasse.sta")
    try:
        async with AsyncTestClient(app=create_app(deps), base_url="http://testserver.local") as c:
            client = Browser(c)
            await client.login("a@alpha.test")
            csrf = await client.csrf()
            bearer = {"Authorization": f"Bearer {await stack.api_token(tenant)}"}
            # the token's first use is written now (a write of its own), not in the push
            assert (await client.get("/api/v1/connection", headers=bearer)).status_code == 200
            with capture_logs() as logs:
                locking.arm(after=1)  # the import commits, the matching after it waits
                uploaded = await client.client.post(
                    f"/clients/{tenant}/bank/upload",
                    data={"_csrf_token": csrf},
                    files={"file": ("auszug.sta", statement, "application/octet-stream")},
                )
                locking.release()
                locking.arm(after=1)
                pushed = await _push_one(client, bearer)
                locking.release()
                locking.arm(after=0)  # busy from the first write on
                form = f"/clients/{tenant}/matching?tab=open"
                refused = await client.client.post(
                    f"/clients/{tenant}/matching/run",
                    data={"_csrf_token": csrf},
                    headers={"Referer": f"http://testserver.local{form}"},
                )
                elsewhere = await client.client.post(
                    f"/clients/{tenant}/matching/run",
                    data={"_csrf_token": csrf},
                    headers={"Referer": "https://evil.example//evil.example/login"},
                )
                garbled = await client.client.post(
                    f"/clients/{tenant}/matching/run",
                    data={"_csrf_token": csrf},
                    headers={"Referer": "http://[not-an-address/x"},
                )
                locking.release()
            again = await client.client.post(
                f"/clients/{tenant}/bank/upload",
                data={"_csrf_token": csrf},
                files={"file": ("auszug.sta", statement, "application/octet-stream")},
            )
            # a file without its account waits as a draft for the choice; imported from
            # it, the draft cannot be dropped either: it is left to expire
            step = await client.client.post(
                f"/clients/{tenant}/bank/upload",
                data={"_csrf_token": csrf},
                files={"file": ("ohne.sta", fixture("corpus/mt940_no_account.sta"), "x/y")},
            )
            found = re.search(r'action="([^"]+/bank/upload/[0-9a-f-]{36})"', step.text)
            assert found, text_of(step)[:500]
            with capture_logs() as draft_logs:
                locking.arm(after=1)
                drafted = await client.client.post(
                    found.group(1),
                    data={
                        "_csrf_token": csrf,
                        "account": "new",
                        "new_iban": "DE17100500000123456789",
                    },
                )
                locking.release()
    finally:
        locking.release()
        await impatient.dispose()
    page = text_of(uploaded)
    assert uploaded.status_code == 200, page[:500]
    assert "neue Umsätze" in page and "Gespeichert, aber noch nicht abgeglichen" in page
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["added"] == 1 and pushed.json()["matching"]["deferred"] is True
    assert [e["event"] for e in logs if e["log_level"] == "warning"].count("matching_deferred") == 2
    # the file's lines were kept: sent again, they are all known
    assert again.status_code == 200 and "0 neue Umsätze" in text_of(again)
    assert "noch nicht abgeglichen" not in text_of(again)
    assert drafted.status_code == 200, text_of(drafted)[:500]
    assert "2 neue Umsätze" in text_of(drafted)
    assert "noch nicht abgeglichen" in text_of(drafted)
    warned = [e["event"] for e in draft_logs if e["log_level"] == "warning"]
    assert warned == ["draft_left_to_expire", "matching_deferred"], warned
    # a form refused as busy: 503, what to do, and the way back to a page of this app only
    assert refused.status_code == 503 and refused.headers["retry-after"]
    assert "Gehen Sie dazu zurück zum Formular" in text_of(refused)
    assert f'href="{form.replace("&", "&amp;")}" id="back"' in refused.text
    assert elsewhere.status_code == 503 and 'id="back"' not in elsewhere.text
    assert "evil.example" not in elsewhere.text
    # a Referer no URL parser reads: the same page without the way back, not a 500
    assert garbled.status_code == 503 and 'id="back"' not in garbled.text


@pytest.mark.parametrize("web_template", ["sqlite"], indirect=True)
async def test_a_connection_whose_first_sync_finds_the_database_busy_says_so(
    stack: WebStack,
) -> None:
    """The key form sent while another process takes the write lock right after the
    connection's commit (and holds it while the answer goes out): the answer is the
    active connection saying that the first sync has not begun (before: 503, though
    the key was saved; the notice was a flash, which a busy database's session may not
    keep), and „Jetzt synchronisieren“ runs it once the lock is gone."""
    base = f"/clients/{stack.tenant_a}/connection"
    async with stack.locking(queue=True) as locked:
        client, locking = locked.browser, locked.lock
        await client.login("a@alpha.test")
        await client.post(f"{base}/start")
        with capture_logs() as logs:
            locking.arm(after=1)  # the connection commits, claiming its first run waits
            connected = await client.post(f"{base}/key", {"api_key": MAIN_KEY})
            locking.release()
        synced = await client.post(f"{base}/sync")
        await locked.queue.join()
        after = await client.get(base)
    page = text_of(connected)
    assert connected.status_code == 200, page[:500]
    assert 'badge-active">Aktiv<' in connected.text
    assert 'id="first-sync-waiting"' in connected.text
    assert "Die erste Synchronisation hat noch nicht begonnen" in page
    assert [e["event"] for e in logs if e["log_level"] == "warning"] == ["first_sync_deferred"]
    assert synced.status_code == 200 and "Die Synchronisation wurde gestartet" in text_of(synced)
    assert "Erfolgreich" in text_of(after) and 'id="first-sync-waiting"' not in after.text


@pytest.mark.parametrize("web_template", ["sqlite"], indirect=True)
async def test_a_session_write_that_finds_the_database_busy_never_breaks_the_answer(
    stack: WebStack,
) -> None:
    """The session is written when the answer goes out (a flash, the idle expiry moved
    forward once a minute). Where the database was busy then, the answer broke off
    after its head had gone out („Exception caught after response started“): a page
    viewed during a long import a minute after the last one never arrived. Now what can
    wait is left out; a login's new session and a logout's end are written by their
    handler, so a busy database answers 503 there and nothing changed, and a signed-in
    user's language is stored with the user (the session's copy of it, left out, kept
    the page in the old language)."""
    overview = f"/clients/{stack.tenant_a}/overview"
    logins = []
    async with stack.locking() as locked:
        client, locking = locked.browser, locked.lock
        await client.login("a@alpha.test")
        stack.harness.clock.advance(minutes=2)  # the idle expiry is due to move forward
        with capture_logs() as logs:
            locking.arm(after=0)
            viewed = await client.get(overview)
            logout = await client.logout()
            locking.release()
        still_in = await client.get(overview)
        # a login meeting the lock at each of its writes in turn
        for after in range(4):
            locking.arm(after=after)
            logins.append(await client.login("a@alpha.test"))
            locking.release()
        signed_in = await client.get(overview)
        # a language change: stored with the user; the session's flash can wait
        locking.arm(after=1)
        english = await client.post("/language", {"lang": "en", "next": overview})
        locking.release()
        await client.post("/language", {"lang": "de", "next": overview})
        out = await client.logout()
        gone = await client.get(overview)
    assert viewed.status_code == 200 and "Alpha GmbH" in text_of(viewed)
    warned = [e["event"] for e in logs if e["log_level"] == "warning"]
    assert warned[0] == "session_save_deferred", warned
    # a logout refused as busy: the page says to try again, and the session stands
    assert logout.status_code == 503 and "Gerade beschäftigt" in text_of(logout)
    assert still_in.status_code == 200 and "Alpha GmbH" in text_of(still_in)
    # a login refused as busy is a 503 (nothing changed), else it signed in
    statuses = [r.status_code for r in logins]
    assert set(statuses) <= {200, 503} and 503 in statuses and 200 in statuses, statuses
    assert signed_in.status_code == 200 and "Alpha GmbH" in text_of(signed_in)
    assert english.status_code == 200 and "Log out" in text_of(english)
    assert out.status_code == 200 and "Anmelden" in text_of(out)
    assert "Alpha GmbH" not in text_of(gone)
