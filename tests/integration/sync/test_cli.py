"""The ``belegsync`` command end to end against an emulator on a real port.

The commands run in-process through ``belegsync.cli.run`` with a test clock, on SQLite and
on PostgreSQL: what they print does not depend on today's date. Only what needs the real
console script runs as a subprocess (exit codes, argument parsing, the key read from
standard input, a process killed in the middle of a sync); those assertions hold on any day.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import sqlite3
import sys
from collections.abc import AsyncIterator, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from belegsync.cli import run as run_command
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
from fakes.clock import FixedClock

BELEGSYNC = str(Path(sys.executable).with_name("belegsync"))
AMOUNT = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
# The subprocesses run on the real clock: their vouchers lie in a past, open tax year.
PAST_YEAR = 2024


def _emulator(world_clock: Clock | None, start: date, end: date) -> EmulatorApp:
    world = build_world(seed="empty", clock=world_clock)
    generate_vouchers(world, MAIN_ORG_ID, 12, seed=3, start=start, end=end)
    return create_app(world, config=EmulatorConfig(rate_per_second=50, burst=50))


def _paid_in(app: EmulatorApp, year: int) -> set[str]:
    return {
        v.id
        for v in app.world.vouchers(MAIN_ORG_ID)
        if v.status in ("paid", "paidoff") and v.voucher_date.year == year
    }


@dataclass
class InProcessCli:
    """``belegsync`` called as a function, with the test's clock; one minute per command.

    The test process's logging is not the console script's: the commands' log events are
    collected in ``logs`` instead of being printed among their output."""

    app: EmulatorApp
    clock: FixedClock
    capsys: pytest.CaptureFixture[str]
    logs: list[MutableMapping[str, Any]] = field(default_factory=list)

    async def run(self, *args: str) -> tuple[int, str, str]:
        self.clock.advance(minutes=1)
        with capture_logs() as logs:
            # The command runs its own event loop; the emulator keeps serving in this one.
            code = await asyncio.to_thread(run_command, list(args), clock=self.clock)
        self.logs += logs
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
async def cli(
    harness_database_url: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> AsyncIterator[InProcessCli]:
    clock = FixedClock(NOW)
    app = _emulator(Clock(now=clock.now), date(NOW.year, 1, 1), NOW.date())
    for name in list(os.environ):
        if name.startswith("BELEGSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BELEGSYNC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BELEGSYNC_LEXWARE_RATE", "50")
    monkeypatch.setenv("BELEGSYNC_LOG_LEVEL", "error")
    if harness_database_url is not None:  # else the SQLite file in the data dir
        monkeypatch.setenv("BELEGSYNC_DATABASE_URL", harness_database_url)
    async with serve_in_background(app) as base_url:
        monkeypatch.setenv("BELEGSYNC_LEXWARE_BASE_URL", base_url)
        yield InProcessCli(app, clock, capsys)


async def test_tenant_connect_sync_status_and_vouchers(
    cli: InProcessCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = await cli.run("tenant", "add", "Muster GmbH", "--open-tax-year", "2026")
    assert code == 0, err
    tenant_id = out.strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", tenant_id)

    monkeypatch.setenv("BELEGSYNC_API_KEY", MAIN_KEY)
    code, out, err = await cli.run("connect", "Muster GmbH")
    monkeypatch.delenv("BELEGSYNC_API_KEY")
    assert code == 0, err
    assert "Aktiv" in out and "Musterbau Schreinerei GmbH" in out
    assert "Synchronisation succeeded" in out

    code, out, err = await cli.run("sync", tenant_id)
    assert code == 0, err
    assert "Synchronisation succeeded: neu 0" in out

    code, out, err = await cli.run("status", "Muster GmbH", "--json")
    assert code == 0, err
    status = json.loads(out)
    assert status["state"] == "active"
    assert status["key_last4"] == MAIN_KEY[-4:]
    # The key was made "today" in the emulator: it lives 24 months from then.
    assert date.fromisoformat(status["key_expires_on"]) - NOW.date() > timedelta(days=700)
    assert [r["status"] for r in status["runs"]] == ["succeeded", "succeeded"]
    assert [r["trigger"] for r in status["runs"]] == ["cli", "connect"]

    code, out, err = await cli.run("vouchers", "Muster GmbH", "--json")
    assert code == 0, err
    vouchers = json.loads(out)
    assert {v["id"] for v in vouchers} == _paid_in(cli.app, 2026)
    assert status["vouchers"] == len(vouchers) > 0
    for voucher in vouchers:
        assert AMOUNT.match(voucher["total_gross"]), voucher
        assert all(AMOUNT.match(i["amount"]) for i in voucher["payment_items"])
        assert voucher["files"]
        assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in voucher["files"])

    for output in (out, json.dumps(status)):
        assert MAIN_KEY not in output
    assert cli.logs and MAIN_KEY[:-4] not in repr(cli.logs)


async def test_tax_years_follow_the_clock_in_berlin(cli: InProcessCli) -> None:
    code, _, err = await cli.run("tenant", "add", "Muster GmbH", "--open-tax-year", "2026")
    assert code == 0, err
    code, out, err = await cli.run("tax-year", "Muster GmbH", "close", "2027")
    assert (code, out.strip()) == (0, "Steuerjahr 2027: abgeschlossen"), err
    code, out, err = await cli.run("tax-year", "Muster GmbH", "close", "2028")
    assert code == 2
    assert err.startswith("belegsync: Steuerjahr 2028 liegt außerhalb von")
    assert len(err.strip().splitlines()) == 1

    # 23:30 UTC on New Year's Eve is already 2027 in Berlin: 2028 is next year there.
    cli.clock.set(datetime(2026, 12, 31, 23, 29, tzinfo=UTC))
    code, out, err = await cli.run("tax-year", "Muster GmbH", "close", "2028")
    assert (code, out.strip()) == (0, "Steuerjahr 2028: abgeschlossen"), err


async def test_a_command_in_process_leaves_the_logging_alone(cli: InProcessCli) -> None:
    # The console script configures the process's logging (and caches its loggers); in a
    # test process that would silence the log assertions of every later test.
    before = structlog.get_config()
    code, _, err = await cli.run("tenant", "add", "Muster GmbH")
    assert code == 0, err
    assert structlog.get_config() == before


# --- the real console script -------------------------------------------------------------


@dataclass
class ConsoleScript:
    app: EmulatorApp
    base_url: str
    env: dict[str, str]

    async def run(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            BELEGSYNC,
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
        )
        out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[ConsoleScript]:
    app = _emulator(None, date(PAST_YEAR, 1, 1), date(PAST_YEAR, 12, 31))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "BELEGSYNC_DATA_DIR": str(tmp_path / "data"),
        "BELEGSYNC_LEXWARE_RATE": "50",
        "BELEGSYNC_LOG_LEVEL": "error",
    }
    async with serve_in_background(app) as base_url:
        env["BELEGSYNC_LEXWARE_BASE_URL"] = base_url
        yield ConsoleScript(app, base_url, env)


async def test_bad_input_gives_one_clear_message_and_no_traceback(
    console: ConsoleScript,
) -> None:
    code, _, err = await console.run("tenant", "add", "Muster GmbH")
    assert code == 0, err

    # A key on the command line would end up in the shell history: impossible.
    code, out, err = await console.run("connect", "Muster GmbH", MAIN_KEY)
    assert code == 2
    assert "unrecognized arguments" in err

    code, out, err = await console.run(
        "connect", "Muster GmbH", stdin="lxo-wrong-key-000000000000000000000000\n"
    )
    assert code == 1
    assert "Traceback" not in err
    message, advice = err.strip().splitlines()
    assert message.startswith("Verbindung fehlgeschlagen: Lexware hat den API-Schlüssel abgelehnt")
    assert "neuen API-Schlüssel" in advice
    assert "wrong-key" not in out + err

    code, out, err = await console.run("sync", "Niemand GmbH")
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert err.strip() == "belegsync: Mandant nicht gefunden (tenant not found)"


@pytest.mark.slow
async def test_a_killed_sync_is_taken_over_at_once_by_the_next_one(
    console: ConsoleScript,
) -> None:
    await console.run("tenant", "add", "Muster GmbH", "--open-tax-year", str(PAST_YEAR))
    code, _, err = await console.run("connect", "Muster GmbH", "--no-sync", stdin=f"{MAIN_KEY}\n")
    assert code == 0, err
    # Slow answers keep the first sync busy long enough to kill it in the middle.
    async with httpx.AsyncClient(base_url=console.base_url) as control:
        rule = {"kind": "latency", "latencyMs": 3000, "pathPrefix": "/v1/payments"}
        assert (await control.post("/_emulator/faults", json=rule)).status_code < 300
    process = await asyncio.create_subprocess_exec(
        BELEGSYNC,
        "sync",
        "Muster GmbH",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=console.env,
    )
    database = Path(console.env["BELEGSYNC_DATA_DIR"]) / "belegsync.sqlite3"
    for _ in range(600):  # polls a subprocess, up to a generous minute
        await asyncio.sleep(0.1)
        with contextlib.closing(sqlite3.connect(database)) as db:
            running = db.execute(
                "SELECT count(*) FROM sync_runs WHERE status = 'running' AND done > 0"
            ).fetchone()[0]
        if running:
            break
    else:
        pytest.fail("the first sync never started")
    assert process.returncode is None, "the first sync must still run when it is killed"
    process.kill()
    await process.wait()
    async with httpx.AsyncClient(base_url=console.base_url) as control:
        await control.delete("/_emulator/faults")

    code, out, err = await console.run("sync", "Muster GmbH")

    assert code == 0, err
    assert "läuft bereits" not in err
    code, out, _ = await console.run("status", "Muster GmbH", "--json")
    runs = json.loads(out)["runs"]
    assert [r["status"] for r in runs[:2]] == ["succeeded", "failed_transient"]
    assert runs[1]["error_code"] == "sync_interrupted"
    assert json.loads(out)["vouchers"] == len(_paid_in(console.app, PAST_YEAR)) > 0
