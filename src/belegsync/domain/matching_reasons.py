"""Plain German and English texts for the reason codes of matching.

The engine explains every link and suggestion with short, stable reason codes
(stored with the link, e.g. ``["amount:exact:+0", "days:paid:-4",
"reference:RE-2024-0042", "counterparty:identifier_known"]``). People never see the
codes, a score or a "Δ": pages and exports call

    describe(code: str) -> tuple[str, str]        # (German, English)
    describe_all(codes: Iterable[str]) -> list[tuple[str, str]]

``describe`` never raises: an unknown or malformed code gets a neutral text, so links
written by older engine versions still render. ``describe_all`` keeps the order of
the codes and drops codes that say nothing to a person (collective group ids).

Codes (``<...>`` are parameters; amounts are cents, signed ``+``/``-``):

* ``amount:exact:<d>`` — the amount fits to the cent; ``amount:skonto:<d>`` after
  Skonto; ``amount:fee:<d>`` a small shortfall (bank fee); ``amount:charges:<d>`` the
  amount the payer instructed fits, the banks kept charges; ``amount:rounding:<d>``;
  ``amount:band:<d>`` within 95–105 %; ``amount:collective:<d>`` the sum of several
  vouchers; ``amount:net_of_fee:<d>`` a payout of several sales minus the provider's
  fee; ``amount:other:<d>``.
* ``days:paid:<n>`` — booked n days after (negative: before) the paid date recorded in
  Lexware; ``days:voucher:<n>`` relative to the voucher date (no paid date);
  ``days:<n>`` (older links) relative to the expected date.
* ``reference:<token>`` — the voucher number in the purpose; ``reference:E2E <id>``
  the end-to-end reference; ``reference:customer <n>`` the customer number;
  ``reference:date <yyyy-mm-dd>`` the voucher's date as a card payment writes it;
  ``reference:number <n>`` the running number after an invoice keyword.
* ``counterparty:identifier_known`` (IBAN or creditor id known for the contact),
  ``counterparty:payer_known`` (the account holder paid this contact before),
  ``counterparty:identifier_of_other_contact``, ``counterparty:unknown``,
  ``counterparty:name <similarity>`` and ``counterparty:name <similarity> (different)``.
* ``paid_before_voucher`` — booked clearly before the voucher date.
* ``difference:<skonto|fee|rounding|partial|collective|tolerance|payout_fee>``.
* ``collective:<transaction id>`` — one of several vouchers paid by one transfer.
* ``collective_payer`` — the only combination of the known payer's open vouchers
  that sums to the transfer.
* ``collective_all_open`` — all the known payer's open vouchers up to the booking
  day make the amount (more than a combination is searched for).
* ``recurring:<monthly|quarterly|yearly>`` — the same payer paid the same amount
  regularly before (learned from confirmed links).
* ``period:<MM/YYYY>`` — the purpose names the period the voucher is for;
  ``period_other:<MM/YYYY>`` only another period (the line of another month of a
  series: no competitor of the line naming the voucher's own).
* ``recollection`` — the payment collected again after a returned direct debit.
* ``batch_item_returned`` — another item of this batch line came back (a returned
  direct debit): the line pays the rest.
* ``short_payment`` — a line for less than the voucher from its payer, offered where
  nothing else is (a fee or a deduction kept back, a part payment): a person decides.
* ``contact_in_purpose`` — a line of the voucher's amount from another account holder
  whose purpose names the voucher's contact (a relative paying a patient's invoice): a
  person decides.
* ``family_name:<name>`` — a line of the voucher's amount from an account holder
  bearing the contact's family name (a relative, the owner of a business named after
  him): a person decides.
* ``number_mistyped:<number>`` — a line of the voucher's amount whose purpose writes
  the voucher number with one typo (two digits swapped, one wrong): a person decides.
* ``instalment:<n>`` — a line for less than the voucher whose purpose states the n-th
  instalment and names the voucher's contact („Rate 1 Rechnung Koch“), from whomever:
  a person decides.
* ``name_abbreviated:<holder>`` — a line of the voucher's amount from an account
  holder writing the contact's name abbreviated („LZK BW“ for
  „Landeszahnärztekammer Baden-Württemberg“): a person decides.
* ``collected_before_voucher`` — a line of the voucher's amount from its payer booked
  a few days before the voucher date, which Lexware's paid date lies weeks after (an
  insurer collecting before it dates its invoice): a person decides.
* ``deposit`` — a line from the voucher's payer naming a deposit („Anzahlung“), booked
  before the voucher's date window (paid before the invoice was written): a person
  decides.
* ``advice:<items>`` — a batch line whose payer's advice (or the client's own SEPA
  batch file) names the voucher (``domain.advice``).
* ``payout:<provider>:<sales>`` — a payout of a payment provider for several sales.
* ``payout_short:<cents>`` — a payout stating its sales days, whose vouchers of those
  days are that much less than it pays (a day's sales voucher missing).
* ``counted:<n>`` — the only combination of n open vouchers that makes a line
  announcing n items ("ANZAHL 3", "3 Rechnungen"); ``counted:<n>:oldest`` — the
  combinations differ only in which of several vouchers of one amount: the oldest;
  ``counted:<n>:first`` — no one combination: the oldest open vouchers make it.
* ``family:<name>`` — the only combination of open vouchers of several persons of one
  family name that makes a line naming that name (a parent paying two children's).
* ``pending`` — the bank line is still pending; ``manual`` — linked by a person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from belegsync.domain.matching_score import names_another_payer

__all__ = ["describe", "describe_all", "format_cents_de", "format_cents_en"]

Texts = tuple[str, str]


def format_cents_de(cents: int) -> str:
    """``123456`` → ``1.234,56 €`` (absolute value; the sentence carries the sign)."""
    euros, rest = divmod(abs(cents), 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d} €"


def format_cents_en(cents: int) -> str:
    """``123456`` → ``€1,234.56`` (absolute value)."""
    euros, rest = divmod(abs(cents), 100)
    return f"€{euros:,}.{rest:02d}"


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _days_word_de(n: int) -> str:
    return "1 Tag" if n == 1 else f"{n} Tage"


def _days_word_en(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _amount(args: list[str]) -> Texts:
    kind = args[0] if args else ""
    delta = _int(args[1]) if len(args) > 1 else 0
    if delta is None:
        delta = 0
    de_abs, en_abs = format_cents_de(delta), format_cents_en(delta)
    less_de = "weniger" if delta < 0 else "mehr"
    less_en = "less" if delta < 0 else "more"
    if kind == "exact":
        return "Betrag stimmt auf den Cent", "Amount matches to the cent"
    if kind == "skonto":
        return (
            f"Betrag nach Skonto ({de_abs} weniger)",
            f"Amount after cash discount ({en_abs} less)",
        )
    if kind == "fee":
        return (
            f"{de_abs} weniger als erwartet (Bankgebühr)",
            f"{en_abs} less than expected (bank fee)",
        )
    if kind == "charges":
        return (
            f"Auftragsbetrag stimmt auf den Cent, die Banken behielten {de_abs} Gebühren ein",
            f"Instructed amount matches to the cent; the banks kept {en_abs} in charges",
        )
    if kind == "rounding":
        return (
            f"Betrag weicht um {de_abs} ab (Rundung)",
            f"Amount differs by {en_abs} (rounding)",
        )
    if kind == "band":
        return (
            f"Betrag {de_abs} {less_de} als erwartet (innerhalb von 5 %)",
            f"Amount {en_abs} {less_en} than expected (within 5 %)",
        )
    if kind == "collective":
        return (
            "Summe mehrerer Belege stimmt mit dem Betrag überein",
            "The sum of several vouchers equals the amount",
        )
    if kind == "net_of_fee":
        return (
            f"Summe der Verkäufe abzüglich {de_abs} Gebühren",
            f"Sum of the sales minus {en_abs} fees",
        )
    if delta == 0:
        return "Betrag stimmt nicht überein", "Amount does not match"
    return (
        f"Betrag {de_abs} {less_de} als erwartet",
        f"Amount {en_abs} {less_en} than expected",
    )


def _days(args: list[str]) -> Texts:
    if len(args) == 1:
        anchor, raw = "expected", args[0]
    elif len(args) == 2:
        anchor, raw = args[0], args[1]
    else:
        return "Datum passt", "Date fits"
    n = _int(raw)
    if n is None:
        return "Datum passt", "Date fits"
    what_de, what_en = {
        "paid": ("dem Zahldatum in Lexware", "the paid date in Lexware"),
        "voucher": ("dem Belegdatum", "the voucher date"),
    }.get(anchor, ("dem erwarteten Datum", "the expected date"))
    if n == 0:
        on_de = what_de.replace("dem ", "am ", 1)
        return f"Gebucht {on_de}", f"Booked on {what_en}"
    side_de, side_en = ("vor", "before") if n < 0 else ("nach", "after")
    return (
        f"{_days_word_de(abs(n))} {side_de} {what_de}",
        f"{_days_word_en(abs(n))} {side_en} {what_en}",
    )


def _reference(args: list[str]) -> Texts:
    token = ":".join(args)
    if token.startswith("E2E "):
        ref = token[4:]
        return (
            f"Ende-zu-Ende-Referenz {ref} bekannt",
            f"End-to-end reference {ref} known",
        )
    if token.startswith("customer "):
        number = token[9:]
        return (
            f"Kundennummer {number} im Verwendungszweck",
            f"Customer number {number} in the purpose",
        )
    if token.startswith("date "):
        day = token[5:]
        parts = day.split("-")
        german = ".".join(reversed(parts)) if len(parts) == 3 else day
        return (
            f"Belegdatum {german} im Verwendungszweck (Tag des Kaufs)",
            f"Voucher date {day} in the purpose (day of purchase)",
        )
    if token.startswith("number "):
        number = token[7:]
        return (
            f"Rechnungsnummer {number} (laufende Nummer) im Verwendungszweck",
            f"Invoice number {number} (running number) in the purpose",
        )
    if not token:
        return "Rechnungsnummer im Verwendungszweck", "Invoice number in the purpose"
    return (
        f"Rechnungsnummer {token} im Verwendungszweck",
        f"Invoice number {token} in the purpose",
    )


def _counterparty(args: list[str]) -> Texts:
    evidence = ":".join(args)
    if evidence == "identifier_known":
        return (
            "IBAN bzw. Gläubiger-ID des Kontakts bekannt",
            "IBAN or creditor id of the contact known",
        )
    if evidence == "payer_known":
        return (
            "Zahler aus bestätigten Zuordnungen bekannt",
            "Payer known from confirmed links",
        )
    if evidence == "identifier_of_other_contact":
        return (
            "IBAN gehört zu einem anderen Kontakt",
            "IBAN belongs to another contact",
        )
    if evidence.startswith("name "):
        parts = evidence.split()
        similarity = _int(parts[1]) if len(parts) > 1 else None
        if names_another_payer(evidence):
            return "Name des Kontoinhabers weicht ab", "Account holder's name differs"
        if similarity is not None and similarity >= 95:
            return (
                "Name des Kontoinhabers stimmt mit dem Kontakt überein",
                "Account holder's name matches the contact",
            )
        return (
            "Name des Kontoinhabers ähnelt dem Kontakt",
            "Account holder's name is similar to the contact",
        )
    return "Zahler unbekannt", "Payer unknown"


_DIFFERENCES: dict[str, Texts] = {
    "skonto": ("Differenz: Skonto", "Difference: cash discount"),
    "fee": ("Differenz: Bankgebühr", "Difference: bank fee"),
    "rounding": ("Differenz: Rundung", "Difference: rounding"),
    "partial": ("Teilzahlung", "Part payment"),
    "collective": ("Teil einer Sammelzahlung", "Part of a collective payment"),
    "tolerance": ("Differenz innerhalb der Toleranz", "Difference within tolerance"),
    "payout_fee": ("Differenz: Gebühr des Zahlungsdienstes", "Difference: payment provider fee"),
}

_RECURRING: dict[str, Texts] = {
    "monthly": ("monatlich", "monthly"),
    "quarterly": ("vierteljährlich", "quarterly"),
    "yearly": ("jährlich", "yearly"),
}

_FIXED: dict[str, Texts] = {
    "paid_before_voucher": (
        "Gebucht deutlich vor dem Belegdatum",
        "Booked well before the voucher date",
    ),
    "collective_all_open": (
        "Alle offenen Belege dieses Zahlers bis zum Buchungstag ergeben den Betrag",
        "All of this payer's open vouchers up to the booking day add up to the amount",
    ),
    "collective_payer": (
        "Einzige Kombination offener Belege dieses Zahlers, die den Betrag ergibt",
        "The only combination of this payer's open vouchers that adds up to the amount",
    ),
    "recollection": (
        "Erneuter Einzug nach einer Rücklastschrift",
        "Collected again after a returned direct debit",
    ),
    "batch_item_returned": (
        "Ein weiterer Posten dieser Sammelbuchung kam zurück (Rücklastschrift)",
        "Another item of this batch booking came back (returned direct debit)",
    ),
    "short_payment": (
        "Vom Zahler dieses Belegs, aber weniger als der Beleg: Abzug, Gebühr oder "
        "Teilzahlung? Bitte prüfen",
        "From this voucher's payer, but less than the voucher: a deduction, a fee or a "
        "part payment? Please check",
    ),
    "contact_in_purpose": (
        "Name des Kontakts im Verwendungszweck, anderer Kontoinhaber: bitte prüfen",
        "The contact's name in the purpose, another account holder: please check",
    ),
    "collected_before_voucher": (
        "Kurz vor dem Belegdatum gebucht (etwa eine Lastschrift vor der Rechnung): bitte prüfen",
        "Booked shortly before the voucher date (a direct debit before the invoice, "
        "say): please check",
    ),
    "deposit": (
        "Anzahlung dieses Zahlers vor der Rechnung: bitte prüfen",
        "A deposit from this payer before the invoice: please check",
    ),
    "pending": ("Umsatz noch vorgemerkt", "Transaction still pending"),
    "manual": ("Manuell zugeordnet", "Linked manually"),
}

_UNKNOWN: Texts = ("Weiteres Merkmal", "Further indication")


def _difference(args: list[str]) -> Texts:
    return _DIFFERENCES.get(args[0] if args else "", _UNKNOWN)


def _recurring(args: list[str]) -> Texts:
    de, en = _RECURRING.get(args[0] if args else "", ("regelmäßig", "regularly"))
    return (
        f"Wiederkehrende Zahlung ({de}), gleicher Betrag wie bisher",
        f"Recurring payment ({en}), same amount as before",
    )


def _period(args: list[str]) -> Texts:
    period = ":".join(args)
    return (
        f"Zeitraum {period} im Verwendungszweck",
        f"Period {period} in the purpose",
    )


def _period_other(args: list[str]) -> Texts:
    period = ":".join(args)
    return (
        f"Verwendungszweck nennt einen anderen Zeitraum ({period})",
        f"The purpose names another period ({period})",
    )


# the offers naming a parameter (``<code>:<value>``): the text without it, and with it
# (``{}``)
_ABOUT: dict[str, tuple[Texts, Texts]] = {
    "family_name": (
        (
            "Kontoinhaber mit dem Familiennamen des Kontakts: bitte prüfen",
            "An account holder with the contact's family name: please check",
        ),
        (
            "Kontoinhaber mit dem Familiennamen des Kontakts ({}): bitte prüfen",
            "An account holder with the contact's family name ({}): please check",
        ),
    ),
    "instalment": (
        (
            "Rate laut Verwendungszweck, der Kontakt genannt, weniger als der Beleg: bitte prüfen",
            "An instalment by the purpose, naming the contact, less than the voucher: please check",
        ),
        (
            "{}. Rate laut Verwendungszweck, der Kontakt genannt, weniger als der Beleg: "
            "bitte prüfen",
            "Instalment {} by the purpose, naming the contact, less than the voucher: please check",
        ),
    ),
    "name_abbreviated": (
        (
            "Kontoinhaber schreibt den Namen des Kontakts abgekürzt: bitte prüfen",
            "The account holder writes the contact's name abbreviated: please check",
        ),
        (
            "Kontoinhaber „{}“: der Name des Kontakts abgekürzt? Bitte prüfen",
            "Account holder “{}”: the contact's name abbreviated? Please check",
        ),
    ),
    "number_mistyped": (
        (
            "Belegnummer im Verwendungszweck mit einem Tippfehler: bitte prüfen",
            "The voucher number in the purpose with one typo: please check",
        ),
        (
            "{} im Verwendungszweck: Belegnummer mit Zahlendreher oder Tippfehler? Bitte prüfen",
            "{} in the purpose: the voucher number with digits swapped or mistyped? Please check",
        ),
    ),
}


def _about(code: str, args: list[str]) -> Texts:
    """The text of an offer naming a parameter (:data:`_ABOUT`), with the parameter, or
    without it where it has none."""
    plain, named = _ABOUT[code]
    value = ":".join(args)
    if not value:
        return plain
    return named[0].format(value), named[1].format(value)


def _collective(args: list[str]) -> Texts:
    return _DIFFERENCES["collective"]


# how a counted line's vouchers were told (``counted:<n>:<how>``): what the sentence
# says after "Sammelbuchung über n Posten:"
_COUNTED_HOW: dict[str, Texts] = {
    "": ("nur diese ergeben den Betrag", "only these make the amount"),
    "first": (
        "die ältesten offenen Rechnungen ergeben den Betrag",
        "the oldest open invoices make the amount",
    ),
    "oldest": (
        "diese Beträge ergeben den Betrag, von gleich hohen Rechnungen die ältesten",
        "these amounts make the amount, of invoices of equal amount the oldest",
    ),
}


def _counted(args: list[str]) -> Texts:
    count = _int(args[0]) if args else None
    if count is None:
        return "Sammelbuchung mehrerer Posten", "Batch of several items"
    german, english = _COUNTED_HOW.get(args[1] if len(args) > 1 else "", _COUNTED_HOW[""])
    return f"Sammelbuchung über {count} Posten: {german}", f"Batch of {count} items: {english}"


def _family(args: list[str]) -> Texts:
    name = args[0] if args and args[0] else ""
    if not name:
        return (
            "Sammelzahlung für mehrere Personen einer Familie",
            "One transfer for several members of a family",
        )
    return (
        f"Sammelzahlung für mehrere Personen namens {name}: nur diese ergeben den Betrag",
        f"One transfer for several persons named {name}: only these make the amount",
    )


def _payout_short(args: list[str]) -> Texts:
    cents = _int(args[0]) if args else None
    if cents is None:
        return (
            "Für die Umsatztage dieser Auszahlung fehlen Belege",
            "Vouchers are missing for the sales days of this payout",
        )
    return (
        f"Für die Umsatztage dieser Auszahlung fehlen Belege über {format_cents_de(cents)}",
        f"Vouchers of {format_cents_en(cents)} are missing for the sales days of this payout",
    )


def _payout(args: list[str]) -> Texts:
    provider = args[0] if args else ""
    sales = _int(args[1]) if len(args) > 1 else None
    name = provider or "Zahlungsdienst"
    name_en = provider or "payment provider"
    if sales is None:
        return f"Auszahlung von {name}", f"Payout from {name_en}"
    if sales == 1:
        return f"Auszahlung von {name} für 1 Verkauf", f"Payout from {name_en} for 1 sale"
    return (
        f"Auszahlung von {name} für {sales} Verkäufe",
        f"Payout from {name_en} for {sales} sales",
    )


def _advice(args: list[str]) -> Texts:
    count = _int(args[0]) if args else None
    items_de = f" ({count} Posten)" if count else ""
    items_en = f" ({count} items)" if count else ""
    return (
        f"Im Zahlungsavis bzw. in der SEPA-Sammeldatei dieser Sammelbuchung genannt{items_de}",
        f"Named in this batch booking's payment advice or SEPA batch file{items_en}",
    )


_BY_PREFIX: dict[str, Callable[[list[str]], Texts]] = {
    "advice": _advice,
    "amount": _amount,
    "days": _days,
    "reference": _reference,
    "counterparty": _counterparty,
    "difference": _difference,
    "recurring": _recurring,
    "period": _period,
    "period_other": _period_other,
    "collective": _collective,
    "payout": _payout,
    "payout_short": _payout_short,
    "counted": _counted,
    "family": _family,
    **{code: partial(_about, code) for code in _ABOUT},
}


def describe(code: str) -> tuple[str, str]:
    """(German, English) plain text for one reason code; never raises."""
    fixed = _FIXED.get(code)
    if fixed is not None:
        return fixed
    prefix, _, rest = code.partition(":")
    handler = _BY_PREFIX.get(prefix)
    if handler is None:
        return _UNKNOWN
    return handler(rest.split(":") if rest else [])


_SILENT_PREFIXES = ("collective:",)


def describe_all(codes: Iterable[str]) -> list[tuple[str, str]]:
    """Texts for a link's reason codes, in order, without duplicates or silent codes.

    A collective group id says nothing by itself (``difference:collective`` says it).
    """
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for code in codes:
        if code.startswith(_SILENT_PREFIXES):
            continue
        texts = describe(code)
        if texts not in seen:
            seen.add(texts)
            out.append(texts)
    return out
