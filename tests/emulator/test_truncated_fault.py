"""The "truncated" fault: the real answer, cut short, with a matching Content-Length."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from belegsync.emulator import MAIN_ORG_ID


async def test_a_truncated_file_keeps_its_type_and_loses_its_end(
    client: httpx.AsyncClient, add_voucher: Callable[..., Awaitable[dict[str, Any]]]
) -> None:
    voucher = await add_voucher(client, MAIN_ORG_ID, type="purchaseinvoice", files=["pdf"])
    file_id = (await client.get(f"/v1/vouchers/{voucher['id']}")).json()["files"][0]
    whole = await client.get(f"/v1/files/{file_id}")
    await client.post(
        "/_emulator/faults", json={"kind": "truncated", "pathPrefix": "/v1/files", "count": 1}
    )
    cut = await client.get(f"/v1/files/{file_id}")
    assert cut.status_code == 200
    assert cut.headers["content-type"] == whole.headers["content-type"]
    assert int(cut.headers["content-length"]) == len(cut.content) == len(whole.content) // 2
    assert whole.content.startswith(cut.content) and b"%%EOF" not in cut.content
    assert (await client.get(f"/v1/files/{file_id}")).content == whole.content
