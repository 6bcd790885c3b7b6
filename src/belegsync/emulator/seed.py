"""Reproducible world generator: organisations, keys, contacts, vouchers, payments, files.

Everything is drawn from `random.Random(seed)`; file bytes are rendered only on first
download, so 50,000 vouchers take seconds.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from belegsync.emulator.clock import BERLIN, Clock
from belegsync.emulator.demo_data import (
    BRANDS,
    CITIES,
    COMPANY_STEMS,
    ITEMS,
    LEGAL_FORMS,
    STREETS,
    TRADES,
)
from belegsync.emulator.model import (
    BOOKKEEPING_TYPES,
    CREDIT_NOTE_TYPES,
    Contact,
    PaymentItem,
    StoredFile,
    Voucher,
    VoucherItem,
    paid_status,
)
from belegsync.emulator.state import World

_TYPES = (
    ("purchaseinvoice", 40),
    ("invoice", 26),
    ("salesinvoice", 10),
    ("downpaymentinvoice", 6),
    ("purchasecreditnote", 7),
    ("creditnote", 6),
    ("salescreditnote", 5),
)
_STATUSES = (
    ("paid", 64),
    ("open", 14),
    ("voided", 4),
    ("transferred", 3),
    ("sepadebit", 3),
    ("draft", 12),
)
_RATES = (Decimal(19), Decimal(7), Decimal(0))
_CENT = Decimal("0.01")
_CATEGORY_OUT = "8f8664a8-fd86-11e1-a21f-0800200c9a66"
_CATEGORY_IN = "8f8664a0-fd86-11e1-a21f-0800200c9a66"
_PREFIX = {"invoice": "RE", "creditnote": "GS", "downpaymentinvoice": "AR"}


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_contacts(
    world: World, organization_id: str, count: int, rng: random.Random
) -> list[Contact]:
    contacts = []
    for index in range(count):
        if index < len(BRANDS) and rng.random() < 0.5:
            name = BRANDS[index]
        else:
            name = f"{rng.choice(COMPANY_STEMS)} {rng.choice(TRADES)} {rng.choice(LEGAL_FORMS)}"
        plz, city = rng.choice(CITIES)
        contact = Contact(
            id=_uuid(rng),
            organization_id=organization_id,
            name=name,
            street=f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
            zip=plz,
            city=city,
        )
        contacts.append(world.add_contact(contact))
    return contacts


class _Generator:
    def __init__(
        self, world: World, organization_id: str, rng: random.Random, start: date, end: date
    ) -> None:
        self.world = world
        self.org_id = organization_id
        self.rng = rng
        self.start = start
        self.days = max((end - start).days, 0)
        self.today = end
        self.counters: dict[str, int] = {}
        count = 12 if not world.data[organization_id].contacts else 0
        self.contacts = list(world.data[organization_id].contacts.values()) or make_contacts(
            world, organization_id, count, rng
        )
        # a few contacts get most vouchers, as in real books
        self.weights = [1.0 / (i + 1) for i in range(len(self.contacts))]
        self.type_names = [t for t, _ in _TYPES]
        self.type_weights = [w for _, w in _TYPES]

    def number(self, voucher_type: str, day: date) -> str:
        key = f"{voucher_type}{day.year}"
        self.counters[key] = self.counters.get(key, 0) + 1
        n = self.counters[key]
        if voucher_type in _PREFIX:
            return f"{_PREFIX[voucher_type]}{day.year % 100:02d}-{n:05d}"
        if voucher_type.startswith("sales"):
            return f"{day.year}-{n:06d}"
        return f"{self.rng.choice(('R', 'RG', 'INV-', ''))}{self.rng.randint(10000, 9999999)}"

    def items(self, voucher_type: str) -> list[VoucherItem]:
        rng = self.rng
        category = _CATEGORY_OUT if voucher_type.startswith("purchase") else _CATEGORY_IN
        rates = rng.sample(_RATES, k=1 if rng.random() < 0.8 else 2)
        items = []
        for rate in rates:
            gross = Decimal(rng.randint(290, 250_000)) / 100
            tax = (gross * rate / (100 + rate)).quantize(_CENT)
            items.append(VoucherItem(gross, tax, rate, category, rng.choice(ITEMS)))
        return items

    def status(self, voucher_type: str, voucher_date: date) -> str:
        names = [s for s, _ in _STATUSES]
        weights = [w for _, w in _STATUSES]
        status = self.rng.choices(names, weights)[0]
        if status == "draft" and voucher_type in BOOKKEEPING_TYPES:
            status = "open"
        if status in ("transferred", "sepadebit") and voucher_type in CREDIT_NOTE_TYPES:
            status = "open"
        if status == "paid":
            status = paid_status(voucher_type)
        return status

    def one(self) -> Voucher:
        rng = self.rng
        voucher_type = rng.choices(self.type_names, self.type_weights)[0]
        voucher_date = self.start + timedelta(days=rng.randint(0, self.days))
        status = self.status(voucher_type, voucher_date)
        items = self.items(voucher_type)
        gross = sum((i.amount for i in items), Decimal(0))
        created = datetime.combine(
            voucher_date + timedelta(days=rng.randint(0, 3)),
            time(rng.randint(7, 19), rng.randint(0, 59)),
            BERLIN,
        ).astimezone(UTC) + timedelta(milliseconds=rng.randint(0, 999))
        created = min(created, datetime.combine(self.today, time(6), BERLIN).astimezone(UTC))
        collective = rng.random() < 0.08
        contact = None if collective else rng.choices(self.contacts, self.weights)[0]
        purchase = voucher_type.startswith("purchase")
        voucher = Voucher(
            id=_uuid(rng),
            organization_id=self.org_id,
            voucher_type=voucher_type,
            status=status,
            number=self.number(voucher_type, voucher_date),
            voucher_date=voucher_date,
            due_date=None
            if voucher_type == "creditnote"
            else voucher_date + timedelta(days=rng.choice((14, 14, 30))),
            created=created,
            updated=created,
            contact_id=None if contact is None else contact.id,
            contact_name=contact.name
            if contact
            else ("Sammellieferant" if purchase else "Sammelkunde"),
            total_gross=gross,
            total_tax=sum((i.tax_amount for i in items), Decimal(0)),
            items=items,
            version=rng.randint(1, 3),
            archived=rng.random() < 0.02,
        )
        self.payments(voucher)
        self.files(voucher)
        return voucher

    def payments(self, voucher: Voucher) -> None:
        rng = self.rng
        if voucher.status not in ("paid", "paidoff", "open"):
            return
        if voucher.status == "open" and rng.random() > 0.15:
            return
        latest = min(voucher.voucher_date + timedelta(days=rng.randint(1, 40)), self.today)
        posting = datetime.combine(latest, time(), BERLIN)
        item_type = (
            "partPaymentFinancialTransaction" if rng.random() < 0.85 else "partPaymentCashBox"
        )
        if voucher.status == "open":
            part = (voucher.total_gross * Decimal(rng.choice((25, 40, 50))) / 100).quantize(_CENT)
            voucher.payment_items = [PaymentItem(item_type, posting, part)]
        elif rng.random() < 0.15:
            skonto = (voucher.total_gross * Decimal(rng.choice((2, 3))) / 100).quantize(_CENT)
            voucher.payment_items = [
                PaymentItem(item_type, posting, voucher.total_gross - skonto),
                PaymentItem("cashDiscount", posting, skonto),
            ]
        elif rng.random() < 0.1:
            first = (voucher.total_gross / 2).quantize(_CENT)
            earlier = posting - timedelta(days=rng.randint(5, 20))
            voucher.payment_items = [
                PaymentItem(item_type, earlier, first),
                PaymentItem(item_type, posting, voucher.total_gross - first),
            ]
        else:
            voucher.payment_items = [PaymentItem(item_type, posting, voucher.total_gross)]
        if voucher.status != "open":
            stamp = posting + timedelta(hours=rng.randint(8, 18), milliseconds=rng.randint(0, 999))
            # a payment booked today cannot carry a time later than the emulator's now
            voucher.paid_date = min(stamp, self.world.now())
        voucher.updated = max(voucher.created, voucher.paid_date or posting)

    def files(self, voucher: Voucher) -> None:
        rng = self.rng
        if not voucher.is_bookkeeping:
            profile = rng.choices(("NONE", "EN16931", "XRechnung"), (80, 10, 10))[0]
            voucher.document_profile = profile
            if voucher.status != "draft":
                self._file(voucher, "xml" if profile == "XRechnung" else "pdf", sales=True)
            return
        count = rng.choices((1, 2, 3), (75, 18, 7))[0]
        for page in range(count):
            kind = (
                rng.choices(("pdf", "png", "jpg", "xml"), (78, 8, 6, 8))[0] if page == 0 else "pdf"
            )
            self._file(voucher, kind, page=page)

    def _file(self, voucher: Voucher, kind: str, *, sales: bool = False, page: int = 0) -> None:
        stored = StoredFile(
            id=_uuid(self.rng),
            organization_id=self.org_id,
            voucher_id=voucher.id,
            kind=kind,
            sales_document=sales,
            zugferd=voucher.document_profile == "EN16931",
            page_seed=page,
        )
        self.world.add_voucher(voucher, notify=False)
        self.world.add_file(stored)


def generate_vouchers(
    world: World,
    organization_id: str,
    count: int,
    *,
    seed: int,
    start: date = date(2023, 1, 1),
    end: date | None = None,
) -> list[Voucher]:
    """Add `count` reproducible vouchers (same seed and dates → same world)."""
    rng = random.Random(seed)
    generator = _Generator(world, organization_id, rng, start, end or world.due_today())
    if len(generator.contacts) < max(12, count // 60):
        extra = make_contacts(world, organization_id, min(2000, count // 60), rng)
        generator.contacts += extra
        generator.weights = [1.0 / (i + 1) for i in range(len(generator.contacts))]
    vouchers = []
    for _ in range(count):
        voucher = generator.one()
        world.add_voucher(voucher, notify=False)
        vouchers.append(voucher)
    return vouchers


def fixed_clock(instant: datetime) -> Clock:
    clock = Clock()
    clock.set(instant)
    return clock
