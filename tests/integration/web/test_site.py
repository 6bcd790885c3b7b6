"""What browsers and monitors ask for on their own, the API docs without a CDN, the
product name, the HTML content type."""

from __future__ import annotations

from dataclasses import replace

from litestar.testing import AsyncTestClient

from belegsync.web.app import create_app
from support.web_stack import WebStack, text_of


async def test_favicon_head_probes_and_one_charset(stack: WebStack) -> None:
    async with stack.browser() as b:
        icon = await b.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
        assert icon.content[:4] == b"\x00\x00\x01\x00" and b"PNG" in icon.content[:40]
        for path in ("/login", "/"):
            probe = await b.client.head(path)
            assert probe.status_code == 200 and probe.content == b"", path
        page = await b.get("/login")
        assert page.headers["content-type"] == "text/html; charset=utf-8"


async def test_api_docs_are_served_by_the_app_itself(stack: WebStack) -> None:
    deps = replace(stack.deps, config=replace(stack.deps.config, product_name="Belegbox"))
    async with AsyncTestClient(app=create_app(deps), base_url="http://t.local") as client:
        docs = await client.get("/api/schema")
        assert docs.status_code == 200
        assert "<script" not in docs.text and "cdn" not in docs.text.lower()
        text = text_of(docs)
        assert "Belegbox API" in text
        assert "GET /api/v1/vouchers" in text and "Synced vouchers, newest first" in text
        assert "401" in text and "Missing, unknown or revoked API token" in text
        schema = (await client.get("/api/schema/openapi.json")).json()
    vouchers = schema["paths"]["/api/v1/vouchers"]["get"]["responses"]
    assert {"200", "400", "401", "404"} <= set(vouchers)
    assert schema["info"]["title"] == "Belegbox API"
