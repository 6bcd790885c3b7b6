"""The keys stored with each bank line: stable across processes, exact where they rule
something out."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from belegsync.domain.line_keys import (
    NO_KEY,
    line_keys,
    processed_name,
    text_key,
    text_keys,
    word_mask,
    word_masks,
)

NAMES = st.sampled_from(
    [
        "",
        "Müller Bau GmbH",
        "MUELLER BAU GMBH",
        "Groß Bäckerei KG",
        "GROSS BAECKEREI KG",
        "Schreiber Energie UG (haftungsbeschränkt)",
        "Dr. Anna Schulz",
        "-",
        "ÄÖÜ ẞ",
        "\udcff lone surrogate",
    ]
) | st.text(max_size=30)


def test_a_key_is_the_same_in_every_process() -> None:
    """Python's own string hash changes with each start; a stored key must not."""
    code = (
        "from belegsync.domain.line_keys import text_key; print(text_key('DE02120300000000202051'))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert runs == {str(text_key("DE02120300000000202051"))}


def test_an_empty_text_has_the_key_no_other_text_has() -> None:
    assert text_key("") == NO_KEY
    assert text_keys(["", "A", ""]).tolist() == [NO_KEY, text_key("A"), NO_KEY]


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_a_key_is_a_signed_64_bit_integer_never_0(value: str) -> None:
    key = text_key(value)
    assert key != NO_KEY
    assert -(1 << 63) <= key < (1 << 63)


@settings(max_examples=300, deadline=None)
@given(NAMES, NAMES)
def test_names_sharing_a_word_share_a_bit(first: str, second: str) -> None:
    """The mask only rules out: names whose words meet always share a bit, so a pair
    whose masks share none truly shares no word (``SamePayer``'s first rule)."""
    shared = set(processed_name(first).split()) & set(processed_name(second).split())
    if shared:
        assert word_mask(first) & word_mask(second)
    if not word_mask(first) & word_mask(second):
        assert not shared


def test_a_name_without_words_has_no_bits() -> None:
    assert word_mask("") == 0
    assert word_mask(" - / ") == 0
    assert word_masks(["", "Müller"]).tolist() == [0, word_mask("MUELLER")]


def test_umlauts_are_spelled_out_as_banks_write_them() -> None:
    assert word_mask("Groß Bäckerei KG") == word_mask("GROSS BAECKEREI KG")
    # the name key keys the name as written: the two are different texts
    assert (
        line_keys("Groß Bäckerei KG", None, None, 100).name
        != line_keys("GROSS BAECKEREI KG", None, None, 100).name
    )


def test_the_keys_of_a_stored_line_are_those_matching_reads() -> None:
    """Accounts keyed compacted; the creditor id only on money out (on money in it is
    the client's own)."""
    debit = line_keys("Stadtwerke", "de02 1203 0000 0000 2020 51", "de98zzz09999999999", -500)
    assert debit.iban == text_key("DE02120300000000202051")
    assert debit.creditor == text_key("DE98ZZZ09999999999")
    credit = line_keys(None, None, "DE98ZZZ09999999999", 500)
    assert (credit.name, credit.words, credit.iban, credit.creditor) == (NO_KEY, 0, NO_KEY, NO_KEY)
