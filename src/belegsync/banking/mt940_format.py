"""MT940 statements and MT942 interim reports as German banks export them (Sparkasse,
Volksbank, Commerzbank, Deutsche Bank, Postbank, LBBW …).

The ``mt-940`` library reads the SWIFT fields (amounts, dates, balances, references).
Before that, every line is checked here so that a broken file is refused with its
line number instead of being half read; the ``:86:`` details are split here too
(``?00`` Buchungstext, ``?20–?29``/``?60–?63`` Verwendungszweck, ``?30`` BIC/BLZ,
``?31`` IBAN/Konto, ``?32``/``?33`` name, SEPA keywords), keeping the raw lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import mt940

from belegsync.banking.checks import INCOMPLETE_ADVICE_DE, INCOMPLETE_ADVICE_EN
from belegsync.banking.errors import StatementError, at_line
from belegsync.banking.model import ParsedStatement, ParsedTransaction
from belegsync.banking.text import (
    account_identifier,
    as_written,
    check_currency,
    clean,
    compact_iban,
    counterparty_identifiers,
    decode_text,
    german_iban,
    join_chunks,
    parse_amount,
    reads_as_reversal,
    split_sepa_keywords,
    within_bounds,
)

MAX_MT940_BYTES = 20 * 1024 * 1024
_TAG = re.compile(r":(\d{2}[A-Z]?|NS):(.*)")
_BALANCE = re.compile(r"[CD]\d{6}[A-Z]{3}\d{1,12},\d{0,2}")
_LINE_61 = re.compile(
    r"(?P<date>\d{6})(?P<entry>\d{4})?(?P<mark>R?[CD])[A-Z]?(?P<amount>\d{1,12},\d{0,2})"
    r"[NFS][A-Z0-9]{3}.*"
)
_CONTINUED = {"86", "61", "NS"}
_SUBFIELD = re.compile(r"\?(\d{2})")
_PURPOSE_KEYS = [f"{n}" for n in range(20, 30)] + ["60", "61", "62", "63"]
_CHUNK = 27
# the original amount in :61:'s supplementary details (DFÜ-Abkommen, Anlage 3:
# "/OCMT/EUR2500,00//CHGS/EUR12,50/", the amount as ordered and the charges kept)
_ORIGINAL = re.compile(r"/OCMT/(?P<currency>[A-Z]{3})(?P<amount>\d{1,15},\d{0,2})/")
# Geschäftsvorfallcodes of returns: 109 a returned SEPA direct debit
# (Lastschriftretoure), 159 a returned SEPA transfer (Überweisung Retoure)
_RETURN_CODES = frozenset({"109", "159"})


@dataclass
class _Line61:
    line: int
    text: str
    details: list[str] = field(default_factory=list)
    details_line: int = 0


@dataclass
class _Block:
    line: int
    account: str | None = None
    entries: list[_Line61] = field(default_factory=list)
    tags: set[str] = field(default_factory=set)


def looks_like_mt940(text: str) -> bool:
    return bool(re.search(r"(?m)^:20:", text)) and bool(re.search(r"(?m)^:(25|61|60F):", text))


def parse_mt940(data: bytes, source: str = "MT940") -> list[ParsedStatement]:
    """Every statement (``:20:`` block) of an MT940 file."""
    if len(data) > MAX_MT940_BYTES:
        raise StatementError(source, "Die Datei ist zu groß.", "The file is too large.")
    text = decode_text(data)
    blocks = _scan(text)
    try:
        parsed = mt940.parse_statements(text, options=mt940.Options.all())
    except Exception as error:  # the library raises many types for bad input
        raise StatementError(
            source, f"MT940 nicht lesbar ({error}).", f"MT940 not readable ({error})."
        ) from None
    if len(parsed) != len(blocks):
        raise StatementError(
            source,
            "die Zahl der Auszüge (:20:) ist nicht eindeutig lesbar.",
            "the number of statements (:20:) cannot be read unambiguously.",
        )
    return [_statement(block, statement) for block, statement in zip(blocks, parsed, strict=True)]


def _scan(text: str) -> list[_Block]:
    """Check the line structure; returns the ``:20:`` blocks with their ``:61:`` lines."""
    blocks: list[_Block] = []
    last_tag: str | None = None
    current_61: _Line61 | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if (
            not stripped
            or stripped in ("-", "-}", "}")
            or re.fullmatch(r"(\{\d:[^}]*\}?)+", stripped)
        ):
            last_tag = None if stripped in ("-", "-}") else last_tag
            continue
        tag_match = _TAG.match(line)
        if tag_match is None:
            if last_tag not in _CONTINUED:
                raise StatementError(
                    at_line(number),
                    f"unerwartete Zeile „{stripped[:40]}“ (kein MT940-Feld).",
                    f"unexpected line '{stripped[:40]}' (not an MT940 field).",
                )
            if last_tag == "86" and current_61 is not None:
                current_61.details.append(line)
            continue
        tag, value = tag_match[1], tag_match[2]
        last_tag = tag[:2] if tag[:2] in ("60", "62", "28") else tag
        if tag == "20":
            blocks.append(_Block(line=number))
            current_61 = None
            continue
        if not blocks:
            raise StatementError(
                at_line(number),
                f"Feld :{tag}: vor dem ersten :20:.",
                f"field :{tag}: before the first :20:.",
            )
        # :86: is wrapped at 65 characters wherever the text stands, a space included:
        # its first line keeps a trailing space as its continuation lines do
        kept = value.lstrip() if tag == "86" else value.strip()
        current_61 = _scan_tag(blocks[-1], tag, kept, number, current_61)
    if not blocks:
        raise StatementError("MT940", "kein Auszug (:20:) gefunden.", "no statement (:20:) found.")
    for block in blocks:
        _check_complete(block)
    return blocks


def _check_complete(block: _Block) -> None:
    """A cut-off file often still parses: an MT940 statement needs its closing balance
    (:62:), an MT942 report its sums of debits and credits (:90D:/:90C:)."""
    opening = {"60F", "60M"} & block.tags
    closing = {"62F", "62M"} & block.tags
    if opening and not closing:
        missing_de, missing_en = "der Endsaldo (:62F:)", "the closing balance (:62F:)"
    elif not opening and not closing and not {"90D", "90C"} <= block.tags:
        missing_de = "der Anfangssaldo (:60F:) bzw. die Umsatzsummen (:90D:/:90C:)"
        missing_en = "the opening balance (:60F:) or the sums of entries (:90D:/:90C:)"
    else:
        return
    raise StatementError(
        at_line(block.line),
        f"dem Auszug ab dieser Zeile fehlt {missing_de}.",
        f"the statement from this line lacks {missing_en}.",
        code="statement_incomplete",
        advice_de=INCOMPLETE_ADVICE_DE,
        advice_en=INCOMPLETE_ADVICE_EN,
    )


def _scan_tag(
    block: _Block, tag: str, value: str, number: int, current: _Line61 | None
) -> _Line61 | None:
    block.tags.add(tag)
    if tag == "25":
        block.account = value
    elif tag in ("60F", "60M", "62F", "62M", "64", "65") and not _BALANCE.fullmatch(value):
        raise StatementError(
            at_line(number),
            f"Saldo :{tag}: „{value[:40]}“ ist ungültig (erwartet z. B. C240301EUR1234,56).",
            f"balance :{tag}: '{value[:40]}' is invalid (expected e.g. C240301EUR1234,56).",
        )
    elif tag == "61":
        match = _LINE_61.fullmatch(value)
        if match is None or not _valid_yymmdd(match["date"]):
            raise StatementError(
                at_line(number),
                f"Umsatzzeile :61: „{value[:40]}“ ist ungültig.",
                f"transaction line :61: '{value[:40]}' is invalid.",
            )
        entry = _Line61(line=number, text=value)
        block.entries.append(entry)
        return entry
    elif tag == "86" and current is not None:
        current.details = [value]
        current.details_line = number
        return current
    # A :86: after anything but a :61: (statement information) belongs to no entry.
    return current if tag == "NS" else None


def _valid_yymmdd(text: str) -> bool:
    try:
        date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        return False
    return True


def _account(value: str | None) -> tuple[str | None, bool]:
    """``:25:`` as (identifier, valid): an IBAN (also with a currency suffix), or
    "BLZ/Kontonummer" turned into the IBAN; else kept as written and marked."""
    if not value:
        return None, True
    parts = [p.strip() for p in value.replace(" ", "").split("/") if p.strip()]
    for part in parts:
        iban = compact_iban(part) or compact_iban(part[:-3] if part[-3:].isalpha() else None)
        if iban:
            return iban, True
    if len(parts) == 2 and parts[0].isdigit() and len(parts[0]) == 8:
        account = re.sub(r"\D", "", parts[1])[:10]  # "0123456789EUR" → the digits
        iban = german_iban(parts[0], account) if account else None
        if iban:
            return iban, True
    written, _ = account_identifier(value)
    return written, False


def _cents(amount: Any) -> int:
    value = Decimal(str(amount.amount))
    return int(value * 100)


def _statement(block: _Block, parsed: Any) -> ParsedStatement:
    data = parsed.data
    opening = data.get("final_opening_balance")
    closing = data.get("final_closing_balance")
    transactions = list(parsed)
    if len(transactions) != len(block.entries):
        raise StatementError(
            at_line(block.line),
            "nicht alle Umsatzzeilen (:61:) dieses Auszugs sind lesbar.",
            "not all transaction lines (:61:) of this statement are readable.",
        )
    sums = data.get("sum_debit_entries") or data.get("sum_credit_entries")
    balance = opening or closing
    currency_code = balance.amount.currency if balance else getattr(sums, "currency", None)
    currency = check_currency(str(currency_code), at_line(block.line)) if currency_code else "EUR"
    account, valid = _account(block.account)
    parsed_transactions = tuple(
        _transaction(entry, txn.data, currency)
        for entry, txn in zip(block.entries, transactions, strict=True)
    )
    _check_sums(block, data, parsed_transactions)
    days = [t.booking_date for t in parsed_transactions]
    return ParsedStatement(
        account_iban=account,
        account_valid=valid,
        currency=currency,
        transactions=parsed_transactions,
        format="mt940" if {"60F", "60M"} & block.tags else "mt942",
        opening_balance_cents=_cents(opening.amount) if opening is not None else None,
        closing_balance_cents=_cents(closing.amount) if closing is not None else None,
        statement_id=clean(data.get("transaction_reference"), limit=140),
        period_from=min(days) if days else _day(opening.date if opening else None),
        period_to=_day(closing.date if closing else None) or (max(days) if days else None),
        location=at_line(block.line),
    )


def _day(value: Any) -> date | None:
    return None if value is None else date(value.year, value.month, value.day)


def _check_sums(block: _Block, data: dict[str, Any], txns: tuple[ParsedTransaction, ...]) -> None:
    """MT942: the number and sum of debits (:90D:) and credits (:90C:) must match."""
    for key, sign in (("sum_debit_entries", -1), ("sum_credit_entries", 1)):
        stated = data.get(key)
        if stated is None:
            continue
        mine = [t.amount_cents for t in txns if (t.amount_cents < 0) == (sign < 0)]
        stated_cents = int(Decimal(str(stated.amount)) * 100)
        if int(stated.number) == len(mine) and abs(stated_cents) == abs(sum(mine)):
            continue
        tag = ":90D:" if sign < 0 else ":90C:"
        raise StatementError(
            at_line(block.line),
            f"die Summenzeile {tag} nennt {stated.number} Umsätze, gelesen wurden {len(mine)} "
            f"mit anderer Summe.",
            f"the sum line {tag} states {stated.number} entries, {len(mine)} were read with "
            "a different sum.",
            code="statement_incomplete",
            advice_de=INCOMPLETE_ADVICE_DE,
            advice_en=INCOMPLETE_ADVICE_EN,
        )


def _subfields(details: str) -> tuple[str | None, dict[str, list[str]]] | None:
    """``166?00GUTSCHRIFT?20…`` → (GVC, {"00": [...], "20": [...]}); ``None`` if free text."""
    if not re.match(r"\d{3}\?", details):
        return None
    gvc = details[:3]
    fields: dict[str, list[str]] = {}
    parts = _SUBFIELD.split(details[3:])
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        fields.setdefault(key, []).append(value)
    return gvc, fields


def _transaction(entry: _Line61, data: dict[str, Any], currency: str) -> ParsedTransaction:
    where = at_line(entry.line)
    match = _LINE_61.fullmatch(entry.text)
    assert match is not None  # checked by _scan
    mark = match["mark"]
    cents = within_bounds(abs(_cents(data["amount"])), match["amount"], where)
    signed = -cents if mark in ("D", "RC") else cents
    booking: date = data.get("entry_date") or data["date"]
    details = "".join(entry.details)
    structured = _subfields(details)
    common: dict[str, Any] = {
        "booking_date": date(booking.year, booking.month, booking.day),
        "value_date": date(data["date"].year, data["date"].month, data["date"].day),
        "amount_cents": signed,
        "currency": currency,
        "bank_reference": clean(data.get("bank_reference"), limit=140),
        "is_reversal": mark.startswith("R"),
        "location": where,
        **_original_amount(data.get("extra_details"), where),
    }
    if structured is None:
        lines = tuple(line.strip() for line in entry.details if line.strip())
        keywords, free = split_sepa_keywords(" ".join(lines))
        return ParsedTransaction(
            **common,
            remittance=free,
            remittance_lines=lines,
            end_to_end_id=clean(keywords.get("EREF"), limit=140),
            mandate_reference=clean(keywords.get("MREF"), limit=140),
            creditor_id=clean(keywords.get("CRED"), limit=64),
        )
    return _structured(common, structured[0], structured[1], where)


def _original_amount(details: str | None, where: str) -> dict[str, Any]:
    """The amount as ordered, from :61:'s supplementary details (``/OCMT/``): the
    fields ``original_amount_cents`` and ``original_currency``, or none. A foreign
    transfer's banks kept their charges from it (``/CHGS/``); a return's amount holds
    them on top of it."""
    found = _ORIGINAL.search(details or "")
    if found is None:
        return {}
    return {
        "original_amount_cents": parse_amount(found["amount"], where),
        "original_currency": found["currency"],
    }


def _structured(
    common: dict[str, Any], gvc: str | None, fields: dict[str, list[str]], where: str
) -> ParsedTransaction:
    purpose_lines = tuple(value for key in _PURPOSE_KEYS for value in fields.get(key, []))
    purpose = join_chunks(purpose_lines, _CHUNK)
    keywords, free = split_sepa_keywords(join_chunks(purpose_lines, _CHUNK))
    account = "".join(fields.get("31", [])).strip()
    bank = "".join(fields.get("30", [])).strip()
    legacy = german_iban(bank, account) if bank.isdigit() and account.isdigit() else None
    iban, bic, issues = counterparty_identifiers(
        legacy or account or None, bank if bank and not bank.isdigit() else None
    )
    if legacy is None and bank.isdigit() and account.isdigit():
        iban = as_written(f"{bank}/{account}")  # a Kontonummer no IBAN can be made of
    original: int | None = common.pop("original_amount_cents", None)
    currency = common.pop("original_currency", None)
    if original is None and "OAMT" in keywords:
        try:
            original = abs(parse_amount(keywords["OAMT"].split()[-1], where))
        except (StatementError, IndexError):
            original = None
    booking_text = clean("".join(fields.get("00", [])))
    # a returned direct debit or transfer is marked by its code and booking text
    # ("SEPA-DD SOLL RUECKBEL. CORE", "RUECKLASTSCHRIFT"), its :61: mark stays D or C
    returned = gvc in _RETURN_CODES or reads_as_reversal(booking_text)
    return ParsedTransaction(
        **{**common, "is_reversal": common["is_reversal"] or returned},
        counterparty_name=clean(
            join_chunks([*fields.get("32", []), *fields.get("33", [])], _CHUNK)
        ),
        counterparty_iban=iban,
        counterparty_bic=bic,
        identifier_issues=issues,
        remittance=free if keywords else purpose,
        remittance_lines=purpose_lines,
        end_to_end_id=clean(keywords.get("EREF"), limit=140),
        mandate_reference=clean(keywords.get("MREF"), limit=140),
        creditor_id=clean(keywords.get("CRED"), limit=64),
        original_amount_cents=original,
        original_currency=currency or common["currency"] if original is not None else None,
        booking_text=booking_text,
        purpose_code=gvc,
    )
