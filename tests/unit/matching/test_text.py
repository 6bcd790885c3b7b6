from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from belegsync.domain.matching_text import (
    compact_identifier,
    customer_numbers_written,
    extract_sepa_fields,
    family_name,
    family_word,
    is_valid_mod97_reference,
    legal_forms,
    legal_forms_differ,
    letters_swapped,
    normalise_name,
    normalise_names,
    normalise_text,
    text_reference_tokens,
    text_short_numbers,
    voucher_reference_tokens,
    voucher_short_number,
)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Müller", "MUELLER"),
        ("Straße", "STRASSE"),
        ("Öl & Übel", "OEL & UEBEL"),
        ("A\u0308rger", "AERGER"),  # decomposed umlaut → NFC first
        ("plain", "PLAIN"),
    ],
)
def test_normalise_text(raw: str, normalised: str) -> None:
    assert normalise_text(raw) == normalised


@pytest.mark.parametrize(
    ("number", "tokens"),
    [
        ("RE-2024-0042", {"RE-2024-0042", "RE20240042", "20240042"}),
        ("RE20240042", {"RE20240042", "20240042"}),
        ("10042", {"10042"}),
        ("2024/0042", {"2024/0042", "20240042"}),
        ("R-0001", {"R-0001", "R0001"}),  # digits-only "1" is too short
        ("A-12", set()),
        ("re 2024 0042", {"RE20240042", "20240042"}),
    ],
)
def test_voucher_reference_tokens(number: str, tokens: set[str]) -> None:
    assert voucher_reference_tokens(number) == tokens


@pytest.mark.parametrize(
    ("remittance", "number", "hit"),
    [
        ("RE-2024-0042", "RE-2024-0042", True),
        ("re-2024-0042 vielen dank", "RE-2024-0042", True),
        ("RE20240042", "RE-2024-0042", True),
        ("Rechnung 2024/0042", "RE-2024-0042", True),
        ("Verwendungszweck RE-2024-00\n42 Danke", "RE-2024-0042", True),  # 27-char cut
        ("Rechnung RE-2024-004", "RE-2024-0042", False),  # cut mid-token
        ("Rechnung 42", "RE-2024-0042", False),  # short number: not a token
        ("RE-2024-0043", "RE-2024-0042", False),
        ("Kd 4711 Rechnungen 10042, 10043", "10042", True),
        ("Betrag 1.234,56", "123456", False),
        ("EREF+123 SVWZ+RE 10042", "10042", True),
    ],
)
def test_reference_hits(remittance: str, number: str, hit: bool) -> None:
    found = voucher_reference_tokens(number) & text_reference_tokens(remittance)
    assert bool(found) is hit


def test_short_numbers_need_a_keyword() -> None:
    assert voucher_short_number("RE-2024-0042") == "42"
    assert voucher_short_number("ABC") is None
    assert text_short_numbers("Rechnung 42 vom 3.4.") == {"42"}
    assert text_short_numbers("RG-NR. 0042") == set() or "42" in text_short_numbers("RG NR. 0042")
    assert text_short_numbers("Rg. 0042") == {"42"}
    assert text_short_numbers("Miete 42") == set()
    assert text_short_numbers("RE-2024-0042") == set()


def test_sepa_fields_are_extracted_and_stripped() -> None:
    fields = extract_sepa_fields("EREF+E2E-1 MREF+M-7 CRED+DE98ZZZ09999999999 SVWZ+RE 10042")
    assert fields.fields["EREF"] == "E2E-1"
    assert fields.fields["MREF"] == "M-7"
    assert fields.fields["CRED"] == "DE98ZZZ09999999999"
    assert fields.purpose == "RE 10042"
    assert extract_sepa_fields("Miete März").purpose == "MIETE MAERZ"


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Müller Bau GmbH", "MUELLER BAU"),
        ("MUELLER BAU GMBH & CO. KG", "MUELLER BAU"),
        ("Schmidt UG (haftungsbeschränkt)", "SCHMIDT"),
        ("Weber e.K.", "WEBER"),
        ("REWE SAGT DANKE. 12345//BERLIN/DE", "REWE"),
        ("Koch & Partner GbR", "KOCH PARTNER"),
        ("Die Druckerei AG", "DRUCKEREI"),
    ],
)
def test_normalise_name(name: str, normalised: str) -> None:
    assert normalise_name(name) == normalised


def test_identifiers_and_rf_check() -> None:
    assert compact_identifier("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert is_valid_mod97_reference("RF18 5390 0754 7034")
    assert not is_valid_mod97_reference("RF19 5390 0754 7034")
    assert not is_valid_mod97_reference("XX18")


# pieces of names: legal forms, card words, stop words, umlauts, combining marks,
# punctuation, line breaks and the NUL the names are joined by
NAME_PIECES = st.sampled_from(
    (
        "Müller",
        "Bau",
        "GmbH",
        "& Co. KG",
        "e.\nK.",
        "e. V.",
        "UG (haftungsbeschränkt)",
        "SAGT DANKE",
        "Fil.",
        "Nr.",
        "VISA",
        "und",
        "der",
        "A\u0308",
        "ß",
        "-",
        "/",
        ".",
        " ",
        "\n",
        "\x00",
        "42",
        "Σ",
        "\u0301",
        "ǅ",
    )
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(NAME_PIECES, max_size=6).map("".join), max_size=8))
def test_normalise_names_equal_each_name_alone(names: list[str]) -> None:
    assert normalise_names(names) == [normalise_name(name) for name in names]


@pytest.mark.parametrize(
    ("name", "word", "family"),
    [
        ("Sabine Böhm", "Böhm", "BOEHM"),
        # the family name first, as many lists write it
        ("Böhm, Sabine", "Böhm", "BOEHM"),
        ("Dr. Hannah Kühn", "Kühn", "KUEHN"),
        ("Monika Müller-Lüdenscheidt", "Müller-Lüdenscheidt", "LUEDENSCHEIDT"),
        # a firm, one word, a family name of two letters: none
        ("Müller Bau GmbH", "GmbH", None),
        ("Hofladen GbR Lindenhof", "Lindenhof", None),
        ("Kaya", "Kaya", None),
        ("Ng, Li", "Ng", None),
    ],
)
def test_family_name(name: str, word: str, family: str | None) -> None:
    assert family_word(name) == word
    assert family_name(name) == family


@pytest.mark.parametrize(
    ("purpose", "numbers"),
    [
        ("Sammelzahlung Kd 10218", {"10218"}),
        ("Rg.Nr. 2024/0592 Kunde 67735 Danke", {"67735"}),
        ("Kd-Nr. 75410", {"75410"}),
        ("Kundennummer: 24642", {"24642"}),
        ("SVWZ+RE 2024/0485 KD 67735", {"67735"}),
        ("Rechnung 10218", set()),
        ("Kunde Müller 123", set()),  # a name, not a number, after the keyword
    ],
)
def test_customer_numbers_written(purpose: str, numbers: set[str]) -> None:
    assert customer_numbers_written(purpose) == numbers


@pytest.mark.parametrize(
    ("holder", "name", "swapped"),
    [
        ("Hahn Cnosulting GmbH", "Hahn Consulting GmbH", True),
        ("STENI HANDEL GBR", "Stein Handel GbR", True),
        ("Baue rCatering GmbH & Co. KG", "Bauer Catering GmbH & Co. KG", True),  # a space moved
        ("DieterSchulz", "Dieter Schulz", True),  # left out
        ("Maier Bau", "Meier Bau", False),  # a letter changed: another name
        ("Schmidt GbR", "Schmid GbR", False),  # one added
        ("Ab Bau", "Ba Bau", False),  # a word of two letters
        ("Bau 2104", "Bau 2014", False),  # digits
        ("Hahn Consulting GmbH", "Hahn Consulting GmbH", False),  # the same name
    ],
)
def test_letters_swapped(holder: str, name: str, swapped: bool) -> None:
    assert letters_swapped(holder, name) is swapped


# the letters of legal forms, their punctuation and what banks write around them
_FORM_TEXT = st.text(alphabet=st.sampled_from(list("GMBHUKAEVSORLTDINCPg.&+() äßÜ\n\t\u00a0")))


@settings(max_examples=500)
@given(st.one_of(_FORM_TEXT, st.text()), st.one_of(_FORM_TEXT, st.text()))
def test_any_names_are_read_for_legal_forms_alike_both_ways(a: str, b: str) -> None:
    # whatever a bank or a person writes as a name: a number of bits, never an error,
    # and two names differ in their forms both ways or neither
    assert legal_forms(a) >= 0
    assert legal_forms_differ(a, b) is legal_forms_differ(b, a)
    assert not legal_forms_differ(a, a)
