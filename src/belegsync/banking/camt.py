"""CAMT.053 (statement), CAMT.052 (intraday report) and CAMT.054 (debit/credit
notification), versions .001.02 to .001.08.

Fields are read by local name, so every namespace version goes through the same code;
where versions differ (``Sts`` text vs ``Sts/Cd``, ``Dbtr/Nm`` vs ``Dbtr/Pty/Nm``,
``BIC`` vs ``BICFI``, ``TxDtls/Amt`` vs ``AmtDtls/TxAmt/Amt``) both are tried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

from belegsync.banking import xmlsafe as x
from belegsync.banking.errors import StatementError
from belegsync.banking.model import ParsedStatement, ParsedTransaction, TxnStatus
from belegsync.banking.text import (
    account_identifier,
    check_currency,
    clean,
    counterparty_identifiers,
    parse_plain_decimal,
    split_sepa_keywords,
)
from belegsync.banking.xmlsafe import Element
from belegsync.domain.dates import BERLIN

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(0[2-8])")
_CONTAINERS = {
    "053": ("BkToCstmrStmt", "Stmt"),
    "052": ("BkToCstmrAcctRpt", "Rpt"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_OPENING = ("OPBD", "PRCD")
_CLOSING = ("CLBD",)


def camt_version(root: Element) -> tuple[str, str] | None:
    """(``"053"``, ``"08"``) for a CAMT document root, else ``None``."""
    tag = root.tag if isinstance(root.tag, str) else ""
    namespace = tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    match = _NAMESPACE.fullmatch(namespace)
    return (match[1], match[2]) if match else None


def parse_camt(data: bytes, source: str = "XML") -> list[ParsedStatement]:
    """Every statement (``Stmt``/``Rpt``/``Ntfctn``) in one CAMT.052/053/054 document."""
    root = x.load_xml(data, source)
    version = camt_version(root)
    if x.local(root) != "Document" or version is None:
        raise StatementError(
            x.path_of(root),
            "kein CAMT.052/053/054-Dokument der Versionen 001.02 bis 001.08.",
            "not a CAMT.052/053/054 document of versions 001.02 to 001.08.",
        )
    message, number = version
    container_name, item_name = _CONTAINERS[message]
    container = x.find(root, container_name)
    if container is None:
        raise StatementError(
            x.path_of(root),
            f"das Element {container_name} fehlt.",
            f"the element {container_name} is missing.",
        )
    fmt = f"camt.{message}.001.{number}"
    statements = [_statement(item, fmt) for item in x.kids(container, item_name)]
    if not statements:
        raise StatementError(
            x.path_of(container),
            f"kein {item_name}-Element (Kontoauszug) gefunden.",
            f"no {item_name} element (statement) found.",
        )
    return statements


def _required(parent: Element, path: str) -> Element:
    element = x.find(parent, path)
    if element is None:
        raise StatementError(
            f"{x.path_of(parent)} → {path}",
            f"das Pflichtelement {path} fehlt.",
            f"the required element {path} is missing.",
        )
    return element


def _statement(item: Element, fmt: str) -> ParsedStatement:
    account = _required(item, "Acct")
    iban, valid = account_identifier(x.first_text(account, "Id/IBAN", "Id/Othr/Id"))
    currency_element = x.find(account, "Ccy")
    entries = list(x.kids(item, "Ntry"))
    currency = (
        check_currency(currency_element.text, x.path_of(currency_element))
        if currency_element is not None
        else _entry_currency(entries)
    )
    opening, closing = _balances(item)
    transactions: list[ParsedTransaction] = []
    for entry in entries:
        transactions.extend(_entry(entry))
    period_from = _stamp_date(item, "FrToDt/FrDtTm")
    period_to = _stamp_date(item, "FrToDt/ToDtTm")
    days = [t.booking_date for t in transactions]
    return ParsedStatement(
        account_iban=iban,
        currency=currency,
        transactions=tuple(transactions),
        format=fmt,
        opening_balance_cents=opening,
        closing_balance_cents=closing,
        account_bic=x.first_text(account, "Svcr/FinInstnId/BICFI", "Svcr/FinInstnId/BIC"),
        bank_name=clean(x.text(account, "Svcr/FinInstnId/Nm")),
        statement_id=clean(x.text(item, "Id"), limit=140),
        account_valid=valid,
        period_from=period_from or (min(days) if days else None),
        period_to=period_to or (max(days) if days else None),
        location=x.path_of(item),
    )


def _stamp_date(holder: Element, path: str) -> date | None:
    element = x.find(holder, path)
    if element is None or not element.text:
        return None
    try:
        parsed = datetime.fromisoformat(element.text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise StatementError(
            x.path_of(element),
            f"„{element.text.strip()}“ ist kein gültiger Zeitpunkt.",
            f"'{element.text.strip()}' is not a valid timestamp.",
        ) from None
    return parsed.astimezone(BERLIN).date() if parsed.tzinfo else parsed.date()


def _entry_currency(entries: list[Element]) -> str:
    for entry in entries:
        amount = x.find(entry, "Amt")
        if amount is not None:
            return check_currency(amount.get("Ccy"), x.path_of(amount))
    return "EUR"


def _balances(item: Element) -> tuple[int | None, int | None]:
    opening: int | None = None
    closing: int | None = None
    for balance in x.kids(item, "Bal"):
        code = x.first_text(balance, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        if code not in _OPENING + _CLOSING:
            continue
        cents = _signed_amount(balance, _required(balance, "Amt"))
        if code in _OPENING and opening is None:
            opening = cents
        elif code in _CLOSING:
            closing = cents
    return opening, closing


def _signed_amount(holder: Element, amount: Element, fallback_indicator: str | None = None) -> int:
    cents = parse_plain_decimal(amount.text, x.path_of(amount))
    indicator = x.text(holder, "CdtDbtInd") or fallback_indicator
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError(
            f"{x.path_of(holder)} → CdtDbtInd",
            f"Soll/Haben-Kennzeichen „{indicator or ''}“ fehlt oder ist ungültig "
            "(erwartet CRDT oder DBIT).",
            f"the credit/debit indicator '{indicator or ''}' is missing or invalid "
            "(expected CRDT or DBIT).",
        )
    return cents if indicator == "CRDT" else -cents


def _date(holder: Element, path: str) -> date | None:
    element = x.find(holder, path)
    if element is None:
        return None
    day = x.text(element, "Dt")
    stamp = x.text(element, "DtTm")
    try:
        if day is not None:
            return date.fromisoformat(day[:10])
        if stamp is not None:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            return parsed.astimezone(BERLIN).date() if parsed.tzinfo else parsed.date()
    except ValueError:
        raise StatementError(
            x.path_of(element),
            f"„{day or stamp}“ ist kein gültiges Datum.",
            f"'{day or stamp}' is not a valid date.",
        ) from None
    raise StatementError(
        x.path_of(element), "das Datum (Dt oder DtTm) fehlt.", "the date (Dt or DtTm) is missing."
    )


def _status(entry: Element) -> str:
    status = x.find(entry, "Sts")
    if status is None:
        return "BOOK"
    value = x.text(status, "Cd") or x.text(status) or ""
    if value not in ("BOOK", "PDNG", "INFO"):
        raise StatementError(
            x.path_of(status),
            f"unbekannter Buchungsstatus „{value}“ (erwartet BOOK, PDNG oder INFO).",
            f"unknown entry status '{value}' (expected BOOK, PDNG or INFO).",
        )
    return value


@dataclass(frozen=True, slots=True)
class _EntryFacts:
    booking_date: date
    value_date: date | None
    status: TxnStatus
    reversal: bool
    bank_reference: str | None
    batch_reference: str | None
    booking_text: str | None
    indicator: str
    currency: str
    location: str
    # the entry's own amount as ordered (``Ntry/AmtDtls/InstdAmt``), which banks write
    # there instead of in the transaction's details: read for an entry of one
    # transaction only (a batch's is the whole batch's)
    original: tuple[int | None, str | None] = (None, None)


def _entry(entry: Element) -> list[ParsedTransaction]:
    status = _status(entry)
    if status == "INFO":
        return []  # advisory entries move no money
    amount = _required(entry, "Amt")
    currency = check_currency(amount.get("Ccy"), x.path_of(amount))
    cents = _signed_amount(entry, amount)
    booking = _date(entry, "BookgDt")
    value = _date(entry, "ValDt")
    # Pending lines of a camt.052 often carry only the value date.
    booking_date = booking or value
    if booking_date is None:
        raise StatementError(
            x.path_of(entry),
            "weder Buchungs- noch Valutadatum (BookgDt/ValDt) vorhanden.",
            "neither booking nor value date (BookgDt/ValDt) present.",
        )
    details = [d for dtls in x.kids(entry, "NtryDtls") for d in x.kids(dtls, "TxDtls")]
    facts = _EntryFacts(
        booking_date=booking_date,
        value_date=value,
        status="pending" if status == "PDNG" else "booked",
        reversal=(x.text(entry, "RvslInd") or "").lower() in ("true", "1"),
        bank_reference=clean(x.first_text(entry, "AcctSvcrRef", "NtryRef"), limit=140),
        batch_reference=clean(
            x.first_text(entry, "NtryDtls/Btch/PmtInfId", "NtryDtls/Btch/MsgId"), limit=140
        ),
        booking_text=clean(x.text(entry, "AddtlNtryInf")),
        indicator="CRDT" if cents >= 0 else "DBIT",
        currency=currency,
        location=x.path_of(entry),
        original=_original_amount(entry) if len(details) <= 1 else (None, None),
    )
    if len(details) > 1:
        split = _split_batch(entry, facts, cents, details)
        if split is not None:
            return split
        batch = facts.batch_reference or facts.bank_reference
        facts = _with_batch(facts, batch)
        return [_transaction(facts, cents, None, details)]
    return [_transaction(facts, cents, details[0] if details else None, details)]


def _with_batch(facts: _EntryFacts, batch: str | None) -> _EntryFacts:
    return replace(facts, batch_reference=batch)


def _detail_amount(detail: Element) -> Element | None:
    # lxml elements without children are falsy: compare with None, never use ``or``.
    amount = x.find(detail, "Amt")
    return amount if amount is not None else x.find(detail, "AmtDtls/TxAmt/Amt")


def _split_batch(
    entry: Element, facts: _EntryFacts, cents: int, details: list[Element]
) -> list[ParsedTransaction] | None:
    amounts = [_detail_amount(d) for d in details]
    if any(a is None for a in amounts):
        return None  # the bank gave no amounts per item: one booking, matched 1:n later
    signed = [_signed_amount(d, a, facts.indicator) for d, a in zip(details, amounts, strict=True)]
    if sum(signed) != cents:
        raise StatementError(
            facts.location,
            f"die Einzelumsätze der Sammelbuchung ergeben {sum(signed) / 100:.2f}, "
            f"die Buchung aber {cents / 100:.2f}.",
            f"the batch items add up to {sum(signed) / 100:.2f} but the entry to "
            f"{cents / 100:.2f}.",
        )
    batch = facts.batch_reference or facts.bank_reference
    split_facts = _with_batch(facts, batch)
    return [
        _transaction(split_facts, amount, detail, [detail])
        for amount, detail in zip(signed, details, strict=True)
    ]


def _party(detail: Element, role: str) -> Element | None:
    party = x.find(detail, f"RltdPties/{role}")
    if party is None:
        return None
    nested = x.find(party, "Pty")  # .001.08 wraps the party in Pty
    return nested if nested is not None else party


def _remittance_lines(facts: _EntryFacts, details: list[Element]) -> list[str]:
    lines: list[str] = []
    for each in details:
        for path in ("RmtInf/Ustrd", "RmtInf/Strd/CdtrRefInf/Ref"):
            lines.extend(e.text.strip() for e in x.findall(each, path) if e.text and e.text.strip())
    if not lines and facts.booking_text:
        lines.append(facts.booking_text)
    return lines


def _original_amount(detail: Element | None) -> tuple[int | None, str | None]:
    original = x.find(detail, "AmtDtls/InstdAmt/Amt")
    if original is None:
        return None, None
    where = x.path_of(original)
    return parse_plain_decimal(original.text, where), check_currency(original.get("Ccy"), where)


def _transaction(
    facts: _EntryFacts,
    cents: int,
    detail: Element | None,
    all_details: list[Element],
) -> ParsedTransaction:
    lines = _remittance_lines(facts, all_details)
    keywords, free_text = split_sepa_keywords(" ".join(lines))
    # The other party: the debtor of money in, the creditor of money out; a reversal
    # (returned debit, recalled credit) keeps the roles of the booking it undoes.
    incoming = (cents >= 0) != facts.reversal
    other, agent = ("Dbtr", "DbtrAgt") if incoming else ("Cdtr", "CdtrAgt")
    party = _party(detail, other) if detail is not None else None
    creditor = _party(detail, "Cdtr") if detail is not None else None
    original_cents, original_currency = _original_amount(detail)
    if original_cents is None:
        original_cents, original_currency = facts.original
    bic_paths = (f"RltdAgts/{agent}/FinInstnId/BICFI", f"RltdAgts/{agent}/FinInstnId/BIC")
    iban, bic, issues = counterparty_identifiers(
        x.first_text(detail, f"RltdPties/{other}Acct/Id/IBAN", f"RltdPties/{other}Acct/Id/Othr/Id"),
        x.first_text(detail, *bic_paths),
    )
    return ParsedTransaction(
        booking_date=facts.booking_date,
        value_date=facts.value_date,
        amount_cents=cents,
        currency=facts.currency,
        counterparty_name=clean(x.text(party, "Nm")),
        counterparty_iban=iban,
        counterparty_bic=bic,
        identifier_issues=issues,
        remittance=free_text if keywords else " ".join(lines),
        remittance_lines=tuple(lines),
        end_to_end_id=clean(x.text(detail, "Refs/EndToEndId"), limit=140)
        or clean(keywords.get("EREF"), limit=140),
        mandate_reference=clean(x.text(detail, "Refs/MndtId"), limit=140)
        or clean(keywords.get("MREF"), limit=140),
        creditor_id=clean(x.text(creditor, "Id/PrvtId/Othr/Id"), limit=64)
        or clean(keywords.get("CRED"), limit=64),
        bank_reference=clean(x.text(detail, "Refs/AcctSvcrRef"), limit=140) or facts.bank_reference,
        batch_reference=facts.batch_reference,
        status=facts.status,
        original_amount_cents=original_cents,
        original_currency=original_currency,
        is_reversal=facts.reversal or x.find(detail, "RtrInf") is not None,
        purpose_code=clean(x.text(detail, "Purp/Cd"), limit=16),
        booking_text=facts.booking_text or clean(x.text(detail, "AddtlTxInf")),
        location=x.path_of(detail) if detail is not None else facts.location,
    )
