"""A client that leaves in the middle of a large download: the stream stops, its unit
of work closes and its connection goes back to the pool whole.

Found in the demo: dropping the Umsätze CSV of 200,000 lines a few times in a row logged
"Task was destroyed but it is pending!" from SQLAlchemy's clean-up of a connection
torn down halfway: the client's leaving cancelled the stream inside a database read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event

from support.matching_helpers import line, push
from support.web_stack import WebStack

LINES = 3000


async def _dropped_after_first_chunk(stack: WebStack, path: str, cookies: str) -> list[bytes]:
    """The app asked for ``path`` over ASGI by a client that reads one chunk and leaves."""
    sent: list[bytes] = []
    first_chunk = asyncio.Event()
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver.local"), (b"cookie", cookies.encode())],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver.local", 80),
    }
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await first_chunk.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            sent.append(message["body"])
            first_chunk.set()

    await stack.app(scope, receive, send)  # type: ignore[arg-type]
    return sent


async def test_downloads_dropped_midway_give_their_connection_back_whole(
    stack: WebStack,
) -> None:
    h = stack.harness
    await push(
        h.uow_factory,
        h.clock,
        stack.tenant_a,
        [line(f"-{1 + i}.00", "2025-03-03", f"Einkauf {i} " + "x" * 80) for i in range(LINES)],
    )
    pool = h.uow_factory.session_factory.kw["bind"].sync_engine.pool
    torn: list[str] = []
    for name in ("invalidate", "soft_invalidate", "close", "close_detached"):
        event.listen(pool, name, lambda *_, name=name: torn.append(name))
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        cookies = "; ".join(f"{k}={v}" for k, v in b.client.cookies.items())
        chunks = []
        for _ in range(5):
            chunks.append(
                await _dropped_after_first_chunk(
                    stack, f"/clients/{stack.tenant_a}/bank/transactions.csv", cookies
                )
            )
        whole = await b.get(f"/clients/{stack.tenant_a}/bank/transactions.csv")
    assert all(1 <= len(sent) < 10 for sent in chunks), [len(s) for s in chunks]  # left early
    assert torn == []
    assert pool.checkedout() == 0
    assert whole.status_code == 200 and whole.text.count("Einkauf") == LINES
