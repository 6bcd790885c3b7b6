"""Demo bank data: the demo client's business account, filled after its first sync.

For most bank payments of the synced vouchers a transaction arrives the way a bank
connection would push it: the counterparty's name spelled a little differently, the
voucher number in several spellings (or not at all), now and then Skonto deducted or a
fee kept (a foreign transfer's 12,50 € with the amount its payer ordered, as banks
state it), booked 0–3 days after the payment. Rent, salaries, card payments and bank
fees that belong to no voucher are mixed in. About 8 % of the bank payments get no
transaction, so „Externe Transaktion erforderlich“ has entries. About 15 % of the
firm's invoices are collected by SEPA direct debit and arrive, up to three due within a
week, as one line without a name ("SEPA-Sammler … ANZAHL 2"): the matching suggests the
only open invoices that make it; one in fifteen paid one by one is collected, comes
back ("RUECKLASTSCHRIFT …") and is collected again two weeks later. In every fourth
batch, from the second, the first customer's item comes back four days after the batch
(the return keeps the item's end-to-end id from the firm's pain.008 file) and is
collected again two weeks later: the batch pays the others. Everything comes from
``random.Random(seed)`` over the vouchers in a fixed order: the same vouchers give the
same transactions, and pushing them again adds nothing (imports are idempotent).
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import structlog
from schwifty import IBAN

from belegsync.banking import push_transactions
from belegsync.domain.clock import Clock
from belegsync.domain.dates import berlin_date
from belegsync.domain.vouchers import Direction, direction
from belegsync.matching.columns import line_keys_of
from belegsync.matching.expected import derive_payments
from belegsync.matching.service import MatchCounts, run_matching
from belegsync.store.enums import FINISHED_SYNC_RUN_STATUSES
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "DEMO_ACCOUNT_IBAN",
    "DEMO_ACCOUNT_NAME",
    "DEMO_BANK_SEED",
    "BankPayment",
    "DemoBankResult",
    "bank_payments",
    "collection_files",
    "demo_transactions",
    "fill_demo_bank_after_first_sync",
    "push_demo_bank_data",
]

log = structlog.get_logger(__name__)

DEMO_BANK_SEED = 4711
DEMO_ACCOUNT_NAME = "Geschäftskonto Volksbank"
# A valid German IBAN (check digits computed by schwifty) for the demo's main account.
DEMO_ACCOUNT_IBAN = str(IBAN.generate("DE", bank_code="43060967", account_code="4123456700"))
MISSING_SHARE = 0.08
BATCH_SHARE = 0.15
_BATCH_SIZE = 3
_BATCH_DAYS = 7  # a collection holds the payments due within a week
# the vouchers the firm collects by direct debit: its invoices (no refunds, no credit notes)
_COLLECTED = frozenset({"invoice", "salesinvoice"})
# every so many of the firm's invoices paid one by one is collected on its own, comes
# back (the customer's account short) and is collected again two weeks later
RETURNED_EVERY = 15
# in every so many batches (from the second) the first item comes back
BATCH_RETURNED_EVERY = 4

# Real German bank codes for the counterparties' accounts.
_BANK_CODES = ("10010010", "37040044", "50010517", "70150000", "20050550", "60050101")
_LEGAL_FORMS = re.compile(
    r"\s+(GmbH & Co\. KG|GmbH|UG \(haftungsbeschränkt\)|AG|KG|OHG|e\. ?K\.|GbR)$"
)
_SHOPS = ("Hornbach Baumarkt", "Würth Filiale", "Hellweg Baumarkt", "Toom Baumarkt")
_CARD_MERCHANTS = (
    ("ARAL Station", 4500, 9500),
    ("Shell Deutschland", 3800, 8800),
    ("REWE Markt", 850, 6400),
    ("Bauhaus", 1290, 18900),
    ("Amazon EU S.a.r.l.", 1299, 12900),
    ("Deutsche Bahn", 2990, 14900),
)
_EMPLOYEES = (("Jonas Becker", 312450), ("Lea Hoffmann", 268930), ("Murat Yilmaz", 241275))
_MONTHS = (
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
)


@dataclass(frozen=True, slots=True)
class BankPayment:
    """One bank payment of a synced voucher, as the bank would see it."""

    voucher_key: str  # the voucher's Lexware id and the item position: a stable order
    voucher_number: str | None
    contact_name: str | None
    amount_cents: int  # signed: negative for money out
    paid_date: date
    voucher_type: str = ""


@dataclass(frozen=True, slots=True)
class DemoBankResult:
    payments: int
    transactions: int
    added: int
    left_without_transaction: int
    matching: MatchCounts


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _iban(rng: random.Random) -> str:
    account = f"{rng.randint(10_000_000, 9_999_999_999):010d}"
    return str(IBAN.generate("DE", bank_code=rng.choice(_BANK_CODES), account_code=account))


def _name_variant(name: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return name
    if roll < 0.65:
        return name.upper()
    if roll < 0.85:
        return _LEGAL_FORMS.sub("", name) or name
    return name[:27]  # SEPA names are often cut short


def _reference_variant(number: str, rng: random.Random) -> str:
    compact = re.sub(r"[^0-9A-Za-z]", "", number)
    choices = (
        f"Rechnung {number}",
        f"Rg.-Nr. {number}",
        f"RECHNUNG {compact}",
        f"{number.replace('-', ' ').lower()} Kd-Nr. {rng.randint(10000, 99999)}",
        f"Re {number} vom Lieferant",
        f"{compact}",
    )
    return rng.choice(choices)


def _without_reference(payment: BankPayment, rng: random.Random) -> str:
    choices = (
        f"Zahlung vom {payment.paid_date:%d.%m.%Y}",
        "Vielen Dank",
        f"Auftrag {rng.randint(100, 9999)}",
        "Überweisung",
    )
    return rng.choice(choices)


@dataclass
class _Counterparties:
    rng: random.Random
    ibans: dict[str, str]

    def iban(self, name: str) -> str:
        if name not in self.ibans:
            self.ibans[name] = _iban(self.rng)
        return self.ibans[name]


def _voucher_line(
    payment: BankPayment, rng: random.Random, parties: _Counterparties, today: date
) -> dict[str, Any]:
    name = payment.contact_name or rng.choice(_SHOPS)
    if name in ("Sammellieferant", "Sammelkunde"):
        name = rng.choice(_SHOPS)
    amount = payment.amount_cents
    roll = rng.random()
    has_number = payment.voucher_number is not None and roll >= 0.15
    text = (
        _reference_variant(payment.voucher_number or "", rng)
        if has_number
        else _without_reference(payment, rng)
    )
    difference = rng.random()
    ordered: dict[str, Any] = {}
    if difference < 0.04 and abs(amount) >= 5000:
        skonto = abs(amount) * 2 // 100
        amount = amount + skonto if amount < 0 else amount - skonto
        text = f"{text} abzgl. 2% Skonto"
    elif difference < 0.07 and amount > 0:
        kept = rng.choice((35, 150, 250))  # the payer's bank kept a fee
        if kept == 250 and amount >= 20000:
            # a foreign transfer: the banks kept their charges, the statement says what
            # the payer ordered
            kept = 1250
            ordered = {"original_amount": _money(amount), "original_currency": "EUR"}
        amount -= kept
    day = min(payment.paid_date + timedelta(days=rng.randint(0, 3)), today)
    line: dict[str, Any] = {
        "booking_date": day.isoformat(),
        "value_date": day.isoformat(),
        "amount": _money(amount),
        "counterparty_name": _name_variant(name, rng),
        "remittance": text,
        "booking_text": "Auslandsüberweisung"
        if ordered
        else "Gutschrift"
        if amount > 0
        else "Überweisung",
        **ordered,
    }
    if rng.random() < 0.8:
        line["counterparty_iban"] = parties.iban(name)
    return line


def _batch_line(payments: Sequence[BankPayment], number: int, today: date) -> dict[str, Any]:
    """The firm's own SEPA collection of these customers' payments, booked as one line
    the day after the last was due: no name, no IBAN, only the count."""
    day = min(max(p.paid_date for p in payments) + timedelta(days=1), today)
    return {
        "booking_date": day.isoformat(),
        "value_date": day.isoformat(),
        "amount": _money(sum(p.amount_cents for p in payments)),
        "counterparty_name": "",
        "remittance": f"SEPA-Sammler Einzug {day:%Y%m%d}-{number:03d} ANZAHL {len(payments)}",
        "booking_text": "Sammler-Gutschrift",
    }


def _returned_collection(
    payment: BankPayment, parties: _Counterparties, today: date
) -> list[dict[str, Any]]:
    """The firm's direct debit of one invoice, returned by the customer's bank three
    days later (account short), collected again two weeks after that — the lines that
    have happened by ``today``."""
    name = payment.contact_name or "Kunde"
    number = payment.voucher_number or payment.voucher_key
    party = {"counterparty_name": name[:27], "counterparty_iban": parties.iban(name)}
    day = payment.paid_date
    steps = (
        (day, payment.amount_cents, f"SEPA-Lastschrift {number}", "Lastschrift"),
        (
            day + timedelta(days=3),
            -payment.amount_cents,
            f"RUECKLASTSCHRIFT SEPA-Lastschrift {number} AM04 KONTO UNGEDECKT",
            "Rücklastschrift",
        ),
        (
            day + timedelta(days=17),
            payment.amount_cents,
            f"SEPA-Lastschrift {number}",
            "Lastschrift",
        ),
    )
    return _happened([(*step, "") for step in steps], party, today)


def _happened(
    steps: Sequence[tuple[date, int, str, str, str]], party: dict[str, Any], today: date
) -> list[dict[str, Any]]:
    """The lines of ``steps`` (day, cents, purpose, booking text, end-to-end id) of one
    counterparty (``party``) that have happened by ``today``."""
    return [
        {
            "booking_date": when.isoformat(),
            "value_date": when.isoformat(),
            "amount": _money(cents),
            "remittance": text,
            "booking_text": kind,
            **({"end_to_end_id": e2e} if e2e else {}),
            **party,
        }
        for when, cents, text, kind, e2e in steps
        if when <= today
    ]


def _returned_from_batch(
    payment: BankPayment, batch_day: date, parties: _Counterparties, today: date
) -> list[dict[str, Any]]:
    """One customer's item of a batch, returned by the customer's bank four days after
    the batch line (the customer asked for it back), with the item's end-to-end id as
    the firm's collection file states it, and collected again on its own two weeks
    later — the lines that have happened by ``today``."""
    name = payment.contact_name or "Kunde"
    number = payment.voucher_number or payment.voucher_key
    party: dict[str, Any] = {"counterparty_name": name[:27]}
    if name in parties.ibans:  # the account its other payments came from
        party["counterparty_iban"] = parties.ibans[name]
    back, again = batch_day + timedelta(days=4), batch_day + timedelta(days=18)
    steps = (
        (
            back,
            -payment.amount_cents,
            "RUECKLASTSCHRIFT MD06 RUECKGABE AUF VERANLASSUNG DES ZAHLERS",
            "Rücklastschrift",
            _end_to_end_id(payment),
        ),
        (
            again,
            payment.amount_cents,
            f"SEPA-Lastschrift {number} WIEDERVORLAGE",
            "Lastschrift",
            "",
        ),
    )
    return _happened(steps, party, today)


def _end_to_end_id(payment: BankPayment) -> str:
    """The end-to-end id of the payment's item in the firm's collection file."""
    return re.sub(r"[^A-Za-z0-9]", "", payment.voucher_number or "NOTPROVIDED")[:35]


def _months(first: date, last: date) -> list[date]:
    months, cursor = [], first.replace(day=1)
    while cursor <= last:
        months.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def _unrelated_lines(
    first: date, last: date, rng: random.Random, parties: _Counterparties, today: date
) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []

    def add(day: date, cents: int, name: str, text: str, kind: str, iban: bool = True) -> None:
        if day > today:
            return
        line: dict[str, Any] = {
            "booking_date": day.isoformat(),
            "amount": _money(cents),
            "counterparty_name": name,
            "remittance": text,
            "booking_text": kind,
        }
        if iban:
            line["counterparty_iban"] = parties.iban(name)
        lines.append(line)

    for month in _months(first, last):
        label = f"{_MONTHS[month.month - 1]} {month.year}"
        add(
            month.replace(day=3),
            -245000,
            "Immobilien Weber GbR",
            f"Miete Werkstatt {label}",
            "Dauerauftrag",
        )
        payday = (month + timedelta(days=32)).replace(day=1) - timedelta(days=2)
        for employee, cents in _EMPLOYEES:
            add(payday, -cents, employee, f"Lohn/Gehalt {month:%m/%Y}", "Gehalt/Rente")
        add(
            month.replace(day=28),
            -1290,
            "Volksbank",
            f"Kontoführungsentgelt {label}",
            "Entgelt",
            iban=False,
        )
        for _ in range(rng.randint(3, 7)):
            merchant, low, high = rng.choice(_CARD_MERCHANTS)
            day = month + timedelta(days=rng.randint(0, 27))
            add(
                day,
                -rng.randint(low, high),
                merchant,
                f"Kartenzahlung girocard {day:%d.%m.%Y} {rng.randint(7, 19):02d}:"
                f"{rng.randint(0, 59):02d}",
                "Kartenzahlung",
                iban=False,
            )
    return lines


def demo_transactions(
    payments: Sequence[BankPayment], *, seed: int = DEMO_BANK_SEED, today: date
) -> tuple[list[dict[str, Any]], int]:
    """The lines to push for these payments, and how many payments got none."""
    lines, missing, _ = _demo_lines(payments, seed=seed, today=today)
    return lines, missing


def collection_files(
    payments: Sequence[BankPayment], *, seed: int = DEMO_BANK_SEED, today: date
) -> dict[str, bytes]:
    """The firm's own SEPA collection files (pain.008) of the batches
    :func:`demo_transactions` books as one line, by file name: what the firm submitted
    to its bank, for a user to upload and see the batch broken down."""
    _, _, batches = _demo_lines(payments, seed=seed, today=today)
    rng = random.Random(seed + 2)  # its own draws: the lines stay what they were
    return {
        f"sepa-sammler-{line['booking_date']}-{k:03d}.xml": _collection_file(
            f"DEMO-{line['booking_date'].replace('-', '')}-{k:03d}",
            date.fromisoformat(line["booking_date"]),
            batch,
            rng,
        )
        for k, (line, batch) in enumerate(batches, start=1)
    }


def _collection_file(
    batch_id: str, day: date, payments: Sequence[BankPayment], rng: random.Random
) -> bytes:
    """One pain.008.001.02 document of one batch booked as one line (``BtchBookg``)."""
    total = _money(sum(p.amount_cents for p in payments))
    items = "".join(
        f"<DrctDbtTxInf><PmtId><EndToEndId>{escape(_end_to_end_id(p))}"
        f'</EndToEndId></PmtId><InstdAmt Ccy="EUR">{_money(p.amount_cents)}</InstdAmt>'
        f"<DrctDbtTx><MndtRltdInf><MndtId>MUSTERBAU-{k + 1:04d}</MndtId>"
        "<DtOfSgntr>2023-01-02</DtOfSgntr></MndtRltdInf></DrctDbtTx>"
        "<DbtrAgt><FinInstnId><BIC>GENODEF1S10</BIC></FinInstnId></DbtrAgt>"
        f"<Dbtr><Nm>{escape((p.contact_name or 'Kunde')[:70])}</Nm></Dbtr>"
        f"<DbtrAcct><Id><IBAN>{_iban(rng)}</IBAN></Id></DbtrAcct>"
        f"<RmtInf><Ustrd>{escape(_purpose(p))}</Ustrd>"
        "</RmtInf></DrctDbtTxInf>"
        for k, p in enumerate(payments)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">'
        f"<CstmrDrctDbtInitn><GrpHdr><MsgId>{batch_id}</MsgId>"
        f"<CreDtTm>{day - timedelta(days=2)}T09:00:00</CreDtTm>"
        f"<NbOfTxs>{len(payments)}</NbOfTxs><CtrlSum>{total}</CtrlSum>"
        "<InitgPty><Nm>Musterbau Schreinerei GmbH</Nm></InitgPty></GrpHdr>"
        f"<PmtInf><PmtInfId>{batch_id}</PmtInfId><PmtMtd>DD</PmtMtd>"
        f"<BtchBookg>true</BtchBookg><NbOfTxs>{len(payments)}</NbOfTxs>"
        f"<CtrlSum>{total}</CtrlSum><PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl>"
        "<LclInstrm><Cd>CORE</Cd></LclInstrm><SeqTp>RCUR</SeqTp></PmtTpInf>"
        f"<ReqdColltnDt>{day.isoformat()}</ReqdColltnDt>"
        "<Cdtr><Nm>Musterbau Schreinerei GmbH</Nm></Cdtr>"
        f"<CdtrAcct><Id><IBAN>{DEMO_ACCOUNT_IBAN}</IBAN></Id></CdtrAcct>"
        "<CdtrAgt><FinInstnId><BIC>GENODEM1GLS</BIC></FinInstnId></CdtrAgt>"
        "<CdtrSchmeId><Id><PrvtId><Othr><Id>DE98ZZZ09999999999</Id><SchmeNm><Prtry>SEPA"
        "</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>"
        f"{items}</PmtInf></CstmrDrctDbtInitn></Document>\n"
    ).encode()


def _purpose(payment: BankPayment) -> str:
    return f"Rechnung {payment.voucher_number}" if payment.voucher_number else "Rechnung"


def _write_files(directory: Path, files: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)


def _demo_lines(
    payments: Sequence[BankPayment], *, seed: int, today: date
) -> tuple[list[dict[str, Any]], int, list[tuple[dict[str, Any], list[BankPayment]]]]:
    """:func:`demo_transactions`, and the batches booked as one line with their
    payments."""
    batches: list[tuple[dict[str, Any], list[BankPayment]]] = []
    rng = random.Random(seed)
    parties = _Counterparties(random.Random(seed + 1), {})
    alone = 0  # the firm's invoices paid one by one so far
    ordered = sorted(payments, key=lambda p: (p.paid_date, p.voucher_key))
    lines: list[dict[str, Any]] = []
    missing = 0
    batch: list[BankPayment] = []

    def collect() -> None:
        """The payments collected so far as one line (a single one as its own)."""
        if len(batch) >= 2:
            lines.append(_batch_line(batch, len(lines), today))
            batches.append((lines[-1], list(batch)))
            if len(batches) % BATCH_RETURNED_EVERY == 2 % BATCH_RETURNED_EVERY:
                day = date.fromisoformat(lines[-1]["booking_date"])
                lines.extend(_returned_from_batch(batch[0], day, parties, today))
        else:
            lines.extend(_voucher_line(payment, rng, parties, today) for payment in batch)
        batch.clear()

    for payment in ordered:
        if rng.random() < MISSING_SHARE:
            missing += 1
            continue
        if payment.voucher_type in _COLLECTED and rng.random() < BATCH_SHARE:
            if batch and payment.paid_date > batch[0].paid_date + timedelta(days=_BATCH_DAYS):
                collect()
            batch.append(payment)
            if len(batch) == _BATCH_SIZE:
                collect()
            continue
        line = _voucher_line(payment, rng, parties, today)  # drawn either way: the
        # other lines stay what they were
        alone += payment.voucher_type in _COLLECTED
        if payment.voucher_type in _COLLECTED and alone % RETURNED_EVERY == 0:
            lines.extend(_returned_collection(payment, parties, today))
        else:
            lines.append(line)
    collect()
    if ordered:
        lines.extend(
            _unrelated_lines(ordered[0].paid_date, ordered[-1].paid_date, rng, parties, today)
        )
    lines.sort(key=lambda line: (line["booking_date"], line["remittance"], line["amount"]))
    return lines, missing, batches


async def bank_payments(uow: UnitOfWork, tenant_id: str) -> list[BankPayment]:
    """The bank payments of the tenant's synced vouchers (as matching derives them)."""
    found = []
    for voucher in await uow.matching.vouchers_with_items(tenant_id):
        sign = -1 if direction(voucher.voucher_type) is Direction.DEBIT else 1
        for derived in derive_payments(voucher, list(voucher.payment_items)):
            day = derived.paid_date or voucher.paid_date
            if derived.kind != "bank" or day is None:
                continue
            found.append(
                BankPayment(
                    voucher_key=f"{voucher.lexware_id}:{derived.position}",
                    voucher_number=voucher.voucher_number,
                    contact_name=voucher.contact_name,
                    amount_cents=sign * derived.amount_cents,
                    paid_date=day,
                    voucher_type=voucher.voucher_type,
                )
            )
    return found


async def push_demo_bank_data(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: str,
    *,
    seed: int = DEMO_BANK_SEED,
    files_dir: Path | None = None,
) -> DemoBankResult:
    """Push the demo account's transactions for the tenant's vouchers, then match; the
    firm's SEPA collection files of its batch lines go to ``files_dir`` (if given), for
    the user to upload."""
    async with uow_factory() as uow:
        payments = await bank_payments(uow, tenant_id)
    today = berlin_date(clock.now())
    lines, missing = demo_transactions(payments, seed=seed, today=today)
    if files_dir is not None:
        files = collection_files(payments, seed=seed, today=today)
        await asyncio.to_thread(_write_files, files_dir, files)
    result = await push_transactions(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        account_iban=DEMO_ACCOUNT_IBAN,
        account_name=DEMO_ACCOUNT_NAME,
        transactions=lines,
        actor="demo",
        line_keys=line_keys_of,
    )
    counts = await run_matching(uow_factory, clock, tenant_id)
    return DemoBankResult(len(payments), len(lines), result.added, missing, counts)


async def fill_demo_bank_after_first_sync(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: str,
    run_id: str | None,
    *,
    poll_seconds: float = 1.0,
    attempts: int = 5,
    files_dir: Path | None = None,
) -> DemoBankResult | None:
    """Wait until the demo connection's first run (``run_id``) has ended; when it succeeded,
    fill the demo account. A run that ended otherwise (failed, or failed for a transient
    reason) leaves the account empty; a write that collides with the matching that follows
    the sync is tried again (pushing twice adds nothing)."""
    if run_id is None:
        log.warning("demo_bank_skipped", tenant_id=tenant_id, reason="no first run")
        return None
    while True:
        async with uow_factory() as uow:
            status = (await uow.sync_runs.get(run_id)).status
        if status == "succeeded":
            break
        if status in FINISHED_SYNC_RUN_STATUSES:
            log.warning("demo_bank_skipped", tenant_id=tenant_id, run_id=run_id, status=status)
            return None
        await asyncio.sleep(poll_seconds)
    for attempt in range(1, attempts + 1):
        try:
            result = await push_demo_bank_data(uow_factory, clock, tenant_id, files_dir=files_dir)
        except Exception:
            if attempt == attempts:
                raise
            log.info("demo_bank_retry", tenant_id=tenant_id, attempt=attempt)
            await asyncio.sleep(poll_seconds * attempt)
            continue
        log.info(
            "demo_bank_filled",
            tenant_id=tenant_id,
            payments=result.payments,
            transactions=result.transactions,
            added=result.added,
            without_transaction=result.left_without_transaction,
            auto_links=result.matching.auto_links,
            suggestions=result.matching.suggestions,
            unmatched=result.matching.unmatched,
        )
        return result
    return None  # pragma: no cover - the loop returns or raises
