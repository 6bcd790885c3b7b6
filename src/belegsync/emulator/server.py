"""Serving the emulator with uvicorn: the CLI entry point and a background server for tests."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn

from belegsync.emulator.app import EmulatorApp, create_app
from belegsync.emulator.config import EmulatorConfig
from belegsync.emulator.demo import build_world, describe_keys


def run_emulator(
    *,
    host: str,
    port: int,
    seed: str = "demo",
    api_key: str | None = None,
    rate_per_second: float = 2.0,
) -> None:
    """Build the world, print the base URL and keys, serve until interrupted."""
    world = build_world(seed=seed, api_key=api_key)
    config = EmulatorConfig(rate_per_second=rate_per_second, burst=max(2.0, rate_per_second))
    app = create_app(world, config=config)
    print(f"Lexware Office emulator: http://{host}:{port}")
    print(f"  control API: http://{host}:{port}/_emulator/keys")
    for key in describe_keys(world):
        state = "EXPIRED" if key["expired"] else f"expires {key['expiresAt']}"
        plan = "XL" if key["xl"] else "no XL"
        perms = ",".join(key["permissions"])
        print(f"  {key['key']}  {key['organizationName']} ({plan}), {state}, permissions: {perms}")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@contextlib.asynccontextmanager
async def serve_in_background(app: EmulatorApp, *, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve `app` on a free port in this event loop; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def make_app(
    *, seed: str = "demo", api_key: str | None = None, config: EmulatorConfig | None = None
) -> EmulatorApp:
    return create_app(build_world(seed=seed, api_key=api_key), config=config)
