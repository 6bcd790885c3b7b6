"""A scale-out worker with short stall intervals, started as a subprocess by the tests
(``python worker_process.py``; settings from the environment) so that it can be killed."""

from __future__ import annotations

import asyncio

from belegsync.cli.wiring import wired
from belegsync.jobs.procrastinate_queue import StallPolicy, build_app, run_worker
from belegsync.settings import Settings

SHORT = StallPolicy(
    heartbeat_seconds=0.5, stalled_after=2.0, check_cron="* * * * * *", retry_wait=1
)


async def main() -> None:
    async with wired(Settings.from_env()) as w:
        app = build_app(w.settings.database_url, w.deps, stalls=SHORT)
        async with app.open_async():
            print("worker ready", flush=True)
            await run_worker(app, concurrency=2, wait=True)


if __name__ == "__main__":
    asyncio.run(main())
