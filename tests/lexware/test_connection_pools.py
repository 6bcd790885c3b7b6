"""The client's connection pools over real sockets: a key's connections are reused.

A tiny keep-alive HTTP/1.1 server on 127.0.0.1 counts the TCP connections it accepts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from belegsync.lexware import LexwareApi

from .fakes import FAST_RETRY, fixture_bytes

PROFILE = fixture_bytes("profile_response.json")
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    + f"Content-Length: {len(PROFILE)}\r\n\r\n".encode()
    + PROFILE
)


class CountingServer:
    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    return
                self.requests += 1
                await asyncio.sleep(0.001)  # a few keys' requests overlap
                writer.write(ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[tuple[CountingServer, str]]:
    counting = CountingServer()
    listening = await asyncio.start_server(counting.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield counting, f"http://127.0.0.1:{port}"


async def test_many_keys_reuse_their_connections(server: tuple[CountingServer, str]) -> None:
    counting, url = server
    keys = [f"lxo_key_{i:03d}_{'x' * 24}" for i in range(60)]
    async with LexwareApi(base_url=url, rate_per_second=10_000.0, retry_policy=FAST_RETRY) as api:
        busy = asyncio.Semaphore(30)

        async def five_in_a_row(key: str) -> None:
            client = api.for_key(key)
            async with busy:
                for _ in range(5):
                    await client.profile()

        await asyncio.gather(*(five_in_a_row(key) for key in keys))
    assert counting.requests == 5 * len(keys)
    # Idle connections are kept for the next requests: the 300 requests of 60 keys (30 at
    # a time) went over fewer connections than there are keys.
    assert counting.connections <= len(keys)
