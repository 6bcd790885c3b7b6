"""The JSON API: tokens, tenant scope, OpenAPI."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from belegsync.store.models import ApiToken, SyncRun, Voucher
from support.web_stack import WebStack, connect_and_sync, text_of


async def test_api_with_token_is_scoped_to_its_tenant(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    await connect_and_sync(stack, stack.tenant_b)
    token_a = await stack.api_token(stack.tenant_a)
    async with stack.harness.uow_factory() as uow:
        stored = await uow.session.scalar(select(ApiToken.token_sha256))
        theirs = await uow.session.scalar(
            select(Voucher).where(Voucher.tenant_id == stack.tenant_b)
        )
        their_run = await uow.session.scalar(
            select(SyncRun.id).where(SyncRun.tenant_id == stack.tenant_b)
        )
    assert stored is not None and token_a not in stored
    assert theirs is not None and their_run is not None
    headers = {"Authorization": f"Bearer {token_a}"}
    async with AsyncTestClient(stack.app) as client:
        assert (await client.get("/api/v1/vouchers")).status_code == 401
        bad = await client.get("/api/v1/vouchers", headers={"Authorization": "Bearer bsk_nope"})
        assert bad.status_code == 401
        conn = (await client.get("/api/v1/connection", headers=headers)).json()
        assert conn["state"] == "active" and conn["vouchers"] == 20
        page = (await client.get("/api/v1/vouchers?per_page=5&page=2", headers=headers)).json()
        assert page["total"] == 20 and page["pages"] == 4 and len(page["items"]) == 5
        first = page["items"][0]
        assert isinstance(first["total_gross"], str) and "." in first["total_gross"]
        detail = (await client.get(f"/api/v1/vouchers/{first['id']}", headers=headers)).json()
        assert detail["payment_items"] and detail["files"]
        file = await client.get(detail["files"][0]["url"], headers=headers)
        assert file.status_code == 200 and len(file.content) == detail["files"][0]["size"]
        runs = (await client.get("/api/v1/sync-runs", headers=headers)).json()
        assert runs["total"] == 1 and runs["items"][0]["status"] == "succeeded"
        run = await client.get(f"/api/v1/sync-runs/{runs['items'][0]['id']}", headers=headers)
        assert run.json()["errors"] == []
        for url in (
            f"/api/v1/vouchers/{theirs.id}",
            f"/api/v1/sync-runs/{their_run}",
        ):
            r = await client.get(url, headers=headers)
            assert r.status_code == 404 and r.json()["error"] == "not_found"
        async with stack.harness.uow_factory() as uow:
            from belegsync.store.models import VoucherFile

            their_file = await uow.session.scalar(
                select(VoucherFile.id).where(VoucherFile.voucher_id == theirs.id)
            )
        assert (await client.get(f"/api/v1/files/{their_file}", headers=headers)).status_code == 404
        schema = (await client.get("/api/schema/openapi.json")).json()
        assert "/api/v1/vouchers" in schema["paths"]
        assert not any(p.startswith("/clients") for p in schema["paths"])


async def test_staff_creates_and_revokes_a_token_in_the_ui(stack: WebStack) -> None:
    async with stack.browser() as b:
        await b.login("staff@kanzlei.test")
        page = await b.post(f"/staff/clients/{stack.tenant_a}/api-tokens", {"name": "Banking"})
        token = page.text.split('id="new-token">')[1].split("<")[0]
        assert token.startswith("bsk_")
        async with AsyncTestClient(stack.app) as api:
            headers = {"Authorization": f"Bearer {token}"}
            assert (await api.get("/api/v1/connection", headers=headers)).status_code == 200
            async with stack.harness.uow_factory() as uow:
                token_id = await uow.session.scalar(select(ApiToken.id))
            await b.post(f"/staff/clients/{stack.tenant_a}/api-tokens/{token_id}/revoke")
            assert (await api.get("/api/v1/connection", headers=headers)).status_code == 401
        assert token not in (await b.get(f"/staff/clients/{stack.tenant_a}")).text
        assert "widerrufen" in text_of(await b.get(f"/staff/clients/{stack.tenant_a}"))
