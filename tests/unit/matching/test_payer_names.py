"""The cached, bulk judgement of payer names equals judging each pair alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from belegsync.matching.payer_names import SamePayer, same_payer

WORDS = ("Lindenhof", "GbR", "H.", "Albrecht", "Müller", "Mueller", "Bau", "GmbH", "Lindenhöfe", "")
CUTOFF = 95.0

names = st.lists(st.sampled_from(WORDS), min_size=0, max_size=4).map(" ".join)


def test_a_shared_word_and_the_bar_decide() -> None:
    judge = SamePayer(CUTOFF)
    assert judge.any_of("Lindenhof GbR", {"GbR Lindenhof"})
    assert not judge.any_of("Lindenhof GbR", {"Bau GmbH", "Mueller"})
    assert not judge.any_of("Lindenhof GbR", set())
    # the verdicts are cached: asking again with an extra name still finds the payer
    assert judge.any_of("Lindenhof GbR", {"Bau GmbH", "Lindenhof"})


@given(st.lists(st.tuples(names, st.sets(names, max_size=5)), min_size=1, max_size=6))
def test_bulk_judgement_equals_each_pair_alone(
    questions: list[tuple[str, set[str]]],
) -> None:
    judge = SamePayer(CUTOFF)  # one judge for all questions, as in a run
    for contact, payers in questions:
        expected = any(same_payer(contact, payer, CUTOFF) for payer in payers)
        assert judge.any_of(contact, payers) is expected
