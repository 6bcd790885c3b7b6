"""``belegsync worker``: executes sync jobs in scale-out mode (PostgreSQL + Procrastinate)."""

from __future__ import annotations

import argparse
import asyncio

from belegsync.cli.wiring import wired
from belegsync.domain.clock import Clock
from belegsync.jobs.procrastinate_queue import build_app, ensure_schema, run_worker
from belegsync.settings import Settings


def cmd_worker(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> None:
        async with wired(settings, clock=clock) as w:
            app = build_app(settings.database_url, w.deps)
            async with app.open_async():
                await ensure_schema(app)
                print(f"belegsync worker: {args.concurrency} Syncs gleichzeitig; Strg+C beendet.")
                await run_worker(app, concurrency=args.concurrency, wait=not args.once)

    asyncio.run(run())
    return 0
