"""``belegsync match``: run matching for a client and show links and suggestions."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from belegsync.cli.wiring import wired
from belegsync.domain.money import Money
from belegsync.matching.inbox import LinkView, matching_overview
from belegsync.matching.service import run_matching
from belegsync.settings import Settings


def _line(view: LinkView) -> str:
    txn, voucher = view.transaction, view.voucher
    score = f"{view.link.score:.2f}" if view.link.score is not None else "–"
    return (
        f"  {voucher.voucher_number or voucher.lexware_id:<16} "
        f"{Money(view.payment.amount_cents, view.payment.currency).to_decimal_string():>10}  ↔  "
        f"{txn.booking_date} {Money(txn.amount_cents, txn.currency).to_decimal_string():>10} "
        f"{(txn.counterparty_name or '')[:24]:<24} score {score}  {' '.join(view.link.reasons)}"
    )


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> dict[str, Any]:
        async with wired(settings) as w:
            async with w.uow() as uow:
                tenant_id = (await uow.tenants.get_by_id_or_name(args.tenant)).id
            counts = await run_matching(w.uow_factory, w.deps.clock, tenant_id)
            async with w.uow() as uow:
                overview = await matching_overview(uow, tenant_id)
        return {
            "counts": {
                "payments": counts.payments,
                "auto_links": counts.auto_links,
                "suggestions": counts.suggestions,
                "unmatched": counts.unmatched,
                "no_candidate": counts.no_candidate,
                "replaced_external": counts.replaced_external,
            },
            "links": [v for v in overview.auto_links + overview.confirmed],
            "suggestions": overview.suggestions,
            "external_needed": [
                {
                    "payment_id": e.payment.id,
                    "voucher_number": e.voucher.voucher_number,
                    "amount_cents": e.draft.amount_cents,
                    "date": e.draft.booking_date.isoformat(),
                    "counterparty": e.draft.counterparty,
                    "why": e.why,
                }
                for e in overview.external_needed
            ],
        }

    result = asyncio.run(run())
    if args.json:
        document = {
            **result,
            "links": [v.as_json() for v in result["links"]],
            "suggestions": [v.as_json() for v in result["suggestions"]],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    c = result["counts"]
    print(
        f"{c['auto_links']} automatisch zugeordnet, {c['suggestions']} Vorschläge, "
        f"{c['no_candidate']} ohne Kandidat, {c['replaced_external']} externe ersetzt."
    )
    print("Zuordnungen:")
    for view in result["links"]:
        print(_line(view) + f"  [{view.link.status}]")
    print("Vorschläge:")
    for view in result["suggestions"]:
        print(_line(view))
    print("Externe Transaktion erforderlich:")
    for item in result["external_needed"]:
        print(f"  {item['voucher_number'] or '–':<16} {item['date']}  {item['counterparty']}")
    return 0
