"""Throughput of the voucher list under load: `belegsync serve` (a real process, SQLite,
BELEGSYNC_WEB_WORKERS processes) with a client of 20,000 vouchers, driven over HTTP by
10 concurrent users for a fixed time.

Prints ``name=value`` lines: requests/s, p50 and p95 in ms, errors, the server's CPU per
request, the load generator's CPU per request, the machine's load. The goal: >= 150
requests/s with p95 <= 150 ms on 2 cores.

The users log in with httpx, then each drives one keep-alive HTTP/1.1 connection with
plain asyncio streams: the load generator shares the cores with the server, so it must
cost little (httpx costs a few ms of CPU per request). Every answer must be a 200 with
the list's count in it, or it counts as an error.

    .venv/bin/python bench/web_load.py [--workers 2] [--users 10] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.migrate import upgrade
from belegsync.store.uow import UnitOfWorkFactory
from web_latency import LOGIN, NOW, VOUCHERS, FixedClock, seed_tenant


def _server_cpu_seconds(session_id: int) -> float:
    """CPU time (user + system) of every process of the server's session (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id:  # field 6: session id
            total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return total / ticks


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(url: str) -> str:
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        return await seed_tenant(
            UnitOfWorkFactory(create_session_factory(engine)), FixedClock(NOW), VOUCHERS
        )
    finally:
        await engine.dispose()


async def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"belegsync serve ended with {process.returncode}")
            try:
                if (await client.get("/login")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("belegsync serve did not come up")


async def _logged_in(base: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "email": LOGIN[0],
            "password": LOGIN[1],
            "_csrf_token": client.cookies["belegsync_csrf"],
        },
    )
    if response.status_code != 303:
        raise RuntimeError(f"login failed: {response.status_code}")
    return client


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends GETs with the user's cookies."""

    def __init__(self, base: str, cookies: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self._host, self._port, self._cookies = host, int(port), cookies
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self._writer is None or self._reader is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {self._host}\r\nCookie: {self._cookies}\r\n"
            "Accept: text/html\r\n\r\n"
        )
        self._writer.write(request.encode("latin-1"))
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        else:  # chunked
            parts = []
            while size := int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await self._reader.readexactly(size))
                await self._reader.readexactly(2)
            await self._reader.readuntil(b"\r\n")
            body = b"".join(parts)
        if headers.get("connection", "").lower() == "close":
            await self.aclose()
        return status, body

    async def aclose(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _user(connection: _Connection, paths: list[str], until: float, times: list[float]) -> int:
    errors = 0
    while time.perf_counter() < until:
        path = paths[len(times) % len(paths)]
        start = time.perf_counter()
        status, body = await connection.get(path)
        times.append((time.perf_counter() - start) * 1000)
        errors += status != 200 or b'id="voucher-count"' not in body
    return errors


async def _connections(base: str, users: int) -> list[_Connection]:
    connections = []
    for _ in range(users):
        client = await _logged_in(base)
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        await client.aclose()
        connections.append(_Connection(base, cookies))
    return connections


async def _drive(base: str, paths: list[str], users: int, seconds: float, server: int) -> None:
    connections = await _connections(base, users)
    try:
        warm: list[float] = []
        await asyncio.gather(*(_user(c, paths, time.perf_counter() + 3, warm) for c in connections))
        times: list[float] = []
        cpu_before = _server_cpu_seconds(server)
        own_before = time.process_time()
        started = time.perf_counter()
        errors = await asyncio.gather(
            *(_user(c, paths, started + seconds, times) for c in connections)
        )
        elapsed = time.perf_counter() - started
        own = time.process_time() - own_before
        cpu = _server_cpu_seconds(server) - cpu_before
    finally:
        for connection in connections:
            await connection.aclose()
    times.sort()
    print(f"requests={len(times)}")
    print(f"requests_per_s={len(times) / elapsed:.1f}")
    print(f"p50_ms={statistics.median(times):.1f}")
    print(f"p95_ms={times[int(0.95 * (len(times) - 1))]:.1f}")
    print(f"errors={sum(errors)}")
    # Independent of how busy the machine is: the server's CPU per page, and what that
    # allows on the cores of this machine when nothing else runs.
    cpu_ms = 1000 * cpu / max(1, len(times))
    print(f"server_cpu_ms_per_request={cpu_ms:.1f}")
    own_ms = 1000 * own / max(1, len(times))
    print(f"load_generator_cpu_ms_per_request={own_ms:.2f}")
    # The server and this load generator share the machine's cores.
    print(f"requests_per_s_if_idle={1000 * (os.cpu_count() or 1) / max(cpu_ms + own_ms, 0.1):.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="BELEGSYNC_WEB_WORKERS")
    parser.add_argument("--users", type=int, default=10, help="concurrent users")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time")
    parser.add_argument(
        "--pages",
        type=int,
        default=1,
        help="spread the requests over the list's first N pages (1: the first page only)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/belegsync.sqlite3"
        tenant = asyncio.run(_seed(url))
        port = _free_port()
        env = {
            **os.environ,
            "BELEGSYNC_DATA_DIR": tmp,
            "BELEGSYNC_PORT": str(port),
            "BELEGSYNC_WEB_WORKERS": str(args.workers),
            "BELEGSYNC_LOG_LEVEL": "warning",
            "BELEGSYNC_SYNC_TIME": "03:00",
        }
        belegsync = Path(sys.executable).parent / "belegsync"
        process = subprocess.Popen([str(belegsync), "serve"], env=env, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(_wait_until_up(base, process))
            print(
                f"vouchers={VOUCHERS} workers={args.workers} users={args.users} pages={args.pages}"
            )
            print(f"load_average_before={os.getloadavg()[0]:.1f} cpus={os.cpu_count()}")
            path = f"/clients/{tenant}/vouchers"
            paths = [path] + [f"{path}?page={n}" for n in range(2, args.pages + 1)]
            asyncio.run(_drive(base, paths, args.users, args.seconds, process.pid))
            print(f"load_average_after={os.getloadavg()[0]:.1f}")
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
