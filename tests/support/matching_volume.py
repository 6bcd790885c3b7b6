"""A client with hundreds of vouchers in every state of the matching queue.

``groups`` groups of four purchase invoices, each with its own amount:
- *auto*: the number in the purpose and the supplier's IBAN (linked automatically);
- *safe*: the number in the purpose, paid by an unknown account holder (a suggestion
  that "Alle sicheren Vorschläge bestätigen" takes);
- *plain*: the amount only, from an unknown payer (a suggestion to check by hand);
- *external*: no bank line at all ("Externe Transaktion erforderlich").
Dates spread over the first months of 2024.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from belegsync.store.repositories import NewVoucher
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import NOW, SUPPLIER_IBAN, line, push
from support.store_helpers import voucher_data

KINDS = ("auto", "safe", "plain", "external")
_BASE_CENTS = {"auto": 10_000, "safe": 20_000, "plain": 30_000, "external": 40_000}


@dataclass(frozen=True, slots=True)
class Seeded:
    groups: int

    def number(self, kind: str, i: int) -> str:
        return f"RE-2024-{KINDS.index(kind) + 1}{i:03d}"

    @staticmethod
    def cents(kind: str, i: int) -> int:
        return _BASE_CENTS[kind] + 7 * i

    @staticmethod
    def paid(i: int) -> date:
        """Paid from 3 January to 25 February: every date window (ten days after the
        paid date) ends before the day the lines reach (pushed on 8 March)."""
        return date(2024, 1, 3) + timedelta(days=(i * 2) % 54)


def _euros(cents: int) -> str:
    return f"-{cents // 100}.{cents % 100:02d}"


async def seed_queue(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, tenant_id: str, groups: int
) -> Seeded:
    seeded = Seeded(groups)
    batch: list[NewVoucher] = []
    lines = []
    for i in range(groups):
        paid = seeded.paid(i)
        for kind in KINDS:
            cents = seeded.cents(kind, i)
            number = seeded.number(kind, i)
            contact = "Bürobedarf GmbH" if kind == "auto" else f"Lieferant {kind} {i}"
            data = voucher_data(
                f"{kind}-{i:04d}",
                voucher_number=number,
                total_gross_cents=cents,
                voucher_date=paid - timedelta(days=3),
                paid_date=paid,
                contact_name=contact,
            )
            batch.append(NewVoucher(data=data, payment_items=[], files=[]))
            day = (paid + timedelta(days=1)).isoformat()
            if kind == "auto":
                lines.append(
                    line(_euros(cents), day, f"Rechnung {number}", counterparty_iban=SUPPLIER_IBAN)
                )
            elif kind == "safe":
                lines.append(
                    line(_euros(cents), day, f"Rechnung {number}", counterparty_name=f"Zahler {i}")
                )
            elif kind == "plain":
                lines.append(line(_euros(cents), day, "Einkauf", counterparty_name=f"Laden {i}"))
    async with uow_factory() as uow:
        await uow.vouchers.insert_new(tenant_id, batch, now=NOW)
        await uow.commit()
    await push(uow_factory, clock, tenant_id, lines)
    return seeded
