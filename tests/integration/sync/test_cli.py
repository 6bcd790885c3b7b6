"""The ``belegsync`` command end to end: subprocesses against an emulator on a real port."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from belegsync.emulator import (
    MAIN_KEY,
    MAIN_ORG_ID,
    EmulatorConfig,
    build_world,
    create_app,
    generate_vouchers,
    serve_in_background,
)
from belegsync.emulator.app import EmulatorApp

BELEGSYNC = str(Path(sys.executable).with_name("belegsync"))
AMOUNT = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


@dataclass
class Cli:
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
async def cli(tmp_path: Path) -> AsyncIterator[Cli]:
    today = datetime.now(UTC).date()
    world = build_world(seed="empty")
    generate_vouchers(world, MAIN_ORG_ID, 12, seed=3, start=date(today.year, 1, 1), end=today)
    app = create_app(world, config=EmulatorConfig(rate_per_second=50, burst=50))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "BELEGSYNC_DATA_DIR": str(tmp_path / "data"),
        "BELEGSYNC_LEXWARE_RATE": "50",
        "BELEGSYNC_LOG_LEVEL": "error",
    }
    async with serve_in_background(app) as base_url:
        env["BELEGSYNC_LEXWARE_BASE_URL"] = base_url
        yield Cli(app, base_url, env)


def _paid_this_year(app: EmulatorApp) -> set[str]:
    year = datetime.now(UTC).year
    return {
        v.id
        for v in app.world.vouchers(MAIN_ORG_ID)
        if v.status in ("paid", "paidoff") and v.voucher_date.year == year
    }


async def test_tenant_connect_sync_status_and_vouchers(cli: Cli) -> None:
    year = str(datetime.now(UTC).year)
    code, out, err = await cli.run("tenant", "add", "Muster GmbH", "--open-tax-year", year)
    assert code == 0, err
    tenant_id = out.strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", tenant_id)

    code, out, err = await cli.run("connect", "Muster GmbH", stdin=f"{MAIN_KEY}\n")
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
    expires = date.fromisoformat(status["key_expires_on"])
    assert expires - datetime.now(UTC).date() > timedelta(days=700)
    assert [r["status"] for r in status["runs"]] == ["succeeded", "succeeded"]

    code, out, err = await cli.run("vouchers", "Muster GmbH", "--json")
    assert code == 0, err
    vouchers = json.loads(out)
    assert {v["id"] for v in vouchers} == _paid_this_year(cli.app)
    assert status["vouchers"] == len(vouchers) > 0
    for voucher in vouchers:
        assert AMOUNT.match(voucher["total_gross"]), voucher
        assert all(AMOUNT.match(i["amount"]) for i in voucher["payment_items"])
        assert voucher["files"]
        assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in voucher["files"])

    for output in (out, json.dumps(status)):
        assert MAIN_KEY not in output


async def test_bad_input_gives_one_clear_message_and_no_traceback(cli: Cli) -> None:
    await cli.run("tenant", "add", "Muster GmbH")

    # A key on the command line would end up in the shell history: impossible.
    code, out, err = await cli.run("connect", "Muster GmbH", MAIN_KEY)
    assert code == 2
    assert "unrecognized arguments" in err

    code, out, err = await cli.run(
        "connect", "Muster GmbH", stdin="lxo-wrong-key-000000000000000000000000\n"
    )
    assert code != 0
    assert "Traceback" not in err
    message, advice = err.strip().splitlines()
    assert message.startswith("Verbindung fehlgeschlagen: Lexware hat den API-Schlüssel abgelehnt")
    assert "neuen API-Schlüssel" in advice
    assert "wrong-key" not in out + err

    code, out, err = await cli.run("sync", "Niemand GmbH")
    assert code != 0
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("belegsync: nicht gefunden")


@pytest.mark.slow
async def test_a_killed_sync_is_taken_over_at_once_by_the_next_one(cli: Cli) -> None:
    year = str(datetime.now(UTC).year)
    await cli.run("tenant", "add", "Muster GmbH", "--open-tax-year", year)
    code, _, err = await cli.run("connect", "Muster GmbH", "--no-sync", stdin=f"{MAIN_KEY}\n")
    assert code == 0, err
    # Slow answers keep the first sync busy long enough to kill it in the middle.
    async with httpx.AsyncClient(base_url=cli.base_url) as control:
        rule = {"kind": "latency", "latencyMs": 3000, "pathPrefix": "/v1/payments"}
        assert (await control.post("/_emulator/faults", json=rule)).status_code < 300
    process = await asyncio.create_subprocess_exec(
        BELEGSYNC,
        "sync",
        "Muster GmbH",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=cli.env,
    )
    database = Path(cli.env["BELEGSYNC_DATA_DIR"]) / "belegsync.sqlite3"
    for _ in range(600):
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
    async with httpx.AsyncClient(base_url=cli.base_url) as control:
        await control.delete("/_emulator/faults")

    code, out, err = await cli.run("sync", "Muster GmbH")

    assert code == 0, err
    assert "läuft bereits" not in err
    code, out, _ = await cli.run("status", "Muster GmbH", "--json")
    runs = json.loads(out)["runs"]
    assert [r["status"] for r in runs[:2]] == ["succeeded", "failed_transient"]
    assert runs[1]["error_code"] == "sync_interrupted"
