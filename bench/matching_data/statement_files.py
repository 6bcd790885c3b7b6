"""Third matching data set: three German businesses' statement files, read by the product.

Modelled month by month from how German banks, businesses and Lexware Office behave,
written apart from the other two generators and from the engine:

* ``zahnarzt`` — a dental practice; its practice account as CAMT.053.001.08 (one file a
  month). Private patients pay by transfer with the invoice number typed in many ways or
  not at all, sometimes a relative pays, large invoices in instalments; a billing service
  pays out weekly for many invoices minus its fee; the dental lab and the depot collect by
  SEPA direct debit, a second lab is paid monthly by one transfer listing its numbers;
  rent by standing order, leasing, the chamber's fee in quarterly instalments.
* ``cafe`` — a café; a Sparkasse "CSV-CAMT V2" export (newest line first). Card sales are
  paid out by the payment service provider two business days later net of the Disagio,
  the weekend in one payout; beverages by SEPA direct debit (one returned for lack of
  funds and re-collected with the wholesaler's fee), food by one weekly transfer listing
  the invoices, cash-and-carry by girocard, bakery in cash; GEMA, insurance and
  electricity in instalments; catering invoices with deposits in cash or by transfer.
* ``grosshandel`` — a fastener wholesaler; MT940 of a Volksbank (daily statements, one
  file a month, ``:86:`` with ``?``-subfields cut at 27 characters, payer names in upper
  case without umlauts in ``?32``/``?33``). Skonto, credit notes netted or refunded, part
  payments, typos and transposed digits, a holding paying for subsidiaries (``ABWA+``), a
  central settlement office paying weekly for its members, foreign payers, SEPA
  collections booked as one batch line, a returned collection (RUECKLASTSCHRIFT)
  re-collected later, prepayments before the invoice, supplier payment runs with Skonto.

Every line that would be on the statements is rendered into a real file and read back
with ``parse_statement_file``; each parsed line becomes the row the importer stores
(``banking.imports.stored_row``, duplicates by import hash dropped as the importer drops them)
and the engine's value as the store reads it (``to_bank_txn``). Expected payments come
from Lexware-shaped vouchers and payment items through ``derive_payments`` and
``to_payment_value`` (only bank items; cash items never reach the engine). Lines that pay
no voucher (wages, taxes, own transfers, fees, the public health insurance's payments …)
are in the files too. Vouchers paid from an account whose statements are not imported, by
the owner's private card, after the last statement, or not paid at all have no line: they
are unmatchable in the truth. The bookkeeper enters payments in Lexware 0–14 days after
the bank booked them, sometimes before, sometimes a month later; payments not entered by
the time of the sync leave the voucher open in Lexware (its gross is then expected, with
no paid date).

    .venv/bin/python bench/matching_data/statement_files.py OUT_DIR [--seed 2024]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import unicodedata
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from schwifty import IBAN

from belegsync.banking.detect import parse_statement_file
from belegsync.banking.hashing import import_hashes
from belegsync.banking.imports import stored_row as importer_row
from belegsync.banking.model import ParsedTransaction
from belegsync.banking.text import compact_iban
from belegsync.domain.matching import BankTxn, ExistingLink, ExpectedPayment
from belegsync.matching.expected import derive_payments, to_bank_txn, to_payment_value
from belegsync.store.models import BankAccount, BankTransaction
from belegsync.store.models import ExpectedPayment as StoredPayment
from belegsync.store.models import Voucher as StoredVoucher

__all__ = ["BUSINESSES", "SCENARIOS", "StatementFileSet", "generate"]

START = date(2024, 1, 1)
MONTHS = 18
END = date(2025, 6, 30)  # the last imported statement ends here
SYNCED = END + timedelta(days=7)  # Lexware as the sync saw it
_IMPORTED_AT = datetime(2025, 7, 7, 8, 0, tzinfo=UTC)

BANK = "partPaymentFinancialTransaction"
CASH = "partPaymentCashBox"
PRIVATE = "manualPayment"  # "payment from a private deposit": the owner's own money
SKONTO = "cashDiscount"
CREDIT_NOTE = "partPaymentCreditNote"

BUSINESSES = ("cafe", "grosshandel", "zahnarzt")

# The scenario kinds each business generates (a voucher has exactly one). Kinds marked
# in UNMATCHABLE have no statement line; CASH_ONLY and OFFSET vouchers have no bank item
# at all and never reach the engine.
SCENARIOS: dict[str, tuple[str, ...]] = {
    "zahnarzt": (
        "billing_payout",
        "chamber_instalments",
        "lab_collective_transfer",
        "lab_debit",
        "leasing_debit",
        "material_debit",
        "material_debit_netted",
        "open_in_lexware",
        "open_unpaid",
        "other_account",
        "paid_after_last_statement",
        "patient_family_collective",
        "patient_installments",
        "patient_no_ref",
        "patient_other_payer",
        "patient_paid_twice",
        "patient_ref_exact",
        "patient_ref_variant",
        "private_card",
        "rent_standing_order",
        "software_debit",
        "supplier_credit_offset",
    ),
    "cafe": (
        "beverage_collective_debit",
        "beverage_debit",
        "beverage_debit_netted",
        "brewery_debit",
        "card_payout",
        "card_payout_gap",
        "card_purchase",
        "cash_only",
        "catering_cash_and_bank",
        "catering_deposit_transfer",
        "catering_transfer",
        "food_collective_transfer",
        "instalment_plan",
        "open_in_lexware",
        "open_unpaid",
        "paid_after_last_statement",
        "private_card",
        "psp_fee_debit",
        "returned_debit",
        "supplier_credit_offset",
        "utility_settlement",
    ),
    "grosshandel": (
        "central_settlement",
        "collective_transfer",
        "credit_note_netted",
        "credit_note_offset",
        "credit_note_refund",
        "debit_batch",
        "foreign_payer",
        "open_in_lexware",
        "open_unpaid",
        "other_account",
        "other_payer",
        "paid_after_last_statement",
        "part_payment",
        "prepayment",
        "private_card",
        "public_payer",
        "purchase_collective_skonto",
        "purchase_debit",
        "purchase_skonto",
        "purchase_transfer",
        "ref_typo",
        "returned_debit",
        "skonto",
        "transfer_exact_ref",
        "transfer_no_ref",
        "transfer_ref_variant",
    ),
}
UNMATCHABLE = frozenset(
    {"open_unpaid", "other_account", "paid_after_last_statement", "private_card"}
)
NO_BANK_ITEM = frozenset({"cash_only", "credit_note_offset", "supplier_credit_offset"})


# ---------------------------------------------------------------------------------------
# The result


@dataclass(frozen=True, slots=True)
class StatementFileSet:
    """Payments, parsed transactions and the truth (``metrics.DataSet``), per business.

    ``files`` are the rendered statement files (name → bytes); ``generated_lines`` the
    number of statement lines each file was written with (a CAMT batch with amounts per
    item counts its items); ``parse_findings`` lines where the product's parser read
    something else than was written (empty when it read everything as written).

    ``advice_files`` are the payment advices the payers send apart from the statements
    for lines paying many vouchers (name → bytes): the billing service's payout advices
    (CSV), the central settlement office's Regulierungsavis (CSV), the wholesaler's own
    pain.008 collection batches; ``advice_lines`` the transactions (``txns`` ids) each
    advice belongs to, one per advice, in file order."""

    expected: list[ExpectedPayment]
    txns: list[BankTxn]
    truth: dict[str, frozenset[str]]
    scenario: dict[str, str]
    business_of: dict[str, str]
    tenant_of: dict[str, str]
    files: dict[str, bytes]
    generated_lines: dict[str, int]
    parse_findings: tuple[str, ...] = ()
    advice_files: dict[str, bytes] = field(default_factory=dict)
    advice_lines: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def history_links(self) -> tuple[ExistingLink, ...]:
        """None: each business's statements are read from their first month on (what a
        replay links by hand before its weeks, ``replay.ReplaySet``)."""
        return ()

    def only(self, business: str) -> StatementFileSet:
        """The part of one business (its tenant's payments and lines)."""
        vouchers = {v for v, b in self.business_of.items() if b == business}
        tenant = self.tenant_of[business]
        prefix = f"{business}_"
        return StatementFileSet(
            expected=[p for p in self.expected if p.voucher_id in vouchers],
            txns=[t for t in self.txns if t.tenant_id == tenant],
            truth={k: v for k, v in self.truth.items() if k.split("#")[0] in vouchers},
            scenario={k: v for k, v in self.scenario.items() if k in vouchers},
            business_of={k: v for k, v in self.business_of.items() if v == business},
            tenant_of={business: tenant},
            files={k: v for k, v in self.files.items() if k.startswith(prefix)},
            generated_lines={k: v for k, v in self.generated_lines.items() if k.startswith(prefix)},
            parse_findings=tuple(f for f in self.parse_findings if f.startswith(prefix)),
            advice_files={k: v for k, v in self.advice_files.items() if k.startswith(prefix)},
            advice_lines={k: v for k, v in self.advice_lines.items() if k.startswith(prefix)},
        )


# ---------------------------------------------------------------------------------------
# Calendar (bank business days in Baden-Württemberg) and text helpers


def _easter(year: int) -> date:
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=8)
def _holidays(year: int) -> frozenset[date]:
    easter = _easter(year)
    fixed = [(1, 1), (1, 6), (5, 1), (10, 3), (11, 1), (12, 24), (12, 25), (12, 26), (12, 31)]
    moving = [easter + timedelta(days=n) for n in (-2, 1, 39, 50, 60)]
    return frozenset([date(year, m, d) for m, d in fixed] + moving)


def _is_bday(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def _bday(day: date) -> date:
    """The day itself if the banks work, else the next day they do."""
    while not _is_bday(day):
        day += timedelta(days=1)
    return day


def _add_bdays(day: date, count: int) -> date:
    day = _bday(day)
    for _ in range(count):
        day = _bday(day + timedelta(days=1))
    return day


def _month_starts() -> list[date]:
    out = []
    for n in range(MONTHS):
        year, month = divmod(START.month - 1 + n, 12)
        out.append(date(START.year + year, month + 1, 1))
    return out


def _month_end(first: date) -> date:
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _bdays_of(first: date) -> list[date]:
    last = _month_end(first)
    return [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if _is_bday(first + timedelta(days=n))
    ]


def _de(cents: int) -> str:
    """1.234,56"""
    whole, part = divmod(abs(cents), 100)
    return f"{whole:,}".replace(",", ".") + f",{part:02d}"


def _plain(cents: int) -> str:
    """1234,56 (no thousands separator)"""
    whole, part = divmod(abs(cents), 100)
    return f"{whole},{part:02d}"


def _dmy(day: date) -> str:
    return day.strftime("%d.%m.%Y")


_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ı": "i"}
)


def _ascii(text: str) -> str:
    """Umlauts as German banks write them without umlauts (ü → ue), other accents dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_GERMAN))
    return decomposed.encode("ascii", "ignore").decode()


def _swift(text: str) -> str:
    """Text in the SWIFT character set of a German MT940 (no umlauts, no ``?``)."""
    return _ascii(text).replace("?", ".").replace("\n", " ")


def _creditor_id(national: str) -> str:
    """A SEPA creditor identifier ``DEkkZZZ…`` with its check digits."""
    digits = "".join(str(int(ch, 36)) for ch in f"{national}DE00")
    return f"DE{98 - int(digits) % 97:02d}ZZZ{national}"


_MONTHS_DE = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def _latin(text: str) -> str:
    """Text a Latin-1 export can hold: German letters kept, others without accents."""
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
        except UnicodeEncodeError:
            ch = _ascii(ch)
        out.append(ch)
    return "".join(out)


def _split(text: str, width: int = 27) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


# ---------------------------------------------------------------------------------------
# The model: parties, lines, vouchers


@dataclass(eq=False)
class _Party:
    """Someone at the other end of a line: the name as the bank shows it, the account."""

    name: str
    iban: str = ""
    bic: str = ""


@dataclass(eq=False)
class _Contact:
    id: str
    name: str  # as Lexware holds it
    party: _Party
    customer_number: str | None = None
    other_payer: _Party | None = None
    cred: str = ""
    mandate: str = ""
    style: str = ""
    number: str = ""  # the firm's customer number at the supplier, a patient number …


@dataclass(eq=False)
class _Line:
    """One booking on a statement (or, for a CAMT batch with amounts, its items)."""

    account: str
    booking: date
    cents: int
    kind: str
    name: str = ""
    iban: str = ""
    bic: str = ""
    purpose: str = ""
    eref: str = ""
    kref: str = ""
    mref: str = ""
    cred: str = ""
    abwa: str = ""
    value: date | None = None
    original_cents: int = 0  # a returned collection: what was collected
    fee_cents: int = 0  # a returned collection: the return fee in the amount
    parts: tuple[_Line, ...] = ()
    batch_count: int = 0
    first_debit: bool = False
    posting: date | None = None  # when the bookkeeper entered it in Lexware
    txn_ids: list[str] = field(default_factory=list)


@dataclass(eq=False)
class _Item:
    type: str
    cents: int
    posting: date
    line: _Line | None = None


@dataclass(eq=False)
class _Voucher:
    id: str
    voucher_type: str
    number: str
    day: date
    contact: _Contact
    gross: int
    scenario: str
    items: list[_Item] = field(default_factory=list)
    # lines that paid it which the bookkeeper had not entered in Lexware by the sync
    unrecorded: list[_Line] = field(default_factory=list)

    @property
    def settled(self) -> int:
        return sum(i.cents for i in self.items)

    @property
    def status(self) -> str:
        if self.items and self.settled >= self.gross:
            return (
                "paidoff" if self.voucher_type in ("creditnote", "purchasecreditnote") else "paid"
            )
        return "open"

    @property
    def paid_date(self) -> date | None:
        return max(i.posting for i in self.items) if self.status != "open" else None


@dataclass(eq=False)
class _Account:
    key: str
    owner: str
    iban: str
    bic: str
    bank: str
    fmt: str  # camt | mt940 | csv-sparkasse | none (statements not imported)
    opening: int
    blz: str = ""
    number: str = ""
    lines: list[_Line] = field(default_factory=list)


@dataclass(eq=False)
class _Advice:
    """A payment advice the business holds for one line (written when the line is made;
    kept only if the line is booked on an imported statement)."""

    name: str
    data: bytes
    line: _Line


def _lag_practice(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.3:
        return 0
    if r < 0.85:
        return rng.randint(1, 14)
    if r < 0.92:
        return rng.randint(15, 30)  # entered weeks later with the day of entry
    return -rng.randint(1, 4)  # entered from the billing service's notice or the payer's call


def _lag_cafe(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.25:
        return 0
    if r < 0.82:
        return rng.randint(1, 14)
    if r < 0.92:
        return rng.randint(15, 30)
    return -rng.randint(1, 3)


def _lag_wholesale(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.55:
        return 0
    if r < 0.85:
        return rng.randint(1, 10)
    if r < 0.95:
        return -rng.randint(1, 3)  # the payment run's execution date, before the booking
    return rng.randint(11, 21)


class _Firm:
    """One business: its accounts, contacts, vouchers and statement lines."""

    def __init__(
        self,
        key: str,
        tenant: str,
        seed: int,
        lag: Callable[[random.Random], int],
        books_to: date,
        online_banking: float,
    ) -> None:
        self.key = key
        self.tenant = tenant
        # the bookkeeper's last evening at the books: lines booked later are not entered
        self.books_to = books_to
        # how often a line after the last statement was marked paid from online banking
        self.online_banking = online_banking
        self.rng = random.Random(f"statement_files/{seed}/{key}")
        # for what only the advices need (member numbers, mandate dates, file times): its
        # own generator, so that the vouchers and lines stay those the seed always gave
        self.advice_rng = random.Random(f"statement_files/{seed}/{key}/advices")
        self.advices: list[_Advice] = []
        self.lag = lag
        self.accounts: dict[str, _Account] = {}
        self.vouchers: list[_Voucher] = []
        self._mandates_used: set[str] = set()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add_account(
        self,
        key: str,
        owner: str,
        blz: str,
        number: str,
        bank: str,
        fmt: str,
        opening: int = 0,
    ) -> _Account:
        iban = IBAN.generate("DE", bank_code=blz, account_code=number)
        account = _Account(
            key, owner, iban.compact, str(iban.bic or ""), bank, fmt, opening, blz, number
        )
        self.accounts[key] = account
        return account

    def iban(self, blz: str | None = None) -> tuple[str, str]:
        code = blz or self.rng.choice(_GERMAN_BANKS)
        iban = IBAN.generate(
            "DE", bank_code=code, account_code=str(self.rng.randint(10**6, 10**10 - 1))
        )
        return iban.compact, str(iban.bic or "")

    def party(self, name: str, blz: str | None = None) -> _Party:
        iban, bic = self.iban(blz)
        return _Party(name, iban, bic)

    def contact(
        self,
        name: str,
        party: _Party | None = None,
        *,
        customer_number: str | None = None,
        style: str = "",
        number: str = "",
        cred: str = "",
        mandate: str = "",
    ) -> _Contact:
        return _Contact(
            self.uuid(),
            name,
            party or self.party(name),
            customer_number=customer_number,
            style=style,
            number=number,
            cred=cred,
            mandate=mandate,
        )

    def line(
        self,
        account: str,
        day: date,
        cents: int,
        kind: str,
        party: _Party | None = None,
        *,
        purpose: str = "",
        eref: str = "",
        mref: str = "",
        cred: str = "",
        abwa: str = "",
        value: date | None = None,
        original_cents: int = 0,
        fee_cents: int = 0,
        parts: tuple[_Line, ...] = (),
        batch_count: int = 0,
    ) -> _Line:
        line = _Line(
            account,
            day,
            cents,
            kind,
            name=party.name if party else "",
            iban=party.iban if party else "",
            bic=party.bic if party else "",
            purpose=purpose,
            eref=eref,
            mref=mref,
            cred=cred,
            abwa=abwa,
            value=value,
            original_cents=original_cents,
            fee_cents=fee_cents,
            parts=parts,
            batch_count=batch_count,
        )
        if line.mref and kind in ("debit", "debit_b2b"):
            line.first_debit = line.mref not in self._mandates_used
            self._mandates_used.add(line.mref)
        self.accounts[account].lines.append(line)
        return line

    def voucher(
        self,
        voucher_type: str,
        number: str,
        day: date,
        contact: _Contact,
        gross: int,
        scenario: str,
    ) -> _Voucher:
        v = _Voucher(self.uuid(), voucher_type, number, day, contact, gross, scenario)
        self.vouchers.append(v)
        return v

    def posted(self, line: _Line) -> date:
        """When the bookkeeper entered the line's payment in Lexware (one date a line: a
        collective line is assigned to all its vouchers at once)."""
        if line.posting is None:
            line.posting = line.booking + timedelta(days=self.lag(self.rng))
        return line.posting

    def recorded(self, line: _Line) -> bool:
        """Whether the bookkeeper had entered the line's payment by the sync."""
        return line.booking <= self.books_to and self.posted(line) <= SYNCED

    def pay(
        self,
        v: _Voucher,
        cents: int,
        line: _Line | None,
        *,
        item_type: str = BANK,
        posting: date | None = None,
        before_voucher: bool = False,
    ) -> None:
        """Record a payment item in Lexware, unless the bookkeeper had not entered it yet
        when the sync ran (then the line paid the voucher, but Lexware shows it open).
        ``posting`` given: entered on that day by other means (the register's export)."""
        if posting is None:
            assert line is not None
            if END < line.booking <= SYNCED and self.rng.random() < self.online_banking:
                # seen in online banking and marked paid at once; the statement file
                # with the line is not imported yet
                posting = line.booking
            elif not self.recorded(line):
                v.unrecorded.append(line)
                return
            else:
                posting = self.posted(line)
        if not before_voucher:
            posting = max(posting, v.day)
        if posting > SYNCED:
            if line is not None:
                v.unrecorded.append(line)
            return
        v.items.append(_Item(item_type, cents, posting, line))

    def settle(self, v: _Voucher, item_type: str, cents: int, line: _Line) -> None:
        """An item entered together with the payment by ``line`` that moves no bank money
        (Skonto, a credit note's offset)."""
        if self.recorded(line):
            v.items.append(_Item(item_type, cents, max(self.posted(line), v.day)))
        elif line not in v.unrecorded:
            v.unrecorded.append(line)  # a credit note netted by a line not entered yet

    def other(self, v: _Voucher, item_type: str, cents: int, posting: date) -> None:
        """An item that moves no bank money, entered on its own (cash, a credit note)."""
        if posting <= SYNCED:
            v.items.append(_Item(item_type, cents, max(posting, v.day)))


_GERMAN_BANKS = (
    "60050101",
    "60040071",
    "60070070",
    "60010070",
    "50010517",
    "12030000",
    "66050101",
    "67050505",
    "64150020",
    "62050000",
    "60450050",
    "66190000",
    "68090000",
    "70150000",
    "20041111",
    "43060967",
    "66090800",
    "63050000",
    "61050000",
    "68452290",
    "60090100",
    "68050101",
)

_FIRST = [
    "Hans",
    "Erika",
    "Thomas",
    "Sabine",
    "Michael",
    "Andrea",
    "Stefan",
    "Claudia",
    "Andreas",
    "Petra",
    "Jürgen",
    "Monika",
    "Klaus",
    "Ursula",
    "Wolfgang",
    "Gabriele",
    "Frank",
    "Birgit",
    "Markus",
    "Susanne",
    "Jörg",
    "Anja",
    "Uwe",
    "Katrin",
    "Sven",
    "Nicole",
    "Lukas",
    "Lena",
    "Jonas",
    "Mia",
    "Leon",
    "Hannah",
    "Felix",
    "Sophie",
    "Maximilian",
    "Emma",
    "Björn",
    "Günter",
    "Renate",
    "Dieter",
    "Helga",
    "Özlem",
    "Mehmet",
    "Ayşe",
    "Agnieszka",
    "Piotr",
    "Giuseppe",
    "Francesca",
    "Dimitrios",
    "Natalia",
    "Sergej",
    "Karl-Heinz",
    "Hans-Jürgen",
    "Anne-Kathrin",
    "Marie-Luise",
]
_LAST = [
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
    "Schmitz",
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
    "Dietrich",
    "Ziegler",
    "Kühn",
    "Pohl",
    "Engel",
    "Horn",
    "Busch",
    "Bergmann",
    "Voigt",
    "Sauer",
    "Arnold",
    "Wolff",
    "Pfeiffer",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Nowak",
    "Kowalski",
    "Rossi",
    "Russo",
    "Papadopoulos",
    "Ivanov",
    "Öztürk",
    "Müller-Lüdenscheidt",
]


def _person_bank_name(rng: random.Random, first: str, last: str, partner: str | None) -> str:
    """A private account holder's name as the paying bank sends it."""
    style = rng.random()
    if partner and style < 0.25:
        return f"{first} und {partner} {last}"
    if style < 0.45:
        return f"{first} {last}"
    if style < 0.6:
        return f"{last}, {first}"
    if style < 0.8:
        return _ascii(f"{first} {last}").upper()
    if style < 0.9:
        return _ascii(f"{first} {last}")
    return f"{first[0]}. {last}"


# ---------------------------------------------------------------------------------------
# Zahnarztpraxis


def _treatment(rng: random.Random) -> int:
    kind = rng.random()
    if kind < 0.25:
        return rng.choice((9800, 11500, 12950))  # professional cleaning at the house price
    if kind < 0.6:
        return rng.randint(6000, 45000)
    if kind < 0.75:
        return rng.randint(30000, 120000)
    if kind < 0.95:
        return rng.randint(90000, 350000)
    return rng.randint(250000, 650000)


def _patient_reference(rng: random.Random, v: _Voucher, first: str, last: str) -> tuple[str, str]:
    """(scenario, purpose) of a patient's transfer."""
    number = v.number  # ZA-25-0042
    _, yy, run = number.split("-")
    r = rng.random()
    if r < 0.45:
        text = rng.choice(
            (
                number,
                f"Rechnung {number}",
                f"Rechnungsnr. {number} {first} {last}",
                f"{number} {first} {last}",
                f"Rg. {number} vom {_dmy(v.day)}",
                f"{number} Behandlung {v.day:%d.%m.}",
                f"Zahnarztrechnung {number}",
            )
        )
        return "patient_ref_exact", text
    if r < 0.75:
        text = rng.choice(
            (
                f"ZA {yy} {run}",
                f"ZA{yy}-{run}",
                f"ZA-{yy}-{int(run)}",
                f"Rechnung {run}",
                f"Rg-Nr {yy}-{run} {last}",
                f"Re-Nr: ZA{yy}{run}",
                f"ZA-20{yy}-{run}",
                f"za-{yy}-{run}",
                f"Rechnungsnummer {yy}/{run}",
            )
        )
        return "patient_ref_variant", text
    text = rng.choice(
        (
            f"Rechnung vom {_dmy(v.day)}",
            "Zahnarztrechnung",
            f"Behandlung {first} {last}",
            "Dr. Albers Rechnung",
            f"Rechnung {last}",
            "",
            f"Pat.-Nr. {v.contact.number}",
            f"Zahnbehandlung {_MONTHS_DE[v.day.month - 1]}",
        )
    )
    return "patient_no_ref", text


def _zahnarzt(seed: int) -> _Firm:
    f = _Firm(
        "zahnarzt", "tenant-zahnarztpraxis-albers", seed, _lag_practice, date(2025, 6, 13), 0.5
    )
    rng = f.rng
    f.add_account(
        "praxis",
        "Zahnarztpraxis Dr. med. dent. Katrin Albers",
        "30060601",
        "0004711815",
        "Deutsche Apotheker- und Aerztebank eG",
        "camt",
        opening=2_415_033,
    )
    f.add_account("privat", "Dr. Katrin Albers", "66050101", "0108822457", "Sparkasse", "none")
    owner_private = _Party("Dr. Katrin Albers", f.accounts["privat"].iban, f.accounts["privat"].bic)

    # patients: Lexware contacts with a customer number; their bank names; relatives
    patients: list[_Contact] = []
    names: dict[str, tuple[str, str]] = {}
    for n in range(260):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        partner = rng.choice(_FIRST) if rng.random() < 0.3 else None
        title = "Dr. " if rng.random() < 0.05 else ""
        contact = f.contact(
            f"{title}{first} {last}",
            f.party(_person_bank_name(rng, first, last, partner)),
            customer_number=str(10001 + n),
            style="factoring" if rng.random() < 0.5 else "direct",
            number=str(rng.randint(1000, 9999)),
        )
        if rng.random() < 0.22:
            payer_first = partner or rng.choice(_FIRST)
            payer_last = last if rng.random() < 0.7 else rng.choice(_LAST)
            contact.other_payer = f.party(_person_bank_name(rng, payer_first, payer_last, None))
        names[contact.id] = (first, last)
        patients.append(contact)

    billing = _Party("ZAZ Zahnaerztliches Abrechnungszentrum GmbH", *f.iban("60050101"))
    lab = f.contact(
        "Müller Zahntechnik GmbH",
        f.party("Mueller Zahntechnik GmbH", "66050101"),
        cred=_creditor_id("00000945612"),
        mandate="ZT-20417-01",
        number="20417",
    )
    lab2 = f.contact(
        "Dentallabor Özdemir & Kraus GbR", f.party("Oezdemir + Kraus Dentallabor GbR"), number="112"
    )
    depot = f.contact(
        "Dentaldepot Südwest GmbH",
        f.party("DENTALDEPOT SUEDWEST GMBH", "60040071"),
        cred=_creditor_id("00001208834"),
        mandate="DDS-480112",
        number="480112",
    )
    landlord = f.contact(
        "Hausverwaltung Kaiser & Söhne GmbH", f.party("Kaiser und Soehne Hausverwaltung GmbH")
    )
    leasing = f.contact(
        "MedTech Leasing GmbH",
        f.party("MEDTECH LEASING GMBH", "60070070"),
        cred=_creditor_id("00000558123"),
        mandate="88123-001",
    )
    software = f.contact(
        "DentSoft Systems GmbH",
        f.party("DentSoft Systems GmbH", "70150000"),
        cred=_creditor_id("00000722190"),
        mandate="DS-K-11873",
    )
    chamber = f.contact("Landeszahnärztekammer Baden-Württemberg", f.party("LZK BW", "60050101"))
    academy = f.contact("Zahnärztliche Akademie Karlsruhe gGmbH")
    shop = f.contact("Dental Online Shop GmbH")

    counter: Counter[int] = Counter()
    payouts: dict[date, list[_Voucher]] = defaultdict(list)
    lab2_month: dict[date, list[_Voucher]] = defaultdict(list)
    rent = 245000

    def patient_pays(v: _Voucher) -> None:
        contact = v.contact
        first, last = names[contact.id]
        r = rng.random()
        delay = (
            rng.randint(7, 40)
            if r < 0.7
            else (rng.randint(41, 90) if r < 0.9 else rng.randint(1, 6))
        )
        payer = contact.party
        if contact.other_payer is not None and rng.random() < 0.75:
            payer = contact.other_payer
        if v.gross >= 150000 and rng.random() < 0.45:
            v.scenario = "patient_installments"
            count = rng.choice((2, 3, 3))
            rate = v.gross // count // 100 * 100
            day = v.day + timedelta(days=rng.randint(14, 30))
            for k in range(1, count + 1):
                cents = rate if k < count else v.gross - rate * (count - 1)
                text = rng.choice(
                    (
                        f"{k}. Rate {v.number}",
                        f"Ratenzahlung {v.number} {k}/{count}",
                        f"Rate {k} Rechnung {last}",
                    )
                )
                line = f.line(
                    "praxis", _bday(day), cents, "credit", payer, purpose=text, eref="NOTPROVIDED"
                )
                f.pay(v, cents, line)
                day = date(day.year + day.month // 12, day.month % 12 + 1, min(day.day, 28))
            return
        scenario, text = _patient_reference(rng, v, first, last)
        v.scenario = "patient_other_payer" if payer is not contact.party else scenario
        day = _bday(v.day + timedelta(days=delay))
        line = f.line("praxis", day, v.gross, "credit", payer, purpose=text, eref="NOTPROVIDED")
        f.pay(v, v.gross, line)
        if scenario == "patient_ref_exact" and payer is contact.party and rng.random() < 0.04:
            v.scenario = "patient_paid_twice"  # a second transfer by mistake, refunded later
            again = _bday(day + timedelta(days=rng.randint(3, 10)))
            f.line("praxis", again, v.gross, "credit", payer, purpose=text, eref="NOTPROVIDED")
            refund = _bday(again + timedelta(days=rng.randint(10, 20)))
            f.line(
                "praxis",
                refund,
                -v.gross,
                "transfer",
                payer,
                purpose=f"Erstattung Doppelzahlung {v.number}",
                eref=f"ERST{v.number.replace('-', '')}",
            )

    for first_day in _month_starts():
        yy = first_day.year % 100
        days = _bdays_of(first_day)
        # rent (standing order, the same text every month; index rent from the 13th month)
        if first_day >= date(2025, 1, 1):
            rent = 252000
        v = f.voucher(
            "purchaseinvoice",
            f"Miete {first_day:%m/%Y}",
            first_day,
            landlord,
            rent,
            "rent_standing_order",
        )
        line = f.line(
            "praxis",
            _bday(first_day),
            -rent,
            "standing_order",
            landlord.party,
            purpose="Miete Praxis Kaiserstr. 12 inkl. NK",
        )
        f.pay(v, rent, line)
        # leasing: the contract's number on every monthly voucher (a "Dauerrechnung")
        v = f.voucher("purchaseinvoice", "88123-001", first_day, leasing, 61285, "leasing_debit")
        line = f.line(
            "praxis",
            _bday(first_day + timedelta(days=2)),
            -61285,
            "debit",
            leasing.party,
            purpose=f"Leasingrate {first_day:%m/%Y} Vertrag 88123-001 Behandlungseinheit",
            eref=f"MTL88123001{first_day:%Y%m}",
            mref=leasing.mandate,
            cred=leasing.cred,
        )
        f.pay(v, 61285, line)
        # practice software maintenance, a new invoice number each month
        fee = 22900 if first_day.year == 2024 else 24900
        number = f"DS-{first_day:%y%m}-{rng.randint(10000, 99999)}"
        v = f.voucher("purchaseinvoice", number, first_day, software, fee, "software_debit")
        line = f.line(
            "praxis",
            _bday(first_day + timedelta(days=9)),
            -fee,
            "debit",
            software.party,
            purpose=f"Rechnung {number} Wartungsvertrag {first_day:%m/%Y}",
            eref=number.replace("-", ""),
            mref=software.mandate,
            cred=software.cred,
        )
        f.pay(v, fee, line)

        # patient invoices
        for day in sorted(rng.choice(days) for _ in range(rng.randint(24, 34))):
            contact = rng.choice(patients)
            counter[day.year] += 1
            v = f.voucher(
                "salesinvoice",
                f"ZA-{yy}-{counter[day.year]:04d}",
                day,
                contact,
                _treatment(rng),
                "billing_payout",
            )
            if contact.style == "factoring":
                monday = day - timedelta(days=day.weekday())
                payouts[_bday(monday + timedelta(days=10))].append(v)
                continue
            if contact.other_payer is not None and rng.random() < 0.12:
                # a parent pays two children's invoices of the same day in one transfer
                first, last = names[contact.id]
                sibling = f.contact(
                    f"{rng.choice(_FIRST)} {last}",
                    contact.other_payer,
                    customer_number=str(10001 + len(patients)),
                    number=str(rng.randint(1000, 9999)),
                )
                sibling.other_payer = contact.other_payer
                patients.append(sibling)
                names[sibling.id] = (sibling.name.split()[0], last)
                counter[day.year] += 1
                w = f.voucher(
                    "salesinvoice",
                    f"ZA-{yy}-{counter[day.year]:04d}",
                    day,
                    sibling,
                    _treatment(rng),
                    "patient_family_collective",
                )
                v.scenario = "patient_family_collective"
                text = rng.choice(
                    (
                        f"{v.number} und {w.number}",
                        f"Rechnungen {v.number}, {w.number}",
                        f"{v.number} {w.number} {first} u. {w.contact.name.split()[0]}",
                        f"Rechnungen {first} und {w.contact.name.split()[0]} {last}",
                    )
                )
                pay_day = _bday(day + timedelta(days=rng.randint(8, 30)))
                line = f.line(
                    "praxis",
                    pay_day,
                    v.gross + w.gross,
                    "credit",
                    contact.other_payer,
                    purpose=text,
                    eref="NOTPROVIDED",
                )
                f.pay(v, v.gross, line)
                f.pay(w, w.gross, line)
                continue
            patient_pays(v)

        # dental lab (direct debit per invoice, 10 days after the invoice)
        for day in sorted(rng.choice(days) for _ in range(rng.randint(4, 7))):
            counter[-day.year] += 1
            number = f"{yy}-{1000 + counter[-day.year]}"
            gross = rng.randint(18000, 280000)
            v = f.voucher("purchaseinvoice", number, day, lab, gross, "lab_debit")
            line = f.line(
                "praxis",
                _bday(day + timedelta(days=10)),
                -gross,
                "debit",
                lab.party,
                purpose=f"Rechnung {number} vom {_dmy(day)} Kundennr. {lab.number}",
                eref=f"MZ{number.replace('-', '')}",
                mref=lab.mandate,
                cred=lab.cred,
            )
            f.pay(v, gross, line)
        # second lab: invoices of a month paid together at the start of the next
        for day in sorted(rng.choice(days) for _ in range(rng.randint(2, 4))):
            counter[-1] += 1
            gross = rng.randint(9000, 160000)
            v = f.voucher(
                "purchaseinvoice",
                f"{450 + counter[-1]:04d}",
                day,
                lab2,
                gross,
                "lab_collective_transfer",
            )
            lab2_month[first_day].append(v)
        # depot: direct debit 14 days after the invoice, now and then net of a credit note
        for day in sorted(rng.choice(days) for _ in range(rng.randint(2, 4))):
            counter[-2] += 1
            number = f"7-{3312000 + counter[-2] * 7}"
            gross = rng.randint(4500, 90000)
            v = f.voucher("purchaseinvoice", number, day, depot, gross, "material_debit")
            text = f"Rechnung {number} Kunde {depot.number}"
            credit = 0
            note: _Voucher | None = None
            if rng.random() < 0.12:
                credit = rng.randint(1500, min(gross // 3, 20000))
                note_day = day + timedelta(days=rng.randint(1, 5))
                note = f.voucher(
                    "purchasecreditnote",
                    f"7-G-{33000 + counter[-2]}",
                    note_day,
                    depot,
                    credit,
                    "supplier_credit_offset",
                )
                v.scenario = "material_debit_netted"
                text = f"Rechnung {number} abzgl. Gutschrift {note.number} Kunde {depot.number}"
            line = f.line(
                "praxis",
                _bday(day + timedelta(days=14)),
                -(gross - credit),
                "debit",
                depot.party,
                purpose=text,
                eref=f"DDS{number[2:]}",
                mref=depot.mandate,
                cred=depot.cred,
            )
            f.pay(v, gross - credit, line)
            if note is not None:
                f.settle(v, CREDIT_NOTE, credit, line)
                f.settle(note, CREDIT_NOTE, credit, line)

        # the chamber's yearly fee in four instalments (Feb, May, Aug, Nov)
        if first_day.month == 1:
            fee_total = 186000 if first_day.year == 2024 else 192000
            v = f.voucher(
                "purchaseinvoice",
                f"Beitragsbescheid {first_day.year}",
                first_day + timedelta(days=14),
                chamber,
                fee_total,
                "chamber_instalments",
            )
            for q, month in enumerate((2, 5, 8, 11), start=1):
                day = _bday(date(first_day.year, month, 15))
                line = f.line(
                    "praxis",
                    day,
                    -(fee_total // 4),
                    "transfer",
                    chamber.party,
                    purpose=f"Kammerbeitrag {first_day.year} Mitgl.-Nr. 40871 Rate {q}",
                    eref=f"LZK{first_day.year}Q{q}",
                )
                f.pay(v, fee_total // 4, line)

        # paid by the owner's private card or from the private account (no line here)
        if rng.random() < 0.3 or first_day.month == 3:
            day = rng.choice(days)
            gross = rng.randint(25000, 120000)
            v = f.voucher(
                "purchaseinvoice",
                f"AK-{first_day.year}-{rng.randint(100, 999)}",
                day,
                academy,
                gross,
                "private_card",
            )
            f.pay(
                v, gross, None, item_type=PRIVATE, posting=day + timedelta(days=rng.randint(0, 5))
            )
        if rng.random() < 0.35 or first_day.month == 5:
            day = rng.choice(days)
            gross = rng.randint(3000, 40000)
            v = f.voucher(
                "purchaseinvoice",
                f"DOS{rng.randint(1000000, 9999999)}",
                day,
                shop,
                gross,
                "other_account",
            )
            line = f.line(
                "privat", day, -gross, "card", shop.party, purpose=f"Bestellung {v.number}"
            )
            f.pay(v, gross, line)

        _zahnarzt_noise(f, first_day, owner_private)

    # billing service: weekly payouts for the invoices of the week before, minus its fee;
    # the practice hands a week's invoices in on the Monday after it
    for n, (day, vouchers) in enumerate(sorted(payouts.items()), start=1):
        total = sum(v.gross for v in vouchers)
        fee = total * 295 // 10000
        line = f.line(
            "praxis",
            day,
            total - fee,
            "credit",
            billing,
            purpose=(
                f"Auszahlung Abrechnung {day.year}/{n:04d} Einreichung vom "
                f"{_dmy(day - timedelta(days=day.weekday()))} {len(vouchers)} "
                f"Rechnung{'en' if len(vouchers) > 1 else ''} abzgl. Gebuehr {_de(fee)}"
            ),
            eref=f"ZAZ{day:%Y%m%d}{n:05d}",
        )
        for v in vouchers:
            f.pay(v, v.gross, line)
        f.advices.append(
            _Advice(
                f"{f.key}_avis_{day.year}-{n:04d}.csv",
                _payout_advice(
                    billing.name,
                    f"{day.year}/{n:04d}",
                    day,
                    f.accounts["praxis"].owner,
                    [(v, ", ".join(reversed(names[v.contact.id]))) for v in vouchers],
                    fee,
                ),
                line,
            )
        )
    # the second lab's invoices of a month, by one transfer early the next month
    for first_day, vouchers in sorted(lab2_month.items()):
        nxt = _month_end(first_day) + timedelta(days=rng.randint(3, 9))
        numbers = [v.number for v in vouchers]
        text = rng.choice(
            (
                f"Rg. {', '.join(numbers)} Kd {lab2.number}",
                f"RE {' '.join(str(int(n)) for n in numbers)}",
                f"Rechnungen {first_day:%m/%Y} Kd-Nr. {lab2.number}",
                f"Rechnung {' / '.join(numbers)}",
            )
        )
        line = f.line(
            "praxis",
            _bday(nxt),
            -sum(v.gross for v in vouchers),
            "transfer",
            lab2.party,
            purpose=text,
            eref=f"LAB2{first_day:%Y%m}",
        )
        for v in vouchers:
            f.pay(v, v.gross, line)
    return f


def _zahnarzt_noise(f: _Firm, first_day: date, owner: _Party) -> None:
    """The practice account's lines that pay no voucher."""
    rng = f.rng
    last = _bdays_of(first_day)[-1]
    prev = first_day - timedelta(days=1)
    kzv = _Party("Kassenzahnaerztliche Vereinigung BW", *f.iban("60050101"))
    f.line(
        "praxis",
        _bday(first_day + timedelta(days=24)),
        rng.randint(2_800_000, 4_200_000),
        "credit",
        kzv,
        purpose=f"Abschlagszahlung {first_day:%m/%Y} Abr.-Nr. 31775",
        eref=f"KZV{first_day:%Y%m}31775",
    )
    if first_day.month in (2, 5, 8, 11):
        f.line(
            "praxis",
            _bday(first_day + timedelta(days=14)),
            rng.randint(400_000, 1_500_000),
            "credit",
            kzv,
            purpose=(
                f"Restzahlung Quartal {(first_day.month - 2) // 3 or 4}/{prev.year} Abr.-Nr. 31775"
            ),
            eref=f"KZVR{first_day:%Y%m}",
        )
    staff = ("Laura Becker", "Selin Aydin", "Tanja Roth", "Michelle Krause", "Jana Vogt")
    parts = tuple(
        _Line(
            "praxis",
            last,
            -(rng.randint(165000, 265000)),
            "transfer",
            name=name,
            iban=f.iban()[0],
            purpose=f"Lohn/Gehalt {first_day:%m/%Y}",
            eref=f"LG{first_day:%Y%m}{n}",
        )
        for n, name in enumerate(staff)
    )
    f.line(
        "praxis",
        last,
        sum(p.cents for p in parts),
        "payroll_batch",
        parts=parts,
        purpose=f"Sammelueberweisung Lohn {first_day:%m/%Y}",
    )
    for name, cred, low, high in (
        ("AOK Baden-Wuerttemberg", "00000070331", 280000, 340000),
        ("Techniker Krankenkasse", "00000011223", 95000, 125000),
        ("BARMER", "00000087719", 70000, 90000),
    ):
        f.line(
            "praxis",
            _bday(last - timedelta(days=4)),
            -rng.randint(low, high),
            "debit",
            _Party(name, *f.iban()),
            purpose=f"Beitraege {first_day:%m/%Y} Btr.-Nr. 38412345",
            mref=f"BN38412345-{cred[-3:]}",
            cred=_creditor_id(cred),
            eref=f"SV{first_day:%Y%m}{cred[-4:]}",
        )
    tax_office = _Party("Finanzamt Karlsruhe-Stadt", *f.iban("60050101"))
    f.line(
        "praxis",
        _bday(first_day + timedelta(days=9)),
        -rng.randint(180000, 260000),
        "debit",
        tax_office,
        purpose=f"StNr 35012/34567 LSt {prev:%m.%y}",
        mref="FA35012-LST",
        cred=_creditor_id("00000131210"),
    )
    if first_day.month in (3, 6, 9, 12):
        f.line(
            "praxis",
            _bday(first_day + timedelta(days=9)),
            -850000,
            "debit",
            tax_office,
            purpose=f"StNr 35012/34567 ESt-VZ {(first_day.month) // 3}/{first_day.year}",
            mref="FA35012-EST",
            cred=_creditor_id("00000131210"),
        )
    f.line(
        "praxis",
        _bday(first_day + timedelta(days=2)),
        -145000,
        "debit",
        _Party("Versorgungswerk der Zahnaerzte BW", *f.iban()),
        purpose=f"Beitrag {first_day:%m/%Y} Mitgl. 41234",
        mref="VZW41234",
        cred=_creditor_id("00000309911"),
    )
    f.line(
        "praxis",
        _bday(first_day + timedelta(days=rng.randint(5, 20))),
        -8995,
        "debit",
        _Party("Telekom Deutschland GmbH", *f.iban("70150000")),
        purpose=f"Kd-Nr 480199231 Rechnung {first_day:%m/%y}",
        mref="TK480199231",
        cred=_creditor_id("00000032613"),
    )
    for _ in range(2):
        f.line(
            "praxis",
            rng.choice(_bdays_of(first_day)),
            -rng.randint(3, 6) * 100000,
            "transfer",
            owner,
            purpose="Umbuchung Privat",
        )
    if first_day.month in (1, 4, 7, 10):
        f.line(
            "praxis",
            _bday(first_day),
            -rng.randint(3500, 6500),
            "fee",
            purpose=f"Abschluss per {_dmy(prev)}",
        )
    if first_day < date(2024, 3, 1):  # invoices from before Lexware, paid now
        for _ in range(rng.randint(6, 10)):
            given, family = rng.choice(_FIRST), rng.choice(_LAST)
            f.line(
                "praxis",
                rng.choice(_bdays_of(first_day)),
                _treatment(rng),
                "credit",
                f.party(_person_bank_name(rng, given, family, None)),
                purpose=f"ZA-23-{rng.randint(700, 1300):04d}",
                eref="NOTPROVIDED",
            )


# ---------------------------------------------------------------------------------------
# Café


def _cafe(seed: int) -> _Firm:
    f = _Firm("cafe", "tenant-cafe-lindenblatt", seed, _lag_cafe, date(2025, 5, 31), 0.5)
    rng = f.rng
    f.add_account(
        "giro",
        "Cafe Lindenblatt Inh. Marco Ricci",
        "68050101",
        "0012733445",
        "Sparkasse Freiburg-Noerdlicher Breisgau",
        "csv-sparkasse",
        opening=1_204_410,
    )
    f.add_account("privat", "Marco Ricci", "50010517", "5522001844", "ING", "none")
    owner = _Party("Marco Ricci", f.accounts["privat"].iban, f.accounts["privat"].bic)

    psp = f.contact(
        "Terminalpay Europe GmbH",
        f.party("Terminalpay Europe GmbH", "60070070"),
        customer_number="10001",
    )
    psp.cred, psp.mandate = _creditor_id("00000844120"), "TP-104455"
    huber = f.contact(
        "Getränke Huber GmbH & Co. KG",
        f.party("Getraenke Huber GmbH u. Co. KG", "68090000"),
        cred=_creditor_id("00000312211"),
        mandate="HUBER-30551",
        number="30551",
    )
    brewery = f.contact(
        "Brauerei Schwarzwaldquell GmbH",
        f.party("Brauerei Schwarzwaldquell", "68452290"),
        cred=_creditor_id("00000198765"),
        mandate="SQ-7712-D",
        number="7712",
    )
    baur = f.contact("Frischeservice Baur GmbH", f.party("Frischeservice Baur GmbH"), number="4471")
    metro = f.contact("METRO Deutschland GmbH", _Party("METRO//Freiburg/DE", *f.iban("60070070")))
    bakery = f.contact("Bäckerei Maier")
    gema = f.contact(
        "GEMA",
        f.party("GEMA", "70150000"),
        cred=_creditor_id("00000047622"),
        mandate="GEMA-1003344",
    )
    power = f.contact(
        "Stadtwerke Breisgau GmbH",
        f.party("Stadtwerke Breisgau", "68050101"),
        cred=_creditor_id("00000220001"),
        mandate="SWB-2100456789",
    )
    insurer = f.contact(
        "Hanse Gastro Versicherung AG",
        f.party("HANSE GASTRO VERSICHERUNG AG", "20050550"),
        cred=_creditor_id("00000900712"),
        mandate="VS45882211",
    )
    fair = f.contact("Messe Stuttgart GmbH")
    clients = [
        f.contact(name, customer_number=str(10002 + n))
        for n, name in enumerate(
            (
                "Anwaltskanzlei Dr. Weber & Partner mbB",
                "Steuerbüro Lang",
                "Julia Kern",
                "Familie Öztürk",
                "Universitätsklinikum Freiburg Abt. Kardiologie",
                "Architekturbüro Sommer + Seidel",
                "Freiburger Turnerschaft 1844 e.V.",
                "Thomas Wagner",
                "Ingenieurgesellschaft Brandt mbH",
                "Sabine Krüger",
                "SC Musterhausen e.V.",
                "Zahnarztpraxis Dr. Albers",
                "Fahrschule Roth",
                "Buchhandlung Graf",
                "Weingut Schäfer GbR",
            )
        )
    ]
    # a few clients pay from accounts with other names (the firm, the husband)
    clients[2].party = f.party("Kern, Julia und Markus")
    clients[3].party = f.party("MEHMET OEZTUERK")
    clients[4].party = f.party("Universitaetsklinikum Freiburg", "60050101")

    z = 0
    card_days: dict[date, list[tuple[_Voucher, int]]] = defaultdict(list)
    gaps: set[date] = set()
    huber_week: dict[date, list[_Voucher]] = defaultdict(list)
    baur_open: list[_Voucher] = []
    counter: Counter[str] = Counter()
    returned = False

    for first_day in _month_starts():
        last_day = _month_end(first_day)
        days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
        summer = 1.3 if first_day.month in (5, 6, 7, 8, 9) else 1.0
        for day in days:
            if day.weekday() == 0 or (day.month, day.day) in ((12, 24), (12, 25), (1, 1)):
                continue  # closed on Mondays and the holidays
            low, high = (
                (38000, 75000),
                (38000, 75000),
                (38000, 75000),
                (65000, 120000),
                (90000, 170000),
                (80000, 150000),
            )[day.weekday() - 1]
            gross = int(rng.randint(low, high) * summer)
            fee = gross * rng.randint(70, 135) // 10000
            if rng.random() < 0.03:
                gaps.add(_add_bdays(day, 2))  # the register's export of the day failed
            else:
                z += 1
                v = f.voucher("salesinvoice", f"Z-{z:05d}", day, psp, gross, "card_payout")
                card_days[_add_bdays(day, 2)].append((v, fee))
                continue
            card_days[_add_bdays(day, 2)].append((_Voucher("", "", "", day, psp, gross, ""), fee))
        bdays = _bdays_of(first_day)
        # catering invoices (Lexware-written: RE-2025-0142)
        for day in sorted(rng.choice(bdays) for _ in range(rng.randint(3, 5))):
            counter[str(day.year)] += 1
            client = rng.choice(clients)
            gross = rng.randint(38000, 480000)
            number = f"RE-{day.year}-{counter[str(day.year)]:04d}"
            v = f.voucher("invoice", number, day, client, gross, "catering_transfer")
            r = rng.random()
            rest = gross
            if r < 0.2:
                deposit = rng.randint(2, 5) * 10000
                v.scenario = "catering_cash_and_bank"
                f.other(v, CASH, deposit, day - timedelta(days=rng.randint(10, 30)))
                rest -= deposit
            elif r < 0.32:
                deposit = gross * rng.choice((20, 30, 50)) // 100 // 100 * 100
                v.scenario = "catering_deposit_transfer"
                before = _bday(day - timedelta(days=rng.randint(10, 40)))
                line = f.line(
                    "giro",
                    before,
                    deposit,
                    "credit",
                    client.party,
                    purpose=rng.choice(
                        (
                            f"Anzahlung Feier {before:%d.%m.}",
                            "Anzahlung Catering",
                            f"Anzahlung {client.name}",
                        )
                    ),
                    eref="NOTPROVIDED",
                )
                f.pay(v, deposit, line, before_voucher=True)
                rest -= deposit
            text = rng.choice(
                (
                    number,
                    f"Rechnung {number}",
                    f"Rechnung {number.split('-')[-1]}",
                    f"{number} Catering",
                    "Catering Rechnung",
                    f"RE {number[3:]}",
                )
            )
            line = f.line(
                "giro",
                _bday(day + timedelta(days=rng.randint(5, 30))),
                rest,
                "credit",
                client.party,
                purpose=text,
                eref="NOTPROVIDED",
            )
            f.pay(v, rest, line)
        # beverages: weekly Thursday delivery, collected the Monday after (1–2 invoices)
        for day in bdays:
            if day.weekday() == 3 or (day.weekday() == 1 and rng.random() < 0.2):
                counter["huber"] += rng.randint(40, 120)
                number = str(557000 + counter["huber"])
                v = f.voucher(
                    "purchaseinvoice",
                    number,
                    day,
                    huber,
                    rng.randint(28000, 135000),
                    "beverage_debit",
                )
                monday = day + timedelta(days=7 - day.weekday())
                huber_week[_bday(monday)].append(v)
        # brewery: every other week, direct debit per invoice 10 days later
        for day in bdays[2::10]:
            counter["brewery"] += 1
            number = f"{day.year}-{88000 + counter['brewery']:05d}"
            gross = rng.randint(40000, 160000)
            v = f.voucher("purchaseinvoice", number, day, brewery, gross, "brewery_debit")
            line = f.line(
                "giro",
                _bday(day + timedelta(days=10)),
                -gross,
                "debit",
                brewery.party,
                purpose=f"RE {number} vom {_dmy(day)} Kunde {brewery.number}",
                eref=f"SQ{number.replace('-', '')}",
                mref=brewery.mandate,
                cred=brewery.cred,
            )
            f.pay(v, gross, line)
        # food: deliveries on Tuesdays and Fridays, paid by one transfer on Fridays, biweekly
        for day in bdays:
            if day.weekday() in (1, 4):
                counter["baur"] += rng.randint(6, 14)
                v = f.voucher(
                    "purchaseinvoice",
                    f"FB-{day:%y}-{counter['baur']:05d}",
                    day,
                    baur,
                    rng.randint(9000, 65000),
                    "food_collective_transfer",
                )
                baur_open.append(v)
            if day.weekday() == 4 and day.isocalendar()[1] % 2 == 0:
                due = [v for v in baur_open if v.day < day]
                if not due:
                    continue
                baur_open = [v for v in baur_open if v.day >= day]
                for v in due:
                    v.scenario = "food_collective_transfer"
                text = _baur_reference(rng, due, day)
                line = f.line(
                    "giro",
                    day,
                    -sum(v.gross for v in due),
                    "transfer",
                    baur.party,
                    purpose=text,
                    eref="NOTPROVIDED",
                )
                for v in due:
                    f.pay(v, v.gross, line)
        # cash-and-carry by girocard, booked 1–2 days later
        for day in sorted(rng.choice(bdays) for _ in range(rng.randint(3, 5))):
            gross = rng.randint(6000, 65000)
            number = (
                f"{rng.randint(10, 99):03d}/{rng.randint(1, 12):02d}/{rng.randint(100000, 999999)}"
            )
            v = f.voucher("purchaseinvoice", number, day, metro, gross, "card_purchase")
            stamp = f"{day.isoformat()}T{rng.randint(7, 11):02d}:{rng.randint(0, 59):02d}"
            line = f.line(
                "giro",
                _add_bdays(day, rng.randint(1, 2)),
                -gross,
                "card",
                metro.party,
                purpose=f"{stamp} Debitk.7 2027-12",
                eref=f"{rng.randint(10**19, 10**20 - 1)}",
                value=day,
            )
            f.pay(v, gross, line, posting=day if rng.random() < 0.7 else None)
        # bakery: weekly invoice, paid in cash at the door
        for day in bdays[::5]:
            v = f.voucher(
                "purchaseinvoice",
                f"B{day:%y%m%d}",
                day,
                bakery,
                rng.randint(8000, 21000),
                "cash_only",
            )
            f.other(v, CASH, v.gross, day)
        # the payment service's terminal fee (same creditor as the payouts)
        number = f"TP-{first_day:%Y%m}-104455"
        v = f.voucher("purchaseinvoice", number, first_day, psp, 2368, "psp_fee_debit")
        line = f.line(
            "giro",
            _bday(first_day + timedelta(days=4)),
            -2368,
            "debit",
            psp.party,
            purpose=f"Rechnung {number} Terminalmiete",
            eref=number.replace("-", ""),
            mref=psp.mandate,
            cred=psp.cred,
        )
        f.pay(v, 2368, line)
        _cafe_yearly(f, first_day, gema, power, insurer)
        if rng.random() < 0.25 or first_day.month == 3:
            day = rng.choice(bdays)
            v = f.voucher(
                "purchaseinvoice",
                f"MS-{rng.randint(100000, 999999)}",
                day,
                fair,
                rng.randint(4500, 29000),
                "private_card",
            )
            f.pay(v, v.gross, None, item_type=PRIVATE, posting=day)
        _cafe_noise(f, first_day, owner, brewery)

    # beverage collections: one direct debit a week for its invoices, net of empties
    for day, vouchers in sorted(huber_week.items()):
        if len(vouchers) > 1:
            for v in vouchers:
                v.scenario = "beverage_collective_debit"
        numbers = " ".join(v.number for v in vouchers)
        total = sum(v.gross for v in vouchers)
        credit_note: _Voucher | None = None
        if len(vouchers) == 1 and rng.random() < 0.15:
            credit = rng.randint(1500, 9000)
            credit_note = f.voucher(
                "purchasecreditnote",
                f"G-{vouchers[0].number}",
                vouchers[0].day,
                huber,
                credit,
                "supplier_credit_offset",
            )
            vouchers[0].scenario = "beverage_debit_netted"
            total -= credit
            numbers += f" ABZGL. LEERGUT-GS {credit_note.number}"
        purpose = f"RE {numbers} KD {huber.number}"
        eref = f"GH{day:%Y%m%d}{huber.number}"
        line = f.line(
            "giro",
            day,
            -total,
            "debit_b2b",
            huber.party,
            purpose=purpose,
            eref=eref,
            mref=huber.mandate,
            cred=huber.cred,
        )
        if not returned and day >= date(2024, 11, 1) and credit_note is None:
            # not enough money on the account: the debit comes back, the wholesaler
            # collects again a week later with its return fee (a voucher of its own)
            returned = True
            f.line(
                "giro",
                _add_bdays(day, 2),
                total,
                "debit_return",
                huber.party,
                purpose=purpose,
                eref=eref,
                mref=huber.mandate,
                cred=huber.cred,
                original_cents=total,
            )
            fee_voucher = f.voucher(
                "purchaseinvoice",
                f"RLS-{vouchers[0].number}",
                _add_bdays(day, 4),
                huber,
                1250,
                "returned_debit",
            )
            again = f.line(
                "giro",
                _add_bdays(day, 7),
                -(total + 1250),
                "debit_b2b",
                huber.party,
                purpose=(
                    f"Wiedervorlage RE {' '.join(v.number for v in vouchers)} "
                    "zzgl. Ruecklastschriftgebuehr 12,50"
                ),
                eref=f"{eref}W",
                mref=huber.mandate,
                cred=huber.cred,
            )
            for v in vouchers:
                v.scenario = "returned_debit"
                f.pay(v, v.gross, again)
            f.pay(fee_voucher, 1250, again)
            continue
        for v in vouchers:
            if credit_note is not None:
                f.pay(v, total, line)
                f.settle(v, CREDIT_NOTE, credit_note.gross, line)
                f.settle(credit_note, CREDIT_NOTE, credit_note.gross, line)
            else:
                f.pay(v, v.gross, line)
    # card payouts: the sales of a day two business days later, net of the fee
    for day, sales in sorted(card_days.items()):
        gross = sum(v.gross for v, _ in sales)
        fees = sum(fee for _, fee in sales)
        first, last = min(v.day for v, _ in sales), max(v.day for v, _ in sales)
        period = f"{first:%d.%m.}-{_dmy(last)}" if first != last else _dmy(first)
        line = f.line(
            "giro",
            day,
            gross - fees,
            "credit",
            psp.party,
            purpose=(
                f"Auszahlung 104455 vom {_dmy(day)} Umsatz {period} abzgl. Entgelte {_de(fees)}"
            ),
            eref=f"TP{day:%Y%m%d}104455",
        )
        for v, _ in sales:
            if not v.id:
                continue
            if day in gaps:
                v.scenario = "card_payout_gap"
            # the register's export marks most card sales paid on the day of the sale
            f.pay(v, v.gross, line, posting=v.day if rng.random() < 0.6 else None)
    return f


def _baur_reference(rng: random.Random, due: list[_Voucher], day: date) -> str:
    numbers = [v.number for v in due]
    short = [n.split("-")[-1].lstrip("0") for n in numbers]
    return rng.choice(
        (
            " ".join(numbers),
            f"Rg {', '.join(short)}",
            f"RE {numbers[0]}" + "".join(f"/{n.split('-')[-1]}" for n in numbers[1:]),
            f"Rechnungen KW {day.isocalendar()[1] - 1}/{day.isocalendar()[1]}",
            f"Kd 4471 Rechnungen {' '.join(short)}",
        )
    )


def _cafe_yearly(
    f: _Firm, first_day: date, gema: _Contact, power: _Contact, insurer: _Contact
) -> None:
    """Yearly invoices paid in instalments by direct debit, and the electricity bill."""
    rng = f.rng
    if first_day.month != 1:
        return
    year = first_day.year
    plans = (
        (
            gema,
            f"GEMA-R-{year}-1003344",
            81640,
            (2, 5, 8, 11),
            15,
            "GEMA Rate {k}/4 {year} Kd 1003344",
        ),
        (
            power,
            f"Abschlagsplan {year} VK 2100456789",
            38500 * 12,
            tuple(range(1, 13)),
            15,
            "Abschlag {m:02d}/{year} VK 2100456789",
        ),
        (
            insurer,
            f"Beitragsrechnung {year} VS 45-882211",
            165040,
            (1, 4, 7, 10),
            1,
            "Beitrag {k}/4 {year} VS-Nr 45-882211",
        ),
    )
    for contact, number, total, months, dom, template in plans:
        v = f.voucher(
            "purchaseinvoice",
            number,
            first_day + timedelta(days=3),
            contact,
            total,
            "instalment_plan",
        )
        rate = total // len(months)
        for k, month in enumerate(months, start=1):
            day = _bday(date(year, month, dom))
            line = f.line(
                "giro",
                day,
                -rate,
                "debit",
                contact.party,
                purpose=template.format(k=k, m=month, year=year),
                eref=f"{contact.mandate}{year}{k:02d}",
                mref=contact.mandate,
                cred=contact.cred,
            )
            f.pay(v, rate, line, before_voucher=True)
    # last year's electricity: extra payment or refund, by direct debit or transfer
    cents = rng.randint(-30000, 45000) or 1000
    day = date(year, 2, 20)
    if cents > 0:
        v = f.voucher(
            "purchaseinvoice", f"JA-{year - 1}-2100456789", day, power, cents, "utility_settlement"
        )
        line = f.line(
            "giro",
            _bday(day + timedelta(days=14)),
            -cents,
            "debit",
            power.party,
            purpose=f"Jahresabrechnung {year - 1} Nachzahlung VK 2100456789",
            mref=power.mandate,
            cred=power.cred,
            eref=f"JA{year - 1}2100456789",
        )
    else:
        v = f.voucher(
            "purchasecreditnote",
            f"JA-{year - 1}-2100456789",
            day,
            power,
            -cents,
            "utility_settlement",
        )
        line = f.line(
            "giro",
            _bday(day + timedelta(days=10)),
            -cents,
            "credit",
            power.party,
            purpose=f"Guthaben Jahresabrechnung {year - 1} VK 2100456789",
            eref=f"JA{year - 1}2100456789",
        )
    f.pay(v, abs(cents), line)


def _cafe_noise(f: _Firm, first_day: date, owner: _Party, brewery: _Contact) -> None:
    rng = f.rng
    bdays = _bdays_of(first_day)
    prev = first_day - timedelta(days=1)
    for day in bdays:
        if day.weekday() == 1 or (day.weekday() == 4 and rng.random() < 0.5):
            f.line(
                "giro",
                day,
                rng.randint(60, 240) * 1000 + rng.randint(0, 99) * 10,
                "cash_in",
                purpose="Einzahlung Tageskasse",
            )
    f.line(
        "giro",
        _bday(first_day + timedelta(days=2)),
        -315000,
        "standing_order",
        _Party("Erbengemeinschaft Lindner", *f.iban()),
        purpose="Miete Gaststaette Lindenstr. 4",
    )
    for n in range(7):
        f.line(
            "giro",
            bdays[-1],
            -rng.choice((53800, 53800, 45000, 38000)),
            "transfer",
            f.party(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"),
            purpose=f"Lohn {first_day:%m/%Y}",
            eref=f"L{first_day:%Y%m}{n}",
        )
    for name in ("Giulia Conti", "Stefan Hartmann"):
        f.line(
            "giro",
            bdays[-1],
            -rng.randint(185000, 235000),
            "transfer",
            f.party(name),
            purpose=f"Gehalt {first_day:%m/%Y}",
        )
    f.line(
        "giro",
        _bday(bdays[-1] - timedelta(days=3)),
        -rng.randint(105000, 125000),
        "debit",
        _Party("Minijob-Zentrale", *f.iban("37040044")),
        purpose=f"Beitragsnachweis {first_day:%m/%Y} BNR 73104455",
        mref="MJZ73104455",
        cred=_creditor_id("00000020005"),
    )
    f.line(
        "giro",
        _bday(first_day + timedelta(days=9)),
        -rng.randint(180000, 460000),
        "debit",
        _Party("Finanzamt Freiburg-Stadt", *f.iban("60050101")),
        purpose=f"StNr 06012/12345 USt {prev:%m/%Y}",
        mref="FA06012-UST",
        cred=_creditor_id("00000131288"),
    )
    f.line(
        "giro",
        _bday(first_day + timedelta(days=4)),
        -35000,
        "debit",
        brewery.party,
        purpose=f"Darlehen {brewery.number} Rate {first_day:%m/%Y}",
        eref=f"SQDL{first_day:%Y%m}",
        mref="SQ-7712-L",
        cred=brewery.cred,
    )
    f.line(
        "giro",
        rng.choice(bdays),
        -rng.randint(15, 40) * 10000,
        "transfer",
        owner,
        purpose="Privatentnahme",
    )
    f.line(
        "giro",
        _bday(first_day),
        -rng.randint(1490, 2890),
        "fee",
        purpose=f"Abrechnung {_dmy(prev)}",
    )


# ---------------------------------------------------------------------------------------
# Großhandel


_CUSTOMERS = (
    # name in Lexware, name on the payer's account, style
    ("Schraubenhandel Böhm GmbH & Co. KG", "Schraubenhandel Boehm GmbH + Co. KG", "skonto"),
    ("Maschinenbau Weißenfels GmbH", "", "parent"),
    ("Weißenfels Anlagentechnik GmbH", "", "parent"),
    ("Metallverarbeitung Günther Straßburger e.K.", "", "sloppy"),
    ("Elektro Jürgens OHG", "Elektro Juergens OHG", "net"),
    ("Holzbau Pichler GmbH", "Holzbau Pichler GmbH", "foreign-at"),
    ("Van der Berg Bouwmaterialen B.V.", "VAN DER BERG BOUWMATERIALEN BV", "foreign-nl"),
    ("Schreinerei Brunner AG", "SCHREINEREI BRUNNER AG", "foreign-ch"),
    ("Bauschlosserei Kühn GmbH", "", "net"),
    ("Fensterbau Öhringer GmbH", "Fensterbau Oehringer GmbH", "skonto"),
    ("Dachdeckerei Schäfer & Söhne GmbH", "Schaefer und Soehne Dachdeckerei GmbH", "late"),
    ("Stahlbau Müller-Lüdenscheidt GmbH & Co. KG", "", "collective"),
    ("Gerüstbau Yılmaz GmbH", "Geruestbau Yilmaz GmbH", "sloppy"),
    ("Tischlerei Hoffmann", "Hoffmann, Peter", "sloppy"),
    ("Sanitär Groß GmbH", "", "skonto"),
    ("Haustechnik Weber GmbH", "", "net"),
    ("Zimmerei Bäuerle GbR", "Baeuerle Zimmerei GbR", "late"),
    ("Metallbau Krämer GmbH", "", "skonto"),
    (
        "Landmaschinen Vogt e.K.",
        "Landmaschinen- und Kommunaltechnik Vogt Inhaber Klaus Vogt e.K.",
        "net",
    ),
    ("Baustoffe Heilbronner Land GmbH", "", "collective"),
    ("Fahrzeugbau Köhler GmbH", "", "skonto"),
    ("Elektrotechnik Schröder & Partner GmbH", "", "net"),
    ("Gartenbau Grün & Söhne GmbH", "", "late"),
    ("Messebau Lorenz GmbH", "", "net"),
    ("Industriemontage Süd GmbH", "IMS Industriemontage Sued GmbH", "skonto"),
    ("Autohaus Fuchs GmbH & Co. KG", "", "net"),
    ("Aufzugstechnik Schwaben GmbH", "", "late"),
    ("Kfz-Werkstatt Demir", "Demir, Hakan", "sloppy"),
    ("Bauunternehmung Bäuerle & Kräuter GmbH & Co. KG", "", "collective"),
    ("Photovoltaik Sonnenkraft Süd GmbH", "", "skonto"),
    ("Landratsamt Ludwigsburg", "Landkreis Ludwigsburg Kreiskasse", "public"),
    ("Stadtwerke Ludwigsburg-Kornwestheim GmbH", "", "public"),
    ("Eisenwaren Kuhn e.K.", "", "central"),
    ("Werkzeughandel Pohl GmbH", "", "central"),
    ("Baubedarf Engel GmbH", "", "central"),
    ("Eisen-Lang Haushaltswaren", "", "central"),
    ("Beschläge Horn KG", "", "central"),
    ("Montagebau Thomas GmbH", "", "debit"),
    ("Heizungsbau Arnold GmbH", "", "debit"),
    ("Klimatechnik Pfeiffer GmbH", "", "debit"),
    ("Rolladenbau Sauer e.K.", "", "debit"),
    ("Treppenbau Voigt GmbH", "", "debit"),
    ("Metallbau Bergmann GmbH", "", "debit"),
)


def _wholesale_amount(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.35:
        return rng.randint(6000, 80000)
    if r < 0.8:
        return rng.randint(80000, 450000)
    if r < 0.97:
        return rng.randint(450000, 1500000)
    return rng.randint(1500000, 3500000)


def _typo(rng: random.Random, number: str) -> str:
    """RE-2025-00142 as a person types it wrongly: digits swapped or one wrong, the year."""
    prefix, year, run = number.split("-")
    r = rng.random()
    digits = list(run.lstrip("0") or "0")
    if r < 0.45 and len(digits) >= 2:
        i = rng.randrange(len(digits) - 1)
        if digits[i] == digits[i + 1]:
            digits[i + 1] = str((int(digits[i + 1]) + 1) % 10)
        else:
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
    elif r < 0.8:
        i = rng.randrange(len(digits))
        digits[i] = str((int(digits[i]) + rng.choice((1, -1))) % 10)
    else:
        return f"{prefix}-{int(year) - 1}-{run}"
    return f"{prefix}-{year}-{''.join(digits).zfill(len(run))}"


def _wholesale_reference(rng: random.Random, v: _Voucher, style: str) -> tuple[str, str]:
    """(scenario, purpose) of a customer's single transfer."""
    number = v.number
    cn = v.contact.customer_number
    _, year, run = number.split("-")
    r = rng.random()
    if style == "sloppy" and r < 0.5:
        wrong = _typo(rng, number)
        return "ref_typo", rng.choice(
            (wrong, f"Rechnung {wrong}", f"RE {wrong[3:]}", f"{wrong} KD {cn}")
        )
    if style == "sloppy" or r < 0.18:
        text = rng.choice(
            (
                f"RE {year} {run}",
                f"RE{year}{run}",
                f"RE-{year}-{int(run)}",
                f"Rechnung {int(run)}",
                f"Re.-Nr. {year}-{run}",
                f"RG {year}/{run}",
                f"Rechnung Nr. {run} vom {_dmy(v.day)}",
            )
        )
        return "transfer_ref_variant", text
    if r < 0.27:
        text = rng.choice(
            (
                f"KD-NR {cn} RECHNUNG VOM {v.day:%d.%m.%y}",
                f"KUNDE {cn}",
                "WARENLIEFERUNG",
                f"LIEFERUNG {v.day:%d.%m.}",
            )
        )
        return "transfer_no_ref", text
    text = rng.choice(
        (
            number,
            f"RE-NR. {number} KD-NR. {cn}",
            f"RECHNUNG {number} VOM {_dmy(v.day)}",
            f"{cn} {number} {_de(v.gross)} EUR",
            f"ZAHLUNGSAVIS {rng.randint(4000, 9999)} {number}",
            f"{number}",
        )
    )
    return "transfer_exact_ref", text


def _grosshandel(seed: int) -> _Firm:
    f = _Firm(
        "grosshandel",
        "tenant-kessler-befestigungstechnik",
        seed,
        _lag_wholesale,
        date(2025, 6, 24),
        0.9,
    )
    rng = f.rng
    own = f.add_account(
        "giro",
        "KESSLER BEFESTIGUNGSTECHNIK GMBH",
        "60090100",
        "0412345600",
        "Volksbank Stuttgart eG",
        "mt940",
        opening=8_741_220,
    )
    f.add_account(
        "kreissparkasse",
        "Kessler Befestigungstechnik GmbH",
        "60450050",
        "0030112233",
        "Kreissparkasse",
        "none",
    )
    creditor_id = _creditor_id("00000471100")
    customers: list[_Contact] = []
    for n, (name, bank_name, style) in enumerate(_CUSTOMERS):
        if style == "foreign-at":
            iban = IBAN.generate(
                "AT", bank_code="20111", account_code=str(rng.randint(10**10, 10**11 - 1))
            )
            party = _Party(bank_name, iban.compact, str(iban.bic or "GIBAATWWXXX"))
        elif style == "foreign-nl":
            iban = IBAN.generate(
                "NL", bank_code="RABO", account_code=str(rng.randint(10**9, 10**10 - 1))
            )
            party = _Party(bank_name, iban.compact, "RABONL2U")
        elif style == "foreign-ch":
            iban = IBAN.generate(
                "CH", bank_code="00762", account_code=str(rng.randint(10**11, 10**12 - 1))
            )
            party = _Party(bank_name, iban.compact, "UBSWCHZH80A")
        else:
            holder = bank_name or name
            if not bank_name and rng.random() < 0.3:
                holder = holder.replace("GmbH & Co. KG", "GmbH u. Co. KG").replace(" & ", " + ")
            party = f.party(holder)
        contact = f.contact(name, party, customer_number=str(10001 + n), style=style)
        if style == "debit":
            contact.mandate = f"KBT-{contact.customer_number}-01"
        customers.append(contact)
    # what only the advices show: the members' numbers at the central settlement office,
    # the day each direct debit customer signed the mandate
    members = {
        c.id: str(f.advice_rng.randint(100000, 899999)) for c in customers if c.style == "central"
    }
    signed = {
        c.id: date(2019, 1, 1) + timedelta(days=f.advice_rng.randint(0, 1700))
        for c in customers
        if c.style == "debit"
    }
    holding = f.party("Weissenfels Holding GmbH", "60040071")
    central = _Party("WERKZEUGRING ZENTRALREGULIERUNG EG", *f.iban("60070070"))
    weights = [
        3
        if c.style in ("central", "debit", "collective")
        else (1 if c.style.startswith("foreign") else 2)
        for c in customers
    ]
    one_off = [
        f.contact(name, customer_number=str(10101 + n), style="prepay")
        for n, name in enumerate(
            (
                "Solartechnik Neckar GmbH",
                "Hallenbau Remstal GmbH",
                "Bauservice Kaya",
                "Tiny House Manufaktur UG (haftungsbeschränkt)",
                "Carport-Profi Süd GmbH",
                "Wintergarten Schäfer GmbH",
            )
        )
    ]
    suppliers = _Suppliers(f)
    counter: Counter[str] = Counter()
    collective: dict[tuple[_Contact, date], list[_Voucher]] = defaultdict(list)
    central_open: list[_Voucher] = []
    debit_open: list[tuple[date, _Voucher]] = []
    credit_notes_due: dict[_Contact, _Voucher] = {}

    def number_of(day: date) -> str:
        counter[str(day.year)] += 1
        return f"RE-{day.year}-{counter[str(day.year)]:05d}"

    def transfer(
        v: _Voucher,
        day: date,
        cents: int,
        purpose: str,
        *,
        payer: _Party | None = None,
        eref: str | None = None,
        abwa: str = "",
    ) -> _Line:
        party = payer or v.contact.party
        if eref is None:
            eref = (
                "NOTPROVIDED" if rng.random() < 0.6 else f"ZV{day:%Y%m%d}{rng.randint(1, 999):03d}"
            )
        return f.line(
            "giro", _bday(day), cents, "credit", party, purpose=purpose, eref=eref, abwa=abwa
        )

    for first_day in _month_starts():
        bdays = _bdays_of(first_day)
        invoices = sorted(
            (
                (rng.choice(bdays), c)
                for c in rng.choices(customers, weights, k=rng.randint(30, 40))
            ),
            key=lambda pair: pair[0],
        )
        for day, contact in invoices:
            v = f.voucher(
                "invoice",
                number_of(day),
                day,
                contact,
                _wholesale_amount(rng),
                "transfer_exact_ref",
            )
            style = contact.style
            if style == "central":
                v.scenario = "central_settlement"
                central_open.append(v)
                continue
            if style == "debit":
                v.scenario = "debit_batch"
                debit_open.append((day + timedelta(days=10), v))
                continue
            if style == "collective":
                v.scenario = "collective_transfer"
                collective[(contact, first_day)].append(v)
                continue
            note = credit_notes_due.pop(contact, None)
            if note is not None and note.gross * 2 > v.gross:
                credit_notes_due[contact] = note  # netted with a later, larger invoice
                note = None
            if style == "parent":
                v.scenario = "other_payer"
                day2 = day + timedelta(days=rng.randint(25, 32))
                line = transfer(
                    v,
                    day2,
                    v.gross,
                    f"{v.number} KD {contact.customer_number}",
                    payer=holding,
                    abwa=_ascii(contact.name),
                    eref=f"WH{day2:%Y%m%d}{v.number[-5:]}",
                )
                f.pay(v, v.gross, line)
                continue
            if style.startswith("foreign"):
                v.scenario = "foreign_payer"
                day2 = day + timedelta(days=rng.randint(10, 35))
                if style == "foreign-ch":
                    # the intermediaries' fixed fees and the receiving bank's 1.5 ‰
                    fee = rng.choice((500, 750, 1000, 1500)) + v.gross * 15 // 10_000
                    # shared charges (SHA): the banks keep theirs; the statement
                    # states the amount as ordered and the charges (MT940 :61:
                    # supplementary details, DFÜ-Abkommen Anlage 3)
                    line = f.line(
                        "giro",
                        _bday(day2),
                        v.gross - fee,
                        "credit_swift",
                        contact.party,
                        purpose=f"/RFB/{v.number} INVOICE {v.number[-5:]}",
                        original_cents=v.gross,
                        fee_cents=fee,
                    )
                else:
                    text = (
                        rng.choice(
                            (f"Rechnung {v.number}", f"{v.number} Pichler", f"RE {v.number[3:]}")
                        )
                        if style == "foreign-at"
                        else rng.choice(
                            (
                                f"Factuur {v.number} klantnr {contact.customer_number}",
                                f"INV {v.number[3:]}",
                                f"Invoice {v.number}",
                            )
                        )
                    )
                    line = transfer(v, day2, v.gross, text, eref="NOTPROVIDED")
                f.pay(v, v.gross, line)
                continue
            if style == "public":
                v.scenario = "public_payer"
                day2 = day + timedelta(days=rng.randint(20, 45))
                sign = (
                    f"KASSENZEICHEN 5.{rng.randint(1000, 9999)}."
                    f"{rng.randint(100000, 999999)}.{rng.randint(1, 9)}"
                )
                text = rng.choice(
                    (
                        f"{sign} {v.number}",
                        f"{sign} RE {v.number[3:]}",
                        f"{sign} RECHNUNG VOM {_dmy(v.day)}",
                    )
                )
                f.pay(v, v.gross, transfer(v, day2, v.gross, text))
                continue
            if note is not None:
                v.scenario = "credit_note_netted"
                day2 = max(day, note.day) + timedelta(days=rng.randint(12, 30))
                text = rng.choice(
                    (
                        f"{v.number} ABZGL. GUTSCHRIFT {note.number}",
                        f"{v.number} ./. {note.number}",
                        f"RE {v.number} MINUS GS {note.number}",
                    )
                )
                line = transfer(v, day2, v.gross - note.gross, text)
                f.pay(v, v.gross - note.gross, line)
                f.settle(v, CREDIT_NOTE, note.gross, line)
                f.settle(note, CREDIT_NOTE, note.gross, line)
                continue
            if style == "late" and rng.random() < 0.35 and v.gross >= 50000:
                v.scenario = "part_payment"
                part = v.gross * rng.randint(40, 60) // 100 // 100 * 100
                day2 = day + timedelta(days=rng.randint(25, 45))
                text = rng.choice(
                    (
                        f"TEILZAHLUNG {v.number}",
                        f"1. RATE {v.number}",
                        f"ABSCHLAG RE {v.number[3:]}",
                    )
                )
                f.pay(v, part, transfer(v, day2, part, text))
                day3 = day2 + timedelta(days=rng.randint(20, 40))
                text = rng.choice(
                    (f"RESTZAHLUNG {v.number}", f"2. RATE {v.number}", f"REST RE {v.number[3:]}")
                )
                f.pay(v, v.gross - part, transfer(v, day3, v.gross - part, text))
                continue
            if style in ("skonto", "sloppy") and rng.random() < (
                0.85 if style == "skonto" else 0.2
            ):
                v.scenario = "skonto"
                on_net = rng.random() < 0.2  # computed on the net amount
                skonto = round(v.gross / 119 * 2) if on_net else round(v.gross * 0.02)
                day2 = day + timedelta(days=rng.randint(6, 14))
                text = rng.choice(
                    (
                        f"{v.number} ABZGL. 2% SKONTO",
                        f"RE {v.number} ABZUEGL. SKONTO {_de(skonto)}",
                        f"{v.number} {_de(v.gross)} ./. 2% SKONTO {_de(skonto)}",
                        f"RECHNUNG {v.number} SKONTO {_de(skonto)} EUR",
                    )
                )
                line = transfer(v, day2, v.gross - skonto, text)
                f.pay(v, v.gross - skonto, line)
                f.settle(v, SKONTO, skonto, line)
                continue
            delay = rng.randint(40, 80) if style == "late" else rng.randint(18, 35)
            scenario, text = _wholesale_reference(rng, v, style)
            v.scenario = scenario
            f.pay(v, v.gross, transfer(v, day + timedelta(days=delay), v.gross, text))

        # credit notes for returned goods: netted with the customer's next invoice or refunded
        if rng.random() < 0.85:
            contact = rng.choice(
                [c for c in customers if c.style in ("net", "skonto", "late", "sloppy")]
            )
            counter[f"GS{first_day.year}"] += 1
            day = rng.choice(bdays)
            note = f.voucher(
                "creditnote",
                f"GS-{first_day.year}-{counter[f'GS{first_day.year}']:04d}",
                day,
                contact,
                rng.randint(4000, 60000),
                "credit_note_offset",
            )
            if rng.random() < 0.65 and contact not in credit_notes_due:
                credit_notes_due[contact] = note
            else:
                note.scenario = "credit_note_refund"
                line = f.line(
                    "giro",
                    _bday(day + timedelta(days=rng.randint(5, 20))),
                    -note.gross,
                    "transfer",
                    contact.party,
                    purpose=f"Gutschrift {note.number} Kd-Nr. {contact.customer_number}",
                    eref=note.number.replace("-", ""),
                )
                f.pay(note, note.gross, line)
        # a new customer pays a pro-forma invoice first; the invoice follows on delivery
        if rng.random() < 0.5:
            contact = rng.choice(one_off)
            paid = rng.choice(bdays)
            gross = _wholesale_amount(rng)
            counter["PF"] += 1
            line = transfer(
                _Voucher("", "", "", paid, contact, gross, ""),
                paid,
                gross,
                rng.choice(
                    (
                        f"PF-{paid.year}-{counter['PF']:04d} VORKASSE",
                        f"Proforma {counter['PF']}",
                        f"Vorauskasse Angebot AN-{rng.randint(1000, 9999)}",
                    )
                ),
            )
            day = _bday(paid + timedelta(days=rng.randint(2, 8)))
            v = f.voucher("invoice", number_of(day), day, contact, gross, "prepayment")
            f.pay(v, gross, line, before_voucher=True)

        _wholesale_purchases(f, first_day, suppliers)
        _wholesale_noise(f, first_day, own)

    # collective transfers: the month's invoices early the next month
    for (contact, first_day), vouchers in sorted(
        collective.items(), key=lambda kv: (kv[0][1], kv[0][0].name)
    ):
        day = _month_end(first_day) + timedelta(days=rng.randint(5, 12))
        numbers = [v.number for v in vouchers]
        if len(numbers) > 7:
            text = (
                f"RECHNUNGEN {first_day:%m/%Y} KD {contact.customer_number} "
                f"{numbers[0]} BIS {numbers[-1]}"
            )
        else:
            text = rng.choice(
                (
                    " ".join(numbers),
                    f"RE {numbers[0]}" + "".join(f", {n[-5:]}" for n in numbers[1:]),
                    f"RG {' '.join(str(int(n[-5:])) for n in numbers)}",
                    f"{', '.join(numbers)} KD {contact.customer_number}",
                )
            )
        line = transfer(vouchers[0], day, sum(v.gross for v in vouchers), text)
        for v in vouchers:
            f.pay(v, v.gross, line)
    # central settlement: every Friday for the members' invoices at least a week old, net
    # of Skonto and the office's Delkredere fee (entered as cashDiscount in Lexware)
    day = _bday(START + timedelta(days=(4 - START.weekday()) % 7))
    week = 0
    while central_open and day <= SYNCED + timedelta(days=60):
        due = [v for v in central_open if v.day + timedelta(days=7) <= day]
        central_open = [v for v in central_open if v.day + timedelta(days=7) > day]
        if due:
            week += 1
            settled = [(v, v.gross - round(v.gross * 0.03)) for v in due]
            line = f.line(
                "giro",
                _bday(day),
                sum(p for _, p in settled),
                "credit",
                central,
                purpose=(
                    f"ZR-ZAHLUNG KW {day.isocalendar()[1]}/{day.year} LIEFERANT 47110 "
                    f"AVIS {884000 + week}"
                ),
                eref=f"ZR{day:%Y%m%d}47110",
            )
            for v, cents in settled:
                f.pay(v, cents, line)
                f.settle(v, SKONTO, v.gross - cents, line)
            f.advices.append(
                _Advice(
                    f"{f.key}_regulierungsavis_{884000 + week}.csv",
                    _settlement_advice(central.name, 884000 + week, line.booking, settled, members),
                    line,
                )
            )
        day += timedelta(days=7)
    # SEPA B2B collections: one batch each Wednesday for the invoices due, booked as one line
    day = _bday(START + timedelta(days=(2 - START.weekday()) % 7))
    batch_no = 0
    returned = 0
    while debit_open and day <= SYNCED + timedelta(days=60):
        due = [v for d, v in debit_open if d <= day]
        debit_open = [(d, v) for d, v in debit_open if d > day]
        if due:
            batch_no += 1
            line = f.line(
                "giro",
                _bday(day),
                sum(v.gross for v in due),
                "collection_batch",
                purpose=f"SEPA-B2B-SAMMLER {day:%Y%m%d}-{batch_no:03d} ANZAHL {len(due)}",
                batch_count=len(due),
            )
            back = None
            if (
                returned < 2
                and day >= (date(2024, 4, 1), date(2025, 1, 1))[returned]
                and len(due) >= 2
            ):
                back = rng.choice(due)
                returned += 1
            for v in due:
                if v is back:
                    _returned_collection(f, v, line, creditor_id, separate_fee=returned == 2)
                    continue
                f.pay(v, v.gross, line)
            # the batch as the wholesaler submitted it (the returned collection in it)
            batch_id = f"B2B-{day:%Y%m%d}-{batch_no:03d}"
            f.advices.append(
                _Advice(
                    f"{f.key}_pain008_{batch_id}.xml",
                    _collection_batch(f, own, creditor_id, batch_id, line.booking, due, signed),
                    line,
                )
            )
        day += timedelta(days=7)
    return f


def _returned_collection(
    f: _Firm, v: _Voucher, batch: _Line, creditor_id: str, *, separate_fee: bool
) -> None:
    """The customer's bank returns one collection of a batch (insufficient funds): the
    bank books it back with the return fee (in the amount, or as a line of its own); two
    weeks later the wholesaler collects the invoice once more, on its own."""
    rng = f.rng
    v.scenario = "returned_debit"
    contact = v.contact
    eref = f"KBT{v.number.replace('-', '')}"
    day = _add_bdays(batch.booking, rng.randint(3, 5))
    fee = 300
    f.line(
        "giro",
        day,
        -(v.gross if separate_fee else v.gross + fee),
        "return",
        contact.party,
        purpose=f"{v.number} KD {contact.customer_number} RUECKGABE AM04 DECKUNG UNZUREICHEND",
        eref=eref,
        mref=contact.mandate,
        cred=creditor_id,
        original_cents=v.gross,
        fee_cents=0 if separate_fee else fee,
    )
    if separate_fee:
        f.line("giro", day, -fee, "fee", purpose=f"ENTGELT RUECKLASTSCHRIFT {v.number}")
    again = f.line(
        "giro",
        _add_bdays(day, rng.randint(8, 12)),
        v.gross,
        "collection",
        contact.party,
        purpose=f"{v.number} KD {contact.customer_number} WIEDERVORLAGE",
        eref=f"{eref}W",
        mref=contact.mandate,
        cred=creditor_id,
    )
    f.pay(v, v.gross, again)


class _Suppliers:
    """The wholesaler's suppliers, and the invoices waiting for the next payment run."""

    def __init__(self, f: _Firm) -> None:
        self.hohenlohe = f.contact(
            "Schraubenwerk Hohenlohe GmbH",
            f.party("Schraubenwerk Hohenlohe GmbH", "62050000"),
            number="77812",
        )
        self.ostalb = f.contact(
            "Dübelwerke Ostalb GmbH & Co. KG",
            f.party("Duebelwerke Ostalb GmbH u. Co. KG", "61050000"),
        )
        self.schlueter = f.contact("Verpackung Schlüter KG", f.party("Verpackung Schlueter KG"))
        self.debits = {
            "baumann": f.contact(
                "Logistik Baumann GmbH",
                f.party("LOGISTIK BAUMANN GMBH", "60450050"),
                cred=_creditor_id("00000661200"),
                mandate="LB-K-2231",
            ),
            "tank": f.contact(
                "TankCard Service GmbH",
                f.party("TankCard Service GmbH", "70150000"),
                cred=_creditor_id("00000410077"),
                mandate="TC-884123",
            ),
            "telekom": f.contact(
                "Telekom Deutschland GmbH",
                f.party("Telekom Deutschland GmbH", "70150000"),
                cred=_creditor_id("00000032613"),
                mandate="TK-5501239",
            ),
        }
        self.messe = f.contact("Landesmesse Stuttgart GmbH")
        self.office = f.contact("Büroversand Schwaben GmbH")
        self.pending: list[_Voucher] = []


def _wholesale_purchases(f: _Firm, first_day: date, state: _Suppliers) -> None:
    rng = f.rng
    bdays = _bdays_of(first_day)
    hohenlohe, ostalb, schlueter = state.hohenlohe, state.ostalb, state.schlueter
    pending = state.pending
    for day in sorted(rng.choice(bdays) for _ in range(rng.randint(4, 6))):
        number = str(90012000 + rng.randint(0, 99999))
        pending.append(
            f.voucher(
                "purchaseinvoice",
                number,
                day,
                hohenlohe,
                rng.randint(80000, 1200000),
                "purchase_skonto",
            )
        )
    for day in sorted(rng.choice(bdays) for _ in range(rng.randint(2, 3))):
        number = f"RE-D-{day.year}-{rng.randint(1000, 999999):06d}"
        gross = rng.randint(20000, 400000)
        v = f.voucher("purchaseinvoice", number, day, ostalb, gross, "purchase_transfer")
        line = f.line(
            "giro",
            _bday(day + timedelta(days=28)),
            -gross,
            "transfer",
            ostalb.party,
            purpose=f"RG {number} KD 55120",
            eref=f"K{day:%Y%m%d}{number[-6:]}",
        )
        f.pay(v, gross, line)
    for day in sorted(rng.choice(bdays) for _ in range(rng.randint(1, 2))):
        number = str(rng.randint(4000, 9999))
        gross = rng.randint(15000, 180000)
        v = f.voucher("purchaseinvoice", number, day, schlueter, gross, "purchase_transfer")
        line = f.line(
            "giro",
            _bday(day + timedelta(days=12)),
            -gross,
            "transfer",
            schlueter.party,
            purpose=f"Rechnung {number}",
            eref=f"K{day:%Y%m%d}{number}",
        )
        f.pay(v, gross, line)
    for key, number, low, high, dom, text in (
        (
            "baumann",
            f"F{first_day:%y}-{first_day.month:02d}{rng.randint(10, 99)}",
            90000,
            260000,
            12,
            "Frachtrechnung {n} Kd 2231",
        ),
        (
            "tank",
            f"TC-{first_day:%Y%m}-884123",
            120000,
            310000,
            8,
            "Rechnung {n} Tankkarten 884123",
        ),
        (
            "telekom",
            f"{rng.randint(10**11, 10**12 - 1)}",
            18990,
            24990,
            20,
            "Kd-Nr 5501239 RgNr {n}",
        ),
    ):
        contact = state.debits[key]
        gross = rng.randint(low, high)
        v = f.voucher(
            "purchaseinvoice",
            number,
            first_day + timedelta(days=rng.randint(0, 4)),
            contact,
            gross,
            "purchase_debit",
        )
        line = f.line(
            "giro",
            _bday(first_day + timedelta(days=dom)),
            -gross,
            "debit_b2b" if key != "telekom" else "debit",
            contact.party,
            purpose=text.format(n=number),
            eref=f"{key.upper()}{first_day:%Y%m}",
            mref=contact.mandate,
            cred=contact.cred,
        )
        f.pay(v, gross, line)
    # payment run every Tuesday: the supplier's invoices within their Skonto period, 3 %
    for day in bdays:
        if day.weekday() != 1:
            continue
        due = [v for v in pending if v.day <= day - timedelta(days=3)]
        if not due:
            continue
        state.pending = pending = [v for v in pending if v not in due]
        paid = [(v, v.gross - round(v.gross * 0.03)) for v in due]
        numbers = " ".join(v.number for v in due)
        line = f.line(
            "giro",
            day,
            -sum(p for _, p in paid),
            "transfer",
            hohenlohe.party,
            purpose=f"RG {numbers} ABZGL. 3% SKONTO KD-NR {hohenlohe.number}",
            eref=f"K{day:%Y%m%d}HOH",
        )
        for v, cents in paid:
            v.scenario = "purchase_collective_skonto" if len(due) > 1 else "purchase_skonto"
            f.pay(v, cents, line)
            f.settle(v, SKONTO, v.gross - cents, line)
    if rng.random() < 0.3 or first_day.month == 3:
        day = rng.choice(bdays)
        v = f.voucher(
            "purchaseinvoice",
            f"LMS-{rng.randint(10000, 99999)}",
            day,
            state.messe,
            rng.randint(80000, 400000),
            "private_card",
        )
        f.pay(v, v.gross, None, item_type=PRIVATE, posting=day + timedelta(days=2))
    if rng.random() < 0.35 or first_day.month == 5:
        day = rng.choice(bdays)
        v = f.voucher(
            "purchaseinvoice",
            f"BV{rng.randint(100000, 999999)}",
            day,
            state.office,
            rng.randint(4000, 60000),
            "other_account",
        )
        line = f.line(
            "kreissparkasse",
            _bday(day + timedelta(days=10)),
            -v.gross,
            "transfer",
            state.office.party,
            purpose=f"Rechnung {v.number}",
        )
        f.pay(v, v.gross, line)


def _wholesale_noise(f: _Firm, first_day: date, own: _Account) -> None:
    rng = f.rng
    bdays = _bdays_of(first_day)
    prev = first_day - timedelta(days=1)
    f.line(
        "giro",
        _bday(first_day + timedelta(days=27)),
        -rng.randint(3_800_000, 4_500_000),
        "payroll_batch",
        purpose=f"LOHN/GEHALT {first_day:%m/%Y}",
        batch_count=14,
    )
    tax = _Party("Finanzamt Ludwigsburg", *f.iban("60050101"))
    f.line(
        "giro",
        _bday(first_day + timedelta(days=9)),
        -rng.randint(800_000, 2_500_000),
        "debit",
        tax,
        purpose=f"STEUERNR 71234/56789 UST {prev:%m/%Y}",
        mref="FA71234-UST",
        cred=_creditor_id("00000131244"),
    )
    f.line(
        "giro",
        _bday(first_day + timedelta(days=9)),
        -rng.randint(600_000, 900_000),
        "debit",
        tax,
        purpose=f"STEUERNR 71234/56789 LST {prev:%m/%Y}",
        mref="FA71234-LST",
        cred=_creditor_id("00000131244"),
    )
    for name, national, low, high in (
        ("AOK Baden-Wuerttemberg", "00000070331", 700000, 900000),
        ("Techniker Krankenkasse", "00000011223", 300000, 420000),
        ("BARMER", "00000087719", 150000, 220000),
        ("DAK-Gesundheit", "00000054321", 90000, 140000),
    ):
        f.line(
            "giro",
            _bday(bdays[-1] - timedelta(days=4)),
            -rng.randint(low, high),
            "debit",
            _Party(name, *f.iban()),
            purpose=f"BEITRAEGE {first_day:%m/%Y} BNR 73900112",
            mref=f"BNR73900112{national[-2:]}",
            cred=_creditor_id(national),
        )
    for n, plate in enumerate(("LB-KB 101", "LB-KB 102", "LB-KB 230")):
        f.line(
            "giro",
            _bday(first_day + timedelta(days=1)),
            -(48990 + n * 12100),
            "debit",
            _Party("Autoleasing Schwaben GmbH", *f.iban("60070070")),
            purpose=f"LEASINGRATE {first_day:%m/%Y} {plate} VERTRAG 7712{n}",
            mref=f"ALS-77120{n}",
            cred=_creditor_id("00000701234"),
        )
    # the overnight money account at the same bank: spare money out, back when needed
    day = rng.choice(bdays)
    cents = rng.randint(2, 6) * 1_000_000
    overnight = IBAN.generate("DE", bank_code="60090100", account_code="0412345699")
    tagesgeld = _Party(own.owner, overnight.compact, str(overnight.bic or ""))
    if first_day.month % 2:
        f.line("giro", day, -cents, "transfer", tagesgeld, purpose="UMBUCHUNG TAGESGELD")
    else:
        f.line("giro", day, cents, "credit", tagesgeld, purpose="UMBUCHUNG VON TAGESGELD")
    if first_day.month in (1, 4, 7, 10):
        f.line(
            "giro",
            _bday(first_day),
            -rng.randint(8000, 16000),
            "fee",
            purpose=f"ABSCHLUSS PER {_dmy(prev)}",
        )
    if first_day < date(2024, 3, 1):  # invoices from before Lexware
        for _ in range(rng.randint(12, 18)):
            contact_name = rng.choice(_CUSTOMERS)[0]
            f.line(
                "giro",
                rng.choice(bdays),
                _wholesale_amount(rng),
                "credit",
                f.party(_ascii(contact_name)),
                purpose=f"RE-23-{rng.randint(3000, 4400)}",
                eref="NOTPROVIDED",
            )
    if rng.random() < 0.2:
        f.line(
            "giro",
            rng.choice(bdays),
            rng.randint(20000, 300000),
            "credit",
            f.party("Schraubenwerk Hohenlohe GmbH", "62050000"),
            purpose="GUTSCHRIFT BONUS VORJAHR KD 77812",
        )


# ---------------------------------------------------------------------------------------
# Payment advices: the breakdowns the payers send apart from the statements


def _csv(rows: Iterable[Sequence[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _fee_shares(amounts: Sequence[int], fee: int, per_10000: int) -> list[int]:
    """``fee`` (``per_10000`` of the amounts' sum, cut to the cent) spread over the amounts
    by largest remainder: each share its amount's fee cut to the cent, the cents left go
    to the largest remainders (the first of equal ones), so the shares sum to ``fee``."""
    shares = [amount * per_10000 // 10000 for amount in amounts]
    left = fee - sum(shares)
    if not 0 <= left <= len(amounts):
        raise ValueError(f"a fee of {fee} ct is not {per_10000}/10000 of {sum(amounts)} ct")
    order = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] * per_10000 % 10000), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def _payout_advice(
    sender: str,
    number: str,
    day: date,
    practice: str,
    items: Sequence[tuple[_Voucher, str]],
    fee: int,
) -> bytes:
    """A dental billing service's payout advice (Auszahlungsavis): per invoice (with the
    patient's name) its amount, the fee share and what was paid out; UTF-8 with BOM,
    ``;``, decimal comma, a total row."""
    grosses = [v.gross for v, _ in items]
    shares = _fee_shares(grosses, fee, 295)
    rows: list[list[str]] = [
        [sender],
        ["Auszahlungsavis Nr.", number],
        ["Auszahlungsdatum", _dmy(day)],
        ["Praxis", practice],
        [],
        ["Rechnungsnummer", "Patient", "Rechnungsdatum", "Rechnungsbetrag", "Gebühr", "Auszahlung"],
    ]
    rows += [
        [v.number, patient, _dmy(v.day), _plain(v.gross), _plain(share), _plain(v.gross - share)]
        for (v, patient), share in zip(items, shares, strict=True)
    ]
    total = sum(grosses)
    rows.append(["Summe", "", "", _plain(total), _plain(fee), _plain(total - fee)])
    return _csv(rows, ";").encode("utf-8-sig")


def _settlement_advice(
    sender: str,
    number: int,
    day: date,
    settled: Sequence[tuple[_Voucher, int]],
    members: dict[str, str],
) -> bytes:
    """A central settlement office's Regulierungsavis: per member invoice its amount, the
    Skonto kept and what was paid; Windows-1252, ``;``, decimal comma, a total row."""
    rows: list[list[str]] = [
        [sender],
        [f"Avis-Nr.: {number}"],
        [f"Zahlungsdatum: {_dmy(day)}"],
        [
            "Mitglied",
            "Mitgliedsname",
            "Belegnummer",
            "Belegdatum",
            "Betrag",
            "Skonto",
            "Zahlbetrag",
        ],
    ]
    for v, paid in settled:
        rows.append(
            [
                members[v.contact.id],
                _latin(v.contact.name),
                v.number,
                _dmy(v.day),
                _plain(v.gross),
                _plain(v.gross - paid),
                _plain(paid),
            ]
        )
    gross = sum(v.gross for v, _ in settled)
    paid = sum(p for _, p in settled)
    rows.append(["Gesamt", "", "", "", _plain(gross), _plain(gross - paid), _plain(paid)])
    return _csv(rows, ";").encode("cp1252")


_PAIN008 = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"


def _bdays_before(day: date, count: int) -> date:
    for _ in range(count):
        day -= timedelta(days=1)
        while not _is_bday(day):
            day -= timedelta(days=1)
    return day


def _node(parent: ElementTree.Element, path: str, text: str | None = None) -> ElementTree.Element:
    """A new element at ``path`` (``A/B/C``, each step a new child) under ``parent``."""
    node = parent
    for tag in path.split("/"):
        node = ElementTree.SubElement(node, tag)
    node.text = text
    return node


def _collection_batch(
    f: _Firm,
    own: _Account,
    creditor_id: str,
    batch_id: str,
    day: date,
    due: Sequence[_Voucher],
    signed: dict[str, date],
) -> bytes:
    """The pain.008.001.02 file of a SEPA B2B collection batch as the wholesaler's
    software submits it two business days before the collection date: every invoice
    collected, each with its customer's mandate and account."""
    rng = f.advice_rng
    submitted = _bdays_before(day, 2)
    created = datetime(
        submitted.year,
        submitted.month,
        submitted.day,
        rng.randint(8, 17),
        rng.randint(0, 59),
        rng.randint(0, 59),
    )
    total = _amount(sum(v.gross for v in due))
    root = ElementTree.Element(
        "Document",
        {
            "xmlns": _PAIN008,
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": f"{_PAIN008} pain.008.001.02.xsd",
        },
    )
    initiation = _node(root, "CstmrDrctDbtInitn")
    header = _node(initiation, "GrpHdr")
    _node(header, "MsgId", f"KBT-{created:%Y%m%d%H%M%S}-{batch_id[-3:]}")
    _node(header, "CreDtTm", created.isoformat())
    _node(header, "NbOfTxs", str(len(due)))
    _node(header, "CtrlSum", total)
    _node(header, "InitgPty/Nm", own.owner)
    info = _node(initiation, "PmtInf")
    _node(info, "PmtInfId", batch_id)
    _node(info, "PmtMtd", "DD")
    _node(info, "BtchBookg", "true")
    _node(info, "NbOfTxs", str(len(due)))
    _node(info, "CtrlSum", total)
    kind = _node(info, "PmtTpInf")
    _node(kind, "SvcLvl/Cd", "SEPA")
    _node(kind, "LclInstrm/Cd", "B2B")
    _node(kind, "SeqTp", "RCUR")
    _node(info, "ReqdColltnDt", day.isoformat())
    _node(info, "Cdtr/Nm", own.owner)
    _node(info, "CdtrAcct/Id/IBAN", own.iban)
    _node(info, "CdtrAgt/FinInstnId/BIC", own.bic)
    _node(info, "ChrgBr", "SLEV")
    scheme = _node(info, "CdtrSchmeId/Id/PrvtId/Othr")
    _node(scheme, "Id", creditor_id)
    _node(scheme, "SchmeNm/Prtry", "SEPA")
    for v in due:
        contact = v.contact
        item = _node(info, "DrctDbtTxInf")
        _node(item, "PmtId/EndToEndId", f"KBT{v.number.replace('-', '')}")
        _node(item, "InstdAmt", _amount(v.gross)).set("Ccy", "EUR")
        mandate = _node(item, "DrctDbtTx/MndtRltdInf")
        _node(mandate, "MndtId", contact.mandate)
        _node(mandate, "DtOfSgntr", signed[contact.id].isoformat())
        agent = _node(item, "DbtrAgt/FinInstnId")
        if contact.party.bic:
            _node(agent, "BIC", contact.party.bic)
        else:
            _node(agent, "Othr/Id", "NOTPROVIDED")
        _node(item, "Dbtr/Nm", contact.name[:70])
        _node(item, "DbtrAcct/Id/IBAN", contact.party.iban)
        _node(item, "RmtInf/Ustrd", f"Rechnung {v.number} Kd {contact.customer_number}")
    ElementTree.indent(root)
    text = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{text}\n'.encode()


# ---------------------------------------------------------------------------------------
# Rendering: CAMT.053.001.08, MT940 (daily statements), Sparkasse CSV-CAMT V2


_CAMT_CODES = {
    # kind: (domain, family, sub family, proprietary, additional entry information)
    "credit": ("PMNT", "RCDT", "ESCT", "NTRF+166", "SEPA-GUTSCHRIFT"),
    "credit_swift": ("PMNT", "RCDT", "XBCT", "NTRF+202", "AUSLANDSZAHLUNG"),
    "transfer": ("PMNT", "ICDT", "ESCT", "NTRF+116", "SEPA-UEBERWEISUNG"),
    "standing_order": ("PMNT", "ICDT", "STDO", "NSTO+117", "DAUERAUFTRAG"),
    "debit": ("PMNT", "IDDT", "ESDD", "NDDT+105", "SEPA-BASISLASTSCHRIFT"),
    "debit_b2b": ("PMNT", "IDDT", "BBDD", "NDDT+104", "SEPA-FIRMENLASTSCHRIFT"),
    "card": ("PMNT", "CCRD", "POSD", "NMSC+106", "KARTENZAHLUNG"),
    "payroll_batch": ("PMNT", "ICDT", "ESCT", "NTRF+191", "SEPA-SAMMELUEBERWEISUNG"),
    "fee": ("ACMT", "MDOP", "CHRG", "NCHG+805", "ABSCHLUSS"),
}
_MT940_CODES = {
    # kind: (GVC, ?00 booking text, :61: transaction type)
    "credit": ("166", "GUTSCHRIFT", "TRF"),
    "credit_swift": ("202", "AUSLANDSZAHLUNG", "TRF"),
    "transfer": ("116", "UEBERWEISUNG", "TRF"),
    "standing_order": ("117", "DAUERAUFTRAG", "STO"),
    "debit": ("105", "BASISLASTSCHRIFT", "DDT"),
    "debit_b2b": ("104", "FIRMENLASTSCHRIFT", "DDT"),
    "collection": ("171", "LASTSCHRIFT EINZUG", "DDT"),
    "collection_batch": ("192", "SAMMLER-EINZUG", "DDT"),
    "return": ("109", "RUECKLASTSCHRIFT", "RTI"),
    "payroll_batch": ("191", "SAMMEL-UEBERWEISUNG", "TRF"),
    "fee": ("805", "ABSCHLUSS", "CHG"),
}
_CSV_TEXTS = {
    "credit": "GUTSCHR. UEBERWEISUNG",
    "transfer": "ONLINE-UEBERWEISUNG",
    "standing_order": "DAUERAUFTRAG",
    "debit": "FOLGELASTSCHRIFT",
    "debit_b2b": "FOLGELASTSCHRIFT",
    "card": "KARTENZAHLUNG",
    "debit_return": "RUECKLASTSCHRIFT",
    "cash_in": "BARGELDEINZAHLUNG",
    "fee": "ENTGELTABSCHLUSS",
}


def _amount(cents: int) -> str:
    return f"{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _balance(code: str, cents: int, day: date) -> str:
    side = "CRDT" if cents >= 0 else "DBIT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{_amount(cents)}</Amt><CdtDbtInd>{side}</CdtDbtInd>'
        f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )


def _camt_party(role: str, name: str, iban: str, creditor: str = "") -> str:
    if not name and not iban:
        return ""
    out = f"<{role}><Pty><Nm>{escape(name[:70])}</Nm>"
    if creditor:
        out += (
            f"<Id><PrvtId><Othr><Id>{creditor}</Id>"
            "<SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id>"
        )
    out += f"</Pty></{role}>"
    if iban:
        out += f"<{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct>"
    return out


def _camt_details(line: _Line, account: _Account, with_amount: bool) -> str:
    credit = line.cents >= 0
    refs = f"<EndToEndId>{escape(line.eref or 'NOTPROVIDED')}</EndToEndId>"
    if line.mref:
        refs += f"<MndtId>{escape(line.mref)}</MndtId>"
    out = f"<TxDtls><Refs>{refs}</Refs>"
    if with_amount:
        side = "CRDT" if credit else "DBIT"
        out += f'<Amt Ccy="EUR">{_amount(line.cents)}</Amt><CdtDbtInd>{side}</CdtDbtInd>'
    us = (account.owner, account.iban)
    if credit:
        parties = _camt_party("Dbtr", line.name, line.iban) + _camt_party("Cdtr", *us)
    else:
        parties = _camt_party("Dbtr", *us) + _camt_party("Cdtr", line.name, line.iban, line.cred)
    if parties:
        out += f"<RltdPties>{parties}</RltdPties>"
    if line.bic:
        agent = "DbtrAgt" if credit else "CdtrAgt"
        out += (
            f"<RltdAgts><{agent}><FinInstnId><BICFI>{line.bic}</BICFI></FinInstnId>"
            f"</{agent}></RltdAgts>"
        )
    if line.purpose:
        out += f"<RmtInf><Ustrd>{escape(line.purpose[:140])}</Ustrd></RmtInf>"
    return out + "</TxDtls>"


def _render_camt(
    account: _Account, lines: list[_Line], first: date, seq: int, opening: int
) -> bytes:
    last = _month_end(first)
    closing = opening + sum(line.cents for line in lines)
    entries: list[str] = []
    for n, line in enumerate(lines, start=1):
        domain, family, sub, prtry, info = _CAMT_CODES[line.kind]
        side = "CRDT" if line.cents >= 0 else "DBIT"
        value = line.value or line.booking
        entry = (
            f'<Ntry><Amt Ccy="EUR">{_amount(line.cents)}</Amt><CdtDbtInd>{side}</CdtDbtInd>'
            f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{line.booking.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{value.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{line.booking:%Y%m%d}{seq:03d}{n:05d}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn>"
            f"<Prtry><Cd>{prtry}+00900</Cd><Issr>DK</Issr></Prtry></BkTxCd>"
        )
        if line.parts:
            entry += (
                f"<NtryDtls><Btch><PmtInfId>{escape(line.purpose[:35])}</PmtInfId>"
                f"<NbOfTxs>{len(line.parts)}</NbOfTxs>"
                f'<TtlAmt Ccy="EUR">{_amount(line.cents)}</TtlAmt>'
                f"<CdtDbtInd>{side}</CdtDbtInd></Btch>"
                + "".join(_camt_details(part, account, True) for part in line.parts)
                + "</NtryDtls>"
            )
        elif line.kind != "fee":
            entry += f"<NtryDtls>{_camt_details(line, account, False)}</NtryDtls>"
        text = f"{info} {line.purpose}" if line.kind == "fee" else info
        entries.append(entry + f"<AddtlNtryInf>{escape(text)}</AddtlNtryInf></Ntry>")
    created = f"{last + timedelta(days=1)}T06:15:00+01:00"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"<BkToCstmrStmt><GrpHdr><MsgId>053D{last:%Y%m%d}T061500{seq:05d}</MsgId>"
        f"<CreDtTm>{created}</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>053D{last:%Y%m%d}{seq:05d}</Id><ElctrncSeqNb>{seq}</ElctrncSeqNb>"
        f"<LglSeqNb>{seq}</LglSeqNb><CreDtTm>{created}</CreDtTm>"
        f"<FrToDt><FrDtTm>{first}T00:00:00+01:00</FrDtTm><ToDtTm>{last}T23:59:59+01:00</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{account.iban}</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>{escape(account.owner)}</Nm></Ownr>"
        f"<Svcr><FinInstnId><BICFI>{account.bic}</BICFI><Nm>{escape(account.bank)}</Nm></FinInstnId></Svcr></Acct>\n"
        + _balance("PRCD", opening, first - timedelta(days=1))
        + "\n"
        + _balance("CLBD", closing, last)
        + "\n"
        + "\n".join(entries)
        + "\n</Stmt></BkToCstmrStmt></Document>\n"
    )
    return body.encode("utf-8")


def _sepa_chunks(line: _Line) -> list[str]:
    """The purpose as the bank writes it into ``?20``–``?29``/``?60``–``?63``: each SEPA
    keyword starts a field, its value runs on in 27-character pieces."""
    keywords = [
        ("EREF", line.eref),
        ("KREF", line.kref),
        ("MREF", line.mref),
        ("CRED", line.cred),
        ("COAM", _plain(line.fee_cents) if line.fee_cents else ""),
        ("OAMT", _plain(line.original_cents) if line.original_cents else ""),
        ("SVWZ", line.purpose),
        ("ABWA", line.abwa),
    ]
    sepa = line.kind not in ("fee", "payroll_batch", "collection_batch", "credit_swift")
    chunks: list[str] = []
    if not sepa:
        return _split(_swift(line.purpose))
    for key, value in keywords:
        if value:
            chunks.extend(_split(f"{key}+{_swift(value)}"))
    return chunks


def _mt940_block(
    account: _Account, day: date, lines: list[_Line], seq: int, opening: int, previous: date
) -> tuple[list[str], int]:
    def balance(tag: str, cents: int, when: date) -> str:
        return f":{tag}:{'C' if cents >= 0 else 'D'}{when:%y%m%d}EUR{_plain(cents)}"

    out = [":20:STARTUMSE", f":25:{account.blz}/{account.number}", f":28C:{seq:05d}/001"]
    out.append(balance("60F", opening, previous))
    for line in lines:
        gvc, text, code = _MT940_CODES[line.kind]
        value = line.value or line.booking
        mark = "C" if line.cents >= 0 else "D"
        out.append(f":61:{value:%y%m%d}{line.booking:%m%d}{mark}R{_plain(line.cents)}N{code}NONREF")
        if line.kind == "credit_swift" and line.original_cents:
            out.append(f"/OCMT/EUR{_plain(line.original_cents)}//CHGS/EUR{_plain(line.fee_cents)}/")
        fields = [("00", text), ("10", f"{9310 + seq % 80:04d}")]
        keys = [str(n) for n in range(20, 30)] + ["60", "61", "62", "63"]
        chunks = _sepa_chunks(line)
        if line.batch_count and line.kind == "payroll_batch":
            chunks.append(f"ANZAHL POSTEN {line.batch_count}")
        fields += list(zip(keys, chunks, strict=False))
        if line.bic:
            fields.append(("30", line.bic))
        if line.iban:
            fields.append(("31", line.iban))
        name = _swift(line.name).upper()
        if name:
            width = 27 if line.kind == "credit_swift" else 54  # foreign payments: ?32 only
            fields += [(k, v) for k, v in zip(("32", "33"), _split(name[:width]), strict=False)]
        fields.append(("34", "901" if line.kind == "return" else "000"))
        details = gvc + "".join(f"?{k}{v}" for k, v in fields)
        out.extend(_wrap86(details))
    closing = opening + sum(line.cents for line in lines)
    out.append(balance("62F", closing, day))
    out.append("-")
    return out, closing


def _wrap86(details: str) -> list[str]:
    """``:86:`` split into lines of at most 65 characters; no continuation line may start
    like a field tag or the end mark."""
    out = []
    text = f":86:{details}"
    while text:
        take = min(65, len(text))
        while take < len(text) and take > 1 and text[take] in ":-{}":
            take -= 1
        out.append(text[:take])
        text = text[take:]
    return out


def _render_mt940(
    account: _Account, lines: list[_Line], seq: int, opening: int, previous: date
) -> tuple[bytes, int, int, date]:
    rows: list[str] = []
    by_day: dict[date, list[_Line]] = defaultdict(list)
    for line in lines:
        by_day[line.booking].append(line)
    balance = opening
    for day in sorted(by_day):
        seq += 1
        block, balance = _mt940_block(account, day, by_day[day], seq, balance, previous)
        rows.extend(block)
        previous = day
    return ("\r\n".join(rows) + "\r\n").encode("cp1252"), seq, balance, previous


_CSV_HEADER = (
    "Auftragskonto",
    "Buchungstag",
    "Valutadatum",
    "Buchungstext",
    "Verwendungszweck",
    "Glaeubiger ID",
    "Mandatsreferenz",
    "Kundenreferenz (End-to-End)",
    "Sammlerreferenz",
    "Lastschrift Ursprungsbetrag",
    "Auslagenersatz Ruecklastschrift",
    "Beguenstigter/Zahlungspflichtiger",
    "Kontonummer/IBAN",
    "BIC (SWIFT-Code)",
    "Betrag",
    "Waehrung",
    "Info",
)


def _render_sparkasse(account: _Account, lines: list[_Line]) -> bytes:
    """Newest booking first, as the Sparkasse exports it; Latin-1 with quoted fields."""

    def quoted(cells: Iterable[str]) -> str:
        return ";".join('"' + c.replace('"', '""') + '"' for c in cells)

    rows = [quoted(_CSV_HEADER)]
    for line in reversed(lines):
        text = _CSV_TEXTS[line.kind]
        if line.kind == "debit" and line.first_debit:
            text = "ERSTLASTSCHRIFT"
        sign = "-" if line.cents < 0 else ""
        rows.append(
            quoted(
                (
                    account.iban,
                    f"{line.booking:%d.%m.%y}",
                    f"{(line.value or line.booking):%d.%m.%y}",
                    text,
                    _latin(line.purpose),
                    line.cred,
                    line.mref,
                    line.eref,
                    "",
                    _plain(line.original_cents) if line.original_cents else "",
                    "",
                    _latin(line.name),
                    line.iban,
                    line.bic,
                    f"{sign}{_plain(line.cents)}",
                    "EUR",
                    "Umsatz gebucht",
                )
            )
        )
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def _atoms(line: _Line) -> tuple[_Line, ...]:
    """What the parser reads of a line: a CAMT batch with amounts is split into its items."""
    return line.parts or (line,)


def _render(firm: _Firm) -> list[tuple[str, bytes, list[_Line]]]:
    """Each imported account's monthly files: (name, bytes, the atoms in file order)."""
    out: list[tuple[str, bytes, list[_Line]]] = []
    for account in firm.accounts.values():
        if account.fmt == "none":
            continue
        ordered = sorted(
            (line for line in account.lines if line.booking <= END), key=lambda line: line.booking
        )
        balance, seq, previous = account.opening, 0, START - timedelta(days=1)
        for n, first in enumerate(_month_starts(), start=1):
            lines = [line for line in ordered if first <= line.booking <= _month_end(first)]
            stem = f"{firm.key}_{account.key}_{first:%Y-%m}"
            if account.fmt == "camt":
                data = _render_camt(account, lines, first, n, balance)
                name, atoms = f"{stem}.camt053.xml", [a for line in lines for a in _atoms(line)]
                balance += sum(line.cents for line in lines)
            elif account.fmt == "mt940":
                data, seq, balance, previous = _render_mt940(account, lines, seq, balance, previous)
                name, atoms = f"{stem}.mt940.sta", list(lines)
            else:
                data = _render_sparkasse(account, lines)
                name, atoms = f"{stem}.sparkasse.csv", list(reversed(lines))
            out.append((name, data, atoms))
    return out


# ---------------------------------------------------------------------------------------
# Reading the files back as the product does, and the expected payments


@dataclass(frozen=True, slots=True)
class _VoucherAmounts:
    total_gross_cents: int
    currency: str
    paid_date: date | None


@dataclass(frozen=True, slots=True)
class _ItemAmounts:
    position: int
    payment_item_type: str
    amount_cents: int
    currency: str
    posting_date: date | None


def _import(
    firm: _Firm, files: list[tuple[str, bytes, list[_Line]]], findings: list[str]
) -> list[BankTxn]:
    """Parse each file with the product's parser, store each line as the importer would
    (a row per parsed transaction, duplicates by import hash dropped per account) and
    read it back as the engine's value."""
    txns: list[BankTxn] = []
    seen: dict[str, set[str]] = defaultdict(set)
    number = 0
    for name, data, atoms in files:
        statements = parse_statement_file(data, name)
        parsed: list[tuple[ParsedTransaction, str, str]] = []
        for statement in statements:
            hashes = import_hashes(statement.transactions)
            parsed.extend(
                (txn, digest, statement.account_iban or "")
                for txn, digest in zip(statement.transactions, hashes, strict=True)
            )
        if len(parsed) != len(atoms):
            raise AssertionError(f"{name}: {len(atoms)} lines written, {len(parsed)} read")
        for index, ((txn, digest, iban), atom) in enumerate(zip(parsed, atoms, strict=True)):
            account = firm.accounts[atom.account]
            where = f"{name} entry {index + 1}"
            if txn.amount_cents != atom.cents or txn.booking_date != atom.booking:
                findings.append(
                    f"{where}: written {atom.cents} ct on {atom.booking}, read "
                    f"{txn.amount_cents} ct on {txn.booking_date}"
                )
            if iban != account.iban:
                findings.append(f"{where}: account read as {iban!r}, written {account.iban}")
            findings.extend(
                f"{where}: {problem}" for problem in _read_otherwise(account, atom, txn)
            )
            if digest in seen[account.key]:
                findings.append(
                    f"{where}: dropped by the importer as a duplicate of an earlier line"
                )
                continue
            seen[account.key].add(digest)
            number += 1
            txn_id = f"tx-{firm.key}-{number:05d}"
            stored = BankAccount(
                id=f"acct-{firm.key}-{account.key}", tenant_id=firm.tenant, iban=account.iban
            )
            row = importer_row(
                txn,
                tenant_id=firm.tenant,
                account=stored,
                import_hash=digest,
                source="file",
                import_id=None,
                now=_IMPORTED_AT,
            )
            txns.append(to_bank_txn(BankTransaction(id=txn_id, **row)))
            atom.txn_ids.append(txn_id)
    return txns


def _squeeze(text: str | None) -> str:
    return " ".join((text or "").split())


def _read_otherwise(account: _Account, line: _Line, txn: ParsedTransaction) -> list[str]:
    """What the parser read differently from what the file says (as the bank wrote it)."""
    problems = []
    if account.fmt == "mt940":
        written_name = _swift(line.name).upper()[: 27 if line.kind == "credit_swift" else 54]
    elif account.fmt == "camt":
        written_name = line.name[:70]
    else:
        written_name = _latin(line.name)
    if _squeeze(written_name) != _squeeze(txn.counterparty_name):
        problems.append(f"name {written_name!r} read as {txn.counterparty_name!r}")
    if line.iban and compact_iban(line.iban) != txn.counterparty_iban:
        problems.append(f"IBAN {line.iban} read as {txn.counterparty_iban!r}")
    for label, written, read in (
        ("creditor id", line.cred, txn.creditor_id),
        ("mandate", line.mref, txn.mandate_reference),
        ("end-to-end id", "" if line.eref == "NOTPROVIDED" else line.eref, txn.end_to_end_id),
    ):
        if (written or None) != read:
            problems.append(f"{label} {written!r} read as {read!r}")
    if account.fmt == "mt940":
        purpose = _swift(line.purpose)
    elif account.fmt == "camt":
        purpose = line.purpose
    else:
        purpose = _latin(line.purpose)
    if line.purpose and _squeeze(purpose) not in _squeeze(txn.remittance):
        problems.append(f"purpose {purpose!r} read as {txn.remittance!r}")
    reversal = line.kind in ("return", "debit_return")
    if txn.is_reversal != reversal:
        problems.append(
            f"{'a returned direct debit' if reversal else 'a booking'} "
            f"({txn.booking_text}) read with is_reversal={txn.is_reversal}"
        )
    return problems


def _identifiers(line: _Line) -> set[str]:
    out = set()
    iban = compact_iban(line.iban) if line.iban else None
    if iban:
        out.add(iban)
    if line.cred:
        out.add(line.cred.replace(" ", "").upper())
    return out


def _line_txns(line: _Line) -> list[str]:
    return [t for atom in _atoms(line) for t in atom.txn_ids]


def _payments(firm: _Firm) -> tuple[list[ExpectedPayment], dict[str, frozenset[str]]]:
    """The expected payments as the product derives them from the vouchers' payment items,
    and the truth: payment id → the transactions that paid it."""
    # what the client had confirmed per contact before a month began: the identifiers of
    # the lines that paid the contact's earlier vouchers
    learned: dict[str, list[tuple[date, str, set[str]]]] = defaultdict(list)
    for v in firm.vouchers:
        for item in v.items:
            if item.line is not None and _line_txns(item.line):
                learned[v.contact.id].append((item.line.booking, v.id, _identifiers(item.line)))
    expected: list[ExpectedPayment] = []
    truth: dict[str, frozenset[str]] = {}
    for v in sorted(firm.vouchers, key=lambda v: (v.day, v.id)):
        items = [
            _ItemAmounts(position, item.type, item.cents, "EUR", item.posting)
            for position, item in enumerate(v.items)
        ]
        derived = derive_payments(_VoucherAmounts(v.gross, "EUR", v.paid_date), items)
        month = v.day.replace(day=1)
        known = frozenset(
            ident
            for booked, voucher_id, idents in learned[v.contact.id]
            if booked < month and voucher_id != v.id
            for ident in idents
        )
        stored_voucher = StoredVoucher(
            id=v.id,
            tenant_id=firm.tenant,
            lexware_id=v.id,
            voucher_type=v.voucher_type,
            voucher_status=v.status,
            voucher_number=v.number,
            voucher_date=v.day,
            contact_name=v.contact.name,
            contact_id=v.contact.id,
            total_gross_cents=v.gross,
            currency="EUR",
            paid_date=v.paid_date,
        )
        for d in derived:
            if d.kind != "bank":
                continue
            row = StoredPayment(
                id=f"{v.id}#{d.position}",
                tenant_id=firm.tenant,
                voucher_id=v.id,
                position=d.position,
                item_type=d.item_type,
                kind=d.kind,
                amount_cents=d.amount_cents,
                currency=d.currency,
                paid_date=d.paid_date,
                skonto_cents=d.skonto_cents,
                settled_otherwise_cents=d.settled_otherwise_cents,
                has_items=d.has_items,
                active=True,
            )
            value = replace(
                to_payment_value(row, stored_voucher),
                known_identifiers=known,
                customer_number=v.contact.customer_number,
            )
            expected.append(value)
            if d.has_items:
                line = v.items[d.position].line
                paid_by = _line_txns(line) if line is not None else []
            else:
                paid_by = [t for line in v.unrecorded for t in _line_txns(line)]
            if paid_by:
                truth[value.id] = frozenset(paid_by)
    return expected, truth


def _final_scenario(firm: _Firm, v: _Voucher) -> str:
    """The scenario as the data ends up: payments not entered by the sync leave the
    voucher open in Lexware; lines after the last statement are not imported."""
    bank_items = [i for i in v.items if i.type in (BANK, PRIVATE)]
    if not v.items:
        # nothing entered in Lexware: open, with its gross expected (a credit note
        # nobody settled: its refund); paid by a line of the statements, or not
        imported = [
            line
            for line in v.unrecorded
            if line.booking <= END and firm.accounts[line.account].fmt != "none"
        ]
        return "open_in_lexware" if imported else "open_unpaid"
    if v.scenario in NO_BANK_ITEM or v.scenario in ("private_card", "other_account"):
        return v.scenario
    if bank_items and all(i.line is None or i.line.booking > END for i in bank_items):
        return "paid_after_last_statement"
    return v.scenario


def generate(seed: int = 2024) -> StatementFileSet:
    """The three businesses' data, reproducible for a seed."""
    findings: list[str] = []
    expected: list[ExpectedPayment] = []
    txns: list[BankTxn] = []
    truth: dict[str, frozenset[str]] = {}
    scenario: dict[str, str] = {}
    business_of: dict[str, str] = {}
    tenant_of: dict[str, str] = {}
    files: dict[str, bytes] = {}
    generated: dict[str, int] = {}
    advice_files: dict[str, bytes] = {}
    advice_lines: dict[str, tuple[str, ...]] = {}
    for build in (_cafe, _grosshandel, _zahnarzt):
        firm = build(seed)
        tenant_of[firm.key] = firm.tenant
        for v in firm.vouchers:
            v.scenario = _final_scenario(firm, v)
            scenario[v.id] = v.scenario
            business_of[v.id] = firm.key
        rendered = _render(firm)
        txns.extend(_import(firm, rendered, findings))
        for name, data, atoms in rendered:
            files[name] = data
            generated[name] = len(atoms)
        payments, paid = _payments(firm)
        expected.extend(payments)
        truth.update(paid)
        for advice in firm.advices:  # those of lines booked on the imported statements
            ids = _line_txns(advice.line)
            if advice.line.booking <= END and ids:
                advice_files[advice.name] = advice.data
                advice_lines[advice.name] = tuple(ids)
    return StatementFileSet(
        expected=expected,
        txns=txns,
        truth=truth,
        scenario=scenario,
        business_of=business_of,
        tenant_of=tenant_of,
        files=files,
        generated_lines=generated,
        parse_findings=tuple(findings),
        advice_files=advice_files,
        advice_lines=advice_lines,
    )


def summary(data: StatementFileSet) -> list[str]:
    """Per business: vouchers per scenario (with payments reaching the engine, matchable),
    lines, files."""
    out = []
    for business in sorted(data.tenant_of):
        part = data.only(business)
        with_payments = {p.voucher_id for p in part.expected}
        matchable = {k.split("#")[0] for k in part.truth}
        kinds = Counter(part.scenario.values())
        out.append(
            f"{business}: {len(part.scenario)} vouchers, {len(part.expected)} expected payments, "
            f"{len(part.txns)} transactions in {len(part.files)} files"
        )
        for kind, count in sorted(kinds.items()):
            ids = [v for v, k in part.scenario.items() if k == kind]
            out.append(
                f"  {kind:<28} vouchers={count:>4} with_payments="
                f"{sum(v in with_payments for v in ids):>4} "
                f"matchable={sum(v in matchable for v in ids):>4}"
            )
    return out


def _write(directory: Path, seed: int) -> None:
    data = generate(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in {**data.files, **data.advice_files}.items():
        (directory / name).write_bytes(content)
    for text in summary(data):
        print(text)
    for finding in data.parse_findings:
        print(f"parser: {finding}")
    print(
        f"{len(data.files)} statement files and {len(data.advice_files)} payment advices "
        f"written to {directory}"
    )


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the statement files of the data set.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    _write(args.directory, args.seed)


if __name__ == "__main__":
    _main()
