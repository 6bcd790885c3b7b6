"""Every route, asked for another tenant's ids, answers 404 and changes nothing."""

from __future__ import annotations

import re

from support.routes import CLIENT_ROUTES, PUBLIC, STAFF_ROUTES, Ids, fill, ids_of
from support.web_stack import WebStack, connect_and_sync


def test_the_route_tables_cover_every_route() -> None:
    from support.web_stack import build_app_for_routes

    listed = {re.sub(r"\{\w+\}", "{}", p) for _, p in CLIENT_ROUTES + STAFF_ROUTES}
    for path in build_app_for_routes():
        normal = re.sub(r"\{[\w:]+\}", "{}", path)
        if normal.startswith("/api/") or any(normal.startswith(p) for p in PUBLIC - {"/"}):
            continue
        if normal == "/":
            continue
        assert normal in listed, f"route {path} has no cross-tenant test"


async def test_client_routes_answer_404_for_another_tenant(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_b)
    await connect_and_sync(stack, stack.tenant_a)
    theirs = await ids_of(stack, stack.tenant_b)
    failures = []
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        for method, template in CLIENT_ROUTES:
            # Their tenant id, and their object ids under our own tenant id.
            urls = {fill(template, theirs)}
            if "{" in template.replace("{tenant}", ""):
                urls.add(fill(template, theirs, tenant=stack.tenant_a))
            for url in sorted(urls):
                if method == "GET":
                    r = await b.get(url, follow_redirects=False)
                else:
                    form = {"api_key": "x" * 20, "message": "m"}
                    r = await b.post(url, form, follow_redirects=False)
                if r.status_code != 404 or "Musterbau" in r.text:
                    failures.append((method, url, r.status_code))
    assert failures == []
    async with stack.harness.uow_factory() as uow:
        [link] = await uow.matching.links(stack.tenant_b)
        assert (link.id, link.status) == (theirs.link, "confirmed")
        assert await uow.advices.get(stack.tenant_b, theirs.advice)  # not removed
        row = await uow.connections.for_tenant(stack.tenant_b)
        assert row is not None and row.state == "active" and row.tax_advisor_access == "not_set_up"


async def test_staff_routes_do_not_exist_for_clients(stack: WebStack) -> None:
    ids = Ids(stack.tenant_a, "r", "v", "f")
    failures = []
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        for method, template in STAFF_ROUTES:
            url = fill(template, ids)
            r = await (
                b.get(url) if method == "GET" else b.post(url, {"name": "X", "year": "2025"})
            )
            if r.status_code != 404:
                failures.append((method, url, r.status_code))
    assert failures == []


async def test_staff_routes_answer_404_for_unknown_tenants(stack: WebStack) -> None:
    ids = Ids("00000000-0000-0000-0000-00000000dead", "r", "v", "f")
    failures = []
    async with stack.browser() as b:
        await b.login("staff@kanzlei.test")
        for method, template in STAFF_ROUTES:
            if "{tenant}" not in template:
                continue
            url = fill(template, ids)
            form = {"year": "2025", "period": "2025-01"}
            r = await (b.get(url) if method == "GET" else b.post(url, form))
            if r.status_code != 404:
                failures.append((method, url, r.status_code))
    assert failures == []
