"""Whether a bank line's payer name is a contact's name, each pair of names judged once.

The external check asks about hundreds of thousands of (contact name, payer name)
pairs. :class:`SamePayer` judges them in bulk: only payer names sharing a word with
the contact's name can reach the bar, so the others are settled by comparing cached
word sets; the rest go through one pairwise ``rapidfuzz.process.cpdist`` call.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import not_

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process, utils

__all__ = ["SamePayer", "name_words", "same_payer"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def name_words(name: str) -> frozenset[str]:
    """The words of a name as rapidfuzz compares them."""
    return frozenset(utils.default_process(name).split())


def same_payer(contact_name: str, payer_name: str, cutoff: float) -> bool:
    """One pair judged alone: a shared word and token set ratio ≥ ``cutoff``."""
    if name_words(contact_name).isdisjoint(name_words(payer_name)):
        return False
    value = fuzz.token_set_ratio(contact_name, payer_name, processor=utils.default_process)
    return bool(value >= cutoff)


class SamePayer:
    """:func:`same_payer` for many pairs at once; word sets cached per run."""

    __slots__ = ("_cutoff", "_words")

    def __init__(self, cutoff: float) -> None:
        self._cutoff = cutoff
        self._words: dict[str, frozenset[str]] = {}

    def judge(
        self,
        contact_names: Sequence[str],
        payer_names: Sequence[str],
        left: IntArray,
        right: IntArray,
    ) -> BoolArray:
        """Pair by pair, whether ``payer_names[right[i]]`` is the payer of
        ``contact_names[left[i]]``."""
        words = self._words
        missing = {*contact_names, *payer_names}.difference(words)
        if missing:
            words.update(zip(missing, map(name_words, missing), strict=True))
        contact_words = list(map(words.__getitem__, contact_names))
        payer_words = list(map(words.__getitem__, payer_names))
        lefts, rights = left.tolist(), right.tolist()
        disjoint = map(
            frozenset.isdisjoint,
            map(contact_words.__getitem__, lefts),
            map(payer_words.__getitem__, rights),
        )
        sharing = np.fromiter(map(not_, disjoint), np.bool_, len(lefts))
        out = np.zeros(len(lefts), dtype=np.bool_)
        fresh = np.flatnonzero(sharing)
        if fresh.size:
            scores = process.cpdist(
                [contact_names[i] for i in left[fresh].tolist()],
                [payer_names[i] for i in right[fresh].tolist()],
                scorer=fuzz.token_set_ratio,
                processor=utils.default_process,
                dtype=np.float64,
            )
            out[fresh] = scores >= self._cutoff
        return out
