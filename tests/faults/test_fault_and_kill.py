"""The fault-and-kill suite: seeded runs against a misbehaving Lexware and killed processes.

Three kinds of scenario, each seeded:

- faults: random 429s, 5xx, gateway timeouts, malformed JSON, malformed and truncated
  files (the emulator's fault injection) during a sync;
- sync kills: ``belegsync sync`` as a real process, SIGKILLed after a random number of
  requests;
- worker kills: a ``belegsync worker`` (PostgreSQL) SIGKILLed in the middle of a run; a
  second worker resumes it (Procrastinate's stalled-job retry).

After the next runs (no person involved) the stored vouchers, their file hashes and the
links matching makes with the same bank statement must equal those of an undisturbed sync
of the same world. The suite prints how many runs,
faults, kills and divergences it saw; the goal is zero divergences.
"""

from __future__ import annotations

import asyncio
import random
import signal
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from belegsync.banking import push_transactions
from belegsync.cli.wiring import Wiring
from belegsync.domain.vouchers import Direction, direction
from belegsync.emulator import (
    MAIN_KEY,
    MAIN_ORG_ID,
    Clock,
    EmulatorConfig,
    build_world,
    create_app,
    generate_vouchers,
    serve_in_background,
)
from belegsync.emulator.app import EmulatorApp
from belegsync.emulator.faults import FaultRule
from belegsync.jobs.procrastinate_queue import (
    ProcrastinateSyncQueue,
    build_app,
    ensure_schema,
    run_worker,
)
from belegsync.matching.inbox import matching_overview
from belegsync.matching.service import run_matching
from belegsync.store.migrate import upgrade
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.sync.status import voucher_rows
from fakes.clock import FixedClock
from support.sync_harness import NOW, HarnessFactory, clean_sync
from support.worker_kill import (
    connected_tenant,
    short_policy,
    start_worker,
    wait_for_progress,
    wait_for_success,
    worker_env,
)

pytestmark = pytest.mark.slow

WORLD = {"vouchers": 40, "voucher_seed": 23}
SHORT = short_policy()
YEARS = (2025, 2026)
FAULT_SEEDS = range(1, 9)
KILL_SEEDS = range(1, 6)
PATHS = ("/v1/voucherlist", "/v1/vouchers", "/v1/payments", "/v1/files", "/v1/invoices", "/v1")
FIELDS = ("id", "type", "status", "number", "voucher_date", "total_gross", "payment_items")


@dataclass
class Tally:
    runs: int = 0
    faults: int = 0
    kills: int = 0
    divergences: int = 0
    notes: list[str] = field(default_factory=list)

    def compare(self, label: str, got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
        """Count the vouchers that differ from the clean sync (missing, extra, changed)."""
        mine = {str(r["id"]): _essence(r) for r in got}
        ref = {str(r["id"]): _essence(r) for r in want}
        differing = sorted(i for i in mine.keys() | ref.keys() if mine.get(i) != ref.get(i))
        if len(got) != len(mine):
            differing.append("duplicates")
        self.divergences += len(differing)
        if differing:
            self.notes.append(f"{label}: {len(differing)} differ, e.g. {differing[:3]}")


def _essence(row: dict[str, Any]) -> dict[str, Any]:
    """What must equal a clean sync: the voucher's data and its files' hashes."""
    files = sorted((f["lexware_file_id"], f["sha256"], f["media_type"]) for f in row["files"])
    return {**{k: row[k] for k in FIELDS}, "files": files}


TALLY = Tally()


BANK_IBAN = "DE89370400440532013000"
_LINKS: dict[str, list[tuple[Any, ...]]] = {}


def bank_lines(reference: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bank statement of the clean sync's payments: one line per payment item."""
    lines = []
    for row in reference:
        sign = "-" if direction(str(row["type"])) is Direction.DEBIT else ""
        for item in row["payment_items"]:
            if item["type"] in ("cashPayment", "cashDiscount") or not item["posting_date"]:
                continue
            lines.append(
                {
                    "booking_date": item["posting_date"],
                    "amount": sign + str(item["amount"]).lstrip("-"),
                    "counterparty_name": row["contact"] or "Sammellieferant",
                    "remittance": f"Rechnung {row['number'] or row['id']}",
                }
            )
    return lines


async def links(
    uow_factory: UnitOfWorkFactory, tenant_id: str, lines: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """Push the bank lines, match, and return the links and suggestions by stable keys."""
    clock = FixedClock(NOW)
    await push_transactions(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        account_iban=BANK_IBAN,
        transactions=lines,
        actor="test",
    )
    await run_matching(uow_factory, clock, tenant_id)
    async with uow_factory() as uow:
        overview = await matching_overview(uow, tenant_id)
    views = overview.auto_links + overview.confirmed + overview.suggestions
    return sorted(
        (
            v.voucher.lexware_id,
            str(v.transaction.booking_date),
            v.transaction.amount_cents,
            v.link.status,
            v.link.allocated_cents,
        )
        for v in views
    )


async def reference_links(
    factory: HarnessFactory, reference: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """The links matching finds after a clean sync (computed once)."""
    if "clean" not in _LINKS:
        async with factory(**WORLD) as clean:
            await clean.add_tenant(open_tax_years=list(YEARS))
            await clean.connect()
            assert (await clean.sync()).status == "succeeded"
            _LINKS["clean"] = await links(clean.uow_factory, clean.tenant_id, bank_lines(reference))
        assert _LINKS["clean"], "the bank lines give matching something to link"
    return _LINKS["clean"]


async def compare_links(
    label: str,
    factory: HarnessFactory,
    reference: list[dict[str, Any]],
    uow_factory: UnitOfWorkFactory,
    tenant_id: str,
) -> None:
    want = await reference_links(factory, reference)
    got = await links(uow_factory, tenant_id, bank_lines(reference))
    differing = set(want) ^ set(got)
    TALLY.divergences += len(differing)
    if differing:
        TALLY.notes.append(f"{label}: {len(differing)} links differ")


@pytest.fixture(scope="module", autouse=True)
def report() -> Any:
    yield
    print(
        f"\nfault-and-kill suite: runs={TALLY.runs} faults={TALLY.faults} "
        f"kills={TALLY.kills} divergences={TALLY.divergences}",
        *TALLY.notes,
        sep="\n  ",
    )


def random_faults(rng: random.Random) -> list[dict[str, Any]]:
    """Two to four seeded rules: 429, 5xx, gateway timeouts, malformed JSON and files."""
    rules = []
    for _ in range(rng.randint(2, 4)):
        kind = rng.choice(["throttle", "error", "timeout", "malformed", "truncated", "bad_file"])
        rule: dict[str, Any] = {
            "kind": kind,
            "rate": round(rng.uniform(0.05, 0.3), 2),
            "seed": rng.randrange(10_000),
            "pathPrefix": rng.choice(PATHS),
        }
        if kind == "error":
            rule["status"] = rng.choice([500, 502, 503, 504])
        elif kind == "timeout":
            rule["timeoutSeconds"] = "0.02"
        elif kind in ("truncated", "bad_file"):
            # A file that breaks off, or a JSON body instead of the file.
            rule["kind"] = "truncated" if kind == "truncated" else "malformed"
            rule["pathPrefix"] = "/v1/files"
        rules.append(rule)
    return rules


@pytest.mark.parametrize("seed", FAULT_SEEDS)
async def test_faults_lose_nothing(seed: int, harness_factory: HarnessFactory) -> None:
    reference, _ = await clean_sync(harness_factory, years=YEARS, **WORLD)
    rng = random.Random(seed)
    async with harness_factory(**WORLD) as h:
        await h.add_tenant(open_tax_years=list(YEARS))
        await h.connect()
        for rule in random_faults(rng):
            await h.emulator("POST", "/faults", rule)
        await h.sync()
        TALLY.faults += int((await h.counters())["faultsInjected"])
        await h.emulator("DELETE", "/faults")
        for _ in range(2):  # the next runs, undisturbed
            await h.sync()
        TALLY.runs += 3
        before = TALLY.divergences
        TALLY.compare(f"faults seed {seed}", await h.snapshot(), reference)
        await compare_links(
            f"faults seed {seed}", harness_factory, reference, h.uow_factory, h.tenant_id
        )
    assert TALLY.divergences == before


# --- killed `belegsync sync` processes ---------------------------------------------------


def world_app() -> EmulatorApp:
    """The harness's world, served over HTTP for processes of their own."""
    world = build_world(seed="empty", clock=Clock(now=lambda: NOW))
    generate_vouchers(
        world,
        MAIN_ORG_ID,
        WORLD["vouchers"],
        seed=WORLD["voucher_seed"],
        start=date(2024, 6, 1),
        end=date(2026, 6, 10),
    )
    return create_app(world, config=EmulatorConfig(rate_per_second=10_000, burst=10_000))


class Tripwire(Counter[str]):
    """The emulator's per-key request counter, SIGKILLing a process at an exact request.

    The gateway counts each request (``requests_by_key[key] += 1``) before it answers, so
    the process dies while that request is in flight, without the test polling for it.
    """

    def __init__(self, counts: Counter[str]) -> None:
        super().__init__(counts)
        self.armed: tuple[asyncio.subprocess.Process, int] | None = None

    def arm(self, proc: asyncio.subprocess.Process, requests: int) -> None:
        self.armed = (proc, self[MAIN_KEY] + requests)

    def __setitem__(self, key: str, value: int) -> None:
        super().__setitem__(key, value)
        if self.armed is not None and key == MAIN_KEY and value >= self.armed[1]:
            proc, self.armed = self.armed[0], None
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)


async def kill_after_requests(
    proc: asyncio.subprocess.Process, app: EmulatorApp, requests: int
) -> bool:
    """SIGKILL ``proc`` when the emulator receives its ``requests``-th request; False if it
    finished first."""
    counters = app.runtime.counters
    if not isinstance(counters.requests_by_key, Tripwire):
        counters.requests_by_key = Tripwire(counters.requests_by_key)
    tripwire = counters.requests_by_key
    tripwire.arm(proc, requests)
    code = await proc.wait()
    tripwire.armed = None
    return code == -signal.SIGKILL


async def cli(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "belegsync.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


@pytest.mark.parametrize("seed", KILL_SEEDS)
async def test_killed_sync_processes_lose_nothing(
    seed: int, harness_factory: HarnessFactory, tmp_path: Path
) -> None:
    reference, clean_requests = await clean_sync(harness_factory, years=YEARS, **WORLD)
    rng = random.Random(seed)
    app = world_app()
    env = worker_env(f"sqlite+aiosqlite:///{tmp_path}/belegsync.sqlite3", tmp_path)
    async with (
        serve_in_background(app) as base_url,
        connected_tenant(env, base_url, open_tax_years=YEARS) as c,
    ):
        w, tenant = c.w, c.tenant_id
        for _ in range(rng.randint(1, 2)):  # one or two kills at random points
            proc = await cli(env, "sync", tenant)
            TALLY.runs += 1
            TALLY.kills += await kill_after_requests(proc, app, rng.randint(1, clean_requests))
        for _ in range(2):  # the next runs take the dead run over at once
            proc = await cli(env, "sync", tenant)
            assert await proc.wait() == 0, "the next run is not refused"
            TALLY.runs += 1
        before = TALLY.divergences
        TALLY.compare(f"sync kill seed {seed}", await _rows(w, tenant), reference)
        await compare_links(
            f"sync kill seed {seed}", harness_factory, reference, w.uow_factory, tenant
        )
    assert TALLY.divergences == before


async def _rows(w: Wiring, tenant_id: str) -> list[dict[str, Any]]:
    return await voucher_rows(uow_factory=w.uow_factory, tenant_id=tenant_id)


# --- killed scale-out workers (PostgreSQL) ------------------------------------------------

WORKER_KILL_SEEDS = range(1, 3)


@pytest.mark.postgres
@pytest.mark.parametrize("seed", WORKER_KILL_SEEDS)
async def test_killed_workers_lose_nothing(
    seed: int, harness_factory: HarnessFactory, database_url: str, tmp_path: Path
) -> None:
    reference, _ = await clean_sync(harness_factory, years=YEARS, **WORLD)
    rng = random.Random(seed)
    await asyncio.to_thread(upgrade, database_url)
    app = world_app()
    # Slow files, so that the worker can be killed in the middle of the run.
    app.runtime.faults.add(FaultRule("latency", latency_ms=40, path_prefix="/v1/files"))
    env = worker_env(database_url, tmp_path)
    async with (
        serve_in_background(app) as base_url,
        connected_tenant(env, base_url, open_tax_years=YEARS) as c,
    ):
        w, tenant = c.w, c.tenant_id
        queue_app = build_app(database_url, w.deps, stalls=SHORT)
        async with queue_app.open_async():
            await ensure_schema(queue_app)
            queue = ProcrastinateSyncQueue(queue_app, w.deps)
            run_id = await queue.enqueue(c.connection_id, trigger="schedule")
            assert run_id is not None
            doomed = await start_worker(env)
            try:
                killed_at = await wait_for_progress(w, run_id, rng.randint(1, 12))
            finally:
                doomed.send_signal(signal.SIGKILL)
                await doomed.wait()
            TALLY.runs += 1
            TALLY.kills += killed_at > 0
            survivor = asyncio.create_task(run_worker(queue_app, concurrency=2, signals=False))
            try:
                finished = await wait_for_success(w, c.connection_id, seconds=90)
            finally:
                survivor.cancel()
                await asyncio.gather(survivor, return_exceptions=True)
            TALLY.runs += 1
        before = TALLY.divergences
        TALLY.compare(f"worker kill seed {seed}", await _rows(w, tenant), reference)
        await compare_links(
            f"worker kill seed {seed}", harness_factory, reference, w.uow_factory, tenant
        )
    assert finished is not None, "another worker finished the run"
    assert TALLY.divergences == before
