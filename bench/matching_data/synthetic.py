"""A reproducible synthetic benchmark generator for matching, with ground truth.

German bookkeeping noise: remittances with and without the voucher number in every
variant (``RE-2024-0042``, ``RE20240042``, ``Rechnung 42``, split across 27/35-char
lines, cut mid-token, SEPA keywords), name variants (legal forms, umlauts vs ae, typos,
card-merchant suffixes, cities), Skonto with and without Lexware's cashDiscount item,
bank fees, part payments, collective transfers, credit notes, returned debits, pending
lines, decoys with the same amount on nearby dates, unrelated lines (salary, rent, tax,
cards), and vouchers paid from a bank the app does not know (no transaction at all).

Everything comes from one ``random.Random(seed)``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from belegsync.domain.matching import BankTxn, ExpectedPayment, TxnStatus

__all__ = ["SyntheticData", "generate"]

_YEAR_START = date(2024, 1, 1)
_SURNAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Schuster",
    "Simon",
    "Ludwig",
    "Böhm",
    "Winter",
    "Kraus",
    "Martin",
    "Schumacher",
    "Krämer",
    "Vogt",
    "Stein",
    "Jäger",
    "Otto",
    "Sommer",
    "Groß",
    "Seidel",
    "Heinrich",
    "Brandt",
    "Haas",
    "Schreiber",
    "Graf",
    "Schulte",
    "Dietrich",
    "Ziegler",
    "Kuhn",
    "Kühn",
    "Pohl",
    "Engel",
    "Horn",
    "Busch",
]
_TRADES = [
    "Bau",
    "Elektro",
    "Sanitär",
    "Dachdeckerei",
    "Druckerei",
    "Logistik",
    "Consulting",
    "Software",
    "Gartenbau",
    "Metallbau",
    "Holzbau",
    "Reinigung",
    "Catering",
    "Transporte",
    "Steuerberatung",
    "Werbeagentur",
    "Immobilien",
    "Autohaus",
    "Bäckerei",
    "Fliesen",
    "Malerbetrieb",
    "Medien",
    "Technik",
    "Handel",
    "Energie",
    "Optik",
    "Systemhaus",
    "Verlag",
]
_FIRST = [
    "Anna",
    "Bernd",
    "Claudia",
    "Dieter",
    "Eva",
    "Frank",
    "Gabi",
    "Heinz",
    "Ines",
    "Jürgen",
    "Karin",
    "Lars",
    "Monika",
    "Nils",
]
_LEGAL = ("GmbH", "GmbH & Co. KG", "UG (haftungsbeschränkt)", "AG", "KG", "e.K.", "GbR", "OHG", "")
_CITIES = [
    "BERLIN",
    "HAMBURG",
    "MUENCHEN",
    "KOELN",
    "FRANKFURT",
    "STUTTGART",
    "LEIPZIG",
    "DRESDEN",
    "BREMEN",
    "ESSEN",
]
_MERCHANTS = (
    "REWE Markt",
    "EDEKA",
    "Aral Station",
    "Shell Deutschland",
    "Amazon EU",
    "Bauhaus",
    "OBI Markt",
    "Deutsche Bahn",
    "Lufthansa",
    "MediaMarkt",
    "Staples",
    "dm-drogerie markt",
    "IKEA Deutschland",
    "Hornbach Baumarkt",
)
_UNRELATED_DEBITS = (
    ("GEHALT", 150_000, 450_000),
    ("MIETE BUERO", 80_000, 300_000),
    ("FINANZAMT UST-VORANMELDUNG", 20_000, 900_000),
    ("KONTOFUEHRUNG ENTGELT", 500, 4_000),
    ("BARGELDAUSZAHLUNG", 2_000, 50_000),
    ("SOZIALVERSICHERUNG", 30_000, 200_000),
    ("KARTENZAHLUNG", 300, 30_000),
    ("UMBUCHUNG TAGESGELD", 50_000, 1_000_000),
)
_UNRELATED_CREDITS = (
    ("ZINSEN", 1, 5_000),
    ("ERSTATTUNG", 500, 50_000),
    ("UMBUCHUNG", 50_000, 1_000_000),
    ("GUTSCHRIFT", 1_000, 80_000),
    ("EINZAHLUNG", 5_000, 100_000),
)


def _iban(rng: random.Random) -> str:
    bank = f"{rng.randrange(10**8):08d}"
    account = f"{rng.randrange(10**10):010d}"
    bban = bank + account
    check = 98 - int(bban + "131400") % 97  # "DE" = 13 14, then "00"
    return f"DE{check:02d}{bban}"


def _creditor_id(rng: random.Random) -> str:
    return f"DE{rng.randrange(10, 99)}ZZZ{rng.randrange(10**11):011d}"


@dataclass(slots=True)
class _Contact:
    id: str
    name: str
    ibans: tuple[str, ...]
    known: bool
    customer_number: str
    creditor_id: str | None = None
    merchant: bool = False


@dataclass(slots=True)
class SyntheticData:
    """Payments, transactions, and the truth: payment id → acceptable transaction ids."""

    expected: list[ExpectedPayment]
    txns: list[BankTxn]
    truth: dict[str, frozenset[str]]
    scenario: dict[str, str]  # voucher id → scenario name
    voucher_of: dict[str, str] = field(default_factory=dict)


class _Generator:
    def __init__(self, seed: int, vouchers: int, txns: int, tenants: int) -> None:
        self.rng = random.Random(seed)
        self.n_vouchers = vouchers
        self.n_txns = txns
        self.n_tenants = max(1, tenants)
        self.expected: list[ExpectedPayment] = []
        self.txns: list[BankTxn] = []
        self.truth: dict[str, set[str]] = {}
        self.scenario: dict[str, str] = {}
        self.seq = 0

    # ---- helpers -------------------------------------------------------------------
    def _id(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}{self.seq:08d}"

    def _amount(self) -> int:
        rng = self.rng
        if rng.random() < 0.2:
            return rng.choice((1900, 4900, 5000, 9900, 10000, 11900, 15000, 23800, 50000, 119000))
        return int(10 ** rng.uniform(2.7, 5.7))

    def _company(self) -> str:
        rng = self.rng
        pattern = rng.random()
        if pattern < 0.45:
            base = f"{rng.choice(_SURNAMES)} {rng.choice(_TRADES)}"
        elif pattern < 0.7:
            base = f"{rng.choice(_TRADES)} {rng.choice(_SURNAMES)}"
        elif pattern < 0.85:
            base = f"{rng.choice(_SURNAMES)} & {rng.choice(_SURNAMES)}"
        else:
            base = f"{rng.choice(_FIRST)} {rng.choice(_SURNAMES)}"
        legal = rng.choice(_LEGAL)
        return f"{base} {legal}".strip()

    def _name_variant(self, name: str) -> str:
        rng = self.rng
        roll = rng.random()
        out = name
        if roll < 0.3:
            out = name.upper()
        elif roll < 0.45:
            out = (
                name.upper()
                .replace("Ä", "AE")
                .replace("Ö", "OE")
                .replace("Ü", "UE")
                .replace("ß", "SS")
            )
        elif roll < 0.55:
            for legal in sorted(_LEGAL, key=len, reverse=True):
                if legal and out.endswith(legal):
                    out = out[: -len(legal)].strip()
                    break
        elif roll < 0.65 and len(name) > 6:
            i = rng.randrange(1, len(name) - 2)
            out = name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # swapped letters
        elif roll < 0.72:
            out = f"{name} {rng.choice(_CITIES)}"
        elif roll < 0.77:
            out = f"{rng.choice(_FIRST)} {rng.choice(_SURNAMES)}"  # the owner pays privately
        return out[:70]

    def _number_style(self, tenant: int) -> str:
        return ("dash", "squashed", "plain", "slash")[tenant % 4]

    def _voucher_number(self, style: str, year: int, n: int, sales: bool) -> str:
        rng = self.rng
        if not sales:
            return rng.choice(
                (
                    f"R-{rng.randrange(10**5, 10**6)}",
                    f"INV-{year}-{rng.randrange(10**4):04d}",
                    f"{rng.randrange(45 * 10**8, 46 * 10**8)}",
                    f"{year}/{rng.randrange(10, 9999)}",
                    f"RG{rng.randrange(10**6, 10**7)}",
                )
            )
        if style == "dash":
            return f"RE-{year}-{n:04d}"
        if style == "squashed":
            return f"RE{year}{n:04d}"
        if style == "slash":
            return f"{year}/{n:04d}"
        return f"{10000 + n}"

    def _remittance(self, number: str, customer: str, kind: str) -> str:
        rng = self.rng
        short = number.rsplit("-", 1)[-1].rsplit("/", 1)[-1].lstrip("0") or number
        if kind == "none":
            return rng.choice(
                (
                    "Zahlung",
                    "Vielen Dank",
                    f"Kd-Nr {customer}",
                    "Ueberweisung",
                    f"Kundennummer {customer} Danke",
                    "",
                )
            )
        roll = rng.random()
        if roll < 0.25:
            text = number
        elif roll < 0.35:
            text = "".join(ch for ch in number if ch.isalnum())
        elif roll < 0.55:
            text = f"Rechnung {number} vom {rng.randrange(1, 28):02d}.{rng.randrange(1, 12):02d}."
        elif roll < 0.65:
            text = f"Rechnung {short}"
        elif roll < 0.75:
            text = f"EREF+{rng.randrange(10**9)} SVWZ+RE {number} KD {customer}"
        elif roll < 0.85:
            text = f"Rg.Nr. {number} Kunde {customer} Danke"
        else:
            text = f"{rng.choice(('Ihre Rechnung', 'Beleg', 'Re.'))} {number}"
        cut = rng.random()
        if cut < 0.15:
            width = rng.choice((27, 35))
            text = "Verwendungszweck " + text
            text = "\n".join(text[i : i + width] for i in range(0, len(text), width))
        elif cut < 0.19 and len(number) > 5:
            text = text[: text.find(number) + len(number) - 2] if number in text else text
        return text

    def _day(self, start: date, offset: int) -> date:
        return start + timedelta(days=offset)

    # ---- scenarios -----------------------------------------------------------------
    def _contacts(self, tenant: str, count: int) -> list[_Contact]:
        rng = self.rng
        contacts: list[_Contact] = []
        for _ in range(count):
            merchant = rng.random() < 0.08
            name = rng.choice(_MERCHANTS) if merchant else self._company()
            ibans = tuple(_iban(rng) for _ in range(rng.choice((1, 1, 1, 2))))
            contacts.append(
                _Contact(
                    id=self._id(f"{tenant}-c"),
                    name=name,
                    ibans=ibans,
                    known=rng.random() < 0.6,
                    customer_number=f"{rng.randrange(10000, 99999)}",
                    creditor_id=_creditor_id(rng) if rng.random() < 0.1 else None,
                    merchant=merchant,
                )
            )
        return contacts

    def _payment(
        self,
        tenant: str,
        contact: _Contact,
        voucher_id: str,
        vtype: str,
        number: str,
        vdate: date,
        amount: int,
        gross: int,
        paid: date | None,
        *,
        item_no: int = 0,
        skonto: int = 0,
        has_items: bool = True,
    ) -> ExpectedPayment:
        payment = ExpectedPayment(
            id=f"{voucher_id}#{item_no}",
            voucher_id=voucher_id,
            tenant_id=tenant,
            voucher_type=vtype,
            voucher_number=number,
            voucher_date=vdate,
            amount_cents=amount,
            gross_cents=gross,
            paid_date=paid,
            contact_id=contact.id,
            contact_name=contact.name,
            skonto_cents=skonto,
            has_items=has_items,
            item_type="partPaymentFinancialTransaction" if has_items else None,
            position=item_no,
            known_identifiers=frozenset(
                (*contact.ibans[:1], *((contact.creditor_id,) if contact.creditor_id else ()))
            )
            if contact.known
            else frozenset(),
            customer_number=contact.customer_number,
        )
        self.expected.append(payment)
        return payment

    def _txn(
        self,
        tenant: str,
        booking: date,
        signed: int,
        name: str,
        iban: str,
        text: str,
        *,
        creditor: str = "",
        mandate: str = "",
        pending: bool = False,
        reversal: bool = False,
    ) -> BankTxn:
        rng = self.rng
        txn = BankTxn(
            id=self._id("t"),
            tenant_id=tenant,
            account_id=f"{tenant}-acc{rng.randrange(2)}",
            booking_date=booking,
            value_date=booking + timedelta(days=rng.choice((0, 0, 0, 1, -1, 2))),
            amount_cents=signed,
            counterparty_name=name,
            counterparty_iban=iban,
            remittance=text,
            mandate_ref=mandate,
            creditor_id=creditor,
            status=TxnStatus.PENDING if pending else TxnStatus.BOOKED,
            is_reversal=reversal,
            source="synthetic",
        )
        self.txns.append(txn)
        return txn

    def _payer_iban(self, contact: _Contact) -> str:
        roll = self.rng.random()
        if roll < 0.8:
            return contact.ibans[0]
        if roll < 0.9:
            return contact.ibans[-1] if len(contact.ibans) > 1 else _iban(self.rng)
        return ""

    def _voucher(self, tenant: str, t_index: int, contacts: list[_Contact], n: int) -> None:
        rng = self.rng
        vid = self._id(f"{tenant}-v")
        contact = rng.choice(contacts)
        vdate = self._day(_YEAR_START, rng.randrange(330))
        gross = self._amount()
        roll = rng.random()
        sales = rng.random() < 0.6
        if contact.merchant:
            scenario, sales = "card", False
        elif roll < 0.06:
            scenario = "unconnected_bank"
        elif roll < 0.10:
            scenario = "skonto"
        elif roll < 0.12:
            scenario = "fee"
        elif roll < 0.15:
            scenario = "part"
        elif roll < 0.18:
            scenario = "credit_note"
        elif roll < 0.19:
            scenario = "reversal"
        elif roll < 0.24 and contact.creditor_id:
            scenario, sales = "direct_debit", False
        else:
            scenario = "normal"
        if scenario == "credit_note":
            vtype = "salescreditnote" if sales else "purchasecreditnote"
            prefix = "GS"
        else:
            vtype = "salesinvoice" if sales else "purchaseinvoice"
            prefix = ""
        number = self._voucher_number(self._number_style(t_index), 2024, n, sales)
        if prefix:
            number = f"{prefix}-{number}"
        sign = 1 if vtype in ("salesinvoice", "purchasecreditnote") else -1
        delay = rng.choice((0, 1, 2, 3, 5, 7, 10, 14, 14, 21, 30, 30, 45, 60))
        if scenario == "card":
            delay = 0
        booking = self._day(vdate, delay)
        paid: date | None = booking + timedelta(days=rng.choice((0, 0, 0, 0, 1, 1, 2, -1, 3)))
        if scenario == "card":
            paid = vdate
            booking = vdate + timedelta(days=rng.randrange(1, 6))
        elif rng.random() < 0.04:
            paid = None
        self.scenario[vid] = scenario
        name = self._name_variant(contact.name)
        iban = self._payer_iban(contact)
        text_kind = "none" if rng.random() < 0.2 else "number"
        pending = rng.random() < 0.01
        if scenario == "unconnected_bank":
            self._payment(tenant, contact, vid, vtype, number, vdate, gross, gross, paid)
            return
        if scenario == "card":
            merchant = f"{contact.name.upper()} {rng.choice(('SAGT DANKE', 'FIL. 4711', ''))}"
            merchant = f"{merchant.strip()}//{rng.choice(_CITIES)}/DE"
            payment = self._payment(tenant, contact, vid, vtype, number, vdate, gross, gross, paid)
            text = f"KARTENZAHLUNG {vdate.isoformat()} Debitk.{rng.randrange(1, 9)} VISA Debit"
            txn = self._txn(tenant, booking, -gross, merchant, "", text, pending=pending)
            self.truth[payment.id] = {txn.id}
            return
        if scenario == "part":
            parts = rng.choice((2, 2, 3))
            cuts = sorted(rng.sample(range(1, gross), parts - 1)) if gross > parts else []
            amounts = [b - a for a, b in zip([0, *cuts], [*cuts, gross], strict=True)]
            day = booking
            for item_no, amount in enumerate(amounts):
                p = self._payment(
                    tenant, contact, vid, vtype, number, vdate, amount, gross, day, item_no=item_no
                )
                text = self._remittance(number, contact.customer_number, text_kind)
                txn = self._txn(tenant, day, sign * amount, name, iban, text)
                self.truth[p.id] = {txn.id}
                day += timedelta(days=rng.randrange(10, 40))
            return
        amount, skonto, has_items = gross, 0, True
        if scenario == "skonto":
            rate = rng.choice((2, 3))
            skonto = (gross * rate + 50) // 100
            if rng.random() < 0.5:
                amount = gross - skonto  # Lexware recorded a cashDiscount item
            else:
                has_items, amount, skonto = False, gross, 0
        payment = self._payment(
            tenant,
            contact,
            vid,
            vtype,
            number,
            vdate,
            amount,
            gross,
            paid,
            skonto=skonto,
            has_items=has_items,
        )
        bank = amount
        if scenario == "skonto" and not has_items:
            bank = gross - (gross * rng.choice((2, 3)) + 50) // 100
        if scenario == "fee":
            bank = amount - rng.choice((15, 35, 50, 80, 100, 250, 500, 1500))
            bank = max(bank, 1)
        text = self._remittance(number, contact.customer_number, text_kind)
        creditor = mandate = ""
        if scenario == "direct_debit":
            creditor = contact.creditor_id or ""
            mandate = f"M{contact.customer_number}"
            text = f"Kd-Nr {contact.customer_number} " + (
                f"Rechnung {number}" if rng.random() < 0.6 else "Abrechnung"
            )
        txn = self._txn(
            tenant,
            booking,
            sign * bank,
            name,
            iban,
            text,
            creditor=creditor,
            mandate=mandate,
            pending=pending,
        )
        self.truth[payment.id] = {txn.id}
        if scenario == "reversal":
            self._txn(
                tenant,
                booking + timedelta(days=3),
                -sign * bank,
                name,
                iban,
                f"RUECKLASTSCHRIFT {text}",
                reversal=True,
            )
            again = self._txn(tenant, booking + timedelta(days=14), sign * bank, name, iban, text)
            self.truth[payment.id] = {txn.id, again.id}
        if rng.random() < 0.1:  # a decoy: same amount, nearby date, someone else
            decoy_day = booking + timedelta(days=rng.randrange(-4, 5))
            other = self._company()
            self._txn(tenant, decoy_day, sign * bank, other.upper(), _iban(rng), "Zahlung")

    def _collective(self, tenant: str, t_index: int, contacts: list[_Contact], n: int) -> int:
        rng = self.rng
        contact = rng.choice([c for c in contacts if not c.merchant] or contacts)
        size = rng.randrange(2, 6)
        sales = rng.random() < 0.6
        vtype = "salesinvoice" if sales else "purchaseinvoice"
        sign = 1 if sales else -1
        booking = self._day(_YEAR_START, rng.randrange(30, 360))
        numbers: list[str] = []
        payments: list[ExpectedPayment] = []
        for k in range(size):
            vid = self._id(f"{tenant}-v")
            self.scenario[vid] = "collective"
            number = self._voucher_number(self._number_style(t_index), 2024, n + k, sales)
            gross = self._amount()
            vdate = booking - timedelta(days=rng.randrange(5, 60))
            paid = booking + timedelta(days=rng.choice((0, 0, 1)))
            payments.append(
                self._payment(tenant, contact, vid, vtype, number, vdate, gross, gross, paid)
            )
            numbers.append(number)
        if rng.random() < 0.75:
            text = "Rechnungen " + ", ".join(numbers)
        else:
            text = f"Sammelzahlung Kd {contact.customer_number}"
        total = sum(p.amount_cents for p in payments)
        txn = self._txn(
            tenant,
            booking,
            sign * total,
            self._name_variant(contact.name),
            self._payer_iban(contact),
            text,
        )
        for p in payments:
            self.truth[p.id] = {txn.id}
        return size

    def _unrelated(self, tenant: str) -> None:
        rng = self.rng
        day = self._day(_YEAR_START, rng.randrange(365))
        if rng.random() < 0.7:
            label, low, high = rng.choice(_UNRELATED_DEBITS)
            sign = -1
        else:
            label, low, high = rng.choice(_UNRELATED_CREDITS)
            sign = 1
        amount = rng.randrange(low, high) if rng.random() < 0.7 else self._amount()
        if label == "KARTENZAHLUNG":
            merchant = rng.choice(_MERCHANTS).upper()
            name = f"{merchant} SAGT DANKE//{rng.choice(_CITIES)}/DE"
            text = f"KARTENZAHLUNG {day.isoformat()} Debitk.2 VISA Debit"
            iban = ""
        else:
            name = self._company().upper() if rng.random() < 0.5 else label
            text = f"{label} {rng.randrange(1, 13):02d}/2024 REF {rng.randrange(10**6, 10**8)}"
            iban = _iban(rng)
        self._txn(tenant, day, sign * amount, name, iban, text)

    def run(self) -> SyntheticData:
        per_tenant = max(1, self.n_vouchers // self.n_tenants)
        rng = self.rng
        made = 0
        for t_index in range(self.n_tenants):
            tenant = f"T{t_index:04d}"
            count = per_tenant if t_index < self.n_tenants - 1 else self.n_vouchers - made
            contacts = self._contacts(tenant, max(4, count // 8))
            n = 1
            done = 0
            while done < count:
                if rng.random() < 0.012 and count - done >= 5:
                    size = self._collective(tenant, t_index, contacts, n)
                else:
                    self._voucher(tenant, t_index, contacts, n)
                    size = 1
                n += size
                done += size
            made += done
        tenants = [f"T{i:04d}" for i in range(self.n_tenants)]
        while len(self.txns) < self.n_txns:
            self._unrelated(rng.choice(tenants))
        rng.shuffle(self.txns)
        voucher_of = {p.id: p.voucher_id for p in self.expected}
        return SyntheticData(
            expected=self.expected,
            txns=self.txns,
            truth={k: frozenset(v) for k, v in self.truth.items()},
            scenario=self.scenario,
            voucher_of=voucher_of,
        )


def generate(vouchers: int, txns: int, *, seed: int, tenants: int = 100) -> SyntheticData:
    """About ``vouchers`` vouchers (more payment rows with part payments) and at least
    ``txns`` transactions over ``tenants`` clients, reproducible from ``seed``."""
    return _Generator(seed, vouchers, txns, tenants).run()
