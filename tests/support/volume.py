"""Realistic volume for list, overview and browser tests: thousands of paid vouchers
written through the real store (the sync's batch insert), bank transactions pushed
through the banking service, then the real matching run.

Seeded, so every run builds the same data: most payments have an exact bank
transaction, some a slightly different one (suggestions), some none (external
transaction needed), a few are cash. Some vouchers are flagged for review.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from belegsync.banking.imports import LineKeys, push_transactions
from belegsync.domain.clock import Clock
from belegsync.domain.money import Money
from belegsync.matching.service import run_matching
from belegsync.store.files import FileStore
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.store.voucher_repository import (
    FileData,
    NewVoucher,
    PaymentItemData,
    VoucherData,
)

CONTACTS = (
    "Holzhandel Meier GmbH",
    "Büro & Bedarf Schulz",
    "Stadtwerke Köln",
    "Müller Bau AG",
    "Café Sonnenschein",
    "Elektro Weiß KG",
    "Grüne Gärten GbR",
    "Schreinerei Özdemir",
    "Telekom Deutschland GmbH",
    "Autohaus Jäger",
    "Druckerei Fuchs",
    "Steuerbüro Klein",
)
TYPES = (
    "purchaseinvoice",
    "purchaseinvoice",
    "purchaseinvoice",
    "salesinvoice",
    "salesinvoice",
    "purchasecreditnote",
)
ACCOUNT_IBAN = "DE89370400440532013000"


async def push_in_chunks(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: str,
    lines: Sequence[Mapping[str, Any]],
    *,
    actor: str,
    chunk: int = 5000,
    line_keys: LineKeys | None = None,
) -> None:
    """Push many statement lines to the business account, a few thousand per call (one
    push takes at most ``MAX_PUSH_ITEMS``); ``line_keys`` as the push takes it."""
    for first in range(0, len(lines), chunk):
        await push_transactions(
            uow_factory=uow_factory,
            clock=clock,
            tenant_id=tenant_id,
            account_iban=ACCOUNT_IBAN,
            transactions=lines[first : first + chunk],
            account_name="Geschäftskonto",
            actor=actor,
            line_keys=line_keys,
        )


def tiny_pdf(text: str) -> bytes:
    """A small but valid one-page PDF (browsers open it)."""
    stream = f"BT /F1 18 Tf 40 780 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


@dataclass(frozen=True)
class Volume:
    vouchers: int
    transactions: int


async def generate_volume(
    *,
    uow_factory: UnitOfWorkFactory,
    files: FileStore,
    clock: Clock,
    tenant_id: str,
    count: int,
    end: date,
    seed: int = 13,
    months: int = 15,
) -> Volume:
    rng = random.Random(seed)
    now = clock.now()
    pdfs = []
    for n in range(3):
        pdf = tiny_pdf(f"Beleg {n + 1}")
        pdfs.append((await files.put(pdf), len(pdf)))
    batch: list[NewVoucher] = []
    pushed: list[dict[str, object]] = []
    start = end - timedelta(days=months * 30)
    for n in range(count):
        day = start + timedelta(days=rng.randrange((end - start).days + 1))
        vtype = rng.choice(TYPES)
        gross = rng.randrange(500, 250_000)
        contact = rng.choice(CONTACTS)
        number = f"{'RE' if vtype == 'salesinvoice' else 'ER'}-{day.year}-{n + 1:05d}"
        paid = min(end, day + timedelta(days=rng.randrange(0, 20)))
        roll = rng.random()
        item_type = "partPaymentCashBox" if roll > 0.97 else "partPaymentFinancialTransaction"
        sha, size = pdfs[n % len(pdfs)]
        data = VoucherData(
            lexware_id=f"vol-{seed}-{n:06d}",
            voucher_type=vtype,
            voucher_status="paid",
            voucher_number=number,
            voucher_date=day,
            due_date=day + timedelta(days=14),
            contact_name=contact,
            contact_id=f"c-{CONTACTS.index(contact)}",
            total_gross_cents=gross,
            total_tax_cents=gross * 19 // 119,
            open_amount_cents=0,
            currency="EUR",
            paid_date=paid,
            lexware_updated_at=datetime.combine(paid, datetime.min.time(), tzinfo=UTC),
            lexware_version=1,
            raw_json={"id": f"vol-{n}"},
            raw_list_json=None,
            raw_payments_json=None,
        )
        batch.append(
            NewVoucher(
                data=data,
                payment_items=[
                    PaymentItemData(
                        payment_item_type=item_type,
                        posting_date=paid,
                        amount_cents=gross,
                        currency="EUR",
                    )
                ],
                files=[
                    FileData(
                        lexware_file_id=f"f-{n}",
                        sha256=sha,
                        media_type="application/pdf",
                        filename=f"{n:08x}-0000-4000-8000-000000000000.pdf",
                        size_bytes=size,
                    )
                ],
            )
        )
        outgoing = vtype in ("purchaseinvoice",)
        if item_type == "partPaymentFinancialTransaction" and roll < 0.88:
            # Most pay exactly with the number in the text; some pay a little less
            # and name only the contact: those become suggestions or stay open.
            off = 0 if roll < 0.8 else -rng.choice((50, 120, 300))
            amount = (gross + off) * (-1 if outgoing else 1)
            text = f"RG {number}" if roll < 0.8 else f"{contact} Rechnung {day:%d.%m.}"
            pushed.append(
                {
                    "booking_date": paid.isoformat(),
                    "amount": Money(amount).to_decimal_string(),
                    "counterparty_name": contact,
                    "remittance": text,
                }
            )
        if len(batch) == 500:
            await _insert(uow_factory, tenant_id, batch, now)
            batch = []
    await _insert(uow_factory, tenant_id, batch, now)
    await push_in_chunks(uow_factory, clock, tenant_id, pushed, actor="test")
    await run_matching(uow_factory, clock, tenant_id)
    return Volume(count, len(pushed))


async def _insert(
    uow_factory: UnitOfWorkFactory, tenant_id: str, batch: list[NewVoucher], now: datetime
) -> None:
    if batch:
        async with uow_factory() as uow:
            await uow.vouchers.insert_new(tenant_id, batch, now=now)
            await uow.commit()
