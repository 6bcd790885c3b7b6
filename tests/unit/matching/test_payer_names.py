"""The cached, bulk judgement of payer names equals judging each pair alone."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from belegsync.matching.payer_names import SamePayer, processed, processed_names, same_payer

WORDS = ("Lindenhof", "GbR", "H.", "Albrecht", "Müller", "Mueller", "Bau", "GmbH", "Lindenhöfe", "")
CUTOFF = 95.0

names = st.lists(st.sampled_from(WORDS), min_size=0, max_size=4).map(" ".join)


def _judge(judge: SamePayer, pairs: list[tuple[str, str]]) -> list[bool]:
    contacts = sorted({c for c, _ in pairs})
    payers = sorted({p for _, p in pairs})
    left = np.array([contacts.index(c) for c, _ in pairs], dtype=np.int64)
    right = np.array([payers.index(p) for _, p in pairs], dtype=np.int64)
    found: list[bool] = judge.judge(contacts, payers, left, right).tolist()
    return found


def test_a_shared_word_and_the_bar_decide() -> None:
    judge = SamePayer(CUTOFF)
    pairs = [
        ("Lindenhof GbR", "GbR Lindenhof"),
        ("Lindenhof GbR", "Bau GmbH"),
        ("Lindenhof GbR", "Mueller"),
        ("", "Lindenhof"),
        ("Bau GmbH", ""),
    ]
    assert _judge(judge, pairs) == [True, False, False, False, False]
    assert _judge(judge, []) == []


@given(st.lists(st.tuples(names, names), max_size=12), st.lists(st.tuples(names, names)))
def test_bulk_judgement_equals_each_pair_alone(
    first: list[tuple[str, str]], second: list[tuple[str, str]]
) -> None:
    judge = SamePayer(CUTOFF)  # one judge for several calls, as in a run (cached words)
    for pairs in (first, second):
        assert _judge(judge, pairs) == [same_payer(c, p, CUTOFF) for c, p in pairs]


def test_with_more_contact_words_than_mask_bits_the_words_are_compared() -> None:
    # 130 contact words: words 64 apart share a bit of the mask, not a word
    contacts = [f"Wort{i} GmbH" for i in range(130)]
    payers = ["WORT0 GMBH", "Wort64 Bau", "Wort1", "Wort65 Wort129", "Bau", "wort3 gmbh & co"]
    pairs = [(c, p) for c in contacts for p in payers]
    judge = SamePayer(CUTOFF)
    expected = [same_payer(c, p, CUTOFF) for c, p in pairs]
    assert _judge(judge, pairs) == expected
    assert any(expected) and not all(expected)


def test_names_are_read_as_full_scoring_reads_them() -> None:
    # a bank spells umlauts out; the long legal form made two firms look alike (held-out
    # synthetic seed 99: Schreiber's refund hid Schneider's invoice from the external list)
    pairs = [
        ("Groß Bäckerei KG", "GROSS BAECKEREI KG"),
        ("Möller & Krüger UG (haftungsbeschränkt)", "MOELLER & KRUEGER UG (HAFTUNGSBESCHRAENKT)"),
        ("Schneider Energie UG (haftungsbeschränkt)", "SCHREIBER ENERGIE UG (HAFTUNGSBESCHRÄNKT)"),
    ]
    assert _judge(SamePayer(CUTOFF), pairs) == [True, True, False]
    assert [same_payer(c, p, CUTOFF) for c, p in pairs] == [True, True, False]


@given(st.lists(st.text(alphabet="aäÄöÖüÜßẞ ÉéıſﬆGmbH&.\x00", max_size=12), max_size=8))
def test_names_processed_together_equal_each_alone(raw: list[str]) -> None:
    assert processed_names(raw) == [processed(name) for name in raw]
