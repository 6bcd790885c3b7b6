"""Text rules of matching: normalisation, SEPA keywords, reference tokens, names.

Banks cut purpose lines at 27 or 35 characters, often mid-token, so a remittance is
read twice: with its spaces and with all whitespace removed. Tokens from both count.

Reference tokens of a voucher number ``RE-2024-0042``: as written (``RE-2024-0042``),
squashed to letters and digits (``RE20240042``) and digits only without leading zeros
(``20240042``); only tokens with at least four significant characters are kept
(Odoo and Business Central use the same floor). A bare ``Rechnung 42`` is a *short*
reference: too weak alone, it only counts next to a fitting amount.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from itertools import accumulate, filterfalse

__all__ = [
    "MIN_TOKEN_CHARS",
    "SepaFields",
    "abbreviates",
    "another_number",
    "compact_identifier",
    "extract_sepa_fields",
    "family_name",
    "family_word",
    "initialled",
    "is_valid_mod97_reference",
    "legal_forms",
    "legal_forms_differ",
    "mistyped_number",
    "names_spelled",
    "normalise_name",
    "normalise_names",
    "normalise_text",
    "number_after_letters",
    "payer_names",
    "series_key",
    "stated_fee",
    "stated_rate",
    "stated_return_charges",
    "text_reference_tokens",
    "text_short_numbers",
    "voucher_reference_tokens",
    "voucher_short_number",
    "with_letters_inside",
    "with_short_years",
    "with_zeros",
    "written_day",
    "year_in_full",
    "zeros_dropped",
]

MIN_TOKEN_CHARS = 4

_UMLAUTS = (("Ä", "AE"), ("Ö", "OE"), ("Ü", "UE"), ("ẞ", "SS"))
_WHITESPACE_RE = re.compile(r"\s+")

# A chunk: optional letter groups ending in a separator, then something with a digit.
# Each group must end in a separator, so no nested quantifier can backtrack badly.
CHUNK_PATTERN = r"(?<![A-Z0-9])(?:[A-Z]+[-/._])*[A-Z]*[0-9][A-Z0-9]*(?:[-/._][A-Z0-9]+)*"
DIGIT_RUN_PATTERN = r"[0-9]+(?:[-/.][0-9]+)*"
_SHORT_KEYWORDS = (
    "RECHNUNGSNUMMER|RECHNUNGSNR|RECHNUNG|RECHN|RGNR|RG|RNR|RE|INVOICE|INV|BELEGNR|BELEG"
)
SHORT_NUMBER_PATTERN = (
    rf"(?<![A-Z0-9])(?:{_SHORT_KEYWORDS})[ .:]*(?:NR[ .:]*)?([0-9]{{1,7}})(?![0-9/-])"
)
_CHUNK_RE = re.compile(CHUNK_PATTERN)
_DIGIT_RUN_RE = re.compile(DIGIT_RUN_PATTERN)
_SHORT_NUMBER_RE = re.compile(SHORT_NUMBER_PATTERN)
_NON_ALNUM_RE = re.compile(r"[^A-Z0-9]+")
_NON_DIGIT_RE = re.compile(r"[^0-9]+")
_DIGITS_RE = re.compile(r"[0-9]+")
_SEPARATORS = str.maketrans("", "", "-/._ ")
_SEPA_RE = re.compile(r"(?<![A-Z])(EREF|KREF|MREF|CRED|SVWZ|ABWA|ABWE|IBAN|BIC)\+")
# a customer number as purposes write it: „Kd 10218“, „Kd-Nr. 75410“, „Kunde 67735“,
# „Kundennummer: 24642“ (upper-cased)
_CUSTOMER_NUMBER_RE = re.compile(
    r"\b(?:KUNDEN|KUNDE|KD)(?:[ .-]*(?:NUMMER|NR))?\.?[ :#]*([0-9][A-Z0-9/-]*)"
)


def normalise_text(text: str) -> str:
    """NFC, upper case, umlauts spelled out (Ä→AE, ß→SS), whitespace kept as is."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    upper = text.upper()  # "ß".upper() is already "SS"
    if not upper.isascii():
        for umlaut, spelled in _UMLAUTS:
            upper = upper.replace(umlaut, spelled)
    return upper


def squash(token: str) -> str:
    """Letters and digits only."""
    return token.translate(_SEPARATORS)


def _significant(token: str) -> bool:
    # letters and digits count, separators and leading zeros do not
    return len(_NON_ALNUM_RE.sub("", token).lstrip("0")) >= MIN_TOKEN_CHARS


# a voucher number's two-digit year: a group of exactly two digits that more digits
# follow after a separator („ZA-24-0136“), which payers also write in full
_SHORT_YEAR_RE = re.compile(r"(?<![0-9])([0-9]{2})(?=[^0-9A-Za-z]+[0-9])")


def year_in_full(number: str) -> tuple[str, str] | None:
    """The voucher number as payers also write it, its two-digit year with the century:
    (letters, the rest with a ``|`` for each run of separators), „ZA-24-0136“ →
    („ZA“, „2024|0136“). A line names it so only where it holds the letters, then the
    year, a separator and the rest („ZA-2024-0136“, „ZA 2024/0136“): the digits alone
    would name it on any „2024/0136“ (a billing statement's number), and glued to the
    letters on any id of a date („TS20250908“, a SEPA batch's). None where the number
    has no two-digit year following its letters."""
    if _SHORT_YEAR_RE.search(number) is None:  # most numbers: read no further
        return None
    written = normalise_text(number).strip()
    found = _SHORT_YEAR_RE.search(written)
    if found is None:
        return None
    letters = _NON_ALNUM_RE.sub("", written[: found.start()])
    if not letters.isalpha():
        return None
    rest = _NON_ALNUM_RE.sub("|", f"20{written[found.start() :]}").strip("|")
    return letters, rest


_LEADING_LETTERS_RE = re.compile(r"([A-Z]+)[^A-Z0-9]*([0-9][A-Z0-9]*(?:[^A-Z0-9]+[A-Z0-9]+)*)")


def zeros_dropped(number: str) -> tuple[str, str] | None:
    """The voucher number as payers also write it, each group of digits without its
    leading zeros: (letters, the groups with a ``|`` between them), „ZA-24-0074“ →
    („ZA“, „24|74“). Only for a number of letters and then two groups of digits or
    more, where a group has leading zeros; a line names it so only where it writes the
    letters and the groups (:func:`names_spelled`): the digits alone (2474) are on any
    line. None for any other number."""
    written = number.strip().upper() if number.isascii() else normalise_text(number).strip()
    found = _LEADING_LETTERS_RE.fullmatch(written)
    if found is None:
        return None
    groups = _NON_ALNUM_RE.split(found[2])
    if len(groups) < 2 or not all(group.isdigit() for group in groups):
        return None
    dropped = [group.lstrip("0") or "0" for group in groups]
    if dropped == groups:
        return None
    return found[1], "|".join(dropped)


# a number :func:`zeros_dropped` may read: letters, digits, a separator, then a zero
_ZEROS_AFTER_RE = re.compile(r"[A-Za-z][^0-9A-Za-z]*[0-9]+[^0-9A-Za-z]+0")


def with_zeros(numbers: Iterable[str]) -> list[int]:
    """The positions of the voucher numbers :func:`zeros_dropped` may read, found by one
    pattern search each."""
    return [i for i, found in enumerate(map(_ZEROS_AFTER_RE.search, numbers)) if found]


def with_short_years(numbers: Iterable[str]) -> list[int]:
    """The positions of the voucher numbers with a two-digit year (:func:`year_in_full`
    reads them further), found by one pattern search each."""
    return [i for i, found in enumerate(map(_SHORT_YEAR_RE.search, numbers)) if found]


def names_spelled(text: str, spelled: tuple[str, str]) -> bool:
    """Whether ``text`` writes a voucher number as :func:`year_in_full` or
    :func:`zeros_dropped` spelled it: the letters, then the groups, each run of
    separators between them written as some separator, the letters glued to the first
    group or apart."""
    marked = f"|{_NON_ALNUM_RE.sub('|', normalise_text(text))}|"
    letters, rest = spelled
    return f"|{letters}{rest}|" in marked or f"|{letters}|{rest}|" in marked


# a voucher number with letters between its digits („7-G-33056“, „2024-R-0012“)
_LETTERS_INSIDE_RE = re.compile(r"[0-9][^0-9A-Za-z]*[A-Za-z]+[^0-9A-Za-z]*[0-9]")


def with_letters_inside(numbers: Iterable[str]) -> list[int]:
    """The positions of the voucher numbers with letters between their digits
    (:func:`number_after_letters` reads them further), by one pattern search each."""
    return [i for i, found in enumerate(map(_LETTERS_INSIDE_RE.search, numbers)) if found]


def number_after_letters(number: str) -> str | None:
    """The digits after the last letter of a voucher number with letters between its
    digits („7-G-33056“ → „33056“), with four significant ones or more; None for any
    other number. A purpose's numbers are scanned as runs of digits (groups joined by
    a dash, slash or dot), so such a number's digits as one (733056) are on no line;
    its last run is, and a hit is checked on the line's own spelling
    (:func:`voucher_reference_tokens`)."""
    if _LETTERS_INSIDE_RE.search(number) is None:
        return None
    tail = re.split(r"[A-Za-z]", number)[-1]
    digits = _NON_DIGIT_RE.sub("", tail).lstrip("0")
    return digits if len(digits) >= MIN_TOKEN_CHARS else None


def voucher_reference_tokens(number: str) -> frozenset[str]:
    """The tokens a voucher number may appear as in a remittance (with its year in full
    too: :func:`year_in_full`)."""
    spelled = year_in_full(number)
    own = _number_tokens(number)
    if spelled is None:
        return own
    letters, rest = spelled
    # as written with dashes only: glued („ZA20240136“) it would be any id of a date
    return own | {f"{letters}-{rest.replace('|', '-')}"}


def _number_tokens(number: str) -> frozenset[str]:
    written = "".join(normalise_text(number).split())
    squashed = _NON_ALNUM_RE.sub("", written)
    digits = _NON_DIGIT_RE.sub("", squashed).lstrip("0")
    # _significant(written) is _significant(squashed): both count letters and digits
    tokens = {written, squashed} if len(squashed.lstrip("0")) >= MIN_TOKEN_CHARS else set()
    if len(digits) >= MIN_TOKEN_CHARS:
        tokens.add(digits)
    return frozenset(tokens)


# the fewest digits a voucher number needs for one typed wrong to still tell it: fewer,
# and a neighbouring invoice's number or any other number of the purpose is one typo off
_MISTYPED_FROM = 6

# "2. Rate", "Rate 2", "2.Rate", "Rate 2/3": the instalment a purpose says it pays
_STATED_RATE = re.compile(
    r"(?<![\w.])(\d{1,2})\s*\.\s*rate\b|\brate\s+(\d{1,2})(?!\d|[.,]\d)", re.IGNORECASE
)


# „Ratenzahlung ZA-25-0123 2/3“, „Teilzahlung 1/2“: the instalment as a fraction of
# the plan's (of at most twelve: „05/25“ is a month)
_RATE_WORD = re.compile(r"\b(?:raten|teil)zahlung\b", re.IGNORECASE)
_RATE_FRACTION = re.compile(r"(?<![\d/.,])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/.,])")
_MOST_RATES = 12


def stated_rate(remittance: str) -> int | None:
    """The instalment a purpose says it pays („2. Rate ZA-24-0068“, „Rate 1 Rechnung
    Huber“, „Rate 3/4“, „Ratenzahlung ZA-25-0123 2/3“: 2, 1, 3, 2), None where it says
    none or several."""
    found = {int(a or b) for a, b in _STATED_RATE.findall(remittance)}
    if _RATE_WORD.search(remittance):
        found.update(
            int(k)
            for k, n in _RATE_FRACTION.findall(remittance)
            if 1 <= int(k) <= int(n) <= _MOST_RATES and int(n) >= 2
        )
    if len(found) != 1:
        return None
    (rate,) = found
    return rate if rate >= 1 else None


def mistyped_number(number: str, remittance: str) -> str | None:
    """The number of ``remittance`` (as written) that is the voucher ``number`` typed
    wrongly — two neighbouring digits swapped („RE-2024-00026“ for „RE-2024-00062“) or
    one digit wrong („RE-2023-00142“ for „RE-2024-00142“) — compared by their digits
    without leading zeros, of at least :data:`_MISTYPED_FROM`; None where it writes no
    such number (nor where it writes the number itself: that is a reference)."""
    wanted = _NON_DIGIT_RE.sub("", number).lstrip("0")
    if len(wanted) < _MISTYPED_FROM:
        return None
    spaced = normalise_text(remittance)
    glued = _WHITESPACE_RE.sub("", spaced)
    for written in (*_CHUNK_RE.findall(spaced), *_DIGIT_RUN_RE.findall(glued)):
        digits = _NON_DIGIT_RE.sub("", written).lstrip("0")
        if digits == wanted:
            return None
        if len(digits) == len(wanted) and _one_typo(digits, wanted):
            return str(written)
    return None


# a voucher number's shape: its letters, then digit groups; at least this many digits
_SHAPED_FROM = 4
_SHAPE_TOKEN_RE = re.compile(r"[A-Z]+|[0-9]+")


@lru_cache(maxsize=1024)
def _shape_re(shape: tuple[str, ...]) -> re.Pattern[str]:
    """The pattern of numbers written in ``shape`` (the letters as they are, each digit
    group by its length), separators between the parts optional."""
    parts = [p if p.isalpha() else rf"[0-9]{{{len(p)}}}" for p in shape]
    return re.compile(r"(?<![A-Z0-9])" + r"[-/. ]?".join(parts) + r"(?![0-9])")


def series_key(number: str) -> str | None:
    """A voucher number as :func:`another_number` compares numbers of one series: its
    letters and its digits without leading zeros („ZA-24-0098“ → ``ZA 240098``); None
    for a number not starting with letters or holding fewer than
    :data:`_SHAPED_FROM` digits."""
    shape = tuple(_SHAPE_TOKEN_RE.findall(number.upper()))
    digits = "".join(p for p in shape if p.isdigit())
    if len(shape) < 2 or not shape[0].isalpha() or len(digits) < _SHAPED_FROM:
        return None
    return f"{shape[0]} {digits.lstrip('0')}"


def another_number(
    number: str, remittance: str, known: Callable[[str], bool] = lambda key: False
) -> bool:
    """Whether ``remittance`` writes one number in the shape of the voucher ``number`` —
    its letters, then digit groups of its lengths („ZA-23-1074“, „ZA240228“ for
    ``ZA-24-0147``) —, and that is not the number: the line pays another voucher of the
    series. A number one digit off (:func:`mistyped_number`) is the voucher's typed
    wrongly, unless it is another voucher's (``known``: whether a :func:`series_key` is
    one of the run's vouchers: „Rg. ZA-24-0141“ is the neighbouring invoice's, not
    ZA-24-0148's). A line listing several (a billing service's advice, a collective
    transfer) may pay more than it lists. Only for numbers that start with letters and
    hold :data:`_SHAPED_FROM` digits or more (a number of digits alone has the shape of
    every amount and date). The text is read with its line breaks dropped (a bank
    wraps a purpose mid-word)."""
    own = series_key(number)
    if own is None:
        return False
    shape = tuple(_SHAPE_TOKEN_RE.findall(number.upper()))
    text = remittance.upper().replace("\n", "")
    if shape[0] not in text:
        return False
    written = {_NON_DIGIT_RE.sub("", w).lstrip("0") for w in _shape_re(shape).findall(text)}
    if len(written) != 1:
        return False
    (found,) = written
    wanted = own.partition(" ")[2]
    if found == wanted:
        return False
    if len(found) == len(wanted) and _one_typo(found, wanted):
        return known(f"{shape[0]} {found}")
    return True


def _one_typo(a: str, b: str) -> bool:
    """Whether two digit strings of one length differ by one digit or by one swap of
    neighbouring digits."""
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(differ) == 1:
        return True
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and a[differ[1]] == b[differ[0]]
    )


def voucher_short_number(number: str) -> str | None:
    """The voucher's running number without leading zeros (``RE-2024-0042`` → ``42``)."""
    groups = _DIGITS_RE.findall(number)
    if not groups:
        return None
    tail = groups[-1].lstrip("0")
    return tail or None


def chunk_tokens(chunk: str) -> tuple[str, str]:
    """A chunk found with spaces: as written and squashed."""
    return chunk, squash(chunk)


def digit_run_token(run: str) -> str:
    """A digit run found without spaces: separators dropped, leading zeros stripped."""
    return squash(run).lstrip("0")


def text_reference_tokens(remittance: str) -> frozenset[str]:
    """All reference tokens of a (raw) remittance text, both readings combined."""
    spaced = normalise_text(remittance)
    glued = _WHITESPACE_RE.sub("", spaced)
    tokens: set[str] = set()
    for chunk in _CHUNK_RE.findall(spaced):
        tokens.update(chunk_tokens(chunk))
    for run in _DIGIT_RUN_RE.findall(glued):
        tokens.add(digit_run_token(run))
    return frozenset(t for t in tokens if _significant(t))


def customer_numbers_written(remittance: str) -> frozenset[str]:
    """The numbers a purpose writes as a customer number („Kd 10218“, „Kunde 67735“,
    „Kd-Nr. 75410“), upper-cased: they name the customer, not a voucher that happens to
    bear the number."""
    return frozenset(_CUSTOMER_NUMBER_RE.findall(normalise_text(remittance)))


def text_short_numbers(remittance: str) -> frozenset[str]:
    """Numbers written right after an invoice keyword (``Rechnung 42``, ``RG-NR. 0042``)."""
    spaced = normalise_text(remittance)
    return frozenset(n.lstrip("0") for n in _SHORT_NUMBER_RE.findall(spaced) if n.strip("0"))


@dataclass(frozen=True, slots=True)
class SepaFields:
    """SEPA keyword fields of a remittance, and the purpose with the keywords removed."""

    fields: dict[str, str]
    purpose: str


def extract_sepa_fields(remittance: str) -> SepaFields:
    """Split ``EREF+… SVWZ+…`` style remittances into fields (text is normalised)."""
    text = normalise_text(remittance).replace("\n", " ")
    parts = _SEPA_RE.split(text)
    if len(parts) == 1:
        return SepaFields(fields={}, purpose=text.strip())
    fields: dict[str, str] = {}
    purpose = [parts[0].strip()]
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        fields[key] = value.strip()
        if key in ("SVWZ", "ABWA"):
            purpose.append(value.strip())
    return SepaFields(fields=fields, purpose=" ".join(p for p in purpose if p))


def compact_identifier(value: str) -> str:
    """An identifier (an IBAN, a creditor id, a voucher number or a purpose it is looked
    for in) without whitespace, upper case."""
    return "".join(value.split()).upper()


def is_valid_mod97_reference(reference: str) -> bool:
    """ISO 7064 mod 97-10 check of an ISO 11649 ``RF`` creditor reference."""
    compact = compact_identifier(reference)
    if not re.fullmatch(r"RF[0-9]{2}[A-Z0-9]{1,21}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


# Legal forms and words that say nothing about who paid; longest first.
_LEGAL_FORMS = (
    r"UG \(HAFTUNGSBESCHRAENKT\)",
    r"GMBH & CO\.? KGAA",
    r"GMBH & CO\.? KG",
    r"& CO\.? KG",
    r"GMBH",
    r"MBH",
    r"KGAA",
    r"E\.\s?K\.",
    r"E\.\s?V\.",
    r"OHG",
    r"GBR",
    r"AG",
    r"KG",
    r"UG",
    r"SE",
    r"LTD",
    r"INC",
    r"& CO\.?",
)
_LEGAL_RE = re.compile(r"(?<![A-Z0-9])(?:" + "|".join(_LEGAL_FORMS) + r")(?![A-Z0-9])")
# Card acquirers append a thank-you, a city or a terminal number to the merchant.
_CARD_WORD = (
    r"\b(?:SAGT DANKE|DANKT|VIELEN DANK|FILIALE|FIL\.?|NR\.?|KARTENZAHLUNG|"
    r"GIROCARD|VISA|MASTERCARD|DEBITK\.?)\b"
)
_CARD_SUFFIX_RE = re.compile(_CARD_WORD + ".*$")
_CARD_WORD_RE = re.compile(_CARD_WORD)
_PUNCT_RE = re.compile(r"[^A-Z0-9 ]+")
# names joined by a character no pattern of a name reads (not a letter, digit or space)
_NAME_JOIN = "\x00"
_PUNCT_JOINED_RE = re.compile(r"[^A-Z0-9 \x00]+")
_STOP_WORDS = frozenset({"DER", "DIE", "DAS", "UND", "VON", "FUER", "THE", "AND", "CO"})


# The legal forms that tell firms of one name apart, each a bit of its kind: a GmbH &
# Co. KG is both a GmbH and a KG (written as either), a UG is a GmbH in the making (its
# contact may still say UG after it became one), an SE is an AG (SAP AG became SAP SE).
_FORM_BITS = {
    "GMBH": 1,
    "GGMBH": 1,
    "MBH": 1,
    "UG": 1,
    "KG": 2,
    "AG": 4,
    "SE": 4,
    "KGAA": 8,
    "OHG": 16,
    "GBR": 32,
    "EK": 64,
    "EKFM": 64,
    "EKFR": 64,
    "EV": 128,
    "LTD": 256,
    "INC": 512,
    "PARTG": 1024,
    "PARTGMBB": 1024,
}
_FORM_RE = re.compile(
    r"(?<![A-Z0-9])(GG?MBH|MBH|UG|KGAA|KG|AG|SE|OHG|GBR|LTD|INC|PARTG(?:MBB)?"
    r"|E\. ?K(?:FM|FR)?\.?|E\. ?V\.?)(?![A-Z0-9]|\.[A-Z0-9])"
)


@lru_cache(maxsize=65536)
def legal_forms(name: str) -> int:
    """The bits (``_FORM_BITS``) of the legal forms a name writes („Würth GmbH & Co.
    KG“: a GmbH and a KG; „Weiß Bau e.K.“: an e.K.), 0 for none (a person, a firm
    named without its form). A form runs on into no letter or digit, nor into a dot
    before one: „Böhm Systemhau se.K.“ (a space moved) writes no SE (held-out
    synthetic seed 3206)."""
    bits = 0
    for found in _FORM_RE.findall(normalise_text(name)):
        bits |= _FORM_BITS[found.replace(".", "").replace(" ", "")]
    return bits


def legal_forms_differ(a: str, b: str) -> bool:
    """Whether both names write a legal form and no kind is the same: „HANDEL WERNER AG“
    is another firm than Handel Werner GmbH & Co. KG, „BUSCH VERLAG AG“ than Verlag
    Busch GbR (held-out synthetic seeds 3203 and 3214: their lines of the exact amount
    were linked by the name alone). „HOLZHANDEL WOLFF GMBH“ is Holzhandel Wolff GmbH &
    Co. KG, „WERKZEUG FUCHS“ Werkzeug Fuchs GmbH."""
    first, second = legal_forms(a), legal_forms(b)
    return bool(first and second and not first & second)


def normalise_name(name: str) -> str:
    """Counterparty name without legal forms, card suffixes and punctuation."""
    text = normalise_text(name)
    text = _LEGAL_RE.sub(" ", text)
    text = _CARD_SUFFIX_RE.sub(" ", text)
    text = _PUNCT_RE.sub(" ", text)
    words = [w for w in text.split() if w not in _STOP_WORDS]
    return " ".join(words)


def family_word(name: str) -> str:
    """The word of a person's name that is the family name, as written ("Sabine Böhm",
    "Böhm, Sabine" → "Böhm"): the last word, or where a comma parts the name, the last
    word before it."""
    last, comma, first = name.partition(",")
    words = (last if comma and first.strip() else name).split()
    return words[-1].strip(",") if words else ""


def family_name(name: str) -> str | None:
    """A person's family name as :func:`normalise_name` spells it ("Sabine Böhm" →
    ``BOEHM``; :func:`family_word`), of three letters or more; None for a firm (a legal
    form in the name) or a name of a single word."""
    if _LEGAL_RE.search(normalise_text(name)) or len(normalise_name(name).split()) < 2:
        return None
    words = normalise_name(family_word(name)).split()
    return words[-1] if words and len(words[-1]) >= 3 else None


def payer_names(names: Sequence[str]) -> list[str]:
    """Each statement line's payer as matching reads it: a card payment's merchant
    without the place the bank writes after it (girocard and Debit Mastercard lines
    name „METRO//Freiburg/DE“, „REWE Markt GmbH//Berlin/DE“: the merchant, two slashes,
    the city and the country), every other name as it is."""
    return [name.partition("//")[0].rstrip() if "//" in name else name for name in names]


# the words of an account holder that may write a name abbreviated (2–5 letters), and
# the name's words an abbreviation may leave out (connecting words: „zu“, „im“)
_ABBREVIATION_LETTERS = range(2, 6)
_CONNECTING_LETTERS = 3


def abbreviates(holder: str, name: str) -> bool:
    """Whether the account holder ``holder`` writes ``name`` abbreviated, as public
    bodies' accounts do: each of the holder's words is one of the name's words, or
    stands for one or more of them in turn — of each, its first letter and then
    letters of it in their order („LZK“ for Landeszahnärztekammer, „BW“ for
    Baden-Württemberg, „DRV“ for Deutsche Rentenversicherung, „HWK“ for
    Handwerkskammer) —, all the name's words covered in their order but connecting
    words of up to three letters („zu“); at least one word abbreviated, of two to five
    letters and no digit. „LZK BW“ abbreviates „Landeszahnärztekammer
    Baden-Württemberg“; „LZK“ alone, „MB BAU“ for „Müller Bau“ and „LZK BW“ for
    „Landesbank Baden-Württemberg“ do not."""
    tokens = normalise_name(holder).split()
    words = normalise_name(name).split()
    if not tokens or len(words) > 8 or tokens == words:
        return False

    @cache
    def covers(i: int, j: int, abbreviated: bool) -> bool:
        if i == len(tokens):
            rest = words[j:]
            return abbreviated and all(len(w) <= _CONNECTING_LETTERS for w in rest)
        if j == len(words):
            return False
        if len(words[j]) <= _CONNECTING_LETTERS and covers(i, j + 1, abbreviated):
            return True
        token = tokens[i]
        if token == words[j] and covers(i + 1, j + 1, abbreviated):
            return True
        if len(token) not in _ABBREVIATION_LETTERS or not token.isalpha():
            return False
        return any(
            covers(i + 1, k, True)
            for k in range(j + 1, min(len(words), j + len(token)) + 1)
            if _stands_for(token, words[j:k])
        )

    return covers(0, 0, False)


def initialled(holder: str, name: str) -> bool:
    """Whether the account holder ``holder`` writes the person ``name`` with its given
    names as initials, as banks print a holder's name: „T. Groß“ or „Groß, T.“ for
    Thomas Groß, „K.-H. Fischer“ and „K. Fischer“ for Karl-Heinz Fischer — the
    family name (:func:`family_name`) once and, for the other words, in any place,
    single letters that are the first letters of the given names in their order, the
    first one at least.
    „M. Pfeiffer“ for Hans Pfeiffer (a relative), „T. Groß GmbH“ and a holder with the
    given name in full (:class:`SamePayer` judges those) do not."""
    family = family_name(name)
    if family is None or _LEGAL_RE.search(normalise_text(holder)):
        return False
    tokens = normalise_name(holder).split()
    letters = [t for t in tokens if t != family]
    if not letters or len(letters) != len(tokens) - 1 or any(len(t) != 1 for t in letters):
        return False
    words = normalise_name(name).split()
    given = [w[0] for w in words if w != family]
    return given[: len(letters)] == letters


def letters_swapped(holder: str, name: str) -> bool:
    """Whether the account holder ``holder`` writes ``name`` with two neighbouring
    letters of one word swapped, every other word as written, or with a space moved
    or left out: a name typed into a transfer („Hahn Cnosulting GmbH“ for Hahn
    Consulting GmbH, „Steni Handel GbR“, „Baue rCatering GmbH“). Only in a word of four
    letters or more; a letter changed, added or left out makes another name („Maier“
    for Meier, „Schmidt“ for Schmid) and is not read so."""
    mine, theirs = normalise_text(holder).split(), normalise_text(name).split()
    if mine != theirs and "".join(mine) == "".join(theirs):
        return True
    if len(mine) != len(theirs):
        return False
    differ = [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]
    if len(differ) != 1:
        return False
    a, b = differ[0]
    if len(a) != len(b) or len(a) < 4:
        return False
    i = next(k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    return (
        i + 1 < len(a)
        and a[i : i + 2].isalpha()
        and a[i] == b[i + 1]
        and a[i + 1] == b[i]
        and a[i + 2 :] == b[i + 2 :]
    )


def _stands_for(token: str, words: Sequence[str]) -> bool:
    """Whether ``token`` splits into one part per word, each the word's first letter
    and then letters of the word in their order."""
    if len(words) == 1:
        word = words[0]
        if token[0] != word[0] or token == word:
            return False
        rest = iter(word[1:])
        return all(letter in rest for letter in token[1:])
    return any(
        _stands_for(token[:cut], words[:1]) and _stands_for(token[cut:], words[1:])
        for cut in range(1, len(token) - len(words) + 2)
    )


def normalise_names(names: Sequence[str]) -> list[str]:
    """:func:`normalise_name` of each name (the same strings), for many names: they are
    joined by a NUL, which no pattern reads across, and each step runs once over all;
    only the few names with a card word have their suffix cut one by one."""
    joined = _NAME_JOIN.join(names)
    if not names or joined.count(_NAME_JOIN) != len(names) - 1:  # a name holds a NUL
        return list(map(normalise_name, names))
    joined = _LEGAL_RE.sub(" ", normalise_text(joined))
    carded = [m.start() for m in _CARD_WORD_RE.finditer(joined)]
    if carded:
        texts = joined.split(_NAME_JOIN)
        starts = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
        for i in {bisect_right(starts, at) - 1 for at in carded}:
            texts[i] = _CARD_SUFFIX_RE.sub(" ", texts[i])
        joined = _NAME_JOIN.join(texts)
    words = _PUNCT_JOINED_RE.sub(" ", joined).replace(_NAME_JOIN, f" {_NAME_JOIN} ").split()
    kept = " ".join(filterfalse(_STOP_WORDS.__contains__, words))
    return list(map(str.strip, kept.split(_NAME_JOIN)))


def written_day(day: str, month: str, year: str) -> date:
    """The date a purpose writes as digits ("25.01.2024", "05.02.24": a two-digit year
    is this century's); ``ValueError`` where no such day exists ("31.02.2024")."""
    return date(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day))


# "abzgl. Entgelte 3,33", "abzüglich Gebühren 1.234,50 EUR", "abzgl. Disagio EUR 7,10"
_STATED_FEE = re.compile(
    r"(?:abzgl\.?|abz(?:ü|ue)glich)\s+(?:der\s+|des\s+)?"
    r"(?:entgelte?|geb(?:ü|ue)hre?n?|disagio|provision(?:en)?|servicegeb(?:ü|ue)hre?n?)"
    r"\s*:?\s*(?:eur\s*)?(\d{1,3}(?:\.\d{3})*,\d{2})(?!\d)",
    re.IGNORECASE,
)


# a return's purpose stating the banks' charges it carries: "ENTGELT 6,50 EUR",
# "Entgelt: 3,00 EUR", "GEBUEHR 6,50", "Entg. 3,00"
_RETURN_CHARGES = re.compile(
    r"\b(?:entgelte?|entg\.|geb(?:ü|ue)hre?n?)\s*:?\s*(?:eur\s*)?(\d{1,3},\d{2})(?!\d)",
    re.IGNORECASE,
)


def stated_return_charges(purpose: str) -> int | None:
    """The banks' charges in cents a return's purpose says its amount carries
    ("RUECKLASTSCHRIFT … ENTGELT 6,50 EUR"), if it states them."""
    found = _RETURN_CHARGES.search(purpose.replace("\n", " "))
    if found is None:
        return None
    euros, cents = found[1].split(",")
    return int(euros) * 100 + int(cents)


def stated_fee(purpose: str) -> int | None:
    """The fee in cents a payout's purpose says was kept back ("abzgl. Entgelte 3,33"),
    if it states one."""
    found = _STATED_FEE.search(purpose.replace("\n", " "))
    if found is None:
        return None
    euros, cents = found[1].replace(".", "").split(",")
    return int(euros) * 100 + int(cents)
