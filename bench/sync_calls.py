"""API calls of a first sync per voucher, and of a daily run with nothing changed.

Budget: first sync ≤ 3 calls per voucher with one file, +1 per further file (an XML
e-invoice counts twice: the XML and its PDF rendering), list pages amortised; an
unchanged daily run: only voucher-list pages — what changed since the last run, and
the paid vouchers of the window (1 + ⌈N/250⌉, the deletion reconciliation).

    .venv/bin/python bench/sync_calls.py [--vouchers 300]
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import httpx

from _stack import connected_tenant, emulator_with, paid_count, sync_once
from belegsync.emulator import MAIN_ORG_ID
from belegsync.emulator.app import EmulatorApp
from belegsync.logs import configure_logging

BASE_URL = "http://lexware.bench"


async def main(vouchers: int) -> None:
    app = emulator_with(vouchers, rate=100_000)
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as control,
        connected_tenant(base_url=BASE_URL, client_rate=100_000, transport=transport) as (
            w,
            tenant_id,
        ),
    ):
        await control.delete("/_emulator/counters")
        first = await sync_once(w, tenant_id)
        by_resource = (await control.get("/_emulator/counters")).json()["byResource"]
        synced = first.counts.new
        # An XML e-invoice (XRechnung sales voucher, or a bookkeeping voucher's XML file)
        # is stored twice: the XML invoice and Lexware's PDF rendering of it.
        files = sum(
            _bookkeeping_downloads(app, v.file_ids)
            if v.voucher_type in _BOOKKEEPING
            else 2
            if v.document_profile == "XRechnung"
            else 1
            for v in app.world.vouchers(MAIN_ORG_ID)
            if v.status in ("paid", "paidoff")
        )
        budget = 3 * synced + max(0, files - synced) + by_resource.get("voucherlist", 0)
        print(f"paid_vouchers_in_emulator={paid_count(app)} synced={synced}")
        print(f"first_sync_calls={first.counts.api_calls} calls_by_resource={by_resource}")
        print(f"first_sync_calls_per_voucher={first.counts.api_calls / max(1, synced):.3f}")
        print(
            f"files={files} budget_calls={budget} within_budget={first.counts.api_calls <= budget}"
        )
        await control.delete("/_emulator/counters")
        await control.post("/_emulator/clock", json={"advanceSeconds": 86_400})
        daily = await sync_once(w, tenant_id)
        by_resource = (await control.get("/_emulator/counters")).json()["byResource"]
        non_list = sum(n for r, n in by_resource.items() if r != "voucherlist")
        print(
            f"unchanged_daily_run_calls={daily.counts.api_calls} "
            f"voucherlist_pages={by_resource.get('voucherlist', 0)} other_calls={non_list}"
        )


def _bookkeeping_downloads(app: EmulatorApp, file_ids: list[str]) -> int:
    stored = [app.world.find_file(MAIN_ORG_ID, file_id) for file_id in file_ids]
    return len(file_ids) + sum(1 for f in stored if f is not None and f.kind == "xml")


_BOOKKEEPING = {"purchaseinvoice", "purchasecreditnote", "salesinvoice", "salescreditnote"}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--vouchers", type=int, default=300)
    configure_logging(level="error")
    logging.getLogger().setLevel(logging.ERROR)
    asyncio.run(main(parser.parse_args().vouchers))
