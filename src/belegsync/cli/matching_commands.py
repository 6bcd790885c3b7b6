"""``belegsync match``: run matching for a client and show links and suggestions.

``--json`` prints, besides links and suggestions with their reasons (codes and plain
texts), every voucher that needs an external transaction and every voucher paid in
cash, each with its voucher id, so that scripts can act on them.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from belegsync.cli.output import print_json
from belegsync.cli.wiring import wired
from belegsync.domain.clock import Clock
from belegsync.domain.money import Money
from belegsync.matching.external import ExternalNeeded, signed_amount
from belegsync.matching.inbox import LinkView, MatchingOverview, matching_overview
from belegsync.matching.service import MatchCounts, run_matching
from belegsync.settings import Settings
from belegsync.store.matching_queries import PaymentRow


def _decimal(cents: int, currency: str = "EUR") -> str:
    return Money(cents, currency).to_decimal_string()


def _line(view: LinkView) -> str:
    txn, voucher = view.transaction, view.voucher
    texts = "; ".join(de for de, _ in view.texts)
    return (
        f"  {voucher.voucher_number or voucher.lexware_id:<16} "
        f"{_decimal(view.expected_cents, view.payment.currency):>10}  ↔  "
        f"{txn.booking_date} {_decimal(txn.amount_cents, txn.currency):>10} "
        f"{(txn.counterparty_name or '')[:24]:<24} {texts}"
    )


def _voucher(payment: Any, voucher: Any) -> dict[str, Any]:
    return {
        "payment_id": payment.id,
        "voucher_id": voucher.id,
        "lexware_id": voucher.lexware_id,
        "voucher_number": voucher.voucher_number,
        "voucher_type": voucher.voucher_type,
        "contact_name": voucher.contact_name,
        "amount": _decimal(signed_amount(voucher.voucher_type, payment.amount_cents)),
        "currency": payment.currency,
    }


def _external(item: ExternalNeeded) -> dict[str, Any]:
    return {
        **_voucher(item.payment, item.voucher),
        "amount_cents": item.draft.amount_cents,
        "date": item.draft.booking_date.isoformat(),
        "counterparty": item.draft.counterparty,
        "why": item.why,
    }


def _cash(row: PaymentRow) -> dict[str, Any]:
    return {**_voucher(row.payment, row.voucher), "paid_date": _paid(row)}


def _paid(row: PaymentRow) -> str | None:
    day = row.payment.paid_date or row.voucher.paid_date
    return day.isoformat() if day else None


def _document(counts: MatchCounts, o: MatchingOverview) -> dict[str, Any]:
    return {
        "counts": {
            "payments": counts.payments,
            "auto_links": counts.auto_links,
            "suggestions": counts.suggestions,
            "unmatched": counts.unmatched,
            "no_candidate": counts.no_candidate,
            "awaiting_lines": counts.awaiting_lines,
            "replaced_external": counts.replaced_external,
            "returned": counts.returned,
            "returns_to_check": counts.returns_to_check,
            "confirmed_returned": sum(v.returned_by is not None for v in o.confirmed),
            "returns_unchecked": sum(v.return_to_check for v in o.confirmed),
            "external_needed": len(o.external_needed),
            "cash": len(o.cash),
        },
        "links": [v.as_json() for v in o.auto_links + o.confirmed],
        "suggestions": [v.as_json() for v in o.suggestions],
        "external_needed": [_external(e) for e in o.external_needed],
        "cash": [_cash(row) for row in o.cash],
    }


def _print_text(counts: MatchCounts, o: MatchingOverview) -> None:
    print(
        f"{counts.auto_links} automatisch zugeordnet, {counts.suggestions} Vorschläge, "
        f"{len(o.external_needed)} brauchen eine externe Transaktion, "
        f"{counts.awaiting_lines} warten auf Kontoumsätze, {len(o.cash)} bar "
        f"bezahlt, {counts.replaced_external} externe ersetzt"
        + (f", {counts.returned} wegen Rücklastschrift aufgehoben." if counts.returned else ".")
    )
    returned = [v for v in o.confirmed if v.return_to_check]
    if returned:
        print(
            f"{len(returned)} bestätigte Zuordnungen zurückgebucht (Rücklastschrift) – "
            "bitte auf der Seite Abgleich prüfen: aufheben, wenn der Beleg noch offen ist, "
            "sonst beibehalten."
        )
    print("Zuordnungen:")
    for view in o.auto_links + o.confirmed:
        back = ""
        if view.returned_by is not None:
            back = (
                " – zurückgebucht, bitte prüfen"
                if view.return_to_check
                else " – zurückgebucht, geprüft und beibehalten"
            )
        print(_line(view) + f"  [{view.link.status}{back}]")
    print("Vorschläge:")
    for view in o.suggestions:
        print(_line(view))
    print("Externe Transaktion erforderlich:")
    for item in o.external_needed:
        print(
            f"  {item.voucher.voucher_number or '–':<16} {item.draft.booking_date}  "
            f"{_decimal(item.draft.amount_cents):>10}  {item.draft.counterparty}  "
            f"(Beleg-ID {item.voucher.id})"
        )
    print("Bar bezahlt:")
    for row in o.cash:
        print(f"  {row.voucher.voucher_number or '–':<16} (Beleg-ID {row.voucher.id})")


def cmd_match(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> tuple[MatchCounts, MatchingOverview]:
        async with wired(settings, clock=clock) as w:
            tenant_id = await w.tenant_id(args.tenant)
            counts = await run_matching(w.uow_factory, w.deps.clock, tenant_id)
            async with w.uow_factory.read_only() as uow:
                return counts, await matching_overview(uow, tenant_id)

    counts, overview = asyncio.run(run())
    if args.json:
        print_json(_document(counts, overview))
    else:
        _print_text(counts, overview)
    return 0
