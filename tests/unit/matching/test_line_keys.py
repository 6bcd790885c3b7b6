"""What matching reads of a line's texts, worked out once and stored: stable across
processes, exact where it rules something out, and the same as searching the texts."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from belegsync.domain.matching_text import payer_names
from belegsync.matching.line_keys import (
    KEYS_VERSION,
    NO_KEY,
    marker_mask,
    marks,
    name_words,
    text_key,
    text_keys,
    word_mask,
    word_masks,
)
from belegsync.matching.line_marks import LINE_MARKERS, RETURN_MARKERS
from belegsync.matching.periods import (
    MONTH_ALONE,
    MONTH_IN_DATE,
    MONTH_NAMED,
    QUARTER,
    month_label,
    period_tokens,
    quarter_label,
    token_parts,
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
PURPOSES = st.lists(
    st.sampled_from(
        [
            "Rücklastschrift",
            "SEPA-LASTSCHRIFTEN ANZAHL 3",
            "paypal auszahlung",
            "Sammelüberweisung",
            "Umsatz abzüglich Gebühr",
            "Anzahlung Feier",
            "RE 2024-0042",
            "ſtorno",  # long s upper-cases to S
            "\x1f",
            "",
            "x",
        ]
    ),
    max_size=4,
).map(" ".join) | st.text(max_size=40)


def test_a_key_is_the_same_in_every_process() -> None:
    """Python's own string hash changes with each start; a stored key must not."""
    code = (
        "from belegsync.matching.line_keys import text_key; "
        "print(text_key('DE02120300000000202051'))"
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
    whose masks share none truly shares no word (``SamePayer``'s first rule). The words
    joining a name's parts („u“, „und“) are no words (``name_words``)."""
    shared = set(name_words(first)) & set(name_words(second))
    if shared:
        assert word_mask(first) & word_mask(second)
    if not word_mask(first) & word_mask(second):
        assert not shared


def test_a_name_without_words_has_no_bits() -> None:
    assert word_mask("") == 0
    assert word_mask(" - / ") == 0
    assert word_masks(["", "Müller"]).tolist() == [0, word_mask("MUELLER")]
    # umlauts spelled out as banks write them
    assert word_mask("Groß Bäckerei KG") == word_mask("GROSS BAECKEREI KG")


@settings(max_examples=300, deadline=None)
@given(st.lists(PURPOSES, max_size=6))
def test_a_marker_bit_is_set_where_the_text_upper_cased_holds_the_marker(
    texts: list[str],
) -> None:
    """The stored bits say what searching the texts said (``TextBlob``: upper case,
    anywhere; a text holding the row separator is read with a space there)."""
    bits = marks(texts).tolist()
    for text, found in zip(texts, bits, strict=True):
        upper = text.replace("\x1f", " ").upper()
        for marker in LINE_MARKERS:
            assert bool(found & marker_mask([marker])) == (marker.decode() in upper), (
                text,
                marker,
            )


def test_a_return_is_marked_by_its_wording() -> None:
    returned, plain = marks(["RUECKLASTSCHRIFT MANDAT 17", "Miete März"]).tolist()
    assert returned & marker_mask(RETURN_MARKERS)
    assert plain == 0


def test_the_keys_version_names_the_markers_it_was_stored_with() -> None:
    """Stored bits mean the markers in this order: a change to ``LINE_MARKERS`` must come
    with a new ``KEYS_VERSION`` (then lines stored before are keyed again when read).
    Change both numbers below together."""
    fingerprint = hashlib.sha256(b"|".join(LINE_MARKERS)).hexdigest()[:16]
    assert (KEYS_VERSION, fingerprint) == (7, "b230578f29452ba2")


def test_the_keys_version_names_how_payer_names_are_read() -> None:
    """The name keys and word bits are of the payer as matching reads it: a card
    payment's merchant without its place (version 4; before, „METRO//Freiburg/DE“
    whole), and their word bits without the words joining a name's parts (version 5). A
    change to either must come with a new ``KEYS_VERSION``."""
    read = payer_names(["METRO//Freiburg/DE", "REWE Markt GmbH//Berlin/DE", "Anna Keller", ""])
    assert (KEYS_VERSION, read) == (7, ["METRO", "REWE Markt GmbH", "Anna Keller", ""])
    # the word bits leave out the words joining a name's parts (version 5)
    assert word_mask("BAEUERLE U. KRAEUTER") == word_mask("Bäuerle & Kräuter")
    assert word_mask("BAEUERLE UND KRAEUTER") == word_mask("BAEUERLE + KRAEUTER")


def test_the_keys_version_names_the_period_tokens_it_was_stored_with() -> None:
    """A stored period token means a code and a kind as ``period_tokens`` writes them
    today: a change to that encoding must come with a new ``KEYS_VERSION`` (version 7:
    the months named by their names)."""
    _, tokens = period_tokens(["Miete 02/2026, Q1/2026, Rechnung vom 12.03.2026, Mai"])
    assert (KEYS_VERSION, tokens.tolist()) == (7, [-97254, -97250, -97257, -32419, -20])
    kinds, codes = token_parts(tokens)
    # months first ("1/2026" of the quarter reads as a month too), then the quarter,
    # then the month named by its name (its code the month alone)
    assert kinds.tolist() == [MONTH_ALONE, MONTH_ALONE, MONTH_IN_DATE, QUARTER, MONTH_NAMED]
    assert list(map(month_label, codes[:3].tolist())) == ["02/2026", "01/2026", "03/2026"]
    assert quarter_label(int(codes[3])) == "Q1/2026"
    assert int(codes[4]) == 4  # May
