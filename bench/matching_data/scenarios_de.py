"""Scenario set written from German banking conventions, apart from the synthetic generator.

Five businesses, booked month by month the way their statements and Lexware look:

* ``tischlerei`` — a joinery over two years (about 550 paid vouchers, 730 statement
  lines): private and commercial customers paying invoices ``RE-24-0142`` written in
  every way people type them ("RE 24 0142", "Rg.-Nr. 24/0142", "Rechnung 142"), a
  property manager paying several invoices at once ("Sammelzahlung 2 Rechnungen
  Kd 10051", "RE 30/34"), Skonto, instalments, wholesalers by transfer or SEPA direct
  debit (``CRED+``/``MREF+``), rent to "GbR Lindenhof, H. Albrecht" for the contact
  "Lindenhof Grundstücks GbR" ("Miete 02/2025 Werkstatt"), vehicle leasing and quarterly
  insurance by direct debit, phone bills, fuel by girocard, a returned direct debit
  collected again, wages, taxes and bank charges; a few customers paying short: a
  property manager withholding a retention or a complaint („abzgl. Mängeleinbehalt
  250,00“, „Schlusszahlung abzgl. Einbehalt“), a customer paying from a Swiss account
  whose banks kept their charges (7,50–25,00 € and 1.5 ‰ of the amount);
* ``keramikshop`` — an online shop for a year: PayPal, Stripe and SumUp payouts paying
  several sales minus the provider's fee, supplier invoices, subscriptions;
* ``beratung`` — a consultant over two years: invoices ``ND-26-0155`` written with
  spaces, a large client paying collectively by customer number, office rent, monthly
  retainers collected by SEPA direct debit, some returned by the client's bank and
  collected again two weeks later.
* ``physio`` — a physiotherapy practice over 18 months: private invoices at list prices
  (a dozen distinct amounts a year), about half handed in to a billing service every
  second Tuesday and paid out per submission in one transfer stating how many invoices
  it pays ("Gutschrift Abrechnung 2024-007 9 Belege", "ANZAHL 9"), one in twelve a round
  late; the rest paid by the patients or a relative, with or without the number; the
  service's fee invoiced monthly and collected by direct debit.
* ``tanzschule`` — a dance school over a year: sixty members' monthly fees collected as
  one SEPA batch line a month („SEPA-SAMMLER-GUTSCHRIFT … ANZAHL 58“, no payer), its
  pain.008 file naming each member's invoice; a few collections a month returned and
  collected again singly (or transferred) two weeks later; a third of the members
  children paying from a parent's account.

Lexware's paid date is what people enter: often days *after* the bank booking (up to
two weeks), sometimes before. Some vouchers were paid in cash or from a private card:
no statement line exists for them (they are not matchable).

``history_months`` of each business count as already confirmed by the client (links
and learned IBANs), as after a few weeks of use; they are not evaluated.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from babel.dates import get_month_names

from belegsync.domain.matching import (
    BankTxn,
    ExistingLink,
    ExpectedPayment,
    LinkStatus,
    TxnStatus,
)
from belegsync.matching.memory import MemoryRow

__all__ = ["ScenarioSet", "generate"]


@dataclass(slots=True)
class ScenarioSet:
    expected: list[ExpectedPayment] = field(default_factory=list)
    txns: list[BankTxn] = field(default_factory=list)
    truth: dict[str, frozenset[str]] = field(default_factory=dict)
    scenario: dict[str, str] = field(default_factory=dict)
    history_links: list[ExistingLink] = field(default_factory=list)
    history_memory: list[MemoryRow] = field(default_factory=list)
    business_of: dict[str, str] = field(default_factory=dict)  # voucher id → business
    tenant_of: dict[str, str] = field(default_factory=dict)  # business → tenant id
    # payment advices sent apart from the statements (file name → bytes) and the lines
    # (``txns`` ids, one per advice) each belongs to
    advice_files: dict[str, bytes] = field(default_factory=dict)
    advice_lines: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def only(self, business: str) -> ScenarioSet:
        """The part of one business: its payments, lines, history and advice files."""
        vouchers = {v for v, b in self.business_of.items() if b == business}
        tenant = self.tenant_of[business]
        prefix = f"{business}_"
        return ScenarioSet(
            expected=[p for p in self.expected if p.voucher_id in vouchers],
            txns=[t for t in self.txns if t.tenant_id == tenant],
            truth=self.truth,
            scenario=self.scenario,
            history_links=[k for k in self.history_links if k.payment_id.split("#")[0] in vouchers],
            history_memory=[m for m in self.history_memory if m.tenant_id == tenant],
            business_of={v: b for v, b in self.business_of.items() if b == business},
            tenant_of={business: tenant},
            advice_files={k: v for k, v in self.advice_files.items() if k.startswith(prefix)},
            advice_lines={k: v for k, v in self.advice_lines.items() if k.startswith(prefix)},
        )


def _german_iban(rng: random.Random) -> str:
    blz = rng.choice(("10050000", "20050550", "37040044", "50010517", "70150000", "76050101"))
    konto = f"{rng.randrange(10**9, 10**10):010d}"
    check = 98 - int(f"{blz}{konto}131400") % 97
    return f"DE{check:02d}{blz}{konto}"


def _swiss_iban(rng: random.Random) -> str:
    clearing = rng.choice(("00230", "00700", "09000", "80808"))
    konto = f"{rng.randrange(10**11, 10**12):012d}"
    check = 98 - int(f"{clearing}{konto}121700") % 97
    return f"CH{check:02d}{clearing}{konto}"


def _euro_text(cents: int) -> str:
    """12345 → "123,45"; 123456 → "1.234,56" (as people write amounts)."""
    euros = f"{cents // 100:,}".replace(",", ".")
    return f"{euros},{cents % 100:02d}"


def _short(
    aside: random.Random, customer: Partner, commercial: bool, number: str, gross: int
) -> tuple[str, int, str, str] | None:
    """A customer paying less than the invoice, from its own random stream (``aside``:
    the other scenarios stay as they were): (scenario, cents paid, account, purpose),
    or None for a full payment. Lexware holds the invoice as paid in full (the
    bookkeeper books the difference apart)."""
    if aside.random() >= 0.05:
        return None
    if commercial:
        # a retention or a complaint withheld: 10 % rounded to euros, or 50–400 €
        kept = (
            gross // 1000 * 100
            if aside.random() < 0.5
            else aside.choice((5000, 15000, 25000, 40000))
        )
        if 2 * kept >= gross:
            return None
        word = aside.choice(("Mängeleinbehalt", "Einbehalt", "Sicherheitseinbehalt"))
        if aside.random() < 0.6:
            text = f"{_written_number(aside, number)} abzgl. {word} {_euro_text(kept)}"
        else:
            text = aside.choice(("Schlusszahlung abzgl. Einbehalt", f"Restzahlung {word}"))
        return "transfer_withheld", gross - kept, customer.iban, text
    # a transfer from a Swiss account: the banks kept their charges (SHA): the
    # intermediaries' fixed fees and the receiving bank's 1.5 ‰ of the amount
    fee = aside.choice((750, 1000, 1250, 1500, 2000, 2500)) + gross * 15 // 10_000
    return "transfer_foreign_fee", gross - fee, _swiss_iban(aside), _written_number(aside, number)


def _ordered(number: str, scenario: str, gross: int) -> int | None:
    """The amount as ordered that the statement states for a foreign transfer whose banks
    kept their charges (camt ``AmtDtls/InstdAmt``, MT940 ``/OCMT/``): most banks state
    it, some do not (a stream of its own per invoice: the other draws stay as they
    were)."""
    if scenario != "transfer_foreign_fee":
        return None
    return gross if random.Random(f"ordered {number}").random() < 0.7 else None


def _glaeubiger_id(rng: random.Random) -> str:
    return f"DE{rng.randrange(10, 99)}ZZZ{rng.randrange(10**10, 10**11):011d}"


@dataclass(slots=True)
class Partner:
    key: str
    name: str  # as in Lexware
    holder: str  # account holder as the bank shows it
    iban: str
    in_lexware: bool  # the contact carries the IBAN / creditor id
    creditor_id: str = ""
    customer_no: str = ""


@dataclass(slots=True)
class _Book:
    """One business: builds vouchers and statement lines with the truth between them."""

    rng: random.Random
    tenant: str
    business: str
    start: date
    months: int
    history_months: int
    out: ScenarioSet
    seq: int = 0
    invoice_no: int = 0

    def next_id(self, prefix: str) -> str:
        self.seq += 1
        return f"{self.tenant}-{prefix}{self.seq:05d}"

    def month(self, m: int) -> date:
        year = self.start.year + (self.start.month - 1 + m) // 12
        return date(year, (self.start.month - 1 + m) % 12 + 1, 1)

    def in_history(self, day: date) -> bool:
        return day < self.month(self.history_months)

    def line(
        self,
        day: date,
        cents: int,
        holder: str,
        iban: str,
        text: str,
        *,
        creditor: str = "",
        mandate: str = "",
        reversal: bool = False,
        ordered: int | None = None,
        e2e: str = "",
    ) -> BankTxn:
        txn = BankTxn(
            id=self.next_id("b"),
            tenant_id=self.tenant,
            account_id=f"{self.tenant}-giro",
            booking_date=day,
            value_date=day,
            amount_cents=cents,
            counterparty_name=holder,
            counterparty_iban=iban,
            remittance=text,
            creditor_id=creditor,
            mandate_ref=mandate,
            status=TxnStatus.BOOKED,
            is_reversal=reversal,
            source="file",
            original_amount_cents=ordered,
            original_currency="EUR" if ordered is not None else None,
            end_to_end_id=e2e,
        )
        self.out.txns.append(txn)
        return txn

    def voucher(
        self,
        scenario: str,
        partner: Partner,
        vtype: str,
        number: str,
        vdate: date,
        items: list[tuple[int, date | None]],
        *,
        gross: int | None = None,
        skonto: int = 0,
        has_items: bool = True,
    ) -> list[ExpectedPayment]:
        vid = self.next_id("v")
        total = gross if gross is not None else sum(a for a, _ in items)
        idents = {partner.iban, partner.creditor_id} - {""} if partner.in_lexware else set()
        payments = [
            ExpectedPayment(
                id=f"{vid}#{k}",
                voucher_id=vid,
                tenant_id=self.tenant,
                voucher_type=vtype,
                voucher_number=number,
                voucher_date=vdate,
                amount_cents=amount,
                gross_cents=total,
                paid_date=paid,
                contact_id=f"{self.tenant}-{partner.key}",
                contact_name=partner.name,
                skonto_cents=skonto,
                has_items=has_items,
                known_identifiers=frozenset(idents),
                customer_number=partner.customer_no or None,
                position=k,
            )
            for k, (amount, paid) in enumerate(items)
        ]
        self.out.expected.extend(payments)
        self.out.scenario[vid] = scenario
        self.out.business_of[vid] = self.business
        self.out.tenant_of[self.business] = self.tenant
        return payments

    def paid(self, payment: ExpectedPayment, *txns: BankTxn, teach: bool = True) -> None:
        """``txns`` paid ``payment``; in the history months the client confirmed it,
        which teaches the line's account as the contact's (not a line paying many
        contacts' invoices at once, ``teach``: the client's memory learns from what
        the client confirms, and a billing service's account is no patient's)."""
        self.out.truth[payment.id] = frozenset(t.id for t in txns)
        if self.in_history(txns[0].booking_date):
            for txn in txns:
                self.out.history_links.append(
                    ExistingLink(payment.id, txn.id, payment.amount_cents, LinkStatus.CONFIRMED)
                )
                ident = txn.counterparty_iban or txn.creditor_id
                if ident and payment.contact_id and teach:
                    self.out.history_memory.append(
                        MemoryRow(self.tenant, ident, payment.contact_id, 1, 0)
                    )

    def marked_paid(self, booking: date) -> date:
        """The date a person enters in Lexware: mostly on or after the booking."""
        roll = self.rng.random()
        if roll < 0.40:
            return booking
        if roll < 0.65:
            return booking + timedelta(days=self.rng.randint(1, 3))
        if roll < 0.93:
            return booking + timedelta(days=self.rng.randint(4, 14))
        return booking - timedelta(days=self.rng.randint(1, 3))

    def workday(self, day: date) -> date:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day


def _euros(rng: random.Random, low: int, high: int) -> int:
    """A price in cents; craftsmen quote round net amounts plus 19 % VAT."""
    net = rng.randrange(low, high) * 100
    if rng.random() < 0.5:
        net = (net // 5000) * 5000 or 5000
    return net * 119 // 100


_FIRST = ("Klaus", "Petra", "Jürgen", "Sabine", "Thomas", "Monika", "Stefan", "Andrea", "Uwe")
_LAST = (
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Richter",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Krüger",
    "Hartmann",
    "Lange",
    "Krause",
    "Lehmann",
    "Köhler",
    "Kaiser",
    "Fuchs",
    "Vogel",
    "Jäger",
    "Groß",
    "Brandt",
)


def _customers(book: _Book, private: int, commercial: int) -> list[Partner]:
    rng = book.rng
    out: list[Partner] = []
    for k in range(private):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        holder = rng.choice(
            (
                f"{first} {last}",
                f"{last.upper()}, {first.upper()}",
                f"{first} und {rng.choice(_FIRST)} {last}",
                f"{first[0]}. {last}",
            )
        )
        out.append(
            Partner(
                f"p{k}",
                f"{first} {last}",
                holder,
                _german_iban(rng),
                False,
                customer_no=str(10000 + k),
            )
        )
    firms = (
        "Hausverwaltung Sommer GmbH",
        "Wohnbau Nord eG",
        "Praxis Dr. Weber",
        "Bäckerei Lange KG",
        "Immobilien Brandt & Koch GbR",
        "Autohaus Fuchs GmbH & Co. KG",
        "Gemeinde Lindenau",
        "Architekturbüro Kaiser",
    )
    for k in range(commercial):
        name = firms[k % len(firms)]
        out.append(
            Partner(
                f"f{k}",
                name,
                name.upper().replace("Ä", "AE"),
                _german_iban(rng),
                rng.random() < 0.5,
                customer_no=str(10050 + k),
            )
        )
    return out


def _written_number(rng: random.Random, number: str) -> str:
    """How a payer writes ``RE-24-0142`` (or ``ND-26-0155``) in the purpose."""
    prefix, yy, seq = number.split("-")
    short = seq.lstrip("0")
    return rng.choice(
        (
            number,
            number,
            f"{prefix} {yy} {seq}",
            f"{prefix}{yy}{seq}",
            f"Rechnung {number}",
            f"Rg.-Nr. {yy}/{seq}",
            f"Rechnungsnr. {prefix}-{yy}-{seq} vom",
            f"Rechnung {short}",
            f"{prefix} {yy}-{seq}",
            f"Re.Nr.{yy}{seq}",
        )
    )


def _cut(text: str, width: int = 27) -> str:
    """MT940 ``?20``..``?29`` / camt ``Ustrd`` lines of 27 or 35 characters."""
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def _sales(book: _Book, customers: list[Partner], per_month: tuple[int, int], prefix: str) -> None:
    rng = book.rng
    aside = random.Random(f"{book.business}-short")  # payments short (``_short``)
    commercial = [c for c in customers if c.key.startswith("f")]
    for m in range(book.months):
        first = book.month(m)
        year_no = first.year % 100
        if m == 0 or first.month == 1:
            book.invoice_no = 0
        batch: list[tuple[Partner, ExpectedPayment, str, date]] = []
        for _ in range(rng.randint(*per_month)):
            book.invoice_no += 1
            number = f"{prefix}-{year_no:02d}-{book.invoice_no:04d}"
            vdate = book.workday(first + timedelta(days=rng.randrange(26)))
            customer = rng.choice(customers)
            gross = _euros(rng, 80, 4500)
            booking = book.workday(vdate + timedelta(days=rng.choice((3, 5, 7, 8, 10, 14, 21, 28))))
            roll = rng.random()
            if roll < 0.06:  # paid in cash on site / to a private account
                book.voucher(
                    "cash_or_elsewhere", customer, "salesinvoice", number, vdate, [(gross, vdate)]
                )
                continue
            if roll < 0.12 and gross > 100_000:  # two instalments
                first_part = (gross // 2 // 100) * 100
                second_day = book.workday(booking + timedelta(days=30))
                payments = book.voucher(
                    "instalments",
                    customer,
                    "salesinvoice",
                    number,
                    vdate,
                    [
                        (first_part, book.marked_paid(booking)),
                        (gross - first_part, book.marked_paid(second_day)),
                    ],
                )
                for k, (payment, day) in enumerate(
                    zip(payments, (booking, second_day), strict=True)
                ):
                    text = f"{k + 1}. Rate {_written_number(rng, number)}"
                    book.paid(
                        payment,
                        book.line(day, payment.amount_cents, customer.holder, customer.iban, text),
                    )
                continue
            if customer in commercial and roll < 0.30:  # 2 % Skonto within 10 days
                skonto = (gross * 2 + 50) // 100
                booking = book.workday(vdate + timedelta(days=rng.randint(5, 10)))
                recorded = rng.random() < 0.5
                amount = gross - skonto if recorded else gross
                payment = book.voucher(
                    "skonto",
                    customer,
                    "salesinvoice",
                    number,
                    vdate,
                    [(amount, book.marked_paid(booking))],
                    gross=gross,
                    skonto=skonto if recorded else 0,
                    has_items=recorded,
                )[0]
                text = f"{_written_number(rng, number)} abzgl. 2% Skonto"
                book.paid(
                    payment,
                    book.line(booking, gross - skonto, customer.holder, customer.iban, text),
                )
                continue
            payment = book.voucher(
                "transfer",
                customer,
                "salesinvoice",
                number,
                vdate,
                [(gross, book.marked_paid(booking))],
            )[0]
            if customer in commercial and rng.random() < 0.35:
                batch.append((customer, payment, number, booking))
                continue
            style = rng.random()
            if style < 0.12:
                text = rng.choice(("Danke", "Ueberweisung", "Tischlerarbeiten", "Küche"))
                scenario = "transfer_without_number"
            elif style < 0.25:
                text = _cut(
                    f"Verwendungszweck {_written_number(rng, number)} Kd {customer.customer_no}"
                )
                scenario = "transfer_cut_lines"
            else:
                text = _written_number(rng, number)
                scenario = "transfer"
            paid, iban = gross, customer.iban
            short = _short(aside, customer, customer in commercial, number, gross)
            if short is not None:
                scenario, paid, iban, text = short
            book.out.scenario[payment.voucher_id] = scenario
            ordered = _ordered(number, scenario, gross)
            book.paid(
                payment, book.line(booking, paid, customer.holder, iban, text, ordered=ordered)
            )
        _collectives(book, batch)


def _collectives(book: _Book, batch: list[tuple[Partner, ExpectedPayment, str, date]]) -> None:
    """A property manager pays the month's invoices together, often without full numbers."""
    rng = book.rng
    by_customer: dict[str, list[tuple[Partner, ExpectedPayment, str, date]]] = {}
    for entry in batch:
        by_customer.setdefault(entry[0].key, []).append(entry)
    for entries in by_customer.values():
        customer = entries[0][0]
        if len(entries) == 1:
            _, payment, number, booking = entries[0]
            book.paid(
                payment,
                book.line(
                    booking,
                    payment.amount_cents,
                    customer.holder,
                    customer.iban,
                    _written_number(rng, number),
                ),
            )
            continue
        booking = max(e[3] for e in entries)
        seqs = [e[2].split("-")[2].lstrip("0") for e in entries]
        text = rng.choice(
            (
                f"Sammelzahlung {len(entries)} Rechnungen Kd {customer.customer_no}",
                f"RE {'/'.join(seqs)}",
                "Rechnungen " + ", ".join(e[2] for e in entries),
                f"Kd-Nr. {customer.customer_no} Ausgleich offener Posten",
            )
        )
        total = sum(e[1].amount_cents for e in entries)
        txn = book.line(booking, total, customer.holder, customer.iban, text)
        for _, payment, _, _ in entries:
            # the client marks them paid when the collective transfer shows up
            marked = replace(payment, paid_date=book.marked_paid(booking))
            book.out.expected[book.out.expected.index(payment)] = marked
            book.out.scenario[payment.voucher_id] = "collective"
            book.paid(marked, txn)


def _suppliers(book: _Book, count: int, per_month: tuple[int, int]) -> None:
    rng = book.rng
    names = (
        ("Holzhandel Wolff GmbH", "HOLZHANDEL WOLFF GMBH"),
        ("Würth GmbH & Co. KG", "ADOLF WUERTH GMBH + CO KG"),
        ("Beschläge Hettich Vertrieb", "HETTICH VERTRIEB GMBH"),
        ("Farben Krause", "FARBEN KRAUSE E.K."),
        ("Werkzeug Fuchs GmbH", "WERKZEUG FUCHS"),
    )
    partners = []
    for k in range(count):
        name, holder = names[k % len(names)]
        debit = k % 2 == 1
        partners.append(
            Partner(
                f"s{k}",
                name,
                holder,
                _german_iban(rng),
                rng.random() < 0.7,
                creditor_id=_glaeubiger_id(rng) if debit else "",
                customer_no=str(55000 + k),
            )
        )
    for m in range(book.months):
        first = book.month(m)
        for _ in range(rng.randint(*per_month)):
            supplier = rng.choice(partners)
            vdate = book.workday(first + timedelta(days=rng.randrange(26)))
            number = rng.choice(
                (
                    f"{rng.randrange(4_500_000_000, 4_599_999_999)}",
                    f"R-{first.year}-{rng.randrange(100000):05d}",
                    f"VR{first.year % 100}/{rng.randrange(1000, 9999)}",
                )
            )
            gross = _euros(rng, 40, 2500)
            if supplier.creditor_id:
                booking = book.workday(vdate + timedelta(days=rng.choice((7, 10, 14))))
                mandate = f"MD{supplier.customer_no}01"
                text = (
                    f"EREF+{rng.randrange(10**12)} MREF+{mandate} CRED+{supplier.creditor_id} "
                    f"SVWZ+RG {number} KD {supplier.customer_no}"
                )
                payment = book.voucher(
                    "direct_debit",
                    supplier,
                    "purchaseinvoice",
                    number,
                    vdate,
                    [(gross, book.marked_paid(booking))],
                )[0]
                if rng.random() < 0.06:
                    _returned_debit(book, supplier, payment, booking, text, mandate)
                    continue
                book.paid(
                    payment,
                    book.line(
                        booking,
                        -gross,
                        supplier.holder,
                        supplier.iban,
                        text,
                        creditor=supplier.creditor_id,
                        mandate=mandate,
                    ),
                )
                continue
            skonto = rng.random() < 0.3
            booking = book.workday(vdate + timedelta(days=rng.randint(3, 9) if skonto else 25))
            bank = gross - (gross * 3 + 50) // 100 if skonto else gross
            payment = book.voucher(
                "supplier_skonto" if skonto else "supplier_transfer",
                supplier,
                "purchaseinvoice",
                number,
                vdate,
                [(bank, book.marked_paid(booking))],
                gross=gross,
                skonto=gross - bank,
            )[0]
            text = f"Rechnung {number} Kd-Nr {supplier.customer_no}"
            book.paid(payment, book.line(booking, -bank, supplier.holder, supplier.iban, text))


def _returned_debit(
    book: _Book, supplier: Partner, payment: ExpectedPayment, booking: date, text: str, mandate: str
) -> None:
    """The debit is returned (account short); it is collected again or transferred later."""
    rng = book.rng
    amount = payment.amount_cents
    book.line(
        booking,
        -amount,
        supplier.holder,
        supplier.iban,
        text,
        creditor=supplier.creditor_id,
        mandate=mandate,
    )
    book.line(
        booking + timedelta(days=2),
        amount,
        supplier.holder,
        supplier.iban,
        f"RUECKLASTSCHRIFT {text} MANGELNDE DECKUNG",
    )
    book.line(booking + timedelta(days=2), -300, "", "", "ENTGELT RUECKLASTSCHRIFT")
    later = book.workday(booking + timedelta(days=rng.randint(8, 12)))
    if rng.random() < 0.5:
        again = book.line(
            later,
            -amount,
            supplier.holder,
            supplier.iban,
            text,
            creditor=supplier.creditor_id,
            mandate=mandate,
        )
    else:
        number = payment.voucher_number
        again = book.line(
            later,
            -amount,
            supplier.holder,
            supplier.iban,
            f"Zahlung nach Ruecklastschrift RG {number}",
        )
    book.out.scenario[payment.voucher_id] = "returned_debit"
    book.paid(payment, again)


def _recurring(
    book: _Book,
    scenario: str,
    partner: Partner,
    cents: int,
    every: int,
    text: str,
    *,
    day: int = 1,
    debit: bool = True,
    number: str = "",
) -> None:
    """Rent, leasing, insurance, phone: the same amount every month or quarter."""
    rng = book.rng
    for m in range(0, book.months, every):
        first = book.month(m)
        due = book.workday(first + timedelta(days=day - 1))
        booking = due + timedelta(days=rng.choice((0, 0, 1, 2)))
        period = f"{first.month:02d}/{first.year}"
        quarter = f"{(first.month - 1) // 3 + 1}. Quartal {first.year}"
        voucher_no = number.format(period=period, n=m + 1, yymm=f"{first:%y%m}")
        purpose = text.format(period=period, quarter=quarter, n=m + 1, number=voucher_no)
        payment = book.voucher(
            scenario,
            partner,
            "purchaseinvoice",
            voucher_no,
            first,
            [(cents, book.marked_paid(booking))],
        )[0]
        line = book.line(
            booking,
            -cents,
            partner.holder,
            partner.iban,
            purpose,
            creditor=partner.creditor_id if debit else "",
            mandate=f"M-{partner.key}" if debit else "",
        )
        book.paid(payment, line)


def _card_receipts(book: _Book, per_month: tuple[int, int]) -> None:
    rng = book.rng
    stations = (
        ("Aral Tankstelle", "ARAL STATION 4711"),
        ("Shell", "SHELL 1234 DEUTSCHLAND"),
        ("Bauhaus", "BAUHAUS SAGT DANKE"),
        ("Hornbach Baumarkt", "HORNBACH BAUMARKT AG FIL. 512"),
    )
    partners = [Partner(f"k{k}", n, h, "", False) for k, (n, h) in enumerate(stations)]
    for m in range(book.months):
        first = book.month(m)
        for _ in range(rng.randint(*per_month)):
            partner = rng.choice(partners)
            day = first + timedelta(days=rng.randrange(28))
            cents = rng.randrange(1500, 14000)
            payment = book.voucher("card", partner, "purchaseinvoice", "", day, [(cents, day)])[0]
            if rng.random() < 0.1:  # paid with the private card
                book.out.scenario[payment.voucher_id] = "cash_or_elsewhere"
                continue
            booking = day + timedelta(days=rng.randint(1, 3))
            clock = f"{rng.randrange(10, 23)}:{rng.randrange(60):02d}"
            text = f"GIROCARD {partner.holder} {day:%d.%m.%Y} {clock}"
            book.paid(payment, book.line(booking, -cents, partner.holder, "", text))


def _payouts(book: _Book) -> None:
    """Sales paid through providers; payouts bundle several sales minus the fee."""
    rng = book.rng
    providers = (
        ("PayPal", "PayPal (Europe) S.a r.l. et Cie, S.C.A.", 249, 35, 7),
        ("Stripe", "STRIPE PAYMENTS EUROPE LTD", 150, 25, 3),
        ("SumUp", "SumUp Payments Limited", 139, 0, 1),
    )
    # Shop connectors book each channel's sales to one collective customer.
    number = 0
    for name, holder, permille10k, fixed, every in providers:
        iban = _german_iban(rng)
        channel = Partner(f"sales-{name.lower()}", f"Verkäufe {name}", holder, iban, False)
        day = book.month(0)
        end = book.month(book.months)
        while day < end:
            sales: list[ExpectedPayment] = []
            for offset in range(every):
                sale_day = day + timedelta(days=offset)
                for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
                    number += 1
                    cents = rng.randrange(1200, 18000)
                    sales.extend(
                        book.voucher(
                            f"payout_{name.lower()}",
                            channel,
                            "salesinvoice",
                            f"SH-{sale_day:%y}-{number:05d}",
                            sale_day,
                            [(cents, sale_day)],
                        )
                    )
            payout_day = book.workday(day + timedelta(days=every + 1))
            if sales:
                gross = sum(s.amount_cents for s in sales)
                fee = (gross * permille10k + 5000) // 10000 + fixed * len(sales)
                text = f"{name} Auszahlung {payout_day:%Y-%m-%d} Ref {rng.randrange(10**8)}"
                txn = book.line(payout_day, gross - fee, holder, iban, text)
                for sale in sales:
                    book.paid(sale, txn)
            day += timedelta(days=every)


def _unrelated(book: _Book, staff: int) -> None:
    """Wages, taxes, social security, charges: statement lines without a voucher."""
    rng = book.rng
    finanzamt = _german_iban(rng)
    for m in range(book.months):
        first = book.month(m)
        period = f"{first.month:02d}/{first.year}"
        for k in range(staff):
            book.line(
                first + timedelta(days=27),
                -rng.randrange(180000, 320000),
                f"{_FIRST[k]} {_LAST[-k - 1]}",
                _german_iban(rng),
                f"Lohn {period}",
            )
        book.line(
            first + timedelta(days=9),
            -rng.randrange(40000, 300000),
            "Finanzamt Lindenau",
            finanzamt,
            f"USt-VA {period} StNr 123/456/78901",
        )
        if staff:
            book.line(
                first + timedelta(days=9),
                -rng.randrange(30000, 90000),
                "Finanzamt Lindenau",
                finanzamt,
                f"LSt {period} StNr 123/456/78901",
            )
            book.line(
                first + timedelta(days=26),
                -rng.randrange(90000, 200000),
                "AOK Niedersachsen",
                _german_iban(rng),
                f"Beitrag {period} BN 12345678",
            )
        book.line(
            first + timedelta(days=rng.randrange(27)),
            -rng.randrange(900, 2500),
            "",
            "",
            f"Kontofuehrung {period}",
        )
        if rng.random() < 0.5:
            book.line(
                first + timedelta(days=rng.randrange(27)),
                -rng.choice((20000, 50000, 100000)),
                "",
                "",
                "Bargeldauszahlung GA 4711",
            )


def _tischlerei(seed: int, out: ScenarioSet) -> None:
    rng = random.Random(seed)
    book = _Book(rng, "tischlerei", "tischlerei", date(2024, 1, 1), 24, 3, out)
    customers = _customers(book, 45, 6)
    _sales(book, customers, (9, 13), "RE")
    _suppliers(book, 5, (3, 6))
    lindenhof = Partner(
        "landlord",
        "Lindenhof Grundstücks GbR",
        "GbR Lindenhof, H. Albrecht",
        _german_iban(rng),
        False,
    )
    _recurring(book, "rent", lindenhof, 145000, 1, "Miete {period} Werkstatt", debit=False)
    leasing = Partner(
        "leasing",
        "VW Leasing GmbH",
        "VOLKSWAGEN LEASING GMBH",
        _german_iban(rng),
        True,
        creditor_id=_glaeubiger_id(rng),
    )
    _recurring(
        book,
        "leasing",
        leasing,
        48913,
        1,
        "Leasingrate {period} Vertrag 3312456 Caddy",
        day=15,
        number="LV3312456-{n}",
    )
    insurance = Partner(
        "insurance",
        "SIGNAL IDUNA Allgemeine Versicherung AG",
        "SIGNAL IDUNA ALLG. VERS. AG",
        _german_iban(rng),
        True,
        creditor_id=_glaeubiger_id(rng),
    )
    _recurring(
        book,
        "insurance",
        insurance,
        61240,
        3,
        "Beitrag {quarter} Betriebshaftpflicht VS-Nr 40.556.778",
    )
    telekom = Partner(
        "telekom",
        "Telekom Deutschland GmbH",
        "Telekom Deutschland GmbH",
        _german_iban(rng),
        False,
        creditor_id=_glaeubiger_id(rng),
    )
    _recurring(
        book,
        "phone",
        telekom,
        5949,
        1,
        "Rechnung {number} Buchungskonto 4400112233",
        day=20,
        number="6601{yymm}0815",
    )
    _card_receipts(book, (3, 5))
    _unrelated(book, 2)


def _keramikshop(seed: int, out: ScenarioSet) -> None:
    rng = random.Random(seed + 1)
    book = _Book(rng, "keramik", "keramikshop", date(2025, 1, 1), 12, 2, out)
    _payouts(book)
    _suppliers(book, 3, (1, 3))
    hosting = Partner(
        "hosting",
        "Shopify International Ltd.",
        "SHOPIFY INTERNATIONAL LTD",
        _german_iban(rng),
        False,
        creditor_id=_glaeubiger_id(rng),
    )
    _recurring(book, "subscription", hosting, 3600, 1, "Shopify Abo {period}", day=3)
    _unrelated(book, 0)


def _beratung(seed: int, out: ScenarioSet) -> None:
    rng = random.Random(seed + 2)
    book = _Book(rng, "beratung", "beratung", date(2024, 1, 1), 24, 3, out)
    customers = _customers(book, 6, 4)
    _sales(book, customers, (5, 8), "ND")
    office = Partner(
        "office",
        "Büro am Markt Verwaltung",
        "Hausverwaltung Markt 3, E. Scholz",
        _german_iban(rng),
        False,
    )
    _recurring(book, "rent", office, 68000, 1, "Büromiete {period}", debit=False)
    _unrelated(book, 0)
    _retainers(book, 4)


def _collect(book: _Book, collection: tuple[Partner, int, str, str, str], day: date) -> BankTxn:
    """A collection's statement line: (client, cents, mandate, creditor id, purpose);
    the end-to-end id is the bank's own, new each time."""
    client, cents, mandate, creditor, purpose = collection
    return book.line(
        day,
        cents,
        client.holder,
        client.iban,
        f"EREF+{book.rng.randrange(10**11, 10**12)} MREF+{mandate} CRED+{creditor} SVWZ+{purpose}",
        creditor=creditor,
        mandate=mandate,
    )


# why a customer's bank returns a direct debit (SEPA return reason codes)
_RETURN_REASONS = (
    "AM04 KONTO UNGEDECKT",
    "MD06 RUECKGABE AUF VERANLASSUNG DES ZAHLERS",
    "MS03 SONSTIGE GRUENDE",
)


def _book_return(
    book: _Book, day: date, cents: int, charges: int, payer: Partner, text: str, e2e: str = ""
) -> None:
    """A returned collection of ``cents`` from ``payer``: the banks' charges on a line of
    their own, or in the return's amount (camt: the original in ``InstdAmt``), said in
    its purpose; ``e2e``: the end-to-end id the return keeps."""
    if book.rng.random() < 0.5:
        book.line(day, -cents, payer.holder, payer.iban, text, e2e=e2e)
        book.line(day, -charges, "", "", "ENTGELT RUECKLASTSCHRIFT")
    else:
        book.line(
            day,
            -(cents + charges),
            payer.holder,
            payer.iban,
            f"{text} ENTGELT {charges // 100},{charges % 100:02d} EUR",
            e2e=e2e,
        )


def _retainers(book: _Book, count: int) -> None:
    """Monthly retainers the consultant collects by SEPA direct debit (the consultant is
    the creditor): invoiced on the first, collected on the fifth workday, booked one by
    one; the purpose names the month and the customer number, the end-to-end id is the
    bank's own. About one collection in eight comes back three to five workdays later
    (no funds, refunded on the client's request), the banks' charges on a line of their
    own or in the return's amount; the consultant collects the same again ten to
    sixteen days after the return — the same purpose, a new end-to-end id, after the
    payment's date window — or the client transfers it. Lexware keeps the first
    collection's day as the paid date."""
    rng = book.rng
    creditor = _glaeubiger_id(rng)
    clients = [
        Partner(
            f"r{k}",
            name,
            name.upper().replace("Ü", "UE").replace("Ä", "AE"),
            _german_iban(rng),
            rng.random() < 0.5,
            customer_no=str(20100 + k),
        )
        for k, name in enumerate(
            (
                "Müller Metallbau GmbH",
                "Steuerkanzlei Vogt",
                "Gärtnerei Blum KG",
                "Pflegedienst Sonnenschein gGmbH",
                "Hotel zur Post OHG",
            )[:count]
        )
    ]
    for client in clients:
        cents = rng.choice((59500, 89250, 119000, 148750))
        mandate = f"BER-{client.customer_no}"
        for m in range(book.months):
            first = book.month(m)
            number = f"PA-{first:%y}-{m * count + int(client.customer_no) - 20099:04d}"
            booking = first
            for _ in range(5):
                booking = book.workday(booking + timedelta(days=1))
            payment = book.voucher(
                "retainer", client, "salesinvoice", number, first, [(cents, booking)]
            )[0]
            purpose = f"Beratungspauschale {first:%m/%Y} Kd {client.customer_no}"

            collection = (client, cents, mandate, creditor, purpose)
            collected = _collect(book, collection, booking)
            if rng.random() >= 0.12:
                book.paid(payment, collected)
                continue
            book.out.scenario[payment.voucher_id] = "retainer_returned"
            back = book.workday(booking + timedelta(days=rng.randint(3, 5)))
            reason = rng.choice(_RETURN_REASONS)
            # the banks' charges (own 3,00 €, the client's bank's passed on)
            charges = rng.choice((300, 650, 1050))
            _book_return(
                book, back, cents, charges, client, f"RUECKLASTSCHRIFT SVWZ+{purpose} {reason}"
            )
            later = book.workday(back + timedelta(days=rng.randint(10, 16)))
            if rng.random() < 0.75:
                book.paid(payment, _collect(book, collection, later))
            else:
                book.paid(
                    payment,
                    book.line(
                        later,
                        cents,
                        client.holder,
                        client.iban,
                        rng.choice(("Beratung", f"Pauschale {first:%m/%Y}", "Ueberweisung")),
                    ),
                )


# a physiotherapy practice's private price list: (treatment, price per session in cents)
# of 2024; a series is six or ten sessions, the first with a findings fee
_THERAPIES = (("KG", 2800), ("MT", 3400), ("MLD45", 4200), ("KG-ZNS", 4500), ("Fango+KG", 4400))
_FINDINGS = 3500


def _physio_price(rng: random.Random, year: int) -> int:
    """A private invoice: a series of sessions at the list price (4 % more from 2025,
    rounded to 50 ct), sometimes with the findings fee: few distinct amounts, many
    invoices of one amount."""
    _, price = rng.choice(_THERAPIES)
    if year >= 2025:
        price = (price * 104 // 100 + 25) // 50 * 50
    total = price * rng.choice((6, 6, 6, 10))
    return total + (_FINDINGS if rng.random() < 0.3 else 0)


def _physio_patients(book: _Book, count: int) -> list[Partner]:
    rng = book.rng
    out = []
    for k in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        holder = rng.choice(
            (f"{first} {last}", f"{last}, {first}", f"{first.upper()} {last.upper()}")
        )
        out.append(Partner(f"pat{k}", f"{first} {last}", holder, _german_iban(rng), False))
    return out


def _billing_advice(
    number: str, payout: date, batch: list[tuple[Partner, str, date, int]]
) -> bytes:
    """The billing service's payout advice (CSV, ``,``, decimal point, Windows-1252): the
    submission's number and payout date, then per invoice its patient, treatment date and
    amount, paid out gross."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(
        [
            ["Abrechnung Nr.", number],
            ["Auszahlungsdatum", f"{payout:%d.%m.%Y}"],
            [],
            ["Re.-Nr.", "Patient", "Behandlungsdatum", "Betrag"],
        ]
    )
    for patient, invoice, vdate, gross in batch:
        first, _, last = patient.name.rpartition(" ")
        writer.writerow(
            [invoice, f"{last}, {first}", f"{vdate:%d.%m.%Y}", f"{gross // 100}.{gross % 100:02d}"]
        )
    return out.getvalue().encode("cp1252")


def _physio_billing(
    book: _Book, billing: Partner, handed: list[tuple[Partner, str, date, int]]
) -> None:
    """The billing service (factoring) buys the private invoices the practice hands in
    every second Tuesday — those written since the last submission, a few a round late
    (a prescription copy missing) — and pays each submission out gross, three to six
    workdays later, in one transfer stating how many invoices it pays; its fee comes
    as an invoice of its own each month, collected by direct debit."""
    rng = book.rng
    waiting: list[tuple[Partner, str, date, int]] = []
    late_ones: set[str] = set()
    pending = sorted(handed, key=lambda h: (h[2], h[1]))
    day = book.month(0) + timedelta(days=(1 - book.month(0).weekday()) % 7 + 7)
    end = book.month(book.months)
    fees: dict[date, int] = {}
    n = 0
    while day < end and (pending or waiting):
        written = [h for h in pending if h[2] < day]
        pending = [h for h in pending if h[2] >= day]
        late = [h for h in written if rng.random() < 0.08]
        batch = waiting + [h for h in written if h not in late]
        waiting = late
        late_ones.update(h[1] for h in late)
        if batch:
            n += 1
            payout = book.workday(day + timedelta(days=rng.randint(3, 6)))
            if payout >= end:  # paid out after the last statement
                waiting += batch
                break
            total = sum(h[3] for h in batch)
            k = len(batch)
            items = f"{k} Beleg{'e' if k > 1 else ''}"
            text = rng.choice(
                (
                    f"Gutschrift Abrechnung {day.year}-{n:03d} {items}",
                    f"AUSZAHLUNG ABR-NR {day.year}{n:03d} ANZAHL {k}",
                    f"Auszahlung Einreichung {day:%d.%m.%Y} {items}",
                )
            )
            txn = book.line(payout, total, billing.holder, billing.iban, text)
            # the service's advice, with its number as the transfer shows it
            compact = f"{day.year}{n:03d}"
            shown = compact if f"ABR-NR {compact}" in text else f"{day.year}-{n:03d}"
            name = f"{book.business}_abrechnung_{day.year}-{n:03d}.csv"
            book.out.advice_files[name] = _billing_advice(shown, payout, batch)
            book.out.advice_lines[name] = (txn.id,)
            for patient, number, vdate, gross in batch:
                payment = book.voucher(
                    "billing_service_late" if number in late_ones else "billing_service",
                    patient,
                    "salesinvoice",
                    number,
                    vdate,
                    [(gross, book.marked_paid(payout))],
                )[0]
                book.paid(payment, txn, teach=False)
            month = payout.replace(day=1)
            fees[month] = fees.get(month, 0) + total * 29 // 1000
        day += timedelta(days=14)
    for patient, number, vdate, gross in pending + waiting:  # handed in after the last
        book.voucher(
            "billing_after_last_statement", patient, "salesinvoice", number, vdate, [(gross, None)]
        )
    for month, fee in sorted(fees.items()):
        nxt = (month + timedelta(days=32)).replace(day=1)
        booking = book.workday(nxt + timedelta(days=4))
        if booking >= end:
            continue
        number = f"GR-{month:%y%m}"
        payment = book.voucher(
            "billing_fee",
            billing,
            "purchaseinvoice",
            number,
            nxt,
            [(fee, book.marked_paid(booking))],
        )[0]
        text = f"Gebuehrenrechnung {number} Abrechnungsgebuehren {month:%m/%Y}"
        book.paid(
            payment,
            book.line(
                booking,
                -fee,
                billing.holder,
                billing.iban,
                text,
                creditor=billing.creditor_id,
                mandate="M-ABR-0815",
            ),
        )


def _physio(seed: int, out: ScenarioSet) -> None:
    """A physiotherapy practice over 18 months: its private patients' invoices at list
    prices, about half handed in to a billing service, the rest paid by the patients
    (or a relative) — or at the reception, booked to the cash box, which never reaches
    the engine; the statutory insurers' money comes through a second billing centre
    without a voucher."""
    rng = random.Random(seed + 3)
    book = _Book(rng, "physio", "physio", date(2024, 1, 1), 18, 3, out)
    patients = _physio_patients(book, 160)
    billing = Partner(
        "billing",
        "Therapie-Abrechnung Nord GmbH",
        "THERAPIE-ABRECHNUNG NORD GMBH",
        _german_iban(rng),
        True,
        creditor_id=_glaeubiger_id(rng),
    )
    gkv_iban = _german_iban(rng)
    handed: list[tuple[Partner, str, date, int]] = []
    for m in range(book.months):
        first = book.month(m)
        if m == 0 or first.month == 1:
            book.invoice_no = 0
        for _ in range(rng.randint(30, 45)):
            book.invoice_no += 1
            number = f"PR-{first.year % 100:02d}-{book.invoice_no:04d}"
            vdate = book.workday(first + timedelta(days=rng.randrange(27)))
            patient = rng.choice(patients)
            gross = _physio_price(rng, vdate.year)
            roll = rng.random()
            if roll < 0.45:
                handed.append((patient, number, vdate, gross))
                continue
            if roll < 0.52:  # paid at the reception (cash box): never reaches the engine
                continue
            booking = book.workday(vdate + timedelta(days=rng.randint(5, 30)))
            holder, iban, scenario = patient.holder, patient.iban, "patient_transfer"
            style = rng.random()
            if style < 0.1:
                relative = rng.choice(_FIRST)
                holder = f"{relative} {patient.name.split()[-1]}"
                iban = _german_iban(rng)
                text = _written_number(rng, number)
                scenario = "patient_relative"
            elif style < 0.3:
                text = rng.choice(
                    (
                        f"Behandlung {patient.name}",
                        "Physiotherapie",
                        f"Rezept vom {vdate - timedelta(days=rng.randint(20, 40)):%d.%m.%Y}",
                        "",
                    )
                )
                scenario = "patient_transfer_no_number"
            else:
                text = _written_number(rng, number)
            payment = book.voucher(
                scenario,
                patient,
                "salesinvoice",
                number,
                vdate,
                [(gross, book.marked_paid(booking))],
            )[0]
            book.paid(payment, book.line(booking, gross, holder, iban, text))
        # the statutory insurers' money: no voucher in Lexware
        book.line(
            book.workday(first + timedelta(days=rng.randint(18, 24))),
            rng.randrange(900000, 1800000),
            "ABRECHNUNGSZENTRUM HEILMITTEL",
            gkv_iban,
            f"Auszahlung Kassenabrechnung {book.month(m - 1):%m/%Y} IK 591234567",
        )
    _physio_billing(book, billing, handed)
    praxis = Partner(
        "landlord", "Ärztehaus am Park GbR", "Aerztehaus am Park GbR", _german_iban(rng), False
    )
    _recurring(book, "rent", praxis, 210000, 1, "Miete {period} Praxis EG", debit=False)
    _suppliers(book, 3, (1, 3))
    _unrelated(book, 3)


# a dance school's monthly fees (cents): children's, teenagers', adults', couples'
_DANCE_FEES = (3900, 4500, 5900, 7900, 11800)
_GERMAN_MONTHS = get_month_names("wide", locale="de_DE")
_CHILDREN = ("Emma", "Mia", "Lina", "Paul", "Ben", "Lea", "Noah", "Marie", "Finn", "Hanna")


def _dance_members(book: _Book, count: int) -> list[Partner]:
    """Members paying by SEPA mandate, the mandate's account in Lexware for most. A
    third are children: the contact is the child, the account a parent's."""
    rng = book.rng
    out = []
    for k in range(count):
        last = rng.choice(_LAST)
        parent = rng.choice(_FIRST)
        child = rng.random() < 0.35
        name = f"{rng.choice(_CHILDREN)} {last}" if child else f"{parent} {last}"
        holder = rng.choice((f"{parent} {last}", f"{last.upper()}, {parent.upper()}"))
        out.append(
            Partner(
                f"m{k}",
                name,
                holder,
                _german_iban(rng),
                rng.random() < 0.7,
                customer_no=str(1001 + k),
            )
        )
    return out


def _pain008(
    message: str, batch: str, day: date, creditor: str, items: list[tuple[Partner, int, str]]
) -> bytes:
    """The school's own SEPA collection file (pain.008.001.08 as its club software writes
    it): one batch booked as one line (``BtchBookg``), per member the amount, mandate,
    account and the purpose."""
    total = sum(cents for _, cents, _ in items)

    def money(cents: int) -> str:
        return f"{cents // 100}.{cents % 100:02d}"

    body = "".join(
        "<DrctDbtTxInf>"
        f"<PmtId><EndToEndId>{batch}-{member.customer_no}</EndToEndId></PmtId>"
        f'<InstdAmt Ccy="EUR">{money(cents)}</InstdAmt>'
        f"<DrctDbtTx><MndtRltdInf><MndtId>TS-{member.customer_no}</MndtId>"
        "<DtOfSgntr>2023-09-01</DtOfSgntr></MndtRltdInf></DrctDbtTx>"
        f"<Dbtr><Nm>{member.holder}</Nm></Dbtr>"
        f"<DbtrAcct><Id><IBAN>{member.iban}</IBAN></Id></DbtrAcct>"
        f"<RmtInf><Ustrd>{purpose}</Ustrd></RmtInf>"
        "</DrctDbtTxInf>"
        for member, cents, purpose in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08">'
        f"<CstmrDrctDbtInitn><GrpHdr><MsgId>{message}</MsgId>"
        f"<CreDtTm>{day - timedelta(days=3):%Y-%m-%d}T18:00:00</CreDtTm>"
        f"<NbOfTxs>{len(items)}</NbOfTxs><CtrlSum>{money(total)}</CtrlSum>"
        "<InitgPty><Nm>Tanzschule Schrittweise</Nm></InitgPty></GrpHdr>"
        f"<PmtInf><PmtInfId>{batch}</PmtInfId><PmtMtd>DD</PmtMtd><BtchBookg>true</BtchBookg>"
        f"<NbOfTxs>{len(items)}</NbOfTxs><CtrlSum>{money(total)}</CtrlSum>"
        "<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm>"
        f"<SeqTp>RCUR</SeqTp></PmtTpInf><ReqdColltnDt>{day:%Y-%m-%d}</ReqdColltnDt>"
        "<Cdtr><Nm>Tanzschule Schrittweise</Nm></Cdtr>"
        "<CdtrAcct><Id><IBAN>DE02500105170137075030</IBAN></Id></CdtrAcct>"
        "<CdtrAgt><FinInstnId><BICFI>INGDDEFFXXX</BICFI></FinInstnId></CdtrAgt>"
        f"<CdtrSchmeId><Id><PrvtId><Othr><Id>{creditor}</Id><SchmeNm><Prtry>SEPA</Prtry>"
        "</SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>"
        f"{body}</PmtInf></CstmrDrctDbtInitn></Document>"
    ).encode()


def _tanzschule(seed: int, out: ScenarioSet) -> None:
    """A dance school over a year: each member's monthly fee invoiced on the first
    (``TS-25-0312``) and collected with all the others' as one SEPA batch on the fifth
    workday — one statement line „SEPA-SAMMLER-GUTSCHRIFT … ANZAHL 58“ with no payer;
    the school uploads its pain.008 file, which names each member's invoice. A few
    collections a month come back three to six workdays later (no funds, refunded on
    the member's request), with the banks' charges in the return's amount or on a line
    of their own; the school collects the fee again singly ten to sixteen days later,
    or the member transfers it. Lexware keeps the batch's day as the paid date (the
    club software marks the batch paid); a few members pay in cash at the desk (no
    line)."""
    rng = random.Random(seed + 4)
    book = _Book(rng, "tanzschule", "tanzschule", date(2025, 1, 1), 12, 2, out)
    members = _dance_members(book, 60)
    fee_of = {m.key: rng.choice(_DANCE_FEES) for m in members}
    creditor = _glaeubiger_id(rng)
    for m in range(book.months):
        first = book.month(m)
        if m == 0:
            book.invoice_no = 0
        collected = first
        for _ in range(5):
            collected = book.workday(collected + timedelta(days=1))
        items: list[tuple[Partner, int, str]] = []
        payments: dict[str, ExpectedPayment] = {}
        for member in members:
            if rng.random() < 0.04:  # on a break this month: no invoice
                continue
            book.invoice_no += 1
            number = f"TS-{first:%y}-{book.invoice_no:04d}"
            cents = fee_of[member.key]
            if rng.random() < 0.02:  # paid in cash at the desk: no line
                book.voucher("dance_cash", member, "salesinvoice", number, first, [(cents, first)])
                continue
            payments[member.key] = book.voucher(
                "dance_batch", member, "salesinvoice", number, first, [(cents, collected)]
            )[0]
            purpose = f"Kursbeitrag {first:%m/%Y} Mitglied {member.customer_no} {number}"
            items.append((member, cents, purpose))
        batch_id = f"TS{collected:%Y%m%d}-{m + 1:02d}"
        total = sum(cents for _, cents, _ in items)
        line = book.line(
            collected,
            total,
            "",
            "",
            f"SEPA-SAMMLER-GUTSCHRIFT {batch_id} ANZAHL {len(items)}",
        )
        name = f"{book.business}_sammler_{first:%Y-%m}.xml"
        book.out.advice_files[name] = _pain008(
            f"MSG-{batch_id}", batch_id, collected, creditor, items
        )
        book.out.advice_lines[name] = (line.id,)
        for member, cents, purpose in items:
            payment = payments[member.key]
            if rng.random() >= 0.04:
                book.paid(payment, line, teach=False)
                continue
            book.out.scenario[payment.voucher_id] = "dance_returned"
            back = book.workday(collected + timedelta(days=rng.randint(3, 6)))
            reason = rng.choice(_RETURN_REASONS)
            charges = rng.choice((300, 450, 875))
            # the return carries the item's end-to-end id; its purpose, often cut or
            # missing, only where the bank passes it on
            e2e = f"{batch_id}-{member.customer_no}"
            said = f"EREF+{e2e} MREF+TS-{member.customer_no} CRED+{creditor} " + (
                f"SVWZ+{purpose} {reason}" if rng.random() < 0.6 else f"SVWZ+{reason}"
            )
            _book_return(book, back, cents, charges, member, f"RUECKLASTSCHRIFT {said}", e2e)
            later = book.workday(back + timedelta(days=rng.randint(10, 16)))
            if later >= book.month(book.months):
                continue  # collected again after the last statement: open
            if rng.random() < 0.75:
                again = book.line(
                    later,
                    cents,
                    member.holder,
                    member.iban,
                    f"EREF+{e2e}W MREF+TS-{member.customer_no} "
                    f"CRED+{creditor} SVWZ+{purpose} WIEDERVORLAGE",
                    creditor=creditor,
                    mandate=f"TS-{member.customer_no}",
                    e2e=f"{e2e}W",
                )
            else:
                again = book.line(
                    later,
                    cents,
                    member.holder,
                    member.iban,
                    rng.choice(
                        (
                            f"Beitrag {_GERMAN_MONTHS[first.month]} {member.name.split()[0]}",
                            f"Kursbeitrag {payment.voucher_number}",
                            "Tanzschule Beitrag",
                        )
                    ),
                )
            book.paid(payment, again)


def generate(seed: int = 2025) -> ScenarioSet:
    """All five businesses, reproducible from ``seed``."""
    out = ScenarioSet()
    _tischlerei(seed, out)
    _keramikshop(seed, out)
    _beratung(seed, out)
    _physio(seed, out)
    _tanzschule(seed, out)
    return out
