"""``belegsync worker``: executes sync jobs in scale-out mode (PostgreSQL + Procrastinate)."""

from __future__ import annotations

import argparse
from dataclasses import replace

from belegsync.cli.loops import run_loop
from belegsync.cli.wiring import wired
from belegsync.domain.clock import Clock
from belegsync.jobs.procrastinate_queue import build_app, ensure_schema, run_worker
from belegsync.settings import Settings, worker_pool_total


def cmd_worker(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    # No more connections than the concurrency can use (BELEGSYNC_DB_POOL_SIZE caps it).
    settings = replace(
        settings, db_pool_size=worker_pool_total(settings.db_pool_size, args.concurrency)
    )

    async def run() -> None:
        async with wired(settings, clock=clock) as w:
            app = build_app(settings.database_url, w.deps, pool_size=settings.pools.queue)
            async with app.open_async():
                await ensure_schema(app)
                print(f"belegsync worker: {args.concurrency} Syncs gleichzeitig; Strg+C beendet.")
                await run_worker(app, concurrency=args.concurrency, wait=not args.once)

    run_loop(run(), settings)
    return 0
