"""What ``belegsync serve`` sets up before its web workers start: the socket they answer
on, whose connections send at once (no Nagle), and the session key they share.

A page goes out as two writes (headers, then body); with Nagle's algorithm on, the body
waits for the client's delayed ACK of the headers, about 40 ms per page."""

from __future__ import annotations

import asyncio
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from belegsync.cli.webapp import bind_socket, session_secret
from belegsync.settings import Settings


async def test_connections_on_the_serving_socket_send_without_delay() -> None:
    sock = bind_socket("127.0.0.1", 0)
    nodelay: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted: socket.socket = writer.get_extra_info("socket")
        nodelay.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_client, sock=sock)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
        assert await asyncio.wait_for(nodelay, timeout=30) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("attempt", range(20))
def test_processes_starting_at_once_share_one_session_key(tmp_path: Path, attempt: int) -> None:
    """Every web worker must sign with the same key; none may read a half-written file,
    and none may remove a draft another one (a thread of the same process too) still writes."""
    settings = Settings.from_env({"BELEGSYNC_DATA_DIR": str(tmp_path)})
    start = threading.Barrier(8)

    def first_start(_: int) -> bytes:
        start.wait()
        return session_secret(settings)

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(first_start, range(8)))
    assert len(set(keys)) == 1
    assert len(keys[0]) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["session.key"]
    assert session_secret(settings) == keys[0]
